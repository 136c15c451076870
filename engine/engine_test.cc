// The engine on generated tiny models: batched prefill equals single-token decode, forked
// sequences continue exactly like the original, Reset, context and token-id errors, expert load
// counts, and the errors for files whose tensors are missing, misshapen or mistyped.
#include "engine/engine.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <vector>

#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/test_models.h"
#include "engine/weights.h"
#include "kernels/backend.h"
#include "kernels/quant/fp16.h"
#include "kernels/registry.h"
#include "tests/test_support.h"

namespace lfm::engine {
namespace {

using kernels::DType;

std::string MakeTiny(const std::string& arch, DType type) { return testing::TinyModel(arch, type, 7); }

std::unique_ptr<Engine> OpenOrDie(const std::string& path, int max_context = 4096) {
  EngineOptions options;
  options.model_path = path;
  options.threads = 2;
  options.max_context = max_context;
  options.show_progress = false;
  auto engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status().message();
  return std::move(engine).value();
}

std::vector<int32_t> SomeTokens(int n, int n_vocab) {
  std::vector<int32_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = (37 * i + 11) % n_vocab;
  return ids;
}

float MaxAbsDiff(const float* a, const float* b, int64_t n) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// Every row of the reference backend's products depends only on its own token, and attention
// and conv run the same per-token loops in both modes: decode and prefill agree to the bit
// (measured max difference 0). The bound leaves room only for summation-order changes.
constexpr float kSameComputation = 1e-5f;

class SequenceTest : public ::testing::TestWithParam<std::tuple<std::string, DType>> {
 protected:
  void SetUp() override {
    const auto& [arch, type] = GetParam();
    engine_ = OpenOrDie(MakeTiny(arch, type));
    V_ = engine_->config().n_vocab;
  }
  std::unique_ptr<Engine> engine_;
  int64_t V_ = 0;
};

TEST_P(SequenceTest, PrefillEqualsSingleTokenDecodeSteps) {
  const std::vector<int32_t> tokens = SomeTokens(13, V_);
  auto batched = engine_->NewSequence();
  std::vector<float> all;  // [13, V]
  ASSERT_TRUE(engine_->Prefill(*batched, tokens, &all, /*all_positions=*/true).ok());
  ASSERT_EQ(all.size(), tokens.size() * V_);
  EXPECT_EQ(batched->length(), 13);

  auto stepped = engine_->NewSequence();
  std::vector<float> one;  // [V]
  for (size_t i = 0; i < tokens.size(); ++i) {
    ASSERT_TRUE(engine_->Decode(*stepped, tokens[i], &one).ok());
    ASSERT_EQ(one.size(), static_cast<size_t>(V_));
    EXPECT_LE(MaxAbsDiff(one.data(), all.data() + i * V_, V_), kSameComputation)
        << "position " << i;
  }
  // Last-position logits of a prefill are the last row of the all-positions ones.
  auto last = engine_->NewSequence();
  ASSERT_TRUE(engine_->Prefill(*last, tokens, &one).ok());
  EXPECT_LE(MaxAbsDiff(one.data(), all.data() + 12 * V_, V_), kSameComputation);
}

TEST_P(SequenceTest, PrefillInPiecesEqualsOnePrefill) {
  const std::vector<int32_t> tokens = SomeTokens(9, V_);
  auto whole = engine_->NewSequence();
  std::vector<float> expected, got;
  ASSERT_TRUE(engine_->Prefill(*whole, tokens, &expected).ok());
  auto pieces = engine_->NewSequence();
  ASSERT_TRUE(engine_->Prefill(*pieces, std::span(tokens).first(4), &got).ok());
  ASSERT_TRUE(engine_->Prefill(*pieces, std::span(tokens).subspan(4), &got).ok());
  EXPECT_LE(MaxAbsDiff(got.data(), expected.data(), V_), kSameComputation);
}

TEST_P(SequenceTest, ForkContinuesExactlyLikeTheOriginal) {
  const std::vector<int32_t> prefix = SomeTokens(7, V_), rest = {5, 9, 2};
  auto original = engine_->NewSequence();
  std::vector<float> logits;
  ASSERT_TRUE(engine_->Prefill(*original, prefix, &logits).ok());
  auto fork = original->Fork();
  EXPECT_EQ(fork->length(), 7);

  std::vector<float> a, b;
  ASSERT_TRUE(engine_->Prefill(*original, rest, &a, true).ok());
  ASSERT_TRUE(engine_->Prefill(*fork, rest, &b, true).ok());
  EXPECT_EQ(a, b);  // the same state and the same computation: identical bits

  // The fork is independent: moving the original on does not change what the fork computes.
  auto fork2 = fork->Fork();
  std::vector<float> c, d;
  ASSERT_TRUE(engine_->Decode(*original, 3, &c).ok());
  ASSERT_TRUE(engine_->Decode(*fork, 4, &c).ok());
  ASSERT_TRUE(engine_->Decode(*fork2, 4, &d).ok());
  EXPECT_EQ(c, d);
}

TEST_P(SequenceTest, ResetStartsOver) {
  const std::vector<int32_t> tokens = SomeTokens(6, V_);
  auto seq = engine_->NewSequence();
  std::vector<float> first, again;
  ASSERT_TRUE(engine_->Prefill(*seq, tokens, &first, true).ok());
  seq->Reset();
  EXPECT_EQ(seq->length(), 0);
  ASSERT_TRUE(engine_->Prefill(*seq, tokens, &again, true).ok());
  EXPECT_EQ(first, again);
}

// The reference backend, recording every MoE call: the routing and the input it was given.
class RecordingBackend : public kernels::Backend {
 public:
  struct MoeCall {
    int64_t n_tokens = 0;
    int n_used = 0;
    std::vector<int32_t> experts;  // [n_tokens, n_used]
    std::vector<float> weights;    // [n_tokens, n_used]
    std::vector<float> x;          // [n_tokens, D]
  };
  std::vector<MoeCall> calls;

