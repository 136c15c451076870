// What `lfmbench eval run` shows and writes at the end: a table per task and group (metric,
// value, standard error, n), and a results file in lm-evaluation-harness's results.json shape
// (results, groups, group_subtasks, configs, versions, n-shot, higher_is_better, n-samples,
// config, git_hash, date) plus an "lfmbench" block with the run's provenance.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evals/runner.h"
#include "evals/task_spec.h"
#include "results/records.h"

namespace lfm::evals {

// The requested tasks and groups as a tree (groups, then their members indented), one line per
// metric: Tasks | Version | Filter | n-shot | Metric | Value | Stderr | n.
std::string FormatResults(const RunResult& result, const TaskRegistry& registry,
                          const std::vector<std::string>& requested);

// What results.json's "config" block records about the invocation.
struct ResultsContext {
  std::string model_path;
  std::string model_args;  // "model=...,backend=...,threads=..."
  RunnerOptions options;
  results::RunRecord run;  // provenance as stored (build, device, model hash, ...)
  std::string db_path;
  double seconds = 0;      // wall time of the invocation
};

nlohmann::json ResultsJson(const RunResult& result, const TaskRegistry& registry,
                           const ResultsContext& context);

}  // namespace lfm::evals
