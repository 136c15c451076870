// CLI: `lfmbench tokenize`, the tokenizer as seen from outside (its output format is checked
// by scripts: keep it stable).
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::engine {
void AddTokenizeCommand(CLI::App& app);
}  // namespace lfm::engine
