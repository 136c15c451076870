#include "serve/server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "engine/batch_generator.h"
#include "serve/openai.h"

namespace lfm::serve {
namespace {

using nlohmann::json;

constexpr size_t kLogprobChunk = 256;  // prompt positions per Prefill in the log-prob path

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// log softmax(row)[token] in double, the way the local eval engine computes it, so a remote
// and a local score of the same logits are the same number.
double LogProb(std::span<const float> row, int32_t token) {
  const float max = *std::max_element(row.begin(), row.end());
  double sum = 0;
  for (float x : row) sum += std::exp(static_cast<double>(x) - max);
  return static_cast<double>(row[token]) - max - std::log(sum);
}

// One request's way through the server: the HTTP thread fills it, the worker runs it and hands
// back either events (streaming) or one final body.
struct Job {
  Request request;
  std::vector<std::vector<int32_t>> prompts;  // tokenized, one per choice
  std::string id;
  int64_t created = 0;
  std::atomic<bool> cancelled{false};

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> events;  // SSE payloads not yet sent
  bool done = false;
  int status = 200;
  std::string body;  // non-streaming reply, or the error of a failed stream

  void Push(std::string event) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(event));
    cv.notify_all();
  }
  void Finish(int http_status, std::string reply) {
    std::lock_guard<std::mutex> lock(mu);
    if (done) return;
    status = http_status;
    body = std::move(reply);
    done = true;
    cv.notify_all();
  }
  void Fail(const ApiError& e) { Finish(e.http_status, DumpJson(ErrorJson(e))); }

  // The worker's own state: the choices made so far (one per prompt, in order) and the one
  // being generated.
  size_t next_prompt = 0;
  json choices = json::array();
  int64_t prompt_tokens = 0, completion_tokens = 0;
  std::unique_ptr<engine::Sequence> seq;  // the running generation's
  bool first_chunk = true;                // streaming: the next chunk opens the message
  std::optional<StatusOr<engine::GenerateResult>> generated;  // how the generation ended
};

ApiError ServerError(int http_status, std::string message) {
  ApiError e;
  e.http_status = http_status;
  e.type = "server_error";
  e.message = std::move(message);
  return e;
}

std::string FinishReason(engine::StopReason reason) {
  switch (reason) {
    case engine::StopReason::kEndOfGeneration:
    case engine::StopReason::kStopString:
      return "stop";
    default:
      return "length";
  }
}

struct Choice {
  std::string text;
  std::string finish_reason;
  json logprobs;  // null unless asked for
  int64_t completion_tokens = 0;
};

}  // namespace

struct Server::Impl {
  engine::Engine& engine;
  ServerOptions options;
  httplib::Server http;
  std::thread worker;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Job>> queue;
  std::vector<std::shared_ptr<Job>> running;  // taken from the queue, not yet finished
  bool stopping = false;
  std::vector<std::shared_ptr<Job>> ended;  // the worker's: jobs whose generation just ended
  int64_t next_id = 0;

  Impl(engine::Engine& e, ServerOptions o) : engine(e), options(std::move(o)) {}

  // ---- the HTTP side --------------------------------------------------------------------------

  static void Reply(httplib::Response& res, const ApiError& e) {
    res.status = e.http_status;
    res.set_content(DumpJson(ErrorJson(e)), "application/json");
  }

  // Tokenizes the prompts and checks they fit; false with *error otherwise.
  bool Prepare(Job& job, ApiError* error) const {
    const engine::Tokenizer& tok = engine.tokenizer();
    Request& r = job.request;
    if (r.endpoint == Endpoint::kChat) {
      job.prompts.push_back(engine::EncodeChat(tok, r.messages));
    } else {
      for (const Prompt& p : r.prompts) {
        std::vector<int32_t> ids = p.is_tokens ? p.tokens : tok.Encode(p.text, true, true);
        // A prompt that already starts with BOS (a rendered chat template) gets no second one.
        if (ids.size() >= 2 && tok.bos_id() >= 0 && ids[0] == tok.bos_id() &&
            ids[1] == tok.bos_id()) {
          ids.erase(ids.begin());
        }
        for (int32_t id : ids) {
          if (id >= tok.n_vocab()) {
            *error = ApiError{
                400, "invalid_request_error",
                fmt::format("token id {} is outside the vocabulary of {}", id, tok.n_vocab()),
                "prompt", ""};
            return false;
          }
        }
        job.prompts.push_back(std::move(ids));
      }
    }
    const int64_t context = engine.options().max_context;
    for (const std::vector<int32_t>& ids : job.prompts) {
      const int64_t n = static_cast<int64_t>(ids.size());
      if (n == 0) {
        *error = ApiError{400, "invalid_request_error", "the prompt is empty", "prompt", ""};
        return false;
      }
      const int64_t wanted =
          r.max_tokens ? *r.max_tokens : (r.endpoint == Endpoint::kChat ? 0 : 16);
      if (n + wanted > context || n > context) {
        *error =
            ApiError{400, "invalid_request_error",
                     fmt::format("This model's maximum context length is {} tokens. However, you "
                                 "requested {} tokens ({} in the prompt, {} for the completion).",
                                 context, n + wanted, n, wanted),
                     "messages", "context_length_exceeded"};
        return false;
      }
    }
    engine::SamplerOptions check = r.sampling;
    if (Status s = engine::Sampler::Validate(check); !s.ok()) {
      *error = ApiError{400, "invalid_request_error", s.message(), "", ""};
      return false;
    }
    if (!r.seeded) r.sampling.seed = std::random_device{}();
    return true;
  }