  std::string_view Name() const override { return "recording"; }
  bool Supports(DType type) const override { return reference_->Supports(type); }
  void Linear(const kernels::WeightView& w, const float* x, int64_t n, float* y) override {
    reference_->Linear(w, x, n, y);
  }
  void Moe(const kernels::MoeWeights& w, const float* x, const kernels::MoeRouting& r,
           float* out) override {
    const int64_t pairs = r.n_tokens * r.n_used;
    calls.push_back({r.n_tokens,
                     r.n_used,
                     {r.experts, r.experts + pairs},
                     {r.weights, r.weights + pairs},
                     {x, x + r.n_tokens * w.d_model}});
    reference_->Moe(w, x, r, out);
  }

 private:
  std::unique_ptr<kernels::Backend> reference_ = kernels::MakeBackend("reference", nullptr).value();
};

// The per-expert counts are those of the router's own choices: each MoE layer's counts equal
// the experts the layer handed the backend, and those are, token by token, the top-k of
// sigmoid(router · x) + bias over the backend's own input x, weighted by the normalized sigmoids.
TEST_P(SequenceTest, CountsTokensPerExpert) {
  const auto& [arch, type] = GetParam();
  auto file = GgufFile::Open(MakeTiny(arch, type)).value();
  const Lfm2Config c = Lfm2Config::FromGguf(*file).value();
  const Lfm2Weights weights = Lfm2Weights::Bind(*file, c).value();
  ThreadPool pool(2);
  RecordingBackend backend;
  Lfm2Model model(c, weights, backend, backend, pool);
  Sequence seq(c, 64);
  std::vector<float> logits(c.n_vocab);
  const std::vector<int32_t> tokens = SomeTokens(10, V_);
  const Segment segment{&seq, 0, static_cast<int64_t>(tokens.size())};
  model.Forward({&segment, 1}, tokens, /*all_positions=*/false, logits.data());

  const auto& load = model.expert_tokens();
  ASSERT_EQ(static_cast<int>(load.size()), c.n_layers);
  size_t call = 0;
  for (int l = 0; l < c.n_layers; ++l) {
    if (!c.is_moe(l)) {
      EXPECT_TRUE(load[l].empty());
      continue;
    }
    ASSERT_LT(call, backend.calls.size()) << "layer " << l << " made no MoE call";
    const RecordingBackend::MoeCall& m = backend.calls[call++];
    ASSERT_EQ(m.n_tokens, 10);
    ASSERT_EQ(m.n_used, c.n_experts_used);
    std::vector<int64_t> chosen(c.n_experts, 0);
    for (int32_t e : m.experts) ++chosen[e];
    EXPECT_EQ(load[l], chosen) << "layer " << l;

    std::vector<float> router(m.n_tokens * c.n_experts);  // [n, E]
    const kernels::WeightView& rw = weights.layers[l].router;
    kernels::MakeBackend("reference", nullptr)
        .value()
        ->Linear(rw, m.x.data(), m.n_tokens, router.data());
    for (int64_t t = 0; t < m.n_tokens; ++t) {
      std::vector<double> score(c.n_experts), biased(c.n_experts);
      for (int e = 0; e < c.n_experts; ++e) {
        score[e] = 1.0 / (1.0 + std::exp(-static_cast<double>(router[t * c.n_experts + e])));
        biased[e] = score[e] + weights.layers[l].expert_bias[e];
      }
      std::vector<int> by_score(c.n_experts);
      std::iota(by_score.begin(), by_score.end(), 0);
      std::stable_sort(by_score.begin(), by_score.end(),
                       [&](int a, int b) { return biased[a] > biased[b]; });
      double sum = 0;
      for (int j = 0; j < m.n_used; ++j) sum += score[by_score[j]];
      for (int j = 0; j < m.n_used; ++j) {
        const int e = m.experts[t * m.n_used + j];
        EXPECT_EQ(e, by_score[j]) << "layer " << l << " token " << t << " slot " << j;
        EXPECT_NEAR(m.weights[t * m.n_used + j], score[e] / sum, 1e-6)
            << "layer " << l << " token " << t << " slot " << j;
      }
    }
  }
  EXPECT_EQ(call, backend.calls.size());
}

INSTANTIATE_TEST_SUITE_P(TinyModels, SequenceTest,
                         ::testing::Values(std::make_tuple("lfm2moe", DType::kF32),
                                           std::make_tuple("lfm2moe", DType::kQ4_0),
                                           std::make_tuple("lfm2", DType::kQ8_0)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" +
                                  std::string(kernels::DTypeName(std::get<1>(info.param)));
                         });

TEST(EngineTest, LongPrefillRunsInBatchesWithTheSameResult) {
  auto engine = OpenOrDie(MakeTiny("lfm2moe", DType::kQ8_0));
  const int V = engine->config().n_vocab;
  const std::vector<int32_t> tokens = SomeTokens(700, V);  // more than one 512-token batch
  auto whole = engine->NewSequence();
  std::vector<float> all, last;
  ASSERT_TRUE(engine->Prefill(*whole, tokens, &all, true).ok());
  ASSERT_EQ(all.size(), tokens.size() * V);
  auto stepwise = engine->NewSequence();
  ASSERT_TRUE(engine->Prefill(*stepwise, std::span(tokens).first(699), &last).ok());
  ASSERT_TRUE(engine->Decode(*stepwise, tokens[699], &last).ok());
  EXPECT_LE(MaxAbsDiff(last.data(), all.data() + 699 * V, V), kSameComputation);
}

TEST(EngineTest, ExceedingTheContextIsAnErrorAndChangesNothing) {
  auto engine = OpenOrDie(MakeTiny("lfm2moe", DType::kQ8_0), /*max_context=*/8);
  auto seq = engine->NewSequence();
  std::vector<float> logits;
  ASSERT_TRUE(engine->Prefill(*seq, SomeTokens(6, 100), &logits).ok());
  const Status s = engine->Prefill(*seq, SomeTokens(3, 100), &logits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("context"), std::string::npos) << s.message();
  EXPECT_EQ(seq->length(), 6);
  EXPECT_TRUE(engine->Prefill(*seq, SomeTokens(2, 100), &logits).ok());
  EXPECT_FALSE(engine->Decode(*seq, 1, &logits).ok());
}

TEST(EngineTest, RejectsBadTokenIdsAndEmptyInput) {
  auto engine = OpenOrDie(MakeTiny("lfm2moe", DType::kQ8_0));
  auto seq = engine->NewSequence();
  std::vector<float> logits;
  const Status bad = engine->Decode(*seq, engine->config().n_vocab, &logits);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("vocabulary"), std::string::npos) << bad.message();
  EXPECT_FALSE(engine->Decode(*seq, -1, &logits).ok());
  EXPECT_FALSE(engine->Prefill(*seq, {}, &logits).ok());
  EXPECT_EQ(seq->length(), 0);
}

TEST(EngineTest, UnknownBackendIsAnError) {
  EngineOptions options;
  options.model_path = MakeTiny("lfm2moe", DType::kQ8_0);
  options.backend = "no-such-backend";
  auto engine = Engine::Open(options);
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("no-such-backend"), std::string::npos);
}

