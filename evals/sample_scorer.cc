#include "evals/sample_scorer.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "evals/code/code_scorer.h"
#include "evals/scoring/filters.h"
#include "evals/scoring/process_results.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

constexpr char kFlattenMean[] = "flatten_mean";

Status CheckAggregation(const TaskSpec& task, const MetricSpec& m) {
  const auto names = AggregationNames();
  if (m.aggregation == kFlattenMean || std::find(names.begin(), names.end(), m.aggregation) != names.end()) {
    return OkStatus();
  }
  return Error(StatusCode::kInvalidArgument, "{}: metric '{}': unknown aggregation '{}' ({}, {})",
               task.file, m.metric, m.aggregation, fmt::join(names, ", "), kFlattenMean);
}

Status UnsupportedMetric(const TaskSpec& task, const std::string& metric, const char* supported) {
  return Error(StatusCode::kInvalidArgument, "{}: metric '{}' is not available for output_type {} ({})",
               task.file, metric, OutputTypeName(task.output_type), supported);
}

std::optional<bool> Passed(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() > 0.5;
  if (value.is_array()) {
    return std::all_of(value.begin(), value.end(), [](const json& v) { return v == true; });
  }
  return std::nullopt;
}

// multiple_choice: lm-eval's acc and acc_norm over the choices' summed log-likelihoods.
class ChoiceScorer : public SampleScorer {
 public:
  static StatusOr<std::unique_ptr<SampleScorer>> Make(const TaskSpec& task) {
    auto s = std::make_unique<ChoiceScorer>();
    for (const MetricSpec& m : task.metrics) {
      if (m.metric != "acc" && m.metric != "acc_norm") return UnsupportedMetric(task, m.metric, "acc, acc_norm");
      LFM_RETURN_IF_ERROR(CheckAggregation(task, m));
      s->keys_.push_back({m.metric, "none", m.aggregation, m.higher_is_better});
    }
    return std::unique_ptr<SampleScorer>(std::move(s));
  }

  StatusOr<SampleScores> Score(const Instance& inst, const ModelOutput& out) const override {
    if (out.loglikelihoods.size() != inst.choices.size() || !inst.gold_index) {
      return Error(StatusCode::kInternal, "doc {}: {} log-likelihoods for {} choices", inst.doc_id,
                   out.loglikelihoods.size(), inst.choices.size());
    }
    std::vector<double> lls, lengths;
    json response = json::array();
    for (size_t i = 0; i < inst.choices.size(); ++i) {
      lls.push_back(out.loglikelihoods[i].logprob);
      lengths.push_back(ChoiceLength(inst.choices[i]));
      response.push_back({out.loglikelihoods[i].logprob, out.loglikelihoods[i].is_greedy});
    }
    SampleScores s;
    s.response = response.dump();
    s.extracted["none"] = inst.choices[ArgMax(lls)];
    for (const MetricKey& key : keys_) {
      const bool correct = key.metric == "acc" ? AccCorrect(lls, *inst.gold_index)
                                               : AccNormCorrect(lls, lengths, *inst.gold_index);
      s.scores[key.Key()] = correct ? 1.0 : 0.0;
    }
    if (!keys_.empty()) s.passed = Passed(s.scores[keys_[0].Key()]);
    return s;
  }
};

// loglikelihood: acc = whether the target is the greedy continuation (lm-eval's is_greedy).
class LoglikelihoodScorer : public SampleScorer {
 public:
  static StatusOr<std::unique_ptr<SampleScorer>> Make(const TaskSpec& task) {
    auto s = std::make_unique<LoglikelihoodScorer>();
    for (const MetricSpec& m : task.metrics) {
      if (m.metric != "acc") return UnsupportedMetric(task, m.metric, "acc");
      LFM_RETURN_IF_ERROR(CheckAggregation(task, m));
      s->keys_.push_back({m.metric, "none", m.aggregation, m.higher_is_better});
    }
    return std::unique_ptr<SampleScorer>(std::move(s));
  }

  StatusOr<SampleScores> Score(const Instance& inst, const ModelOutput& out) const override {
    if (out.loglikelihoods.size() != 1) {
      return Error(StatusCode::kInternal, "doc {}: expected one log-likelihood", inst.doc_id);
    }
    SampleScores s;
    s.response = json::array({out.loglikelihoods[0].logprob, out.loglikelihoods[0].is_greedy}).dump();
    for (const MetricKey& key : keys_) s.scores[key.Key()] = out.loglikelihoods[0].is_greedy ? 1.0 : 0.0;
    if (!keys_.empty()) s.passed = Passed(s.scores[keys_[0].Key()]);
    return s;
  }
};

