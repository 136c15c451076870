// Batched decoding: Engine::DecodeBatch gives each sequence what decoding it alone gives, and
// BatchGenerator (continuous batching) gives each generation what Engine::Generate alone gives.
//
// What may differ between a sequence decoded alone and in a batch: only the backend's matrix
// products see B rows instead of one (and each MoE expert the tokens routed to it from all
// sequences); norms, conv, attention, the f16 KV cache and sampling are the engine's per-row
// code. So a backend whose every output row depends on its own input row only, summed in a
// fixed order whatever the row count, is bit-identical batched: reference, exact and naive run
// one loop per row (measured: 0). So is cpu where it reads q4_0/q8_0 weights in a load-time
// interleaved layout (kCpuRows16 with AVX-512 VNNI, kCpuRows8 with AVX2: one kernel for every
// row count; measured: 0). openblas and onednn choose gemv or gemm by row count: the same
// products summed in another f32 order, a relative change of
// ~sqrt(blocks)·2^-24 per output (measured per-row |Δ log-softmax| ~1e-6 on q4_0 rows, up to
// 9e-4 through openblas/onednn's f32 dequantized products). The engine takes discrete steps on
// those values: the router's top-k, rounding activations to q8 blocks, K/V to f16. A value
// within rounding of such a boundary (rare on a real model, frequent enough on these random
// weights, whose routing scores are near-ties) changes one choice, and the sequence's state
// carries that change on (measured up to 0.18 on a few of the 30 cpu q4_0 rows). Bound for
// these backends: median per-row |Δ| <= 2e-3 (rounding), max <= 1 nat (no row of another
// model or input; backend_logits_test.cc holds quantized backends to 1 nat too). Greedy
// generations are compared token for token where batching is bit-identical (reference).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "engine/batch_generator.h"
#include "engine/engine.h"
#include "engine/test_models.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/registry.h"
#include "tests/test_support.h"

