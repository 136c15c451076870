// Where an evaluation's model comes from: a local GGUF file (-m FILE and the engine flags) or an
// OpenAI-compatible server (--model-url, --model-name, --api-key-env, --concurrency). One
// definition for every eval command.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "evals/engine_model.h"
#include "evals/language_model.h"
#include "results/records.h"

namespace lfm::evals {

struct RemoteArgs {
  std::string url;
  std::string model_name;
  std::string api_key_env;  // the environment variable holding the API key
  int concurrency = 4;
};

// Adds the engine flags (-m optional) and the remote flags; returns the callback check that
// exactly one source is given (call it first thing in the command's callback).
void AddModelSourceFlags(CLI::App* cmd, engine::EngineOptions& engine, RemoteArgs& remote);
void CheckModelSourceOrExit(const engine::EngineOptions& engine, const RemoteArgs& remote);

struct OpenedModel {
  std::unique_ptr<engine::Engine> engine;  // null for a remote model
  std::unique_ptr<LanguageModel> model;
  EngineModel* engine_model = nullptr;  // model as an EngineModel when local
  std::string identity;                 // what identifies the model for resuming
  std::string model_args;               // lm-eval's model_args line
};

// Opens the model (loading a local file) and fills `run` (whose kind the caller sets) with its
// provenance: build, device, command line, and for a local file the model's name, hash and quant
// mix, backend, threads and the backend of each op (bench::BuildRunRecord, as `perf` records
// them); for a remote model the endpoint and name, backend "remote", threads = concurrency.
// Exits the command on an error.
OpenedModel OpenModelOrExit(engine::EngineOptions& engine, const RemoteArgs& remote,
                            const EngineModelOptions& local_options, results::RunRecord* run);

}  // namespace lfm::evals
