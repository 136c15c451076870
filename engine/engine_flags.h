// The flags every engine-facing command (generate, logits, eval run, serve) shares, defined once.
#pragma once

#include <CLI/CLI.hpp>

#include "base/cli.h"
#include "engine/engine.h"

namespace lfm::engine {

// -m/--model, --backend, -t/--threads, -c/--ctx into `o`. `model_required` false lets a command
// offer another model source (eval run --model-url); it then checks that one of them is given.
inline CLI::Option* AddEngineFlags(CLI::App* cmd, EngineOptions& o, bool model_required = true) {
  CLI::Option* model = cmd->add_option("-m,--model", o.model_path, "GGUF model file");
  if (model_required) model->required();
  o.backend = "cpu";  // the fast path that computes what llama.cpp computes; `reference` by name
  cmd->add_option("--backend", o.backend, "Kernel backend")->capture_default_str();
  cmd->add_option("-t,--threads", o.threads, "Threads")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("-c,--ctx", o.max_context, "Context size in tokens")->capture_default_str();
  return model;
}

}  // namespace lfm::engine
