// The profiler behind `lfmbench perf`: runs every (backend, threads, test) combination on a
// model, stores each repetition as a sample as soon as it is measured, and returns the run id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "benchmarks/throughput.h"
#include "results/result_store.h"

namespace lfm::bench {

struct PerfOptions {
  std::string model_path;
  std::vector<std::string> backends;  // resolved names (no "all")
  std::vector<int> threads;
  std::vector<PerfTest> tests;
  int reps = 5;
  int warmup = 1;          // untimed repetitions before each row's samples
  uint64_t seed = 1;
  std::string tag;
  std::string requested_backends;  // as the user typed them, for the run record
  double slowdown = 0;     // test-only: see TimeOnce
  bool fidelity = true;    // measure every row's fidelity to the reference backend (fidelity.h)
  bool show_progress = true;
};

// "all" -> every compiled backend but the scalar reference; else the comma list, each checked
// against the compiled backends (InvalidArgument naming the bad one and the valid ones).
StatusOr<std::vector<std::string>> ResolveBackends(const std::string& list);

// Runs the profile into `store` and returns the run id. On Ctrl-C the run is kept, marked
// incomplete, and kCancelled is returned. A model too big for the available memory is an error
// before anything runs.
StatusOr<int64_t> RunPerf(const PerfOptions& options, results::ResultStore& store);

}  // namespace lfm::bench
