#include "evals/model_source.h"

#include <fmt/format.h>

#include <cstdlib>

#include "base/cli.h"
#include "benchmarks/run_record.h"
#include "engine/engine_flags.h"
#include "engine/model_info.h"
#include "evals/remote_model.h"
#include "results/provenance.h"

namespace lfm::evals {

void AddModelSourceFlags(CLI::App* cmd, engine::EngineOptions& engine, RemoteArgs& remote) {
  CLI::Option* model = engine::AddEngineFlags(cmd, engine, /*model_required=*/false);
  CLI::Option* url = cmd->add_option("--model-url", remote.url,
                                     "Evaluate the model an OpenAI-compatible server serves (e.g. "
                                     "http://127.0.0.1:8000/v1) instead of a file");
  model->excludes(url);
  cmd->add_option("--model-name", remote.model_name, "The model's name on that server")->needs(url);
  cmd->add_option("--api-key-env", remote.api_key_env,
                  "Environment variable holding the server's API key")
      ->needs(url);
  cmd->add_option("--concurrency", remote.concurrency,
                  "Requests in flight at once (with --model-url)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
}

void CheckModelSourceOrExit(const engine::EngineOptions& engine, const RemoteArgs& remote) {
  if (engine.model_path.empty() && remote.url.empty()) {
    FailCommand("give a model file (-m FILE) or a server (--model-url URL --model-name NAME)");
  }
  if (!remote.url.empty() && remote.model_name.empty())
    FailCommand("--model-url needs --model-name");
}

OpenedModel OpenModelOrExit(engine::EngineOptions& engine, const RemoteArgs& remote,
                            const EngineModelOptions& local_options, results::RunRecord* run) {
  OpenedModel opened;
  if (!remote.url.empty()) {
    RemoteModelOptions options;
    options.url = remote.url;
    options.model = remote.model_name;
    options.concurrency = remote.concurrency;
    if (!remote.api_key_env.empty()) {
      const char* key = std::getenv(remote.api_key_env.c_str());
      if (!key || !*key)
        FailCommand(fmt::format("--api-key-env: ${} is not set", remote.api_key_env));
      options.api_key = key;
    }
    auto model = std::make_unique<RemoteModel>(options);
    run->build = results::CurrentBuild();
    run->device = results::DetectDevice();
    run->command_line = results::CurrentCommandLine();
    run->backend = "remote";
    run->threads = std::to_string(remote.concurrency);
    run->model.name = remote.model_name;
    run->model.path = model->base_url();
    opened.identity = "openai:" + model->base_url() + ":" + remote.model_name;
    opened.model_args = fmt::format("model={},base_url={},num_concurrent={}", remote.model_name,
                                    model->base_url(), remote.concurrency);
    opened.model = std::move(model);
    return opened;
  }
  // Named, described and hashed as `lfmbench perf` does (one run-record builder for both), so
  // both kinds of run of one file match.
  opened.engine = ValueOrExit(engine::Engine::Open(engine));
  *run = ValueOrExit(bench::BuildRunRecord(run->kind, engine.model_path,
                                           std::string(opened.engine->backend_name()),
                                           std::to_string(engine.threads)));
  run->op_backends = bench::OpBackends(*opened.engine);
  auto model = std::make_unique<EngineModel>(*opened.engine, run->model.name, local_options);
  opened.engine_model = model.get();
  opened.model = std::move(model);
  opened.identity = run->model.hash + ":" + run->model.hash_kind;
  opened.model_args = fmt::format("model={},backend={},threads={},max_context={},prefix_reuse={}",
                                  engine.model_path, opened.engine->backend_name(), engine.threads,
                                  engine.max_context, local_options.prefix_reuse);
  return opened;
}

}  // namespace lfm::evals
