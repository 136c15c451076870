#include "serve/serve_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <thread>

#include "base/cli.h"
#include "engine/engine.h"
#include "engine/engine_flags.h"
#include "serve/server.h"

namespace lfm::serve {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop = true; }

struct ServeArgs {
  engine::EngineOptions engine;
  ServerOptions server;
  bool quiet = false;
};

void RunServe(ServeArgs& args) {
  args.engine.show_progress = !args.quiet;
  if (args.server.model_name.empty()) {
    args.server.model_name = std::filesystem::path(args.engine.model_path).stem().string();
  }
  auto engine = ValueOrExit(engine::Engine::Open(args.engine));
  Server server(*engine, args.server);
  ExitOnError(server.Bind());
  // The stop flag is polled by a watcher, since a signal handler may not take locks. Stop() is
  // repeated until Run() returns: a stop that lands before the listener has started is not lost.
  g_stop = false;
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    while (!finished) {
      if (g_stop) server.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  fmt::print(stderr,
             "lfmbench serve: model '{}' ({} backend, {} threads, context {}) on http://{}:{}/v1\n",
             args.server.model_name, engine->backend_name(), args.engine.threads,
             args.engine.max_context, args.server.host, server.port());
  server.Run();
  finished = true;
  watcher.join();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  fmt::print(stderr, "lfmbench serve: stopped\n");
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve",
                                     "Serve a model over the OpenAI API (/v1/completions, "
                                     "/v1/chat/completions, /v1/models, /health)");
  engine::AddEngineFlags(cmd, args->engine);
  cmd->add_option("--host", args->server.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->server.port, "Port (0: any free port, printed at start)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--model-name", args->server.model_name,
                  "Model id clients name (default: the file's stem)");
  cmd->add_option("--parallel", args->server.parallel,
                  "Requests decoded together (continuous batching: a finished request's slot "
                  "takes the next waiting one at once)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("--max-queue", args->server.max_queue,
                  "Requests admitted at once; more get HTTP 503")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("--max-body", args->server.max_body_bytes,
                  "Largest request body in bytes; larger get HTTP 413")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", args->quiet, "No loading progress");
  cmd->callback([args] { RunServe(*args); });
}

}  // namespace lfm::serve