namespace lfm::engine {
namespace {

using kernels::DType;

std::string MakeModelFile(DType type) { return testing::TinyModel("lfm2moe", type, 11); }

std::unique_ptr<Engine> OpenOrDie(const std::string& path, const std::string& backend) {
  EngineOptions options;
  options.model_path = path;
  options.backend = backend;
  options.threads = 2;
  options.max_context = 256;
  options.show_progress = false;
  auto engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status().message();
  return std::move(engine).value();
}

// Log-softmax of each row of `logits` [rows, V].
std::vector<double> LogSoftmaxRows(const std::vector<float>& logits, int64_t V) {
  std::vector<double> out(logits.size());
  for (size_t r = 0; r < logits.size() / V; ++r) {
    const float* row = logits.data() + r * V;
    const double max = *std::max_element(row, row + V);
    double sum = 0;
    for (int64_t v = 0; v < V; ++v) sum += std::exp(row[v] - max);
    for (int64_t v = 0; v < V; ++v) out[r * V + v] = row[v] - max - std::log(sum);
  }
  return out;
}

// Prompts of different lengths, so the sequences of a batch sit at different positions.
std::vector<std::vector<int32_t>> Prompts(int n_vocab) {
  std::vector<std::vector<int32_t>> prompts;
  for (int len : {3, 9, 1, 14, 6}) {
    std::vector<int32_t> p;
    for (int i = 0; i < len; ++i) p.push_back((53 * i + 17 * len + 5) % n_vocab);
    prompts.push_back(p);
  }
  return prompts;
}

// The token sequence b is fed at decode step s (teacher forcing: the same inputs either way).
int32_t StepToken(int b, int s, int n_vocab) { return (31 * s + 97 * b + 7) % n_vocab; }

constexpr int kSteps = 6;

// Log-softmax of every decode step of every sequence, [B][step][V]: each sequence alone.
std::vector<std::vector<double>> DecodeAlone(Engine& engine) {
  const int V = engine.config().n_vocab;
  std::vector<std::vector<double>> out;
  const auto prompts = Prompts(V);
  for (size_t b = 0; b < prompts.size(); ++b) {
    auto seq = engine.NewSequence();
    std::vector<float> logits, all;
    EXPECT_TRUE(engine.Prefill(*seq, prompts[b], &logits).ok());
    for (int s = 0; s < kSteps; ++s) {
      EXPECT_TRUE(engine.Decode(*seq, StepToken(static_cast<int>(b), s, V), &logits).ok());
      all.insert(all.end(), logits.begin(), logits.end());
    }
    out.push_back(LogSoftmaxRows(all, V));
  }
  return out;
}

// The same through DecodeBatch, all sequences in every step. `swap_tokens` feeds sequences 0
// and 1 each other's tokens (a wrong variant the comparison must catch).
std::vector<std::vector<double>> DecodeBatched(Engine& engine, bool swap_tokens = false) {
  const int V = engine.config().n_vocab;
  const auto prompts = Prompts(V);
  const int B = static_cast<int>(prompts.size());
  std::vector<std::unique_ptr<Sequence>> owned;
  std::vector<Sequence*> seqs;
  std::vector<float> logits;
  for (const auto& p : prompts) {
    owned.push_back(engine.NewSequence());
    seqs.push_back(owned.back().get());
    EXPECT_TRUE(engine.Prefill(*seqs.back(), p, &logits).ok());
  }
  std::vector<std::vector<float>> all(B);
  for (int s = 0; s < kSteps; ++s) {
    std::vector<int32_t> tokens;
    for (int b = 0; b < B; ++b) tokens.push_back(StepToken(b, s, V));
    if (swap_tokens) std::swap(tokens[0], tokens[1]);
    const Status status = engine.DecodeBatch(seqs, tokens, &logits);
    EXPECT_TRUE(status.ok()) << status.message();
    for (int b = 0; b < B; ++b)
      all[b].insert(all[b].end(), logits.begin() + b * V, logits.begin() + (b + 1) * V);
  }
  std::vector<std::vector<double>> out;
  for (const auto& rows : all) out.push_back(LogSoftmaxRows(rows, V));
  return out;
}

// The largest |Δ log-softmax| of each (sequence, step) row.
std::vector<double> RowDiffs(const std::vector<std::vector<double>>& a,
                             const std::vector<std::vector<double>>& b, int64_t V) {
  std::vector<double> rows;
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t r = 0; r < a[i].size() / V; ++r) {
      double m = 0;
      for (int64_t v = 0; v < V; ++v) m = std::max(m, std::abs(a[i][r * V + v] - b[i][r * V + v]));
      rows.push_back(m);
    }
  }
  return rows;
}

double Median(std::vector<double> x) {
  std::nth_element(x.begin(), x.begin() + x.size() / 2, x.end());
  return x[x.size() / 2];
}

// Backends whose output rows are each summed in one fixed order whatever the row count.
bool RowIndependent(const std::string& backend) {
  if (backend == "cpu") {
    const kernels::CpuFeatures& cpu = kernels::DetectCpuFeatures();
    return cpu.avx2;  // the tiny model's matrices are whole 16-row groups
  }
  return backend == "reference" || backend == "exact" || backend == "naive";
}

// Backends whose kernels depend on the row count: most rows differ by summation order only;
// a few may carry a discrete change (see the top of the file).
constexpr double kMedianRowBound = 2e-3;
constexpr double kMaxRowBound = 1.0;

std::vector<std::string> Backends() {
  std::vector<std::string> names = kernels::CompiledBackends();
  names.push_back("exact");
  return names;
}

class BatchDecodeTest : public ::testing::TestWithParam<std::tuple<std::string, DType>> {};

