// Scoring one task's responses record by record, as lm-eval's process_results does: the record
// is the task's published data row plus a `response` field; the result is the `score` object
// `lfmbench eval score` writes, and the scorer accumulates the task's metrics.
//
// Score objects (keyed by filter name, or by mode for IFEval):
//   gsm8k, gsm8k_cot, gsm8k_cot_llama: {"strict-match": {"extracted": s, "correct": b},
//                                       "flexible-extract": {...}}
//   hendrycks_math, minerva_math, math_boxed: {"none": {"extracted": s|null, "correct": b}}
//   ifeval: {"strict": {"follow_instruction_list": [b...], "follow_all_instructions": b},
//            "loose": {...}}
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evals/scoring/metrics.h"

namespace lfm::evals {

// One line of a task's summary table.
struct ScoreSummaryRow {
  std::string metric;  // "exact_match", "prompt_level_strict_acc", ...
  std::string filter;  // "strict-match", "none", ...
  MetricSummary summary;
};

class TaskScorer {
 public:
  virtual ~TaskScorer() = default;
  // Scores one record and adds it to the totals. Errors name the missing or malformed field
  // ("record has no 'response' field").
  virtual StatusOr<nlohmann::json> Score(const nlohmann::json& record) = 0;
  // The task's metrics over every record scored so far.
  virtual std::vector<ScoreSummaryRow> Summary() const = 0;
};

// A scorer for a built-in task name (ScorableTasks()).
StatusOr<std::unique_ptr<TaskScorer>> MakeTaskScorer(std::string_view task);
std::vector<std::string> ScorableTasks();

// A generate_until scorer from an lm-eval-style spec, as task YAMLs state it:
//   {"doc_to_target": "answer",            // the gold field
//    "target_after": "####",               // optional: gold = field.split(x)[-1].strip()
//    "filter_list": [{"name": ..., "filter": [{"function": "regex", ...}, ...]}, ...],
//    "metric_list": [{"metric": "exact_match", "ignore_case": true, ...}]}
// Only exact_match (aggregation mean) is supported as the metric.
StatusOr<std::unique_ptr<TaskScorer>> MakeGenerationScorer(const nlohmann::json& spec);

}  // namespace lfm::evals