// Copies a GGUF file tensor by tensor; `edit` may change a tensor's name, shape or type (the
// data is then zeros of the new size) or drop it (return false);
using TensorEdit = std::function<bool(GgufTensorInfo& tensor)>;

// `extra` tensors (zeros) are appended.
std::string CopyWithEdit(const std::string& from, const std::string& to, const TensorEdit& edit,
                         const std::vector<GgufTensorInfo>& extra = {}) {
  auto in = GgufFile::Open(from);
  EXPECT_TRUE(in.ok());
  auto out = GgufWriter::Create(to);
  EXPECT_TRUE(out.ok());
  for (const auto& [key, value] : (*in)->metadata()) (*out)->AddMetadata(key, value);
  std::vector<std::pair<const GgufTensorInfo*, GgufTensorInfo>> kept;
  for (const GgufTensorInfo& t : (*in)->tensors()) {
    GgufTensorInfo edited = t;
    if (!edit(edited)) continue;
    (*out)->AddTensor(edited.name, edited.ne, edited.type);
    kept.emplace_back(&t, edited);
  }
  for (const GgufTensorInfo& t : extra) {
    (*out)->AddTensor(t.name, t.ne, t.type);
    kept.emplace_back(nullptr, t);
  }
  for (const auto& [original, edited] : kept) {
    const bool same = original && original->ne == edited.ne && original->type == edited.type;
    int64_t n = 1;
    for (int64_t d : edited.ne) n *= d;
    const std::vector<uint8_t> zeros(kernels::RowBytes(edited.type, n));
    const Status s = same ? (*out)->WriteTensorData((*in)->TensorData(*original), original->nbytes)
                          : (*out)->WriteTensorData(zeros.data(), zeros.size());
    EXPECT_TRUE(s.ok()) << s.message();
  }
  EXPECT_TRUE((*out)->Finish().ok());
  return to;
}