  bool Admit(const std::shared_ptr<Job>& job, ApiError* error) {
    std::lock_guard<std::mutex> lock(mu);
    if (stopping) {
      *error = ServerError(503, "the server is shutting down");
      return false;
    }
    const size_t admitted = queue.size() + running.size();
    if (admitted >= static_cast<size_t>(options.max_queue)) {
      *error = ServerError(
          503, fmt::format("the server is busy ({} requests admitted); retry later", admitted));
      return false;
    }
    job->id = fmt::format("{}-{}", job->request.endpoint == Endpoint::kChat ? "chatcmpl" : "cmpl",
                          next_id++);
    job->created = UnixSeconds();
    queue.push_back(job);
    cv.notify_all();
    return true;
  }

  void HandleCompletion(Endpoint endpoint, const httplib::Request& req, httplib::Response& res) {
    auto job = std::make_shared<Job>();
    ApiError error;
    if (!ParseRequest(req.body, endpoint, &job->request, &error)) return Reply(res, error);
    if (!job->request.model.empty() && job->request.model != options.model_name) {
      return Reply(res,
                   ApiError{404, "invalid_request_error",
                            fmt::format("The model `{}` does not exist; this server serves `{}`",
                                        job->request.model, options.model_name),
                            "model", "model_not_found"});
    }
    if (!Prepare(*job, &error) || !Admit(job, &error)) return Reply(res, error);
    if (!job->request.stream) {
      std::unique_lock<std::mutex> lock(job->mu);
      job->cv.wait(lock, [&] { return job->done; });
      res.status = job->status;
      res.set_content(job->body, "application/json");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [job](size_t, httplib::DataSink& sink) {
          std::deque<std::string> out;
          bool done = false;
          std::string error_body;
          {
            std::unique_lock<std::mutex> lock(job->mu);
            job->cv.wait(lock, [&] { return job->done || !job->events.empty(); });
            out.swap(job->events);
            done = job->done;
            if (done && job->status != 200) error_body = job->body;
          }
          if (!error_body.empty()) out.push_back(error_body);
          if (done) out.push_back("[DONE]");
          for (const std::string& e : out) {
            const std::string line = "data: " + e + "\n\n";
            if (!sink.write(line.data(), line.size())) {
              job->cancelled = true;  // the client went away
              return false;
            }
          }
          if (done) sink.done();
          return true;
        },
        [job](bool success) {
          if (!success) job->cancelled = true;
        });
  }

