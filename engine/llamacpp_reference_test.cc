// The engine's logits against llama.cpp's on the shared reference files
// (../shared/testdata/llamacpp: tiny models, 16- and 48-token sequences, llama.cpp's full
// log-softmax at every position, computed on CPU with 1 thread and its default f16 KV cache).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/logits_test_util.h"
#include "kernels/registry.h"
#include "tests/test_support.h"

namespace lfm::engine {
namespace {

struct Reference {
  std::string model;                          // path relative to testdata/
  std::vector<int32_t> tokens;                // [n]
  std::vector<std::vector<double>> logprobs;  // [n][V]
};

Reference LoadReference(const std::string& path) {
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  Reference r;
  r.model = j.at("model").get<std::string>();
  r.tokens = j.at("tokens").get<std::vector<int32_t>>();
  for (const auto& p : j.at("positions"))
    r.logprobs.push_back(p.at("logprobs").get<std::vector<double>>());
  return r;
}

std::vector<double> LogSoftmax(const float* logits, int64_t V) {
  double max = logits[0];
  for (int64_t i = 1; i < V; ++i) max = std::max<double>(max, logits[i]);
  double sum = 0;
  for (int64_t i = 0; i < V; ++i) sum += std::exp(logits[i] - max);
  std::vector<double> out(V);
  for (int64_t i = 0; i < V; ++i) out[i] = logits[i] - max - std::log(sum);
  return out;
}

int64_t Argmax(const std::vector<double>& v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

// Agreement to float rounding, in log-prob (see ToleranceFor).
constexpr double kFloatRounding = 1e-4;

// How our log-softmax agrees with llama.cpp's over a sequence.
struct Agreement {
  double max_abs_diff = 0;     // max over positions and the whole vocabulary of |d log-softmax|
  double median_position = 0;  // median over positions of the per-position max
  double mean_kl = 0;          // mean over positions of KL(llama.cpp || ours)
  int top1_mismatches = 0;     // positions whose argmax differs
  double worst_top1_gap = 0;   // at those, llama.cpp's logprob of its argmax minus of ours
  std::vector<double> position_max;  // [n] per position: max |d log-softmax|
  int first_divergence = 0;          // first position whose max exceeds kFloatRounding, else n
};

// logits: [n, V] from the engine.
Agreement Compare(const std::vector<float>& logits, const Reference& ref) {
  Agreement a;
  const int64_t V = static_cast<int64_t>(ref.logprobs[0].size());
  std::vector<double>& position_max = a.position_max;
  for (size_t i = 0; i < ref.tokens.size(); ++i) {
    const std::vector<double> ours = LogSoftmax(logits.data() + i * V, V);
    const std::vector<double>& theirs = ref.logprobs[i];
    double m = 0, kl = 0;
    for (int64_t v = 0; v < V; ++v) {
      m = std::max(m, std::abs(ours[v] - theirs[v]));
      kl += std::exp(theirs[v]) * (theirs[v] - ours[v]);
    }
    position_max.push_back(m);
    a.max_abs_diff = std::max(a.max_abs_diff, m);
    a.mean_kl += kl / ref.tokens.size();
    const int64_t mine = Argmax(ours), best = Argmax(theirs);
    if (mine != best) {
      ++a.top1_mismatches;
      a.worst_top1_gap = std::max(a.worst_top1_gap, theirs[best] - theirs[mine]);
    }
  }
  while (a.first_divergence < static_cast<int>(position_max.size()) &&
         position_max[a.first_divergence] <= kFloatRounding) {
    ++a.first_divergence;
  }
  std::vector<double> sorted = position_max;
  std::sort(sorted.begin(), sorted.end());
  a.median_position = sorted[sorted.size() / 2];
  return a;
}

// Which backends compute what llama.cpp computes on a file (kernels/registry.h): `reference` and
// `cpu` always (they round activations to the weights' vec-dot type as llama.cpp does); the f32
// backends (`naive`, `openblas`, `onednn`) only on f32 files, where llama.cpp does not round
// activations either. `onednn-s8` computes another model and is compared with the exact model
// only (backend_logits_test.cc).
bool ClaimsLlamaCppNumerics(const std::string& backend, const std::string& model) {
  if (backend == "reference" || backend == "cpu") return true;
  return backend != "onednn-s8" && model.find("-f32") != std::string::npos;
}

// What "agrees with llama.cpp" means for a model file type. engine/compare_logits.py (the peer
// test on generated models) uses the same numbers for f32 and f16.
struct Tolerance {
  double max_abs_diff;
  double median_position;
  double mean_kl;
  double top1_gap;  // a top-1 mismatch is allowed only where llama.cpp's top-2 gap is below this
};

// f32: the bar: max 1e-2 and the same top-1 everywhere. Measured max 1.4e-3 (llama.cpp's
//   f16 K/V cache and its f16 rounding of q and of the softmax output in attention are emulated;
//   without them 2.8e-3).
// f16: activations are rounded to f16 before every product as llama.cpp rounds them, but an f16
//   rounding falls the other way whenever the float sums differ in the last bit, so agreement is
//   bounded by summation order. llama.cpp itself differs by 1.3e-2 between its haswell and zen4
//   builds on tiny-moe-f16 seqA. Bound 3e-2, same top-1 everywhere.
// q8_0/q4_0 (reference, cpu): activations are quantized to q8_0 blocks exactly as llama.cpp does
//   and the block sums are exact integers, so the only difference is the float sum over a row's
//   blocks and the engine's float code around the products: about sqrt(n_blocks)·2^-24 ≈ 1e-7
//   relative per output, which through six layers and a log-softmax over logits of order 10
//   stays below kFloatRounding = 1e-4 in log-prob (measured 1e-6..5e-6). That holds until one
//   activation lies within that float error of a q8_0 rounding boundary and falls the other way
//   (a "flip", a jump of one quantization step), from which point the sequence differs by the
//   flip's consequences: seen from position 13 (reference) or 30 (cpu) of q8_0 seqB, 2 of q4_0
//   seqA and 0 of q4_0 seqB, reaching 2.7 there. Three checks follow (QuantizedAgreementHolds):
//   every position before a sequence's first flip within kFloatRounding, the first difference
//   above it a jump (> kFlipJump: no slow drift), and, flips being rare events (a window of about
//   1e-7 relative around each boundary), at least kMinUnflippedPositions of the 128 positions of
//   the four quantized sequences before their flips (measured 36 reference, 53 cpu); after a
//   flip, the statistical bound (median position 0.4, mean KL 0.05, max 4, top-1 swaps only where
//   llama.cpp's top two are within 1 nat). Gaussian noise of σ 0.1 on the logits passes that
//   statistical bound but not the others (GaussianNoiseOnTheLogitsIsCaught).
constexpr double kFlipJump = 1e-2;
constexpr int kMinUnflippedPositions = 16;
Tolerance ToleranceFor(const std::string& model) {
  if (model.find("-f32") != std::string::npos) return {1e-2, 1e-2, 1e-4, 0};
  if (model.find("-f16") != std::string::npos) return {3e-2, 3e-2, 1e-4, 0};
  return {4.0, 0.4, 0.05, 1.0};
}

bool Within(const Agreement& a, const Tolerance& t) {
  return a.max_abs_diff <= t.max_abs_diff && a.median_position <= t.median_position &&
         a.mean_kl <= t.mean_kl && (a.top1_mismatches == 0 || a.worst_top1_gap < t.top1_gap);
}

std::string Describe(const Agreement& a) {
  return fmt::format(
      "max |d log-softmax| {:.3g}, median position {:.3g}, mean KL {:.2e}, "
      "top-1 mismatches {} (largest llama.cpp gap {:.3g}), first position above {:.0e}: {}",
      a.max_abs_diff, a.median_position, a.mean_kl, a.top1_mismatches, a.worst_top1_gap,
      kFloatRounding, a.first_divergence);
}

struct Param {
  std::string sequence;  // "tiny-moe-q8_0.seqA"
  std::string backend;
};

std::vector<Param> Params() {
  std::vector<Param> out;
  for (const char* seq :
       {"tiny-moe-f32.seqA", "tiny-moe-f32.seqB", "tiny-dense-f32.seqA", "tiny-dense-f32.seqB",
        "tiny-moe-f16.seqA", "tiny-moe-f16.seqB", "tiny-moe-q8_0.seqA", "tiny-moe-q8_0.seqB",
        "tiny-moe-q4_0.seqA", "tiny-moe-q4_0.seqB"}) {
    for (const std::string& backend : kernels::CompiledBackends()) {
      if (ClaimsLlamaCppNumerics(backend, seq)) out.push_back({seq, backend});
    }
  }
  return out;
}

// Agreement of `backend` with llama.cpp on one shared sequence; the reference data loaded too.
Agreement Measure(const std::string& shared, const Param& p, Reference* ref) {
  const std::string testdata = shared + "/testdata/";
  *ref = LoadReference(testdata + "llamacpp/" + p.sequence + ".json");
  const std::vector<float> logits =
      testing::AllPositionLogits(testdata + ref->model, ref->tokens, p.backend);
  EXPECT_EQ(logits.size(), ref->tokens.size() * ref->logprobs[0].size());
  if (logits.size() != ref->tokens.size() * ref->logprobs[0].size()) return {};
  return Compare(logits, *ref);
}

class LlamaCppReferenceTest : public ::testing::TestWithParam<Param> {};

TEST_P(LlamaCppReferenceTest, LogSoftmaxAgreesAtEveryPosition) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  Reference ref;
  const Agreement a = Measure(shared, GetParam(), &ref);
  std::printf("%s %s: %s\n", GetParam().sequence.c_str(), GetParam().backend.c_str(),
              Describe(a).c_str());
  EXPECT_TRUE(Within(a, ToleranceFor(ref.model))) << Describe(a);
}

INSTANTIATE_TEST_SUITE_P(SharedFiles, LlamaCppReferenceTest, ::testing::ValuesIn(Params()),
                         [](const auto& info) {
                           std::string name = info.param.sequence + "_" + info.param.backend;
                           std::replace(name.begin(), name.end(), '.', '_');
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

const char* const kQuantizedSequences[] = {"tiny-moe-q8_0.seqA", "tiny-moe-q8_0.seqB",
                                           "tiny-moe-q4_0.seqA", "tiny-moe-q4_0.seqB"};

// The llama.cpp-numerics checks over the quantized sequences (ToleranceFor's comment): float
// rounding until a flip, a flip is a jump, flips are rare. Failures are explained in `why`.
bool QuantizedAgreementHolds(const std::vector<Agreement>& sequences, std::string* why) {
  int unflipped = 0;
  for (const Agreement& a : sequences) {
    const int n = static_cast<int>(a.position_max.size());
    unflipped += a.first_divergence;
    if (a.first_divergence < n && a.position_max[a.first_divergence] <= kFlipJump) {
      *why = fmt::format("a drift, not a flip, at position {}: {:.3g}", a.first_divergence,
                         a.position_max[a.first_divergence]);
      return false;
    }
  }
  if (unflipped < kMinUnflippedPositions) {
    *why = fmt::format("only {} positions agree to float rounding before a flip", unflipped);
    return false;
  }
  return true;
}

TEST(LlamaCppReferenceCheck, QuantizedFilesAgreeToFloatRoundingUntilARoundingFlips) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  for (const std::string& backend : kernels::CompiledBackends()) {
    if (!ClaimsLlamaCppNumerics(backend, "tiny-moe-q8_0")) continue;
    std::vector<Agreement> sequences;
    for (const char* seq : kQuantizedSequences) {
      Reference ref;
      sequences.push_back(Measure(shared, {seq, backend}, &ref));
      std::printf("%s %s: %s\n", seq, backend.c_str(), Describe(sequences.back()).c_str());
    }
    std::string why;
    EXPECT_TRUE(QuantizedAgreementHolds(sequences, &why)) << backend << ": " << why;
  }
}

// A backend that computes the file's model (no activation rounding) is not llama.cpp on
// quantized files: it differs from the first position on.
TEST(LlamaCppReferenceCheck, TheExactModelIsNotLlamaCppOnQuantizedFiles) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  std::vector<Agreement> sequences;
  for (const char* seq : kQuantizedSequences) {
    Reference ref;
    sequences.push_back(Measure(shared, {seq, "naive"}, &ref));
  }
  std::string why;
  EXPECT_FALSE(QuantizedAgreementHolds(sequences, &why));
  std::printf("naive: %s\n", why.c_str());
}

// Gaussian noise of σ 0.1 on every logit of llama.cpp's own log-softmax passes the statistical
// bound alone (the issue found it did), and fails the float-rounding checks.
TEST(LlamaCppReferenceCheck, GaussianNoiseOnTheLogitsIsCaught) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 0.1);
  std::vector<Agreement> sequences;
  bool statistical_bound_passed = true;
  for (const char* seq : kQuantizedSequences) {
    const Reference ref = LoadReference(shared + "/testdata/llamacpp/" + seq + ".json");
    std::vector<float> logits;
    for (const std::vector<double>& position : ref.logprobs) {
      for (double lp : position) logits.push_back(static_cast<float>(lp + noise(rng)));
    }
    sequences.push_back(Compare(logits, ref));
    statistical_bound_passed &= Within(sequences.back(), ToleranceFor(ref.model));
  }
  EXPECT_TRUE(statistical_bound_passed) << "the noise is meant to be what the old bound accepted";
  std::string why;
  EXPECT_FALSE(QuantizedAgreementHolds(sequences, &why));
  std::printf("noise: %s\n", why.c_str());
}

}  // namespace
}  // namespace lfm::engine
