// Every compiled backend against the reference backend, over awkward shapes and every weight
// type, with a normalized-error (NMSE) threshold per backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kernels/registry.h"
#include "kernels/test_weights.h"

namespace lfm::kernels {
namespace {

using testing::Nmse;
using testing::RandomWeights;

// NMSE thresholds. `cpu` runs the reference's integer block math and differs only in float
// summation order (~1e-7 relative per output, NMSE ~1e-13), except that the MoE hidden layer
// is re-quantized to 8 bits between matrices, where a last-bit difference can flip a rounding
// by one step (measured NMSE up to ~4e-8): 1e-6 leaves margin yet catches any real error.
// f32-GEMM backends skip the reference's rounding of activations to 8 bits (a relative error of
// ~0.4% per activation, NMSE ~1e-5 on outputs); 5e-4 is ggml's threshold for mul_mat_id in
// test-backend-ops (`naive`, `openblas`, `onednn`). `onednn-s8` on a CPU without VNNI runs s8
// weights with 7-bit per-row scales against u8 per-token activations: per matrix that is a weight
// noise of (3σ/63)²/12 ≈ 1.9e-4 plus an activation noise of (6σ/255)²/12 ≈ 4.6e-5, and the MoE
// chains two such products through the SiLU gate, measured 7e-4..1.1e-3; 3e-3 covers that while a
// one output off by a tenth of the vector's norm (NMSE 1e-2, PerturbedOutputIsCaught) fails.
double Threshold(const std::string& backend, bool moe) {
  if (backend == "cpu") return 1e-6;
  if (backend == "onednn-s8" && moe) return 3e-3;
  return 5e-4;
}

std::vector<std::string> BackendsUnderTest() {
  std::vector<std::string> names;
  for (const std::string& n : CompiledBackends()) {
    if (n != "reference") names.push_back(n);
  }
  names.push_back("exact");  // the fidelity oracle (exact_backend.h), not a listed strategy
  return names;
}

std::vector<float> RandomVector(int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<ThreadPool>(2);
    backend_ = std::move(MakeBackend(GetParam(), pool_.get()).value());
    reference_ = std::move(MakeBackend("reference", nullptr).value());
  }
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Backend> backend_, reference_;
};

const int64_t kTokenCounts[] = {1, 2, 7, 64, 129};

TEST_P(BackendTest, LinearMatchesReference) {
  std::mt19937 rng(1);
  const int64_t rows = 96, cols = 512;
  for (DType type : testing::kAllWeightTypes) {
    if (!backend_->Supports(type)) continue;
    const std::vector<uint8_t> w = RandomWeights(type, rows, cols, rng);
    const WeightView view{w.data(), type, rows, cols};
    for (int64_t n : kTokenCounts) {
      const std::vector<float> x = RandomVector(n * cols, rng);
      std::vector<float> y(n * rows), ref(n * rows);
      backend_->Linear(view, x.data(), n, y.data());
      reference_->Linear(view, x.data(), n, ref.data());
      EXPECT_LT(Nmse(y.data(), ref.data(), n * rows), Threshold(GetParam(), false))
          << DTypeName(type) << " tokens=" << n;
    }
  }
}

// A routing of n tokens: `pick(t, j)` gives slot j's expert; weights random, normalized.
MoeRouting MakeRouting(int64_t n, int k, std::vector<int32_t>& experts, std::vector<float>& weights,
                       std::mt19937& rng, const std::function<int(int64_t, int)>& pick) {
  experts.resize(n * k);
  weights.resize(n * k);
  std::uniform_real_distribution<float> u(0.1f, 1.0f);
  for (int64_t t = 0; t < n; ++t) {
    float sum = 0;
    for (int j = 0; j < k; ++j) sum += weights[t * k + j] = u(rng);
    for (int j = 0; j < k; ++j) {
      experts[t * k + j] = pick(t, j);
      weights[t * k + j] /= sum;
    }
  }
  return {n, k, experts.data(), weights.data()};
}

struct RoutingCase {
  const char* name;
  int k;
  std::function<int(int64_t t, int j, std::mt19937& rng)> pick;
};

// E = 8 experts. Random distinct experts per token never use expert 3, so one expert always
// gets no tokens; the other cases send every token to the same expert(s).
const RoutingCase kRoutings[] = {
    {"random top-2, expert 3 idle", 2,
     [](int64_t t, int j, std::mt19937&) {
       static const int kUsable[] = {0, 1, 2, 4, 5, 6, 7};
       // Offsets 1..6 are never 0 mod 7, so a token's two experts differ.
       return kUsable[(3 * t + j * (1 + t % 6)) % 7];
     }},
    {"all tokens to experts 5 and 6", 2, [](int64_t, int j, std::mt19937&) { return 5 + j; }},
    {"top-1, all tokens to expert 2", 1, [](int64_t, int, std::mt19937&) { return 2; }},
};

TEST_P(BackendTest, MoeMatchesReference) {
  std::mt19937 rng(2);
  const int E = 8;
  const int64_t D = 256, F = 256;
  for (DType type : testing::kAllWeightTypes) {
    if (!backend_->Supports(type)) continue;
    const std::vector<uint8_t> gate = RandomWeights(type, E * F, D, rng);
    const std::vector<uint8_t> up = RandomWeights(type, E * F, D, rng);
    const std::vector<uint8_t> down = RandomWeights(type, E * D, F, rng);
    const MoeWeights w{E,
                       D,
                       F,
                       {gate.data(), type, E * F, D},
                       {up.data(), type, E * F, D},
                       {down.data(), type, E * D, F}};
    for (const RoutingCase& rc : kRoutings) {
      for (int64_t n : kTokenCounts) {
        std::vector<int32_t> experts;
        std::vector<float> weights;
        const MoeRouting r = MakeRouting(n, rc.k, experts, weights, rng,
                                         [&](int64_t t, int j) { return rc.pick(t, j, rng); });
        const std::vector<float> x = RandomVector(n * D, rng);
        std::vector<float> y(n * D, 99.0f), ref(n * D);
        backend_->Moe(w, x.data(), r, y.data());
        reference_->Moe(w, x.data(), r, ref.data());
        EXPECT_LT(Nmse(y.data(), ref.data(), n * D), Threshold(GetParam(), true))
            << DTypeName(type) << " " << rc.name << " tokens=" << n;
      }
    }
  }
}

// The comparison can fail: one output perturbed by 10% of the outputs' RMS exceeds every
// threshold on the smallest case (a single token, 96 outputs).
TEST_P(BackendTest, PerturbedOutputIsCaught) {
  std::mt19937 rng(3);
  const int64_t rows = 96, cols = 256;
  const std::vector<uint8_t> w = RandomWeights(DType::kQ8_0, rows, cols, rng);
  const WeightView view{w.data(), DType::kQ8_0, rows, cols};
  const std::vector<float> x = RandomVector(cols, rng);
  std::vector<float> y(rows), ref(rows);
  backend_->Linear(view, x.data(), 1, y.data());
  reference_->Linear(view, x.data(), 1, ref.data());
  ASSERT_LT(Nmse(y.data(), ref.data(), rows), Threshold(GetParam(), false));
  const double rms = std::sqrt(std::inner_product(ref.begin(), ref.end(), ref.begin(), 0.0) / rows);
  y[17] += static_cast<float>(0.1 * rms * std::sqrt(static_cast<double>(rows)));
  EXPECT_GT(Nmse(y.data(), ref.data(), rows), Threshold(GetParam(), false));
  EXPECT_GT(Nmse(y.data(), ref.data(), rows), Threshold(GetParam(), true));
}

INSTANTIATE_TEST_SUITE_P(Compiled, BackendTest, ::testing::ValuesIn(BackendsUnderTest()),
                         [](const auto& info) {
                           std::string name = info.param;  // gtest names allow no '-'
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(RegistryTest, UnknownBackendListsTheCompiledOnes) {
  auto r = MakeBackend("gpu", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown backend 'gpu' (this build has: reference"),
            std::string::npos);
}

}  // namespace
}  // namespace lfm::kernels
