#include "serve/openai.h"

#include <fmt/format.h>

#include <limits>

namespace lfm::serve {
namespace {

using nlohmann::json;

ApiError BadField(const std::string& param, const std::string& message) {
  ApiError e;
  e.param = param;
  e.message = message;
  return e;
}

bool IsTokenList(const json& j) {
  if (!j.is_array() || j.empty()) return false;
  for (const json& x : j) {
    if (!x.is_number_integer()) return false;
  }
  return true;
}

bool ReadTokens(const json& j, Prompt* prompt, ApiError* error) {
  prompt->is_tokens = true;
  for (const json& x : j) {
    const int64_t id = x.get<int64_t>();
    if (id < 0 || id > std::numeric_limits<int32_t>::max()) {
      *error = BadField("prompt", fmt::format("token id {} is out of range", id));
      return false;
    }
    prompt->tokens.push_back(static_cast<int32_t>(id));
  }
  return true;
}

bool ReadPrompts(const json& j, std::vector<Prompt>* prompts, ApiError* error) {
  if (j.is_string()) {
    prompts->push_back({j.get<std::string>(), {}, false});
    return true;
  }
  if (IsTokenList(j)) {
    prompts->emplace_back();
    return ReadTokens(j, &prompts->back(), error);
  }
  if (j.is_array() && !j.empty()) {
    for (const json& item : j) {
      prompts->emplace_back();
      if (item.is_string()) {
        prompts->back().text = item.get<std::string>();
      } else if (IsTokenList(item)) {
        if (!ReadTokens(item, &prompts->back(), error)) return false;
      } else {
        *error =
            BadField("prompt", "each prompt must be a string or a non-empty list of token ids");
        return false;
      }
    }
    return true;
  }
  *error =
      BadField("prompt", "'prompt' must be a string, a list of strings or a list of token ids");
  return false;
}

bool ReadMessages(const json& j, std::vector<engine::ChatMessage>* messages, ApiError* error) {
  if (!j.is_array() || j.empty()) {
    *error = BadField("messages", "'messages' must be a non-empty list");
    return false;
  }
  for (const json& m : j) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      *error = BadField("messages", "each message needs a string 'role'");
      return false;
    }
    engine::ChatMessage message{m["role"].get<std::string>(), ""};
    const json content = m.value("content", json());
    if (content.is_string()) {
      message.content = content.get<std::string>();
    } else if (content.is_array()) {  // [{"type": "text", "text": "..."}]
      for (const json& part : content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
            !part["text"].is_string()) {
          *error = BadField("messages", "only text content parts are supported");
          return false;
        }
        message.content += part["text"].get<std::string>();
      }
    } else if (!content.is_null()) {
      *error = BadField("messages", "'content' must be a string or a list of text parts");
      return false;
    }
    messages->push_back(std::move(message));
  }
  return true;
}

// Reads an optional number field into *out; false (with *error) when present but not a number
// in [lo, hi].
template <typename T>
bool ReadNumber(const json& body, const char* name, double lo, double hi, T* out, ApiError* error) {
  if (!body.contains(name) || body[name].is_null()) return true;
  const json& v = body[name];
  const bool integral = std::numeric_limits<T>::is_integer;
  if (!v.is_number() || (integral && !v.is_number_integer())) {
    *error =
        BadField(name, fmt::format("'{}' must be {}", name, integral ? "an integer" : "a number"));
    return false;
  }
  const double x = v.get<double>();
  if (!(x >= lo && x <= hi)) {
    *error = BadField(name, fmt::format("'{}' is {}, outside [{}, {}]", name, v.dump(), lo, hi));
    return false;
  }
  *out = v.get<T>();
  return true;
}

}  // namespace

json ErrorJson(const ApiError& error) {
  return {{"error",
           {{"message", error.message},
            {"type", error.type},
            {"param", error.param.empty() ? json(nullptr) : json(error.param)},
            {"code", error.code.empty() ? json(nullptr) : json(error.code)}}}};
}

