// FakeModel: a LanguageModel whose answers a test scripts with functions, so the runner, the
// few-shot assembly, filters, metrics, resume and cancellation can be tested in milliseconds
// without an engine. It never stands in for testing the engine itself (engine_model_test does).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "evals/language_model.h"

namespace lfm::evals {

class FakeModel : public LanguageModel {
 public:
  struct Script {
    // log P(continuation | context). Default: -1 per byte of the continuation.
    std::function<double(const std::string& context, const std::string& continuation)> loglikelihood;
    // The generated text (stop strings are applied after it, as a model would). Default: "".
    std::function<std::string(const GenerationRequest&)> generate;
    // log P(text). Default: -1 per byte.
    std::function<double(const std::string& text)> rolling;
    // Called before every request is served with the number served so far (for injecting a
    // cancel or a crash after N requests).
    std::function<void(int served)> before_request;
  };

  explicit FakeModel(Script script) : script_(std::move(script)) {}

  std::string Name() const override { return "fake"; }
  StatusOr<std::vector<LogLikelihoodResult>> LogLikelihood(
      const std::vector<LogLikelihoodRequest>& requests) override;
  StatusOr<std::vector<double>> LogLikelihoodRolling(const std::vector<RollingRequest>& requests) override;
  StatusOr<std::vector<std::string>> GenerateUntil(const std::vector<GenerationRequest>& requests) override;
  // "<|im_start|>{role}\n{content}<|im_end|>\n" per message, then "<|im_start|>assistant\n".
  StatusOr<std::string> ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                          bool add_generation_prompt) const override;

  int requests_served() const { return served_; }

 private:
  // Counts one request; false when the cancel flag is up.
  bool Serve();

  Script script_;
  int served_ = 0;
};

}  // namespace lfm::evals
