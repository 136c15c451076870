// RemoteModel: a LanguageModel served by any OpenAI-compatible endpoint (lfmbench serve, vLLM,
// llama.cpp's server), over HTTP with libcurl.
//
// Generation goes to /v1/completions with the prompt text (or, when the runner applies a chat
// template, to /v1/chat/completions with the messages). Log-likelihood follows lm-eval's
// local-completions: /v1/completions with echo, logprobs 1 and max_tokens 1 on context +
// continuation; the continuation's tokens are the prompt tokens past those of the context alone
// (usage.prompt_tokens of a second, one-token request on the context, made once per distinct
// context), which is lm-eval's context/continuation split (trailing whitespace of the context
// moved to the continuation) done by the server's tokenizer. is_greedy compares each token's
// log-prob with the best of its top_logprobs, as lm-eval does. Rolling log-likelihood needs token
// windows, which text requests cannot express: kUnimplemented.
//
// Requests of one call run `concurrency` at a time; a connection failure, timeout, HTTP 429 or
// 5xx is retried with exponential backoff (0.5 s doubling to 8 s, `max_retries` times).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "evals/language_model.h"

namespace lfm::evals {

struct RemoteModelOptions {
  std::string url;      // the server's base, e.g. http://127.0.0.1:8080/v1 (a missing /v1 is added)
  std::string model;    // the "model" field of every request
  std::string api_key;  // sent as "Authorization: Bearer KEY" when not empty
  int concurrency = 4;
  int max_retries = 6;
  long timeout_s = 3600;  // a whole request, generation included
};

class RemoteModel : public LanguageModel {
 public:
  explicit RemoteModel(RemoteModelOptions options);

  // "NAME at URL".
  std::string Name() const override;
  const std::string& base_url() const { return base_url_; }

  StatusOr<std::vector<LogLikelihoodResult>> LogLikelihood(
      const std::vector<LogLikelihoodRequest>& requests) override;
  StatusOr<std::vector<double>> LogLikelihoodRolling(
      const std::vector<RollingRequest>& requests) override;
  StatusOr<std::vector<std::string>> GenerateUntil(
      const std::vector<GenerationRequest>& requests) override;
  // The messages themselves, marked so that GenerateUntil sends them to the chat endpoint, where
  // the server applies its own template.
  StatusOr<std::string> ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                          bool add_generation_prompt) const override;

  // POSTs `body` to base_url + `path` (with retries) and returns the parsed reply; errors name the
  // URL and the server's message. Thread-safe.
  StatusOr<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) const;

 private:
  RemoteModelOptions options_;
  std::string base_url_;
};

}  // namespace lfm::evals