std::string DumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool ParseRequest(const std::string& body_text, Endpoint endpoint, Request* request,
                  ApiError* error) {
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    *error = BadField("", "the request body is not valid JSON");
    return false;
  }
  if (!body.is_object()) {
    *error = BadField("", "the request body must be a JSON object");
    return false;
  }
  Request r;
  r.endpoint = endpoint;
  r.sampling.temperature = 1.0f;  // OpenAI's default
  if (body.contains("model")) {
    if (!body["model"].is_string()) {
      *error = BadField("model", "'model' must be a string");
      return false;
    }
    r.model = body["model"].get<std::string>();
  }
  if (endpoint == Endpoint::kCompletions) {
    if (!body.contains("prompt")) {
      *error = BadField("prompt", "'prompt' is required");
      return false;
    }
    if (!ReadPrompts(body["prompt"], &r.prompts, error)) return false;
  } else {
    if (!body.contains("messages")) {
      *error = BadField("messages", "'messages' is required");
      return false;
    }
    if (!ReadMessages(body["messages"], &r.messages, error)) return false;
  }
  int max_tokens = -1;
  const char* max_name = endpoint == Endpoint::kChat && body.contains("max_completion_tokens")
                             ? "max_completion_tokens"
                             : "max_tokens";
  if (!ReadNumber(body, max_name, 0, 1e9, &max_tokens, error)) return false;
  if (max_tokens >= 0) r.max_tokens = max_tokens;
  if (!ReadNumber(body, "temperature", 0, 2, &r.sampling.temperature, error)) return false;
  if (!ReadNumber(body, "top_p", 0, 1, &r.sampling.top_p, error)) return false;
  if (body.contains("top_p") && r.sampling.top_p <= 0) {
    *error = BadField("top_p", "'top_p' must be greater than 0");
    return false;
  }
  int top_k = 0;
  if (!ReadNumber(body, "top_k", -1, 1e9, &top_k, error)) return false;
  r.sampling.top_k = top_k < 0 ? 0 : top_k;  // vLLM: -1 = off
  if (!ReadNumber(body, "min_p", 0, 1, &r.sampling.min_p, error)) return false;
  if (body.contains("seed") && !body["seed"].is_null()) {
    int64_t seed = 0;
    if (!ReadNumber(body, "seed", -9.3e18, 9.3e18, &seed, error)) return false;
    r.sampling.seed = static_cast<uint64_t>(seed);
    r.seeded = true;
  }
  int n = 1;
  if (!ReadNumber(body, "n", 1, 1e9, &n, error)) return false;
  if (n != 1) {
    *error = BadField("n", "only n = 1 is supported");
    return false;
  }
  if (body.contains("stop") && !body["stop"].is_null()) {
    const json& stop = body["stop"];
    if (stop.is_string()) {
      r.stop.push_back(stop.get<std::string>());
    } else if (stop.is_array()) {
      for (const json& s : stop) {
        if (!s.is_string()) {
          *error = BadField("stop", "'stop' must be a string or a list of strings");
          return false;
        }
        r.stop.push_back(s.get<std::string>());
      }
    } else {
      *error = BadField("stop", "'stop' must be a string or a list of strings");
      return false;
    }
  }
  if (body.contains("stream") && !body["stream"].is_null()) {
    if (!body["stream"].is_boolean()) {
      *error = BadField("stream", "'stream' must be a boolean");
      return false;
    }
    r.stream = body["stream"].get<bool>();
  }
  if (endpoint == Endpoint::kCompletions) {
    if (body.contains("echo") && !body["echo"].is_null()) {
      if (!body["echo"].is_boolean()) {
        *error = BadField("echo", "'echo' must be a boolean");
        return false;
      }
      r.echo = body["echo"].get<bool>();
    }
    if (!ReadNumber(body, "logprobs", 0, 20, &r.logprobs, error)) return false;
  } else if (body.contains("logprobs") && body["logprobs"] == true) {
    *error = BadField("logprobs", "log-probabilities are served on /v1/completions only");
    return false;
  }
  if (r.stream && r.prompts.size() > 1) {
    *error = BadField("prompt", "streaming takes a single prompt");
    return false;
  }
  if (r.stream && r.logprobs >= 0) {
    *error = BadField("logprobs", "logprobs are not streamed; send stream: false");
    return false;
  }
  *request = std::move(r);
  return true;
}

}  // namespace lfm::serve