// generate_until: every filter chain on the response, then exact_match against the target.
class GenerationScorer : public SampleScorer {
 public:
  static StatusOr<std::unique_ptr<SampleScorer>> Make(const TaskSpec& task) {
    auto s = std::make_unique<GenerationScorer>();
    for (const FilterSpec& f : task.filters) {
      auto chain = FilterChain::Make(f.name, f.steps);
      if (!chain.ok()) return chain.status().WithPrefix(task.file + ": filter '" + f.name + "'");
      s->chains_.push_back(std::move(chain).value());
    }
    for (const MetricSpec& m : task.metrics) {
      if (m.metric != "exact_match") return UnsupportedMetric(task, m.metric, "exact_match");
      LFM_RETURN_IF_ERROR(CheckAggregation(task, m));
      auto metric = ExactMatch::Make(m.options);
      if (!metric.ok()) return metric.status().WithPrefix(task.file);
      s->metrics_.push_back(std::move(metric).value());
    }
    const std::vector<std::string> filters = s->FilterNames();
    for (const std::string& filter : filters) {
      for (const MetricSpec& m : task.metrics) {
        s->keys_.push_back({m.metric, filter, m.aggregation, m.higher_is_better});
      }
    }
    return std::unique_ptr<SampleScorer>(std::move(s));
  }

  StatusOr<SampleScores> Score(const Instance& inst, const ModelOutput& out) const override {
    if (!out.generation) return Error(StatusCode::kInternal, "doc {}: no generation", inst.doc_id);
    SampleScores s;
    s.response = *out.generation;
    const std::vector<std::string> filters = FilterNames();
    for (size_t f = 0; f < filters.size(); ++f) {
      const std::string kept = chains_.empty() ? *out.generation : chains_[f].Run(*out.generation, inst.doc);
      s.extracted[filters[f]] = kept;
      for (const ExactMatch& metric : metrics_) {
        s.scores["exact_match," + filters[f]] = metric.Matches(kept, inst.target) ? 1.0 : 0.0;
      }
      json& rule = s.detail[filters[f] == "none" ? "default" : filters[f]];
      rule = {{"extracted", kept}};
      if (!metrics_.empty()) rule["correct"] = s.scores["exact_match," + filters[f]] == 1.0;
    }
    if (!keys_.empty()) s.passed = Passed(s.scores[keys_[0].Key()]);
    return s;
  }

 private:
  std::vector<std::string> FilterNames() const {
    if (chains_.empty()) return {"none"};
    std::vector<std::string> names;
    for (const FilterChain& c : chains_) names.push_back(c.name());
    return names;
  }

  std::vector<FilterChain> chains_;
  std::vector<ExactMatch> metrics_;
};

// process_results: a named document scorer (evals/scoring/process_results.h) computes the
// metrics; the spec reports any subset of what it produces.
class ProcessResultsScorer : public SampleScorer {
 public:
  static StatusOr<std::unique_ptr<SampleScorer>> Make(const TaskSpec& task) {
    const ProcessResults* fn = FindProcessResults(task.process_results);
    if (fn == nullptr) {
      return Error(StatusCode::kInvalidArgument, "{}: unknown process_results '{}' ({})", task.file,
                   task.process_results, fmt::join(ProcessResultsNames(), ", "));
    }
    if (task.output_type != OutputType::kGenerateUntil) {
      return Error(StatusCode::kInvalidArgument, "{}: process_results {} needs generate_until",
                   task.file, fn->name);
    }
    auto s = std::make_unique<ProcessResultsScorer>();
    s->fn_ = fn;
    for (const MetricSpec& m : task.metrics) {
      if (std::find(fn->metrics.begin(), fn->metrics.end(), m.metric) == fn->metrics.end()) {
        return Error(StatusCode::kInvalidArgument,
                     "{}: metric '{}' is not produced by process_results {} ({})", task.file,
                     m.metric, fn->name, fmt::join(fn->metrics, ", "));
      }
      LFM_RETURN_IF_ERROR(CheckAggregation(task, m));
      s->keys_.push_back({m.metric, "none", m.aggregation, m.higher_is_better});
    }
    return std::unique_ptr<SampleScorer>(std::move(s));
  }

  StatusOr<SampleScores> Score(const Instance& inst, const ModelOutput& out) const override {
    if (!out.generation) return Error(StatusCode::kInternal, "doc {}: no generation", inst.doc_id);
    LFM_ASSIGN_OR_RETURN(DocScore doc_score, fn_->score(inst.doc, inst.target, *out.generation));
    SampleScores s;
    s.response = *out.generation;
    s.extracted = std::move(doc_score.extracted);
    s.detail = std::move(doc_score.detail);
    for (const MetricKey& key : keys_) s.scores[key.Key()] = doc_score.metrics[key.metric];
    if (!keys_.empty()) s.passed = Passed(s.scores[keys_[0].Key()]);
    return s;
  }

 private:
  const ProcessResults* fn_ = nullptr;
};

double AsNumber(const json& v) { return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>(); }

}  // namespace

std::vector<StatusOr<SampleScores>> SampleScorer::ScoreBatch(
    const std::vector<const Instance*>& instances, const std::vector<ModelOutput>& outputs) const {
  std::vector<StatusOr<SampleScores>> scores;
  for (size_t i = 0; i < instances.size(); ++i) scores.push_back(Score(*instances[i], outputs[i]));
  return scores;
}

