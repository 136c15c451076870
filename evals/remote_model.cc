#include "evals/remote_model.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace lfm::evals {
namespace {

using nlohmann::json;

// Marks a context that ApplyChatTemplate made: the rest is the messages as JSON.
constexpr std::string_view kChatMarker = "\x01lfmbench-chat-messages\x01";

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

void CurlInitOnce() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
  (void)ok;
}

bool Retryable(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

// Runs job(i) for i in [0, n) on up to `workers` threads; the first error wins and stops the
// others from starting new items.
Status ParallelFor(size_t n, int workers, const std::function<Status(size_t)>& job) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first;
  std::atomic<bool> failed{false};
  auto run = [&] {
    for (size_t i; !failed && (i = next++) < n;) {
      Status s = job(i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed) first = s;
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t count = std::min(n, static_cast<size_t>(std::max(1, workers)));
  for (size_t t = 1; t < count; ++t) threads.emplace_back(run);
  run();
  for (std::thread& t : threads) t.join();
  return first;
}

// lm-eval's split: trailing whitespace of the context belongs to the continuation.
void MoveTrailingSpace(std::string* context, std::string* continuation) {
  const size_t end = context->find_last_not_of(" \t\n\r\f\v");
  const size_t keep = end == std::string::npos ? 0 : end + 1;
  *continuation = context->substr(keep) + *continuation;
  context->resize(keep);
}

}  // namespace

RemoteModel::RemoteModel(RemoteModelOptions options) : options_(std::move(options)) {
  CurlInitOnce();
  base_url_ = options_.url;
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  for (const std::string_view suffix : {"/chat/completions", "/completions"}) {
    if (base_url_.ends_with(suffix)) base_url_.resize(base_url_.size() - suffix.size());
  }
  if (!base_url_.ends_with("/v1")) base_url_ += "/v1";
}

std::string RemoteModel::Name() const { return fmt::format("{} at {}", options_.model, base_url_); }

StatusOr<json> RemoteModel::Post(const std::string& path, const json& body) const {
  const std::string url = base_url_ + path;
  const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string last_error;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (attempt > 0) {
      // 0.5 s, 1 s, 2 s, ... at most 8 s; a cancel cuts the wait short.
      const auto wait = std::chrono::milliseconds(std::min(8000, 500 << std::min(attempt - 1, 4)));
      const auto until = std::chrono::steady_clock::now() + wait;
      while (std::chrono::steady_clock::now() < until) {
        if (Cancelled()) return Error(StatusCode::kCancelled, "cancelled");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    CURL* curl = curl_easy_init();
    std::string reply;
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    const std::string auth = "Authorization: Bearer " + options_.api_key;
    if (!options_.api_key.empty()) headers = curl_slist_append(headers, auth.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "lfmbench");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_s);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    const CURLcode rc = curl_easy_perform(curl);
    long http_code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
      last_error = curl_error[0] ? curl_error : curl_easy_strerror(rc);
      if (Retryable(rc)) continue;
      return Error(StatusCode::kIo, "{}: {}", url, last_error);
    }
    json j = json::parse(reply, nullptr, /*allow_exceptions=*/false);
    if (http_code == 200 && j.is_object()) return j;
    std::string message = reply.substr(0, 300);
    if (j.is_object() && j.contains("error")) {
      const json& e = j["error"];
      message = e.is_object() && e.contains("message") && e["message"].is_string()
                    ? e["message"].get<std::string>()
                    : e.dump();
    }
    last_error = fmt::format("HTTP {}: {}", http_code, message);
    if (http_code == 429 || http_code >= 500) continue;
    return Error(http_code == 200 ? StatusCode::kDataLoss : StatusCode::kInvalidArgument, "{}: {}",
                 url, last_error);
  }
  return Error(StatusCode::kIo, "{}: gave up after {} retries: {}", url, options_.max_retries,
               last_error);
}

