// `lfmbench results ...`: list, show, export, compare, import-llama-bench, migrate.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace lfm::results {

// Adds `--db PATH` (default kDefaultDbPath) to a command; every command that touches the
// results database uses this, so the flag reads the same everywhere.
CLI::Option* AddDbOption(CLI::App& command, std::string& path);

void AddResultsCommands(CLI::App& app);

}  // namespace lfm::results
