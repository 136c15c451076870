// Named document scorers: lm-eval's `process_results`, for tasks whose scoring is code rather
// than filters and exact_match. A task spec names one (`process_results: hendrycks_math`) and the
// metrics it reports; SampleScorer (evals/sample_scorer.h) calls it for `eval run` and
// `eval score` alike.
//
// Adding one: write the function (document, rendered target, response) -> DocScore, then add a
// line to the table in ProcessResultsRegistry() (process_results.cc) with its name and the
// metrics it produces. That table is the only place scorers are registered.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace lfm::evals {

struct DocScore {
  // Per produced metric: a number, a bool, or a list (per-instruction verdicts).
  nlohmann::json metrics = nlohmann::json::object();
  // What `eval score` writes as the record's "score" object, e.g. {"default": {"extracted": s,
  // "correct": b}} or IFEval's {"strict": {...}, "loose": {...}}.
  nlohmann::json detail = nlohmann::json::object();
  // Per filter name: what was extracted (stored with the sample).
  nlohmann::json extracted = nlohmann::json::object();
};

struct ProcessResults {
  std::string name;
  std::vector<std::string> metrics;  // what it produces; a spec may report any subset
  // doc: the document's record; target: its rendered doc_to_target; response: the generation.
  // Errors name the document's problem (a malformed kwarg, a missing field).
  std::function<StatusOr<DocScore>(const nlohmann::json& doc, const std::string& target,
                                   const std::string& response)>
      score;
};

// The registered scorer `name`, or nullptr.
const ProcessResults* FindProcessResults(const std::string& name);
std::vector<std::string> ProcessResultsNames();

}  // namespace lfm::evals
