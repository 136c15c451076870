// `lfmbench datasets list|fetch`: what benchmark data is present and intact, and downloading it
// from the pinned upstream locations (or a mirror) with checksum verification.
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::evals {

void AddDatasetsCommands(CLI::App& app);

}  // namespace lfm::evals
