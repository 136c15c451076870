// Per-document scoring from a TaskSpec, as lm-eval's ConfigurableTask.process_results does, with
// the scoring library's named filters and metrics: multiple choice -> acc / acc_norm from the
// choices' log-likelihoods; generate_until -> each filter chain, then each metric on its output;
// or a named document scorer (`process_results: ifeval`, evals/scoring/process_results.h). Scores are keyed "metric,filter" like
// lm-eval's results, and are JSON so list-valued metrics (IFEval's per-instruction verdicts)
// survive storage and resume.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "evals/instances.h"
#include "evals/language_model.h"
#include "evals/scoring/metrics.h"
#include "evals/task_spec.h"

namespace lfm::evals {

struct MetricKey {
  std::string metric;
  std::string filter;       // "none" when the task has no filters
  std::string aggregation;  // a scoring aggregation, or "flatten_mean" (mean over list elements)
  bool higher_is_better = true;
  std::string Key() const { return metric + "," + filter; }
};

struct SampleScores {
  std::string response;                           // generated text, or the choices' log-likelihoods
  nlohmann::json extracted = nlohmann::json::object();  // per filter: what the filter kept
  nlohmann::json scores = nlohmann::json::object();     // per "metric,filter": number or list
  // The record's "score" object in `eval score` output: per extraction rule {"extracted",
  // "correct"} ("default" when the task has one rule and no filter names), or what a
  // process_results scorer reports (IFEval: {"strict": ..., "loose": ...}).
  nlohmann::json detail = nlohmann::json::object();
  std::optional<bool> passed;                     // the first metric on the first filter
};

// One task's model outputs for one document (what the runner got back from the model).
struct ModelOutput {
  std::vector<LogLikelihoodResult> loglikelihoods;  // multiple_choice / loglikelihood
  std::optional<double> rolling;                    // loglikelihood_rolling
  std::optional<std::string> generation;            // generate_until
  // generate_until with n > 1 samples per document (pass@k): all n completions, in seed order
  // (generation is the first); empty with one sample.
  std::vector<std::string> samples;
};

// What document scorers that run code need besides the spec.
struct ScorerContext {
  std::string data_dir;  // where the task's data files are (raw HumanEval+ records)
  int code_jobs = 1;     // candidates run at once in the sandbox
  std::string sandbox_isolation = "auto";  // evals/code/sandbox.h: auto | bwrap | rlimits
  int samples = 1;    // completions per document; n > 1 only for scorers that report pass@k
  bool chat = false;  // prompts went through the chat template (HumanEval+ sanitizes replies)
};

class SampleScorer {
 public:
  // Builds the filters and metrics `task` names; kInvalidArgument naming the task's file for a
  // metric, filter or aggregation the scoring library does not have for this output type.
  static StatusOr<std::unique_ptr<SampleScorer>> Make(const TaskSpec& task,
                                                      const ScorerContext& context = {});
  virtual ~SampleScorer() = default;

  // The task's reported metrics, in spec order (metrics within filters).
  const std::vector<MetricKey>& keys() const { return keys_; }
  // Scores one document. Errors name the document's problem (e.g. a malformed IFEval kwarg).
  virtual StatusOr<SampleScores> Score(const Instance& instance, const ModelOutput& output) const = 0;
  // Scores several documents (outputs[i] belongs to instances[i]); results in order. The default
  // calls Score one by one; code scorers run their candidates in parallel.
  virtual std::vector<StatusOr<SampleScores>> ScoreBatch(
      const std::vector<const Instance*>& instances, const std::vector<ModelOutput>& outputs) const;

 protected:
  std::vector<MetricKey> keys_;
};

// Scores a response produced elsewhere (`eval score`): `record` is the task's published data row
// plus a "response" string, scored as `eval run` scores that document. Only generate_until tasks
// score responses; errors name the missing or malformed field.
StatusOr<SampleScores> ScoreResponse(const TaskSpec& task, const SampleScorer& scorer,
                                     const nlohmann::json& record);

// A task's `report_by` rows: for each field, in order, each value's label ("subject=Algebra",
// values sorted) and the positions in `docs` of the documents with that value. Documents without
// the field are in none of its rows.
std::vector<std::pair<std::string, std::vector<size_t>>> GroupByFields(
    const std::vector<std::string>& fields, const std::vector<nlohmann::json>& docs);

// A multi-turn task's rows (documents with a 1-based "turn" and a "language"): "turnK" with every
// document of turn K, then "turnK/Language" for each language by name, turn by turn. Documents
// without a "turn" are in none.
std::vector<std::pair<std::string, std::vector<size_t>>> GroupByTurn(
    const std::vector<nlohmann::json>& docs);

// Aggregates one metric's per-document values (numbers, or lists for "flatten_mean") with the
// named aggregation and lm-eval's standard error (none for flatten_mean, as lm-eval reports N/A).
StatusOr<MetricSummary> AggregateValues(const MetricKey& key, const std::vector<nlohmann::json>& values,
                                        int bootstrap_iters);

}  // namespace lfm::evals
