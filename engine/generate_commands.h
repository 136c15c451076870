// CLI: `lfmbench logits` (raw next-token logits for given token ids) and `lfmbench generate`
// (streamed text with prefill/decode speed). Their output formats are checked from outside.
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::engine {
void AddGenerationCommands(CLI::App& app);
}  // namespace lfm::engine