  void Routes() {
    http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      HandleCompletion(Endpoint::kCompletions, req, res);
    });
    http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      HandleCompletion(Endpoint::kChat, req, res);
    });
    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      const json model = {{"id", options.model_name},
                          {"object", "model"},
                          {"created", UnixSeconds()},
                          {"owned_by", "lfmbench"},
                          {"max_model_len", engine.options().max_context}};
      res.set_content(DumpJson({{"object", "list"}, {"data", json::array({model})}}),
                      "application/json");
    });
    http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) return Reply(res, ServerError(503, "the server is shutting down"));
      res.set_content(DumpJson({{"status", "ok"}}), "application/json");
    });
    // Errors cpp-httplib answers itself (404 route, 413 body too large, 400 unparsable request)
    // get an OpenAI error body too.
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = fmt::format("HTTP {}", res.status);
      if (res.status == 404) message = fmt::format("no route {} {}", req.method, req.path);
      if (res.status == 413) message = "the request body is too large";
      Reply(res, ApiError{res.status, res.status >= 500 ? "server_error" : "invalid_request_error",
                          message, "", ""});
    });
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          Reply(res, ServerError(500, "internal error: " + what));
        });
  }

  // ---- the worker -----------------------------------------------------------------------------

  // Serves the queue through one BatchGenerator: between steps, requests whose generation
  // ended go on to their next prompt or finish, and free slots take waiting requests.
  void Work() {
    engine::BatchGenerator generator(engine, std::max(1, options.parallel));
    for (;;) {
      std::vector<std::shared_ptr<Job>> just_ended;
      just_ended.swap(ended);
      for (const std::shared_ptr<Job>& job : just_ended) OnGenerated(generator, job);
      while (generator.has_free_slot()) {
        std::shared_ptr<Job> job = Dequeue(/*wait=*/generator.running() == 0);
        if (!job) break;
        Continue(generator, job);
      }
      if (generator.running() > 0) {
        generator.Step();
        continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      if (stopping && queue.empty() && ended.empty()) return;
    }
  }

  // The next waiting job, now counted as running; null when none waits (after waiting for one
  // or for Stop() when `wait`).
  std::shared_ptr<Job> Dequeue(bool wait) {
    std::unique_lock<std::mutex> lock(mu);
    if (wait) cv.wait(lock, [&] { return stopping || !queue.empty(); });
    if (queue.empty()) return nullptr;
    std::shared_ptr<Job> job = queue.front();
    queue.pop_front();
    running.push_back(job);
    return job;
  }

  void Retire(const std::shared_ptr<Job>& job) {
    std::lock_guard<std::mutex> lock(mu);
    std::erase(running, job);
  }

  json ChunkJson(const Job& job, const std::string& text, const json& finish_reason,
                 bool first) const {
    json choice = {{"index", 0}, {"finish_reason", finish_reason}};
    if (job.request.endpoint == Endpoint::kChat) {
      json delta = json::object();
      if (first) delta["role"] = "assistant";
      if (!text.empty() || first) delta["content"] = text;
      choice["delta"] = delta;
      choice["logprobs"] = nullptr;
      return {{"id", job.id},
              {"object", "chat.completion.chunk"},
              {"created", job.created},
              {"model", options.model_name},
              {"choices", json::array({choice})}};
    }
    choice["text"] = text;
    choice["logprobs"] = nullptr;
    return {{"id", job.id},
            {"object", "text_completion"},
            {"created", job.created},
            {"model", options.model_name},
            {"choices", json::array({choice})}};
  }

  int MaxTokens(const Request& r, const std::vector<int32_t>& prompt) const {
    if (r.max_tokens) return *r.max_tokens;
    return r.endpoint == Endpoint::kChat
               ? engine.options().max_context - static_cast<int>(prompt.size())
               : 16;
  }

  // Starts generating the job's current prompt in a slot of `generator` (exact stop strings,
  // streaming; no log-probs). OnGenerated takes over when it ends.
  Status StartGeneration(engine::BatchGenerator& generator, const std::shared_ptr<Job>& job,
                         const std::vector<int32_t>& prompt, int max_tokens) {
    engine::GenerateOptions g;
    g.sampling = job->request.sampling;
    g.max_tokens = max_tokens;
    g.stop_strings = job->request.stop;
    Job* j = job.get();  // the job outlives its generation: `running` holds it
    j->first_chunk = true;
    g.on_text = [this, j](std::string_view piece) {
      if (j->cancelled) return false;
      if (j->request.stream && !piece.empty()) {
        j->Push(DumpJson(ChunkJson(*j, std::string(piece), nullptr, j->first_chunk)));
        j->first_chunk = false;
      }
      return true;
    };
    j->seq = engine.NewSequence();
    return generator.Add(*j->seq, prompt, std::move(g), [this, job](auto result) {
      job->generated = std::move(result);
      ended.push_back(job);
    });
  }

  // A generation of `job` ended: its choice is recorded and the job goes on.
  void OnGenerated(engine::BatchGenerator& generator, const std::shared_ptr<Job>& job) {
    StatusOr<engine::GenerateResult> out = std::move(*job->generated);
    job->generated.reset();
    job->seq.reset();
    if (!out.ok()) return FailJob(job, out.status());
    if (out->stop_reason == engine::StopReason::kCallback) {
      return FailJob(job, Error(StatusCode::kCancelled, "cancelled"));
    }
    const std::vector<int32_t>& prompt = job->prompts[job->next_prompt - 1];
    Choice c;
    c.finish_reason = FinishReason(out->stop_reason);
    c.completion_tokens = static_cast<int64_t>(out->tokens.size());
    if (job->request.stream) {
      job->Push(DumpJson(ChunkJson(*job, "", c.finish_reason, job->first_chunk)));
    }
    c.text = (job->request.echo ? engine.tokenizer().Decode(prompt) : "") + out->text;
    AddChoice(*job, prompt, c);
    Continue(generator, job);
  }

  // The log-prob path: every prompt position scored (for echo), then tokens sampled one at a
  // time with their log-probs; a stop string ends the text before it.
  StatusOr<Choice> GenerateWithLogprobs(Job& job, const std::vector<int32_t>& prompt,
                                        int max_tokens) {
    const engine::Tokenizer& tok = engine.tokenizer();
    const Request& r = job.request;
    const size_t V = static_cast<size_t>(engine.config().n_vocab);
    json tokens = json::array(), token_logprobs = json::array(), top_logprobs = json::array();
    auto add = [&](int32_t id, std::span<const float> row) {
      tokens.push_back(std::string(tok.TokenText(id, true)));
      if (row.empty()) {
        token_logprobs.push_back(nullptr);
        top_logprobs.push_back(nullptr);
        return;
      }
      token_logprobs.push_back(LogProb(row, id));
      std::vector<int32_t> order(V);
      for (size_t i = 0; i < V; ++i) order[i] = static_cast<int32_t>(i);
      const size_t k = std::min(static_cast<size_t>(r.logprobs), V);
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
        return row[a] > row[b] || (row[a] == row[b] && a < b);
      });
      json top = json::object();
      for (size_t i = 0; i < k; ++i)
        top[std::string(tok.TokenText(order[i], true))] = LogProb(row, order[i]);
      top_logprobs.push_back(top);
    };
    auto seq = engine.NewSequence();
    std::vector<float> logits, next(V);
    if (r.echo) add(prompt[0], {});
    for (size_t start = 0; start < prompt.size(); start += kLogprobChunk) {
      if (job.cancelled) return Error(StatusCode::kCancelled, "cancelled");
      const size_t n = std::min(kLogprobChunk, prompt.size() - start);
      LFM_RETURN_IF_ERROR(engine.Prefill(*seq, std::span<const int32_t>(prompt).subspan(start, n),
                                         &logits,
                                         /*all_positions=*/r.echo));
      if (r.echo) {
        for (size_t i = 0; i < n && start + i + 1 < prompt.size(); ++i) {
          add(prompt[start + i + 1], std::span<const float>(logits.data() + i * V, V));
        }
      }
      std::copy(logits.end() - static_cast<std::ptrdiff_t>(V), logits.end(), next.begin());
    }
    Choice c;
    const std::string echo_text = r.echo ? tok.Decode(prompt) : "";
    engine::Sampler sampler(r.sampling);
    std::vector<int32_t> history = prompt, generated;
    c.finish_reason = "length";
    std::string text;
    while (static_cast<int>(generated.size()) < max_tokens) {
      if (job.cancelled) return Error(StatusCode::kCancelled, "cancelled");
      const int32_t id = sampler.Sample(next, history);
      if (tok.IsEog(id)) {
        c.finish_reason = "stop";
        break;
      }
      add(id, next);
      generated.push_back(id);
      history.push_back(id);
      text = tok.Decode(generated);
      const std::string cut = [&] {
        size_t at = std::string::npos;
        for (const std::string& s : r.stop) {
          if (!s.empty()) at = std::min(at, text.find(s));
        }
        return at == std::string::npos ? text : text.substr(0, at);
      }();
      if (cut.size() != text.size()) {
        text = cut;
        c.finish_reason = "stop";
        break;
      }
      if (static_cast<int>(generated.size()) == max_tokens || seq->length() >= seq->max_context())
        break;
      LFM_RETURN_IF_ERROR(engine.Decode(*seq, id, &next));
    }
    c.text = echo_text + text;
    c.completion_tokens = static_cast<int64_t>(generated.size());
    json offsets = json::array();
    size_t offset = 0;
    for (const json& t : tokens) {
      offsets.push_back(offset);
      offset += t.get<std::string>().size();
    }
    c.logprobs = {{"tokens", tokens},
                  {"token_logprobs", token_logprobs},
                  {"top_logprobs", top_logprobs},
                  {"text_offset", offsets}};
    return c;
  }

  // Runs the job's remaining prompts: log-prob and empty completions here and now, a
  // generation by starting it in `generator` (the job continues in OnGenerated). Finishes the
  // job after its last prompt.
  void Continue(engine::BatchGenerator& generator, const std::shared_ptr<Job>& job) {
    const Request& r = job->request;
    while (job->next_prompt < job->prompts.size()) {
      const std::vector<int32_t>& prompt = job->prompts[job->next_prompt++];
      const int max_tokens = MaxTokens(r, prompt);
      if (job->cancelled) return FailJob(job, Error(StatusCode::kCancelled, "cancelled"));
      if (r.logprobs >= 0) {
        StatusOr<Choice> choice = GenerateWithLogprobs(*job, prompt, max_tokens);
        if (!choice.ok()) return FailJob(job, choice.status());
        AddChoice(*job, prompt, *choice);
      } else if (max_tokens == 0) {
        Choice choice;
        choice.text = r.echo ? engine.tokenizer().Decode(prompt) : "";
        choice.finish_reason = "length";
        AddChoice(*job, prompt, choice);
      } else {
        if (Status s = StartGeneration(generator, job, prompt, max_tokens); !s.ok()) {
          return FailJob(job, s);
        }
        return;
      }
    }
    Complete(*job);
    Retire(job);
  }

  void AddChoice(Job& job, const std::vector<int32_t>& prompt, const Choice& choice) const {
    job.prompt_tokens += static_cast<int64_t>(prompt.size());
    job.completion_tokens += choice.completion_tokens;
    json c = {{"index", job.choices.size()},
              {"finish_reason", choice.finish_reason},
              {"logprobs", choice.logprobs}};
    if (job.request.endpoint == Endpoint::kChat) {
      c["message"] = {{"role", "assistant"}, {"content", choice.text}};
    } else {
      c["text"] = choice.text;
    }
    job.choices.push_back(c);
  }

  void FailJob(const std::shared_ptr<Job>& job, const Status& status) {
    const bool cancelled = status.code() == StatusCode::kCancelled;
    job->Fail(ServerError(cancelled ? 503 : 500,
                          cancelled ? "the request was cancelled (server shutting down or client gone)"
                                    : status.message()));
    Retire(job);
  }

  void Complete(Job& job) const {
    const Request& r = job.request;
    if (r.stream) return job.Finish(200, "");
    const json usage = {{"prompt_tokens", job.prompt_tokens},
                        {"completion_tokens", job.completion_tokens},
                        {"total_tokens", job.prompt_tokens + job.completion_tokens}};
    const json reply = {
        {"id", job.id},
        {"object", r.endpoint == Endpoint::kChat ? "chat.completion" : "text_completion"},
        {"created", job.created},
        {"model", options.model_name},
        {"choices", job.choices},
        {"usage", usage}};
    job.Finish(200, DumpJson(reply));
  }
};

