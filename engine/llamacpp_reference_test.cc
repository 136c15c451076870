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
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/logits_test_util.h"
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

// How our log-softmax agrees with llama.cpp's over a sequence.
struct Agreement {
  double max_abs_diff = 0;     // max over positions and the whole vocabulary of |d log-softmax|
  double median_position = 0;  // median over positions of the per-position max
  double mean_kl = 0;          // mean over positions of KL(llama.cpp || ours)
  int top1_mismatches = 0;     // positions whose argmax differs
  double worst_top1_gap = 0;   // at those, llama.cpp's logprob of its argmax minus of ours
};

// logits: [n, V] from the engine.
Agreement Compare(const std::vector<float>& logits, const Reference& ref) {
  Agreement a;
  const int64_t V = static_cast<int64_t>(ref.logprobs[0].size());
  std::vector<double> position_max;
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
  std::sort(position_max.begin(), position_max.end());
  a.median_position = position_max[position_max.size() / 2];
  return a;
}

// What "agrees with llama.cpp" means for a model file type. engine/compare_logits.py (the peer
// test on generated models) uses the same numbers.
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
//   builds on tiny-moe-f16 seqA, and our reference and cpu backends by 1.3e-2 on seqB. Measured
//   1.5e-2; bound 3e-2, same top-1 everywhere.
// q8_0/q4_0: activations are quantized to q8_0 blocks exactly as llama.cpp does, so until one
//   block value rounds the other way the agreement is exact (q8_0 seqA: max 4.4e-6). Such a
//   flip needs only a last-bit difference in a float sum and then moves the rest of the
//   sequence: llama.cpp and we flip on q8_0 seqB at position 13 (max 0.25) and on the first
//   token of q4_0 seqB (max 2.7, mean KL 0.025, 3 top-1 swaps where llama.cpp's own top two are
//   within 0.61). Our reference and cpu backends, identical but for summation order, differ by
//   as much (1.6 on q4_0 seqB). So the bound is statistical: median position 0.4, mean KL 0.05,
//   max 4, top-1 swaps only between tokens llama.cpp puts within 1 nat. That still tells a q8_0
//   model from its f32 original (median 0.79, see AQuantizedModelIsNotItsF32Original).
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
      "top-1 mismatches {} (largest llama.cpp gap {:.3g})",
      a.max_abs_diff, a.median_position, a.mean_kl, a.top1_mismatches, a.worst_top1_gap);
}


class LlamaCppReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaCppReferenceTest, LogSoftmaxAgreesAtEveryPosition) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::string testdata = shared + "/testdata/";
  const Reference ref = LoadReference(testdata + "llamacpp/" + GetParam() + ".json");
  const std::vector<float> logits = testing::AllPositionLogits(testdata + ref.model, ref.tokens);
  ASSERT_EQ(logits.size(), ref.tokens.size() * ref.logprobs[0].size());
  const Agreement a = Compare(logits, ref);
  std::printf("%s: %s\n", GetParam().c_str(), Describe(a).c_str());
  EXPECT_TRUE(Within(a, ToleranceFor(ref.model))) << Describe(a);
}

INSTANTIATE_TEST_SUITE_P(SharedFiles, LlamaCppReferenceTest,
                         ::testing::Values("tiny-moe-f32.seqA", "tiny-moe-f32.seqB",
                                           "tiny-dense-f32.seqA", "tiny-dense-f32.seqB",
                                           "tiny-moe-f16.seqA", "tiny-moe-f16.seqB",
                                           "tiny-moe-q8_0.seqA", "tiny-moe-q8_0.seqB",
                                           "tiny-moe-q4_0.seqA", "tiny-moe-q4_0.seqB"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '.', '_');
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The checks can fail: one logit moved by 0.05 breaks the f32 agreement.
TEST(LlamaCppReferenceCheck, APerturbedLogitIsCaught) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::string testdata = shared + "/testdata/";
  const Reference ref = LoadReference(testdata + "llamacpp/tiny-moe-f32.seqA.json");
  std::vector<float> logits = testing::AllPositionLogits(testdata + ref.model, ref.tokens);
  ASSERT_TRUE(Within(Compare(logits, ref), ToleranceFor(ref.model)));
  logits[5 * ref.logprobs[0].size() + 100] += 0.05f;
  const Agreement a = Compare(logits, ref);
  EXPECT_FALSE(Within(a, ToleranceFor(ref.model))) << Describe(a);
}

// The statistical bound of quantized files still tells a q8_0 model from its f32 original.
TEST(LlamaCppReferenceCheck, AQuantizedModelIsNotItsF32Original) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::string testdata = shared + "/testdata/";
  for (const char* seq : {"seqA", "seqB"}) {
    const Reference f32 = LoadReference(testdata + "llamacpp/tiny-moe-f32." + seq + ".json");
    const std::vector<float> q8 = testing::AllPositionLogits(testdata + "models/tiny-moe-q8_0.gguf", f32.tokens);
    const Agreement a = Compare(q8, f32);
    EXPECT_FALSE(Within(a, ToleranceFor("tiny-moe-q8_0"))) << seq << ": " << Describe(a);
  }
}

}  // namespace
}  // namespace lfm::engine
