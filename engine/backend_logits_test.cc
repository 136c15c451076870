// Whole-model fidelity of every backend: next-token log-softmax at every position of a 48-token
// prefill on generated tiny models (MoE f32 / q8_0 / q4_0, dense q4_0) against the `exact`
// backend, float64 sums over the file's dequantized weights (kernels/exact/exact_backend.h). The
// rest of the forward pass (norms, conv, attention and its f16 K/V cache) is the engine's own
// code, which every backend shares, so what is measured is the backend. Each backend is held to
// the bound of what it claims to compute (ClaimOf, ToleranceFor).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/engine.h"
#include "engine/logits_test_util.h"
#include "engine/test_models.h"
#include "kernels/registry.h"
#include "tests/test_support.h"

namespace lfm::engine {
namespace {

using kernels::DType;

struct Case {
  const char* arch;
  DType type;
};
const Case kCases[] = {{"lfm2moe", DType::kF32},
                       {"lfm2moe", DType::kQ8_0},
                       {"lfm2moe", DType::kQ4_0},
                       {"lfm2", DType::kQ4_0}};

// What a backend computes (kernels/registry.h).
enum class Claim {
  kFileModel,    // the file's model in f32: naive, openblas, onednn
  kLlamaCpp,     // llama.cpp's numerics, activations rounded to q8_0/q8_K blocks: reference, cpu
  kRequantized,  // weights re-quantized to s8 per row, activations to u8 per token: onednn-s8
};

Claim ClaimOf(const std::string& backend) {
  if (backend == "reference" || backend == "cpu") return Claim::kLlamaCpp;
  if (backend == "onednn-s8") return Claim::kRequantized;
  return Claim::kFileModel;
}

struct Tolerance {
  double median_position;  // median over positions of the largest |Δ log-softmax|
  double mean_kl;          // mean over positions of KL(exact || backend)
  double top1_gap;         // a top-1 may differ only where the exact model's lead is below this
};

// kFileModel (and kLlamaCpp on f32 files, where llama.cpp does not round activations): the same
//   products summed in f32 instead of f64, a relative error of about sqrt(n)·2^-24 ≈ 1e-6 per
//   output (n ≤ 512 here). The engine stores K and V in f16 (as llama.cpp does), where such an
//   error occasionally moves a value to the neighbouring f16 (a relative change of 2^-11 ≈ 5e-4
//   on one element); through six layers that stays below 1e-3 in log-prob (measured median
//   position 1.5e-4..2.9e-4, mean KL < 5e-9). Bound: median position 2e-3, mean KL 1e-6, and
//   the top-1 the same wherever the exact model's lead is above 1e-2.
// kLlamaCpp on quantized files: every matrix input is rounded to 8-bit blocks, an error of up to
//   half a step (amax/254) per value, about 0.6% of the values' RMS, on every product. On these
//   random-weight models such a perturbation grows through the layers to log-prob changes of
//   order 0.1 to 1 (measured median position 0.25, mean KL 0.027). The bound checks that the
//   model is the file's: median position 1, mean KL 0.1, top-1 swaps only within 1 nat.
//   llama.cpp's own vectors hold these backends tightly (llamacpp_reference_test.cc).
// kRequantized: onednn-s8 on a CPU without VNNI keeps 7 bits per weight (error up to 1/126 of
//   the row's largest weight, ~1.6% RMS) besides 8 bits per activation, about three times the
//   activation rounding above (measured median position 0.43, mean KL 0.031, swaps within
//   0.75): median position 1.5, mean KL 0.15, swaps within 1.5 nats. A different model (another
//   seed) fails even that (AnotherModelIsCaught).
Tolerance ToleranceFor(Claim claim, DType type) {
  if (claim == Claim::kRequantized) return {1.5, 0.15, 1.5};
  if (claim == Claim::kLlamaCpp && type != DType::kF32) return {1.0, 0.1, 1.0};
  return {2e-3, 1e-6, 1e-2};
}

std::string MakeTiny(const Case& c, uint64_t seed) { return testing::TinyModel(c.arch, c.type, seed); }

// Log-softmax after every token: [n, V].
std::vector<double> LogSoftmaxAll(const std::string& model, const std::string& backend,
                                  const std::vector<int32_t>& tokens, int64_t* n_vocab) {
  const std::vector<float> logits = testing::AllPositionLogits(model, tokens, backend);
  if (logits.empty()) return {};
  const int64_t V = static_cast<int64_t>(logits.size() / tokens.size());
  *n_vocab = V;
  std::vector<double> out(logits.size());
  for (size_t p = 0; p < tokens.size(); ++p) {
    const float* row = logits.data() + p * V;
    const double max = *std::max_element(row, row + V);
    double sum = 0;
    for (int64_t v = 0; v < V; ++v) sum += std::exp(row[v] - max);
    for (int64_t v = 0; v < V; ++v) out[p * V + v] = row[v] - max - std::log(sum);
  }
  return out;
}

struct Agreement {
  int positions = 0;
  double median_abs_diff = 0;  // median over every position and token of |Δ log-softmax|
  double median_position = 0;  // median over positions of the position's max |Δ|
  double mean_kl = 0;          // mean over positions of KL(exact || backend)
  int top1_mismatches = 0;
  double worst_top1_gap = 0;  // the exact model's largest lead where the top-1 differs
};

bool Within(const Agreement& a, const Tolerance& t) {
  return a.median_position <= t.median_position && a.mean_kl <= t.mean_kl &&
         (a.top1_mismatches == 0 || a.worst_top1_gap < t.top1_gap);
}

std::string Describe(const Agreement& a) {
  return fmt::format(
      "top-1 {}/{} (largest exact lead where it differs {:.3g}), median |d| {:.2g}, "
      "median position max {:.3g}, mean KL {:.2e}",
      a.positions - a.top1_mismatches, a.positions, a.worst_top1_gap, a.median_abs_diff,
      a.median_position, a.mean_kl);
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

Agreement Compare(const std::vector<double>& got, const std::vector<double>& exact, int64_t V) {
  Agreement a;
  const size_t n = exact.size() / V;
  a.positions = static_cast<int>(n);
  if (got.size() != exact.size()) {
    a.median_position = a.mean_kl = a.worst_top1_gap = INFINITY;
    a.top1_mismatches = a.positions;
    return a;
  }
  std::vector<double> position_max(n), all(exact.size());
  for (size_t p = 0; p < n; ++p) {
    const double* r = exact.data() + p * V;
    const double* g = got.data() + p * V;
    for (int64_t v = 0; v < V; ++v) {
      all[p * V + v] = std::fabs(g[v] - r[v]);
      position_max[p] = std::max(position_max[p], all[p * V + v]);
      a.mean_kl += std::exp(r[v]) * (r[v] - g[v]) / n;
    }
    const int64_t top_exact = std::max_element(r, r + V) - r,
                  top_got = std::max_element(g, g + V) - g;
    if (top_exact != top_got) {
      a.top1_mismatches++;
      a.worst_top1_gap = std::max(a.worst_top1_gap, r[top_exact] - r[top_got]);
    }
  }
  a.median_position = Median(position_max);
  a.median_abs_diff = Median(all);
  return a;
}

std::vector<int32_t> Tokens(int64_t n_vocab) {
  std::mt19937 rng(5);
  std::vector<int32_t> tokens = {1};  // BOS
  while (tokens.size() < 48) tokens.push_back(static_cast<int32_t>(20 + rng() % (n_vocab - 20)));
  return tokens;
}

// Every backend the registry lists, the `reference` one included.
TEST(BackendLogitsTest, EveryBackendIsWithinItsClaimOfTheExactModel) {
  const std::vector<int32_t> tokens = Tokens(512);
  for (const Case& c : kCases) {
    const std::string model = MakeTiny(c, 11);
    int64_t V = 0;
    const std::vector<double> exact = LogSoftmaxAll(model, "exact", tokens, &V);
    ASSERT_FALSE(exact.empty());
    for (const std::string& backend : kernels::CompiledBackends()) {
      const Agreement a = Compare(LogSoftmaxAll(model, backend, tokens, &V), exact, V);
      const std::string what = fmt::format("{} {} {}", c.arch, kernels::DTypeName(c.type), backend);
      fmt::print("{}: {}\n", what, Describe(a));
      EXPECT_TRUE(Within(a, ToleranceFor(ClaimOf(backend), c.type))) << what << ": " << Describe(a);
    }
  }
}

// The bounds tell the claims apart: on a quantized file, llama.cpp's activation rounding (cpu)
// is not the file's model, and neither is the s8 re-quantization (what `onednn` computed before
// it moved to f32 panels), so both fail the file-model bound.
TEST(BackendLogitsTest, AnotherComputationFailsTheFileModelBound) {
  const Case c{"lfm2moe", DType::kQ4_0};
  const std::vector<int32_t> tokens = Tokens(512);
  const std::string model = MakeTiny(c, 11);
  int64_t V = 0;
  const std::vector<double> exact = LogSoftmaxAll(model, "exact", tokens, &V);
  std::vector<std::string> others = {"cpu"};
  for (const std::string& b : kernels::CompiledBackends()) {
    if (b == "onednn-s8") others.push_back(b);
  }
  for (const std::string& backend : others) {
    const Agreement a = Compare(LogSoftmaxAll(model, backend, tokens, &V), exact, V);
    EXPECT_FALSE(Within(a, ToleranceFor(Claim::kFileModel, c.type)))
        << backend << ": " << Describe(a);
  }
}

// The loosest bound still tells two models apart: the same file shape with another seed's weights.
TEST(BackendLogitsTest, AnotherModelIsCaught) {
  const Case c{"lfm2moe", DType::kQ4_0};
  const std::vector<int32_t> tokens = Tokens(512);
  int64_t V = 0;
  const std::vector<double> exact = LogSoftmaxAll(MakeTiny(c, 11), "exact", tokens, &V);
  const Agreement a = Compare(LogSoftmaxAll(MakeTiny(c, 12), "exact", tokens, &V), exact, V);
  EXPECT_FALSE(Within(a, ToleranceFor(Claim::kRequantized, c.type))) << Describe(a);
}

}  // namespace
}  // namespace lfm::engine
