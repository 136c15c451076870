// `lfmbench eval ...`: the eval command group (run, score).
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::evals {

void AddEvalCommands(CLI::App& app);

}  // namespace lfm::evals
