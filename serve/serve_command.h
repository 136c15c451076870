// `lfmbench serve -m FILE [--host H] [--port P] [--backend B] [--threads T] [--parallel N]`.
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::serve {

void AddServeCommand(CLI::App& app);

}  // namespace lfm::serve
