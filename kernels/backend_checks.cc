#include "kernels/backend_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "kernels/reference/reference_backend.h"
#include "kernels/test_weights.h"

namespace lfm::kernels::testing {
namespace {

std::vector<float> Normals(int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// Copies the first 128 values' bytes of row 1 over row 0 (whole blocks for every type).
void CorruptRow0(std::vector<uint8_t>& w, DType type, int64_t cols) {
  const int64_t n = std::min<int64_t>(cols, std::max(128, Info(type).block_elems));
  std::memcpy(w.data(), w.data() + RowBytes(type, cols), RowBytes(type, n));
}

}  // namespace

double LinearNmse(Backend& backend, Backend& reference, DType type, int64_t rows, int64_t cols,
                  int64_t n_tokens, std::mt19937& rng, bool corrupt) {
  const std::vector<uint8_t> w = RandomWeights(type, rows, cols, rng);
  std::vector<uint8_t> w_backend = w;
  if (corrupt) CorruptRow0(w_backend, type, cols);
  const std::vector<float> x = Normals(n_tokens * cols, rng);   // [n_tokens, cols]
  std::vector<float> y(n_tokens * rows), ref(n_tokens * rows);  // [n_tokens, rows]
  backend.Linear({w_backend.data(), type, rows, cols}, x.data(), n_tokens, y.data());
  reference.Linear({w.data(), type, rows, cols}, x.data(), n_tokens, ref.data());
  return Nmse(y.data(), ref.data(), n_tokens * rows);
}

TestExperts::TestExperts(DType type, int n_experts, int64_t d_model, int64_t d_ffn,
                         std::mt19937& rng)
    : gate_(RandomWeights(type, n_experts * d_ffn, d_model, rng)),
      up_(RandomWeights(type, n_experts * d_ffn, d_model, rng)),
      down_(RandomWeights(type, n_experts * d_model, d_ffn, rng)),
      weights_{n_experts,
               d_model,
               d_ffn,
               {gate_.data(), type, n_experts * d_ffn, d_model},
               {up_.data(), type, n_experts * d_ffn, d_model},
               {down_.data(), type, n_experts * d_model, d_ffn}} {}

double MoeNmse(Backend& backend, Backend& reference, const TestExperts& experts_under_test,
               int n_used, int64_t n_tokens, Routing routing, std::mt19937& rng, bool corrupt) {
  const MoeWeights& w = experts_under_test.weights();
  const int E = w.n_experts, k = n_used;
  const int64_t D = w.d_model;
  std::vector<int32_t> experts(n_tokens * k);  // [n_tokens, k]
  std::vector<float> weights(n_tokens * k);    // [n_tokens, k]
  std::uniform_real_distribution<float> uniform(0.1f, 1.0f);
  std::vector<int32_t> ids(E);
  for (int64_t t = 0; t < n_tokens; ++t) {
    std::iota(ids.begin(), ids.end(), 0);
    std::shuffle(ids.begin(), ids.end(), rng);
    if (routing == Routing::kNoneTo0) std::erase(ids, 0);
    if (routing == Routing::kAllToOne)
      std::iter_swap(ids.begin(), std::find(ids.begin(), ids.end(), 1));
    float sum = 0;
    for (int j = 0; j < k; ++j) sum += weights[t * k + j] = uniform(rng);
    for (int j = 0; j < k; ++j) {
      experts[t * k + j] = ids[j];
      weights[t * k + j] /= sum;
    }
  }
  std::vector<int32_t> experts_backend = experts;
  if (corrupt) experts_backend[0] = experts[0] == 2 ? 3 : 2;  // any expert but the right one
  const std::vector<float> x = Normals(n_tokens * D, rng);    // [n_tokens, D]
  std::vector<float> y(n_tokens * D), ref(n_tokens * D);      // [n_tokens, D]
  backend.Moe(w, x.data(), {n_tokens, k, experts_backend.data(), weights.data()}, y.data());
  reference.Moe(w, x.data(), {n_tokens, k, experts.data(), weights.data()}, ref.data());
  return Nmse(y.data(), ref.data(), n_tokens * D);
}

void ExpectMatchesReference(Backend& backend, double linear_threshold, double moe_threshold) {
  const std::unique_ptr<Backend> reference = MakeReferenceBackend(nullptr);
  std::mt19937 rng(7);
  for (DType type : kAllWeightTypes) {
    if (!backend.Supports(type)) continue;
    const TestExperts experts(type, 8, 256, 256, rng);
    for (int64_t n : kAwkwardTokenCounts) {
      EXPECT_LT(LinearNmse(backend, *reference, type, 97, 512, n, rng), linear_threshold)
          << DTypeName(type) << " tokens=" << n;
      for (Routing routing : {Routing::kRandom, Routing::kNoneTo0, Routing::kAllToOne}) {
        EXPECT_LT(MoeNmse(backend, *reference, experts, 2, n, routing, rng), moe_threshold)
            << DTypeName(type) << " tokens=" << n << " routing=" << static_cast<int>(routing);
      }
    }
  }
}

}  // namespace lfm::kernels::testing
