// `lfmbench serve`: an OpenAI-compatible HTTP server over one Engine (cpp-httplib).
//
// Routes: POST /v1/completions, POST /v1/chat/completions (both streaming with server-sent
// events or not), GET /v1/models, GET /health. Every failure is an OpenAI error object.
//
// Threads: cpp-httplib's pool reads requests; one worker thread owns the engine (which is not
// thread-safe) and runs up to `parallel` admitted requests at once in arrival order through one
// engine::BatchGenerator: their tokens are decoded together, one per request per step, and a
// request that finishes frees its slot for the next waiting one before the next step. Requests
// asking for log-probs run alone, between steps. At most `max_queue` requests are admitted
// (running or waiting); one more is answered 503 at once. A streaming client that goes away
// cancels its request at the next token, which frees its slot. Stop() (from a signal watcher)
// refuses new requests, cancels the waiting and running ones (each answered 503 or, when
// streaming, ended with an error event) and returns once every connection is closed.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "engine/engine.h"

namespace lfm::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                   // 0: any free port (port() tells which)
  std::string model_name;            // the id /v1/models lists and requests may name
  int parallel = 1;                  // requests decoded together
  int max_queue = 16;                // requests admitted at once (running + waiting)
  size_t max_body_bytes = 8u << 20;  // larger bodies get 413
};

class Server {
 public:
  // `engine` must outlive the server.
  Server(engine::Engine& engine, ServerOptions options);
  ~Server();

  // Binds the listening socket; the error names host:port.
  Status Bind();
  int port() const;
  // Serves until Stop(); returns after the worker and every connection have finished.
  void Run();
  // Thread-safe; callable before, during or after Run().
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lfm::serve
