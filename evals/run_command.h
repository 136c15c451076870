// `lfmbench eval run -m FILE --tasks mmlu,gsm8k,ifeval [...]`: evaluates a GGUF model on
// benchmark tasks, storing every sample in the results database as it completes; rerunning the
// same command resumes, Ctrl-C stops cleanly.
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::evals {

// Adds the `run` subcommand to the `eval` command group.
void AddEvalRunCommand(CLI::App& eval_group);

}  // namespace lfm::evals
