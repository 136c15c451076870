// `eval score` for the code tasks: many candidates scored in parallel by a bounded number of
// sandbox workers (`--jobs`, independent of the engine's threads), then pass@k per task as
// EvalPlus and LiveCodeBench report it (samples grouped by task_id / question_id; pass@k for each
// k the smallest group reaches).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "evals/code/sandbox.h"
#include "evals/scoring/metrics.h"

namespace lfm::evals::code {

struct CodeCandidate {
  std::string record_json;  // the dataset record's JSON text, as published
  std::string response;     // the completion (HumanEval+) or the model's answer (LiveCodeBench)
};

// Scores every candidate with `jobs` parallel sandbox workers; results in input order. A
// malformed record fails the whole call naming its index (0-based).
StatusOr<std::vector<nlohmann::json>> ScoreCodeCandidates(
    const Sandbox& sandbox, const std::string& task, const std::vector<CodeCandidate>& candidates,
    int jobs);

struct PassAtKRow {
  std::string metric;  // "pass@1", "pass@10", ...
  std::string filter;  // "base" or "plus" (HumanEval+), "none" (LiveCodeBench)
  MetricSummary summary;
};
// pass@k over problems: candidates are grouped by problem id (task_id, question_id), n = group
// size, c = solved; the mean of the unbiased estimator over problems, for k in {1, 5, 10, 100}
// when every problem has at least k samples. Standard error only for k = 1 with one sample per
// problem (then pass@1 is a plain mean).
std::vector<PassAtKRow> PassAtKSummary(const std::string& task,
                                       const std::vector<nlohmann::json>& records,
                                       const std::vector<nlohmann::json>& scores);

}  // namespace lfm::evals::code