StatusOr<std::unique_ptr<SampleScorer>> SampleScorer::Make(const TaskSpec& task,
                                                           const ScorerContext& context) {
  if (!task.process_results.empty() && code::IsCodeScorer(task.process_results)) {
    return code::MakeCodeSampleScorer(task, context);
  }
  if (context.samples > 1) {
    return Error(StatusCode::kInvalidArgument,
                 "task {}: --samples {} (pass@k) is for the code tasks (humanevalplus, "
                 "livecodebench); this task scores one completion per document",
                 task.task, context.samples);
  }
  if (!task.process_results.empty()) {
    return ProcessResultsScorer::Make(task);
  }
  switch (task.output_type) {
    case OutputType::kMultipleChoice: return ChoiceScorer::Make(task);
    case OutputType::kLoglikelihood: return LoglikelihoodScorer::Make(task);
    case OutputType::kGenerateUntil: return GenerationScorer::Make(task);
    case OutputType::kLoglikelihoodRolling: break;
  }
  return Error(StatusCode::kInvalidArgument,
               "{}: no metrics are available yet for output_type loglikelihood_rolling", task.file);
}

StatusOr<SampleScores> ScoreResponse(const TaskSpec& task, const SampleScorer& scorer,
                                     const json& record) {
  if (task.output_type != OutputType::kGenerateUntil) {
    return Error(StatusCode::kInvalidArgument,
                 "task {} is {}: it is scored from log-likelihoods, not responses", task.task,
                 OutputTypeName(task.output_type));
  }
  if (!record.is_object()) return Error(StatusCode::kInvalidArgument, "record is not a JSON object");
  const auto response = record.find("response");
  if (response == record.end()) {
    return Error(StatusCode::kInvalidArgument, "record has no 'response' field");
  }
  if (!response->is_string()) {
    return Error(StatusCode::kInvalidArgument, "field 'response' must be a string, got {}",
                 response->dump());
  }
  Instance inst;
  inst.doc = record;
  LFM_ASSIGN_OR_RETURN(inst.target, task.doc_to_target.Render(record));
  ModelOutput out;
  out.generation = response->get<std::string>();
  return scorer.Score(inst, out);
}

std::vector<std::pair<std::string, std::vector<size_t>>> GroupByFields(
    const std::vector<std::string>& fields, const std::vector<json>& docs) {
  std::vector<std::pair<std::string, std::vector<size_t>>> rows;
  for (const std::string& field : fields) {
    std::map<std::string, std::vector<size_t>> by_value;
    for (size_t i = 0; i < docs.size(); ++i) {
      const auto it = docs[i].find(field);
      if (it == docs[i].end() || it->is_null()) continue;
      by_value[it->is_string() ? it->get<std::string>() : it->dump()].push_back(i);
    }
    for (auto& [value, positions] : by_value) rows.emplace_back(field + "=" + value, std::move(positions));
  }
  return rows;
}

std::vector<std::pair<std::string, std::vector<size_t>>> GroupByTurn(
    const std::vector<json>& docs) {
  std::map<std::pair<int64_t, std::string>, std::vector<size_t>> groups;  // language "" = all
  for (size_t i = 0; i < docs.size(); ++i) {
    const auto turn = docs[i].find("turn");
    if (turn == docs[i].end() || !turn->is_number_integer()) continue;
    const std::string language = docs[i].value("language", "");
    groups[{turn->get<int64_t>(), ""}].push_back(i);
    if (!language.empty()) groups[{turn->get<int64_t>(), language}].push_back(i);
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> rows;
  for (auto& [group, positions] : groups) {
    rows.emplace_back(
        fmt::format("turn{}{}", group.first, group.second.empty() ? "" : "/" + group.second),
        std::move(positions));
  }
  return rows;
}

StatusOr<MetricSummary> AggregateValues(const MetricKey& key, const std::vector<json>& values,
                                        int bootstrap_iters) {
  std::vector<double> xs;
  if (key.aggregation == kFlattenMean) {
    for (const json& v : values) {
      if (!v.is_array()) return Error(StatusCode::kDataLoss, "{}: stored value is not a list", key.Key());
      for (const json& item : v) xs.push_back(AsNumber(item));
    }
    if (xs.empty()) return Error(StatusCode::kInvalidArgument, "{}: no values", key.Key());
    MetricSummary summary;
    summary.value = Mean(xs);
    summary.n = values.size();  // documents, as lm-eval counts samples
    return summary;
  }
  for (const json& v : values) {
    if (!v.is_number() && !v.is_boolean()) {
      return Error(StatusCode::kDataLoss, "{}: stored value {} is not a number", key.Key(), v.dump());
    }
    xs.push_back(AsNumber(v));
  }
  return Aggregate(key.aggregation, xs, bootstrap_iters);
}

}  // namespace lfm::evals
