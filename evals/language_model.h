// What evals need from a model: lm-evaluation-harness's three request types over batches, plus
// the model's chat template. The engine implements it (engine_model.h); FakeModel scripts it for
// tests. Requests carry text, not tokens: how text becomes tokens is the model's business (and
// follows lm-eval's rules, see engine_model.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace lfm::evals {

// log P(continuation | context), summed over the continuation's tokens.
struct LogLikelihoodRequest {
  std::string context;
  std::string continuation;
};
struct LogLikelihoodResult {
  double logprob = 0;
  bool is_greedy = false;  // every continuation token is the argmax at its position
};

// log P(text), the whole text scored with rolling windows (perplexity tasks).
struct RollingRequest {
  std::string text;
};

struct GenerationRequest {
  std::string context;
  std::vector<std::string> until;  // the output is cut before the first of these
  int max_tokens = 256;
  // Sampling; temperature 0 (or do_sample false) means greedy.
  bool do_sample = false;
  double temperature = 0.0;
  double top_p = 1.0;
  int top_k = 0;
  double min_p = 0.0;
  uint64_t seed = 0;
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

// lm-eval's stop handling: the text before the first occurrence of any non-empty stop string.
inline std::string CutAtStopStrings(const std::string& text, const std::vector<std::string>& until) {
  size_t cut = text.size();
  for (const std::string& stop : until) {
    if (stop.empty()) continue;
    const size_t at = text.find(stop);
    if (at < cut) cut = at;
  }
  return text.substr(0, cut);
}

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;

  // A short description for results ("lfm2moe 8B-A1B Q4_0 (model.gguf)").
  virtual std::string Name() const = 0;

  // One result per request, in request order. Errors: kCancelled when the cancel flag was
  // raised (no partial results are returned), kInvalidArgument for a request the model cannot
  // serve (e.g. longer than its context), other codes for model failures.
  virtual StatusOr<std::vector<LogLikelihoodResult>> LogLikelihood(
      const std::vector<LogLikelihoodRequest>& requests) = 0;
  virtual StatusOr<std::vector<double>> LogLikelihoodRolling(
      const std::vector<RollingRequest>& requests) = 0;
  // The generated text, cut before the first stop string (the stop string is not included).
  virtual StatusOr<std::vector<std::string>> GenerateUntil(
      const std::vector<GenerationRequest>& requests) = 0;

  // The model's chat template applied to `messages` (with the assistant turn opened when
  // `add_generation_prompt`). kUnimplemented when the model has no template.
  virtual StatusOr<std::string> ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                                  bool add_generation_prompt) const = 0;

  // A flag the model polls between requests and tokens; when it becomes true the current call
  // returns kCancelled promptly. Not owned; may be null.
  void SetCancelFlag(const std::atomic<bool>* cancel) { cancel_ = cancel; }

 protected:
  bool Cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }

 private:
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace lfm::evals
