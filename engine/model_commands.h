// CLI: `lfmbench model info` and `lfmbench model make`.
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::engine {
void AddModelCommands(CLI::App& app);
}  // namespace lfm::engine
