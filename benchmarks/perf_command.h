// CLI: `lfmbench perf`, the throughput profiler (llama-bench's workload over every backend and
// thread count), writing every repetition to the results database.
#pragma once

#include <CLI/CLI.hpp>

namespace lfm::bench {
void AddPerfCommand(CLI::App& app);
}  // namespace lfm::bench
