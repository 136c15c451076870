// `lfmbench eval run --suite lfm2`: the benchmarks of LFM2-8B-A1B's model card that are scored
// from text here (code and creative writing are separate commands), each a task or group with
// the model card's shot count (the specs' own num_fewshot) and the metric its table row shows.
#pragma once

#include <string>
#include <vector>

#include "evals/runner.h"
#include "evals/task_spec.h"

namespace lfm::evals {

struct SuiteBenchmark {
  std::string benchmark;  // as the model card names it: "MMLU-Pro"
  std::string task;       // a task or group name
  int num_fewshot = 0;    // the model card's shot count (checked against the spec's)
  std::string metric;     // the row's metric and filter
  std::string filter;
};

// Every benchmark of suite `name` ("lfm2"); kNotFound for another name.
StatusOr<std::vector<SuiteBenchmark>> Suite(const std::string& name);
// The entries whose task or group is defined in `registry` (IFBench and Multi-IF may not be);
// kInvalidArgument when a present task's num_fewshot differs from the model card's.
StatusOr<std::vector<SuiteBenchmark>> AvailableBenchmarks(const std::vector<SuiteBenchmark>& suite,
                                                          const TaskRegistry& registry);
// One row per benchmark: Benchmark | Task | n-shot | Metric | Filter | Value | Stderr | n.
std::string FormatSuite(const std::vector<SuiteBenchmark>& suite, const RunResult& result);

}  // namespace lfm::evals
