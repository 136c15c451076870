// The OpenAI API as `lfmbench serve` speaks it: request bodies of /v1/completions and
// /v1/chat/completions parsed into one Request, and the error objects every failure answers with
// ({"error": {"message", "type", "param", "code"}}, as OpenAI and vLLM send them).
//
// Supported fields: model, prompt (a string, a list of strings, a list of token ids or a list of
// such lists; completions), messages (role + string content or a list of text parts; chat),
// max_tokens (chat also max_completion_tokens), temperature (default 1), top_p, top_k, min_p,
// seed, stop (a string or a list), stream, echo and logprobs (0-20, completions; lm-eval's
// local-completions scores log-likelihoods with echo + logprobs + max_tokens 1), n (1 only).
// Anything else is ignored, as OpenAI servers ignore unknown fields.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/chat.h"
#include "engine/sampler.h"

namespace lfm::serve {

struct ApiError {
  int http_status = 400;
  std::string type = "invalid_request_error";  // or "server_error"
  std::string message;
  std::string param;  // "" = null
  std::string code;   // "" = null
};

// {"error": {...}}.
nlohmann::json ErrorJson(const ApiError& error);

// JSON text that never throws: invalid UTF-8 (a token cut inside a character) becomes U+FFFD.
std::string DumpJson(const nlohmann::json& j);

enum class Endpoint { kCompletions, kChat };

struct Prompt {
  std::string text;             // a text prompt, tokenized by the server
  std::vector<int32_t> tokens;  // a pre-tokenized prompt (used when is_tokens)
  bool is_tokens = false;
};

struct Request {
  Endpoint endpoint = Endpoint::kCompletions;
  std::string model;                          // "" = not given
  std::vector<Prompt> prompts;                // completions: one choice each
  std::vector<engine::ChatMessage> messages;  // chat
  std::optional<int>
      max_tokens;  // none: completions 16 (OpenAI's default), chat: the rest of the context
  engine::SamplerOptions sampling;
  bool seeded = false;  // the request gave a seed
  std::vector<std::string> stop;
  bool stream = false;
  bool echo = false;
  int logprobs = -1;  // -1: none; else top alternatives per position
};

// Parses a request body; on failure fills *error (HTTP 400, naming the field) and returns false.
bool ParseRequest(const std::string& body, Endpoint endpoint, Request* request, ApiError* error);

}  // namespace lfm::serve