TEST_P(BatchDecodeTest, EachSequenceGetsWhatDecodingItAloneGives) {
  const auto& [backend, type] = GetParam();
  auto engine = OpenOrDie(MakeModelFile(type), backend);
  const int64_t V = engine->config().n_vocab;
  const auto alone = DecodeAlone(*engine);
  const std::vector<double> rows = RowDiffs(alone, DecodeBatched(*engine), V);
  const double median = Median(rows), max = *std::max_element(rows.begin(), rows.end());
  fmt::print("{} {}: |d log-softmax| batched vs alone, per row: median {:.3g}, max {:.3g}\n",
             backend, kernels::DTypeName(type), median, max);
  if (RowIndependent(backend)) {
    EXPECT_EQ(max, 0.0);
  } else {
    EXPECT_LE(median, kMedianRowBound);
    EXPECT_LE(max, kMaxRowBound);
  }
  // Feeding two sequences each other's tokens is far outside either bound.
  const std::vector<double> swapped = RowDiffs(alone, DecodeBatched(*engine, true), V);
  EXPECT_GT(*std::max_element(swapped.begin(), swapped.end()), 2 * kMaxRowBound);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, BatchDecodeTest,
    ::testing::Combine(::testing::ValuesIn(Backends()),
                       ::testing::Values(DType::kF32, DType::kQ4_0)),
    [](const auto& info) {
      std::string name = fmt::format("{}_{}", std::get<0>(info.param),
                                     kernels::DTypeName(std::get<1>(info.param)));
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

// ---- errors ----------------------------------------------------------------------------------

TEST(DecodeBatchTest, BadBatchesAreErrorsAndChangeNothing) {
  auto engine = OpenOrDie(MakeModelFile(DType::kQ4_0), "reference");
  auto a = engine->NewSequence(), b = engine->NewSequence();
  std::vector<float> logits;
  ASSERT_TRUE(engine->Prefill(*a, std::vector<int32_t>{1, 2, 3}, &logits).ok());
  ASSERT_TRUE(engine->Prefill(*b, std::vector<int32_t>{4}, &logits).ok());
  const std::vector<Sequence*> repeated = {a.get(), a.get()}, pair = {a.get(), b.get()};
  EXPECT_FALSE(engine->DecodeBatch(repeated, std::vector<int32_t>{5, 6}, &logits).ok());
  EXPECT_FALSE(engine->DecodeBatch(pair, std::vector<int32_t>{5}, &logits).ok());
  EXPECT_FALSE(engine->DecodeBatch(pair, std::vector<int32_t>{5, -1}, &logits).ok());
  auto full = std::make_unique<Sequence>(engine->config(), 1);
  ASSERT_TRUE(engine->Prefill(*full, std::vector<int32_t>{7}, &logits).ok());
  const std::vector<Sequence*> with_full = {a.get(), full.get()};
  const Status s = engine->DecodeBatch(with_full, std::vector<int32_t>{5, 6}, &logits);
  EXPECT_NE(s.message().find("context full"), std::string::npos) << s.message();
  EXPECT_EQ(a->length(), 3);
  EXPECT_EQ(b->length(), 1);
  EXPECT_EQ(full->length(), 1);
}

// ---- continuous batching ----------------------------------------------------------------------

struct Request {
  std::vector<int32_t> prompt;
  GenerateOptions options;
};

// Prompts of different lengths, token budgets and one stop string, so generations end at
// different steps and freed slots are refilled while others run.
std::vector<Request> Requests(const Engine& engine) {
  std::vector<Request> requests;
  const auto prompts = Prompts(engine.config().n_vocab);
  const int budgets[] = {7, 3, 12, 5, 9};
  for (size_t i = 0; i < prompts.size(); ++i) {
    Request r{prompts[i], {}};
    r.options.max_tokens = budgets[i];
    r.options.stop_at_eog = false;  // random weights pick end-of-generation tokens too
    requests.push_back(r);
  }
  return requests;
}

// Each request through Engine::Generate alone.
std::vector<GenerateResult> GenerateAlone(Engine& engine, const std::vector<Request>& requests) {
  std::vector<GenerateResult> out;
  for (const Request& r : requests) {
    auto seq = engine.NewSequence();
    auto result = engine.Generate(*seq, r.prompt, r.options);
    EXPECT_TRUE(result.ok()) << result.status().message();
    out.push_back(*result);
  }
  return out;
}

// All requests through one BatchGenerator of `slots` slots, each added as soon as one is free.
// pieces[i]: what request i streamed.
std::vector<GenerateResult> GenerateBatched(Engine& engine, std::vector<Request> requests,
                                            int slots, std::vector<std::string>* pieces,
                                            int* max_running) {
  BatchGenerator generator(engine, slots);
  std::vector<GenerateResult> out(requests.size());
  std::vector<std::unique_ptr<Sequence>> seqs;
  pieces->assign(requests.size(), "");
  size_t next = 0;
  *max_running = 0;
  while (next < requests.size() || generator.running() > 0) {
    while (next < requests.size() && generator.has_free_slot()) {
      const size_t i = next++;
      requests[i].options.on_text = [pieces, i](std::string_view piece) {
        (*pieces)[i] += piece;
        return true;
      };
      seqs.push_back(engine.NewSequence());
      const Status s = generator.Add(*seqs.back(), requests[i].prompt, requests[i].options,
                                     [&out, i](StatusOr<GenerateResult> r) {
                                       EXPECT_TRUE(r.ok()) << r.status().message();
                                       if (r.ok()) out[i] = *r;
                                     });
      EXPECT_TRUE(s.ok()) << s.message();
    }
    *max_running = std::max(*max_running, generator.running());
    generator.Step();
  }
  return out;
}

TEST(BatchGeneratorTest, EachGenerationGetsWhatGeneratingItAloneGives) {
  auto engine = OpenOrDie(MakeModelFile(DType::kQ4_0), "reference");
  std::vector<Request> requests = Requests(*engine);
  // A stop string from request 2's own greedy text, so it ends early on that string.
  const std::vector<GenerateResult> unstopped = GenerateAlone(*engine, requests);
  requests[2].options.stop_strings = {unstopped[2].text.substr(unstopped[2].text.size() / 2, 3)};
  const std::vector<GenerateResult> alone = GenerateAlone(*engine, requests);
  ASSERT_EQ(alone[2].stop_reason, StopReason::kStopString);
  for (int slots : {1, 2, 8}) {
    std::vector<std::string> pieces;
    int max_running = 0;
    const auto batched = GenerateBatched(*engine, requests, slots, &pieces, &max_running);
    EXPECT_EQ(max_running, std::min<int>(slots, static_cast<int>(requests.size())));
    for (size_t i = 0; i < requests.size(); ++i) {
      SCOPED_TRACE(fmt::format("{} slots, request {}", slots, i));
      EXPECT_EQ(batched[i].tokens, alone[i].tokens);
      EXPECT_EQ(batched[i].text, alone[i].text);
      EXPECT_EQ(batched[i].stop_reason, alone[i].stop_reason);
      EXPECT_EQ(pieces[i], alone[i].text);
      EXPECT_EQ(batched[i].n_decode_steps, alone[i].n_decode_steps);
    }
  }
}

TEST(BatchGeneratorTest, AStoppedGenerationFreesItsSlotAndOthersGoOn) {
  auto engine = OpenOrDie(MakeModelFile(DType::kQ4_0), "reference");
  std::vector<Request> requests = Requests(*engine);
  const std::vector<GenerateResult> alone = GenerateAlone(*engine, requests);
  BatchGenerator generator(*engine, 2);
  auto s0 = engine->NewSequence(), s1 = engine->NewSequence();
  bool cancel = false;
  requests[0].options.on_text = [&cancel](std::string_view) { return !cancel; };
  StatusOr<GenerateResult> r0 = Error(StatusCode::kInternal, "not done");
  StatusOr<GenerateResult> r1 = r0;
  ASSERT_TRUE(generator.Add(*s0, requests[0].prompt, requests[0].options,
                            [&](StatusOr<GenerateResult> r) { r0 = std::move(r); }).ok());
  ASSERT_TRUE(generator.Add(*s1, requests[2].prompt, requests[2].options,
                            [&](StatusOr<GenerateResult> r) { r1 = std::move(r); }).ok());
  EXPECT_FALSE(generator.has_free_slot());
  EXPECT_FALSE(generator.Add(*engine->NewSequence(), requests[1].prompt, requests[1].options,
                             [](StatusOr<GenerateResult>) {}).ok());
  generator.Step();
  cancel = true;  // as a server does when a client goes away
  generator.Step();
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(r0->stop_reason, StopReason::kCallback);
  EXPECT_TRUE(generator.has_free_slot());
  generator.RunToCompletion();
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->tokens, alone[2].tokens);
}

}  // namespace
}  // namespace lfm::engine
