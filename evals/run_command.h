// `lfmbench eval run -m FILE --tasks mmlu,gsm8k,ifeval [...]`: evaluates a GGUF model on
// benchmark tasks, storing every sample in the results database as it completes; rerunning the
// same command resumes, Ctrl-C stops cleanly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/engine.h"
#include "evals/model_source.h"
#include "results/result_store.h"

namespace lfm::evals {

// The options of `eval run`, one field per flag.
struct EvalRunArgs {
  engine::EngineOptions engine;
  RemoteArgs remote;  // --model-url instead of -m FILE
  std::vector<std::string> tasks;
  std::string suite;     // "lfm2": the suite's benchmarks instead of --tasks
  int limit = 0;         // 0: every document
  int num_fewshot = -1;  // -1: each task's own
  bool chat = false;
  std::string db = results::kDefaultDbPath;
  std::string data_dir;
  std::string tasks_dir;
  std::string output;
  uint64_t seed = 1234;
  std::string gen_kwargs;
  int batch_size = 8;
  int samples = 1;               // completions per document (pass@k for the code tasks)
  int jobs = 2;                  // code tasks: candidates run at once in the sandbox
  std::string sandbox = "auto";  // code tasks: sandbox isolation (auto, bwrap, rlimits)
  int bootstrap_iters = 100000;
  std::string tag;
  bool no_prefix_reuse = false;
  bool quiet = false;
};

// Runs `eval run` and prints its results table; exits the command (FailCommand) on an error or
// Ctrl-C, with every finished sample stored.
void RunEvalCommand(EvalRunArgs& args);

// Adds the `run` subcommand to the `eval` command group.
void AddEvalRunCommand(CLI::App& eval_group);

}  // namespace lfm::evals
