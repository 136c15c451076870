// EngineModel: the lfmbench engine behind the LanguageModel interface, with lm-evaluation-
// harness's tokenization rules and prefix reuse.
//
// Tokenization (lm-eval's HFLM._encode_pair): trailing whitespace of a context moves to the
// front of its continuation; the continuation's tokens are those of encode(context +
// continuation) beyond the length of encode(context). Text is encoded with special tokens
// parsed and the model's BOS rule (tokenizer.ggml.add_bos_token); a prompt that already starts
// with BOS (a rendered chat template) does not get a second one. Too-long inputs lose tokens on
// the left, as lm-eval truncates them: log-likelihood keeps the last max_context + 1 tokens of
// context + continuation, generation the last max_context - max_gen_toks of the context.
//
// Prefix reuse: model states are kept in a small cache keyed by token prefix (prefix_cache.h).
// A request continues from the longest cached prefix of its context; when its context shares at
// least `min_shared_tokens` leading tokens with the previous request's, the state at the end of
// that shared part is cached first (the few-shot block of a subject), and the whole context's
// state is cached too (the other choices of a multiple-choice question need only its logits).
// The scores are the same with and without reuse up to float rounding of the split prefill.
//
// Generation: the requests of one GenerateUntil call decode together, one token each per step
// (engine/batch_generator.h), so `eval run --batch-size B` decodes B documents at once. Greedy
// results equal one-at-a-time decoding where the backend's batched rows are bit-identical
// (reference, exact, naive) and up to rare float-rounding flips elsewhere (batch_decode_test.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "evals/language_model.h"
#include "evals/prefix_cache.h"

namespace lfm::evals {

struct EngineModelOptions {
  bool prefix_reuse = true;
  size_t cache_entries = 8;
  size_t min_shared_tokens = 16;
};

class EngineModel : public LanguageModel {
 public:
  // `engine` must outlive the model. `name` describes the model for results.
  EngineModel(engine::Engine& engine, std::string name, EngineModelOptions options = {});

  std::string Name() const override { return name_; }
  StatusOr<std::vector<LogLikelihoodResult>> LogLikelihood(
      const std::vector<LogLikelihoodRequest>& requests) override;
  StatusOr<std::vector<double>> LogLikelihoodRolling(const std::vector<RollingRequest>& requests) override;
  StatusOr<std::vector<std::string>> GenerateUntil(const std::vector<GenerationRequest>& requests) override;
  // The LFM2 chat format (engine/chat.h).
  StatusOr<std::string> ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                          bool add_generation_prompt) const override;

  // Token counts since construction: prompt tokens requested, those run through the model,
  // and those taken from cached prefixes instead.
  struct Stats {
    int64_t prompt_tokens = 0;
    int64_t computed_tokens = 0;
    int64_t reused_tokens = 0;
    int64_t generated_tokens = 0;
  };
  const Stats& stats() const { return stats_; }

  // The token ids of `text` under the rules above.
  std::vector<int32_t> Encode(const std::string& text) const;
  // lm-eval's context / continuation split.
  void EncodePair(const std::string& context, const std::string& continuation,
                  std::vector<int32_t>* context_tokens, std::vector<int32_t>* continuation_tokens) const;

 private:
  using Cache = PrefixCache<engine::Sequence>;
  // A cache entry holding exactly `tokens` (computing what is not cached).
  StatusOr<const Cache::Entry*> ContextState(std::span<const int32_t> tokens);
  // A fresh sequence holding the longest usable cached prefix of `tokens` (at most `max_length`
  // tokens, anchoring a shared prefix first); *held is how many tokens it holds.
  StatusOr<std::unique_ptr<engine::Sequence>> ContinueFrom(std::span<const int32_t> tokens,
                                                           size_t max_length, size_t* held);
  StatusOr<LogLikelihoodResult> ScoreTokens(std::span<const int32_t> context,
                                            std::span<const int32_t> continuation);

  engine::Engine& engine_;
  std::string name_;
  EngineModelOptions options_;
  Cache cache_;
  std::vector<int32_t> previous_;  // the previous request's context, for finding shared prefixes
  Stats stats_;
};

}  // namespace lfm::evals