Server::Server(engine::Engine& engine, ServerOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {
  Impl& s = *impl_;
  const size_t threads =
      static_cast<size_t>(std::max(1, s.options.max_queue)) + 4;  // + 503s and /health
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.http.set_payload_max_length(s.options.max_body_bytes);
  s.http.set_keep_alive_timeout(2);
  s.http.set_read_timeout(30);
  s.Routes();
}

Server::~Server() {
  Stop();
  if (impl_->worker.joinable()) impl_->worker.join();
}

Status Server::Bind() {
  Impl& s = *impl_;
  const bool ok = s.options.port == 0
                      ? (s.options.port = s.http.bind_to_any_port(s.options.host)) > 0
                      : s.http.bind_to_port(s.options.host, s.options.port);
  if (!ok)
    return Error(StatusCode::kIo, "{}:{}: cannot listen (address in use or not local?)",
                 s.options.host, s.options.port);
  return OkStatus();
}

int Server::port() const { return impl_->options.port; }

void Server::Run() {
  Impl& s = *impl_;
  s.worker = std::thread([&s] { s.Work(); });
  s.http.listen_after_bind();
  Stop();
  s.worker.join();
}

void Server::Stop() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!s.stopping) {
      s.stopping = true;
      for (const auto& job : s.queue) job->Fail(ServerError(503, "the server is shutting down"));
      s.queue.clear();
      for (const auto& job : s.running) job->cancelled = true;
    }
    s.cv.notify_all();
  }
  s.http.stop();
}

}  // namespace lfm::serve
