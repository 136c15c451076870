// `lfmbench demo`: the README's main job on an embedded default (a generated tiny model).
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::cli {
void AddDemoCommand(CLI::App& app);
}  // namespace lfm::cli