class BadTensorTest : public ::testing::Test {
 protected:
  void SetUp() override { good_ = MakeTiny("lfm2moe", DType::kQ8_0); }

  // Opens the edited copy and returns the error message (fails the test if it opens).
  std::string OpenError(const TensorEdit& edit, const std::vector<GgufTensorInfo>& extra = {}) {
    const std::string path = CopyWithEdit(good_, testing::TempDir() + "/bad.gguf", edit, extra);
    EngineOptions options;
    options.model_path = path;
    options.show_progress = false;
    auto engine = Engine::Open(options);
    EXPECT_FALSE(engine.ok());
    if (engine.ok()) return "";
    EXPECT_NE(engine.status().message().find(path), std::string::npos) << engine.status().message();
    return engine.status().message();
  }
  std::string good_;
};

TEST_F(BadTensorTest, TheUneditedCopyOpens) {
  const std::string path =
      CopyWithEdit(good_, testing::TempDir() + "/same.gguf", [](auto&) { return true; });
  EXPECT_NE(OpenOrDie(path), nullptr);
}

TEST_F(BadTensorTest, MissingTensorIsNamed) {
  const std::string m =
      OpenError([](GgufTensorInfo& t) { return t.name != "blk.3.ffn_up_exps.weight"; });
  EXPECT_NE(m.find("tensor 'blk.3.ffn_up_exps.weight' is missing"), std::string::npos) << m;
}

