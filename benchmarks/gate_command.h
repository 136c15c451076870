// CLI: `lfmbench gate` (stored runs) and `lfmbench gate ab` (two builds measured interleaved).
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::bench {
void AddGateCommand(CLI::App& app);
}  // namespace lfm::bench
