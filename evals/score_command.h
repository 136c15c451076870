// `lfmbench eval score --task T --input FILE.jsonl [--output OUT.jsonl]`: scores responses
// produced elsewhere (any model, any API) the way lm-eval and the official scripts score them.
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::evals {

// Adds the `score` subcommand to the `eval` command group.
void AddEvalScoreCommand(CLI::App& eval_group);

}  // namespace lfm::evals