TEST_F(BadTensorTest, WrongShapeIsNamed) {
  const std::string m = OpenError([](GgufTensorInfo& t) {
    if (t.name == "blk.2.attn_k.weight") t.ne[1] += 32;
    return true;
  });
  EXPECT_NE(m.find("tensor 'blk.2.attn_k.weight' has shape"), std::string::npos) << m;
}

TEST_F(BadTensorTest, NormThatIsNotF32IsNamed) {
  const std::string m = OpenError([](GgufTensorInfo& t) {
    if (t.name == "blk.0.ffn_norm.weight") t.type = DType::kF16;
    return true;
  });
  EXPECT_NE(m.find("tensor 'blk.0.ffn_norm.weight' is f16, expected f32"), std::string::npos) << m;
}

TEST_F(BadTensorTest, UnsupportedTypeIsNamed) {
  const std::string m = OpenError([](GgufTensorInfo& t) {
    if (t.name == "blk.1.shortconv.in_proj.weight") t.type = DType::kQ5_0;
    return true;
  });
  EXPECT_NE(m.find("tensor 'blk.1.shortconv.in_proj.weight' has type q5_0"), std::string::npos)
      << m;
}

TEST_F(BadTensorTest, AnUntiedOutputHeadIsUsed) {
  GgufTensorInfo head;
  head.name = "output.weight";
  head.ne = {256, 512};
  head.type = DType::kF32;
  const std::string path =
      CopyWithEdit(good_, testing::TempDir() + "/head.gguf", [](auto&) { return true; }, {head});
  auto engine = OpenOrDie(path);
  auto seq = engine->NewSequence();
  std::vector<float> logits;
  ASSERT_TRUE(engine->Prefill(*seq, SomeTokens(3, 100), &logits).ok());
  EXPECT_TRUE(std::all_of(logits.begin(), logits.end(), [](float x) { return x == 0; }));

  head.ne = {256, 500};
  const std::string m = OpenError([](auto&) { return true; }, {head});
  EXPECT_NE(m.find("tensor 'output.weight' has shape {256, 500}, expected {256, 512}"),
            std::string::npos)
      << m;
}

TEST_F(BadTensorTest, FinalNormUnderItsOllamaNameIsAccepted) {
  const std::string path =
      CopyWithEdit(good_, testing::TempDir() + "/alias.gguf", [](GgufTensorInfo& t) {
        if (t.name == "token_embd_norm.weight") t.name = "output_norm.weight";
        return true;
      });
  auto renamed = OpenOrDie(path);
  auto original = OpenOrDie(good_);
  std::vector<float> a, b;
  auto s1 = renamed->NewSequence(), s2 = original->NewSequence();
  ASSERT_TRUE(renamed->Prefill(*s1, SomeTokens(3, 100), &a).ok());
  ASSERT_TRUE(original->Prefill(*s2, SomeTokens(3, 100), &b).ok());
  EXPECT_EQ(a, b);
}