StatusOr<std::vector<LogLikelihoodResult>> RemoteModel::LogLikelihood(
    const std::vector<LogLikelihoodRequest>& requests) {
  std::vector<std::string> contexts(requests.size()), continuations(requests.size());
  std::map<std::string, int64_t> context_tokens;  // distinct contexts -> their token count
  for (size_t i = 0; i < requests.size(); ++i) {
    contexts[i] = requests[i].context;
    continuations[i] = requests[i].continuation;
    if (contexts[i].starts_with(kChatMarker)) {
      return Error(
          StatusCode::kUnimplemented,
          "log-likelihood needs /v1/completions on the prompt text; run this task without --chat");
    }
    MoveTrailingSpace(&contexts[i], &continuations[i]);
    context_tokens[contexts[i]] = 0;
  }
  std::vector<std::string> distinct;
  for (const auto& [context, n] : context_tokens) distinct.push_back(context);
  std::vector<int64_t> counts(distinct.size());
  LFM_RETURN_IF_ERROR(ParallelFor(distinct.size(), options_.concurrency, [&](size_t i) -> Status {
    if (Cancelled()) return Error(StatusCode::kCancelled, "cancelled");
    LFM_ASSIGN_OR_RETURN(json reply, Post("/completions", {{"model", options_.model},
                                                           {"prompt", distinct[i]},
                                                           {"max_tokens", 1},
                                                           {"temperature", 0}}));
    const json usage = reply.value("usage", json());
    if (!usage.is_object() || !usage.value("prompt_tokens", json()).is_number_integer()) {
      return Error(StatusCode::kDataLoss, "{}/completions: the reply has no usage.prompt_tokens",
                   base_url_);
    }
    counts[i] = usage["prompt_tokens"].get<int64_t>();
    return OkStatus();
  }));
  for (size_t i = 0; i < distinct.size(); ++i) context_tokens[distinct[i]] = counts[i];

  std::vector<LogLikelihoodResult> results(requests.size());
  LFM_RETURN_IF_ERROR(ParallelFor(requests.size(), options_.concurrency, [&](size_t i) -> Status {
    if (Cancelled()) return Error(StatusCode::kCancelled, "cancelled");
    LFM_ASSIGN_OR_RETURN(json reply,
                         Post("/completions", {{"model", options_.model},
                                               {"prompt", contexts[i] + continuations[i]},
                                               {"max_tokens", 1},
                                               {"temperature", 0},
                                               {"logprobs", 1},
                                               {"echo", true}}));
    const auto no_logprobs = [&] {
      return Error(
          StatusCode::kUnimplemented,
          "{}: the endpoint returned no prompt log-probs (completions with echo and logprobs), "
          "which log-likelihood tasks need",
          base_url_);
    };
    const json choices = reply.value("choices", json());
    if (!choices.is_array() || choices.empty() || !choices[0].is_object()) return no_logprobs();
    const json logprobs = choices[0].value("logprobs", json());
    if (!logprobs.is_object()) return no_logprobs();
    const json token_logprobs = logprobs.value("token_logprobs", json());
    const json top_logprobs = logprobs.value("top_logprobs", json());
    const int64_t n_prompt =
        reply.value("usage", json::object()).value("prompt_tokens", int64_t{-1});
    const int64_t n_context = context_tokens[contexts[i]];
    if (!token_logprobs.is_array() || !top_logprobs.is_array() || n_prompt < 0 ||
        static_cast<int64_t>(token_logprobs.size()) < n_prompt ||
        static_cast<int64_t>(top_logprobs.size()) < n_prompt) {
      return no_logprobs();
    }
    if (n_context < 1 || n_prompt <= n_context) {
      return Error(StatusCode::kInvalidArgument,
                   "{}: the continuation '{}' adds no tokens to its context", base_url_,
                   requests[i].continuation);
    }
    LogLikelihoodResult r;
    r.is_greedy = true;
    for (int64_t p = n_context; p < n_prompt; ++p) {
      if (!token_logprobs[p].is_number() || !top_logprobs[p].is_object()) return no_logprobs();
      const double lp = token_logprobs[p].get<double>();
      r.logprob += lp;
      double best = -std::numeric_limits<double>::infinity();
      for (const auto& [text, value] : top_logprobs[p].items()) {
        if (value.is_number()) best = std::max(best, value.get<double>());
      }
      if (lp != best) r.is_greedy = false;
    }
    results[i] = r;
    return OkStatus();
  }));
  return results;
}

StatusOr<std::vector<double>> RemoteModel::LogLikelihoodRolling(
    const std::vector<RollingRequest>&) {
  return Error(
      StatusCode::kUnimplemented,
      "rolling log-likelihood (perplexity) needs token windows, which an OpenAI endpoint cannot "
      "be asked for; run it with -m FILE");
}

StatusOr<std::vector<std::string>> RemoteModel::GenerateUntil(
    const std::vector<GenerationRequest>& requests) {
  std::vector<std::string> results(requests.size());
  LFM_RETURN_IF_ERROR(ParallelFor(requests.size(), options_.concurrency, [&](size_t i) -> Status {
    if (Cancelled()) return Error(StatusCode::kCancelled, "cancelled");
    const GenerationRequest& r = requests[i];
    const bool sample = r.do_sample && r.temperature > 0;
    json body = {{"model", options_.model},
                 {"max_tokens", r.max_tokens},
                 {"temperature", sample ? r.temperature : 0.0}};
    if (sample) {
      body["top_p"] = r.top_p;
      if (r.top_k > 0) body["top_k"] = r.top_k;
      if (r.min_p > 0) body["min_p"] = r.min_p;
      body["seed"] = r.seed;
    }
    std::vector<std::string> stop;
    for (const std::string& s : r.until) {
      if (!s.empty()) stop.push_back(s);
    }
    if (!stop.empty()) body["stop"] = stop;
    const bool chat = r.context.starts_with(kChatMarker);
    if (chat) {
      body["messages"] = json::parse(r.context.substr(kChatMarker.size()));
    } else {
      body["prompt"] = r.context;
    }
    LFM_ASSIGN_OR_RETURN(json reply, Post(chat ? "/chat/completions" : "/completions", body));
    const json choices = reply.value("choices", json());
    const json text = !choices.is_array() || choices.empty() || !choices[0].is_object() ? json()
                      : chat ? choices[0].value("message", json::object()).value("content", json())
                             : choices[0].value("text", json());
    if (!text.is_string()) {
      return Error(StatusCode::kDataLoss, "{}: the reply has no generated text: {}", base_url_,
                   reply.dump().substr(0, 200));
    }
    results[i] = CutAtStopStrings(text.get<std::string>(), r.until);
    return OkStatus();
  }));
  return results;
}

StatusOr<std::string> RemoteModel::ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                                     bool add_generation_prompt) const {
  if (!add_generation_prompt) {
    return Error(StatusCode::kUnimplemented, "a chat endpoint always opens the assistant turn");
  }
  json list = json::array();
  for (const ChatMessage& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  return std::string(kChatMarker) + list.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace lfm::evals