class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = OpenOrDie(MakeTiny("lfm2moe", DType::kQ8_0)); }

  // Greedy, `n` tokens, ignoring end-of-generation tokens (random weights pick them too).
  GenerateOptions Greedy(int n) {
    GenerateOptions o;
    o.max_tokens = n;
    o.stop_at_eog = false;
    return o;
  }
  StatusOr<GenerateResult> Run(const GenerateOptions& o, int max_context = 4096) {
    Sequence seq(engine_->config(), max_context);
    return engine_->Generate(seq, prompt_, o);
  }
  std::unique_ptr<Engine> engine_;
  const std::vector<int32_t> prompt_ = {1, 40, 41, 42, 300};
};

TEST_F(GenerateTest, GreedyFollowsTheArgmaxOfEachStep) {
  auto seq = engine_->NewSequence();
  auto r = engine_->Generate(*seq, prompt_, Greedy(8));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->tokens.size(), 8u);
  EXPECT_EQ(r->stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(r->n_prompt_tokens, 5);
  EXPECT_EQ(r->n_decode_steps, 7);  // the last token is not fed back
  EXPECT_EQ(seq->length(), 5 + 7);

  auto check = engine_->NewSequence();
  std::vector<float> logits;
  ASSERT_TRUE(engine_->Prefill(*check, prompt_, &logits).ok());
  for (int32_t token : r->tokens) {
    EXPECT_EQ(token, std::max_element(logits.begin(), logits.end()) - logits.begin());
    ASSERT_TRUE(engine_->Decode(*check, token, &logits).ok());
  }
  EXPECT_EQ(r->text, engine_->tokenizer().Decode(r->tokens));
}

TEST_F(GenerateTest, TheSameSeedGivesTheSameTokens) {
  GenerateOptions o = Greedy(16);
  o.sampling.temperature = 1.0f;
  o.sampling.seed = 5;
  auto a = Run(o), b = Run(o);
  o.sampling.seed = 6;
  auto c = Run(o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->tokens, b->tokens);
  EXPECT_NE(a->tokens, c->tokens);
}

TEST_F(GenerateTest, StopStringEndsTheTextBeforeIt) {
  auto full = Run(Greedy(24));
  ASSERT_TRUE(full.ok());
  ASSERT_GE(full->text.size(), 8u);
  const std::string stop = full->text.substr(full->text.size() / 2, 2);
  const size_t cut = full->text.find(stop);

  GenerateOptions o = Greedy(24);
  o.stop_strings = {"never appears \x01", stop};
  std::string streamed;
  o.on_text = [&](std::string_view piece) {
    streamed += piece;
    return true;
  };
  auto r = Run(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stop_reason, StopReason::kStopString);
  EXPECT_EQ(r->text, full->text.substr(0, cut));
  EXPECT_EQ(streamed, r->text);  // nothing of the stop string was streamed
}

TEST_F(GenerateTest, StreamedPiecesMakeTheText) {
  GenerateOptions o = Greedy(12);
  std::string streamed;
  int calls = 0;
  o.on_text = [&](std::string_view piece) {
    streamed += piece;
    return ++calls < 3;  // stop after the third piece
  };
  auto r = Run(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stop_reason, StopReason::kCallback);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r->text.substr(0, streamed.size()), streamed);
}

TEST_F(GenerateTest, StopsWhenTheContextIsFull) {
  auto r = Run(Greedy(50), /*max_context=*/8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stop_reason, StopReason::kContextFull);
  EXPECT_EQ(r->n_prompt_tokens + r->n_decode_steps, 8);
  EXPECT_EQ(r->tokens.size(), 4u);  // 3 fed back, the 4th sampled from the last logits
}

TEST_F(GenerateTest, BadOptionsAndOverlongPromptsAreErrors) {
  GenerateOptions o = Greedy(4);
  o.sampling.top_p = 0;
  EXPECT_EQ(Run(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Run(Greedy(4), /*max_context=*/3).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lfm::engine
