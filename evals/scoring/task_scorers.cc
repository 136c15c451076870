#include "evals/scoring/task_scorers.h"

#include <map>

#include "evals/scoring/config.h"
#include "evals/scoring/filters.h"
#include "evals/scoring/ifeval/ifeval.h"
#include "evals/scoring/latex_equiv.h"
#include "evals/scoring/math_answers.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

StatusOr<std::string> StringField(const json& record, const std::string& field) {
  if (!record.is_object())
    return Error(StatusCode::kInvalidArgument, "record is not a JSON object");
  const auto it = record.find(field);
  if (it == record.end()) {
    return Error(StatusCode::kInvalidArgument, "record has no '{}' field", field);
  }
  if (!it->is_string()) {
    return Error(StatusCode::kInvalidArgument, "field '{}' must be a string, got {}", field,
                 it->dump());
  }
  return it->get<std::string>();
}

// ---- generate_until tasks with filters and exact_match (the GSM8K family) -------------------

class GenerationScorer : public TaskScorer {
 public:
  GenerationScorer(std::string target_field, std::string target_after,
                   std::vector<FilterChain> chains, ExactMatch metric)
      : target_field_(std::move(target_field)),
        target_after_(std::move(target_after)),
        chains_(std::move(chains)),
        metric_(std::move(metric)),
        correct_(chains_.size()) {}

  StatusOr<json> Score(const json& record) override {
    LFM_ASSIGN_OR_RETURN(std::string response, StringField(record, "response"));
    LFM_ASSIGN_OR_RETURN(std::string target, StringField(record, target_field_));
    if (!target_after_.empty()) target = PyStrip(PySplit(target, target_after_).back());
    json score = json::object();
    for (size_t i = 0; i < chains_.size(); ++i) {
      const std::string extracted = chains_[i].Run(response, record);
      const bool correct = metric_.Matches(extracted, target);
      correct_[i].push_back(correct);
      score[chains_[i].name()] = {{"extracted", extracted}, {"correct", correct}};
    }
    return score;
  }

  std::vector<ScoreSummaryRow> Summary() const override {
    std::vector<ScoreSummaryRow> rows;
    for (size_t i = 0; i < chains_.size(); ++i) {
      auto summary = Aggregate("mean", correct_[i]);
      if (summary.ok()) rows.push_back({"exact_match", chains_[i].name(), *summary});
    }
    return rows;
  }

 private:
  std::string target_field_;
  std::string target_after_;
  std::vector<FilterChain> chains_;
  ExactMatch metric_;
  std::vector<std::vector<double>> correct_;  // [filter][record]
};

// lm-eval's gsm8k, gsm8k_cot and gsm8k_cot_llama YAMLs (4e7e0d4): filters and exact_match.
const std::map<std::string, std::string>& GenerationSpecs() {
  static const auto* specs = new std::map<std::string, std::string>{
      {"gsm8k", R"json({
        "doc_to_target": "answer",
        "filter_list": [
          {"name": "strict-match", "filter": [
            {"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"},
            {"function": "take_first"}]},
          {"name": "flexible-extract", "filter": [
            {"function": "regex", "group_select": -1,
             "regex_pattern": "(-?[$0-9.,]{2,})|(-?[0-9]+)"},
            {"function": "take_first"}]}],
        "metric_list": [{"metric": "exact_match", "aggregation": "mean",
          "higher_is_better": true, "ignore_case": true, "ignore_punctuation": false,
          "regexes_to_ignore": [",", "\\$", "(?s).*#### ", "\\.$"]}]})json"},
      {"gsm8k_cot", R"json({
        "doc_to_target": "answer", "target_after": "####",
        "filter_list": [
          {"name": "strict-match", "filter": [
            {"function": "regex", "regex_pattern": "The answer is (\\-?[0-9\\.\\,]+)."},
            {"function": "take_first"}]},
          {"name": "flexible-extract", "filter": [
            {"function": "regex", "group_select": -1,
             "regex_pattern": "(-?[$0-9.,]{2,})|(-?[0-9]+)"},
            {"function": "take_first"}]}],
        "metric_list": [{"metric": "exact_match", "aggregation": "mean",
          "higher_is_better": true, "ignore_case": true, "ignore_punctuation": false,
          "regexes_to_ignore": [",", "\\$", "(?s).*#### ", "\\.$"]}]})json"},
      {"gsm8k_cot_llama", R"json({
        "doc_to_target": "answer", "target_after": "####",
        "filter_list": [
          {"name": "strict-match", "filter": [
            {"function": "regex", "group_select": -1,
             "regex_pattern": "The final answer is ((-?[$0-9.,]{2,})|(-?[0-9]+))"},
            {"function": "take_first"}]},
          {"name": "flexible-extract", "filter": [
            {"function": "regex", "group_select": -1,
             "regex_pattern": "(-?[$0-9.,]{2,})|(-?[0-9]+)"},
            {"function": "take_first"}]}],
        "metric_list": [{"metric": "exact_match", "aggregation": "mean",
          "higher_is_better": true, "ignore_case": true, "ignore_punctuation": false,
          "regexes_to_ignore": [",", "\\$", "(?s).*#### ", "\\.$", "\\.$"]}]})json"},
  };
  return *specs;
}

// ---- the MATH family: process_results functions, not filters ---------------------------------

enum class MathMode { kHendrycks, kMinerva, kBoxed };

class MathScorer : public TaskScorer {
 public:
  explicit MathScorer(MathMode mode) : mode_(mode) {}

  StatusOr<json> Score(const json& record) override {
    LFM_ASSIGN_OR_RETURN(std::string response, StringField(record, "response"));
    LFM_ASSIGN_OR_RETURN(std::optional<std::string> gold, Gold(record));
    std::optional<std::string> extracted;
    bool correct = false;
    switch (mode_) {
      case MathMode::kHendrycks:
        extracted = math::HendrycksExtract(response);
        correct = math::HendrycksIsEquiv(extracted, gold);
        break;
      case MathMode::kBoxed:
        extracted = math::LastBoxedContent(response);
        correct = math::HendrycksIsEquiv(extracted, gold);
        break;
      case MathMode::kMinerva:
        extracted = math::MinervaUnnormalizedAnswer(response);
        correct = gold && math::LatexEquivalent(math::MinervaNormalize(*extracted),
                                                math::MinervaNormalize(*gold));
        break;
    }
    correct_.push_back(correct);
    json entry = {{"extracted", extracted ? json(*extracted) : json(nullptr)},
                  {"correct", correct}};
    return json{{"none", entry}};
  }

  std::vector<ScoreSummaryRow> Summary() const override {
    auto summary = Aggregate("mean", correct_);
    if (!summary.ok()) return {};
    return {{"exact_match", "none", *summary}};
  }

 private:
  // The gold answer: the last \boxed{} of `solution` (as lm-eval's process_docs), else the
  // `answer` field as given (MATH500 rows carry both).
  StatusOr<std::optional<std::string>> Gold(const json& record) const {
    if (record.contains("solution")) {
      LFM_ASSIGN_OR_RETURN(std::string solution, StringField(record, "solution"));
      return math::LastBoxedContent(solution);
    }
    if (record.contains("answer")) {
      LFM_ASSIGN_OR_RETURN(std::string answer, StringField(record, "answer"));
      return std::optional<std::string>(answer);
    }
    return Error(StatusCode::kInvalidArgument, "record has neither 'solution' nor 'answer'");
  }

  MathMode mode_;
  std::vector<double> correct_;
};

// ---- IFEval ---------------------------------------------------------------------------------

class IfevalScorer : public TaskScorer {
 public:
  StatusOr<json> Score(const json& record) override {
    LFM_ASSIGN_OR_RETURN(std::string response, StringField(record, "response"));
    LFM_ASSIGN_OR_RETURN(auto prompt, ifeval::IfevalPrompt::FromJson(record));
    const auto strict = ifeval::Follow::Strict(prompt, response);
    const auto loose = ifeval::Follow::Loose(prompt, response);
    metrics_.Add(strict, loose);
    auto to_json = [](const ifeval::FollowResult& r) {
      return json{{"follow_instruction_list", r.follow_instruction_list},
                  {"follow_all_instructions", r.follow_all_instructions}};
    };
    return json{{"strict", to_json(strict)}, {"loose", to_json(loose)}};
  }

  std::vector<ScoreSummaryRow> Summary() const override {
    std::vector<ScoreSummaryRow> rows;
    if (metrics_.prompts() == 0) return rows;
    for (const auto& [name, summary] : metrics_.Summaries())
      rows.push_back({name, "none", summary});
    return rows;
  }

 private:
  ifeval::IfevalMetrics metrics_;
};

}  // namespace

StatusOr<std::unique_ptr<TaskScorer>> MakeGenerationScorer(const json& spec) {
  const std::string what = "task spec";
  LFM_RETURN_IF_ERROR(
      CheckKeys(spec, what, {"doc_to_target", "target_after", "filter_list", "metric_list"}));
  LFM_ASSIGN_OR_RETURN(std::string target_field, GetString(spec, what, "doc_to_target", ""));
  LFM_ASSIGN_OR_RETURN(std::string target_after, GetString(spec, what, "target_after", ""));
  if (target_field.empty()) {
    return Error(StatusCode::kInvalidArgument, "task spec: 'doc_to_target' is required");
  }
  std::vector<FilterChain> chains;
  for (const auto& entry : spec.value("filter_list", json::array())) {
    LFM_ASSIGN_OR_RETURN(std::string name, GetString(entry, what, "name", ""));
    LFM_ASSIGN_OR_RETURN(FilterChain chain,
                         FilterChain::Make(name, entry.value("filter", json::array())));
    chains.push_back(std::move(chain));
  }
  const json metrics = spec.value("metric_list", json::array());
  if (chains.empty() || metrics.size() != 1 || metrics[0].value("metric", "") != "exact_match") {
    return Error(StatusCode::kInvalidArgument,
                 "task spec: needs a filter_list and exactly one metric, exact_match");
  }
  LFM_ASSIGN_OR_RETURN(ExactMatch metric, ExactMatch::Make(metrics[0]));
  return std::unique_ptr<TaskScorer>(std::make_unique<GenerationScorer>(
      std::move(target_field), std::move(target_after), std::move(chains), std::move(metric)));
}

std::vector<std::string> ScorableTasks() {
  std::vector<std::string> tasks;
  for (const auto& [name, spec] : GenerationSpecs()) tasks.push_back(name);
  for (const char* name : {"hendrycks_math", "ifbench", "ifeval", "math_boxed", "minerva_math"}) {
    tasks.push_back(name);
  }
  std::sort(tasks.begin(), tasks.end());
  return tasks;
}

StatusOr<std::unique_ptr<TaskScorer>> MakeTaskScorer(std::string_view task) {
  const std::string name(task);
  if (const auto it = GenerationSpecs().find(name); it != GenerationSpecs().end()) {
    return MakeGenerationScorer(json::parse(it->second));
  }
  if (name == "ifeval" || name == "ifbench") {  // IFBench scores with IFEval's scheme
    return std::unique_ptr<TaskScorer>(std::make_unique<IfevalScorer>());
  }
  if (name == "hendrycks_math") {
    return std::unique_ptr<TaskScorer>(std::make_unique<MathScorer>(MathMode::kHendrycks));
  }
  if (name == "minerva_math") {
    return std::unique_ptr<TaskScorer>(std::make_unique<MathScorer>(MathMode::kMinerva));
  }
  if (name == "math_boxed") {
    return std::unique_ptr<TaskScorer>(std::make_unique<MathScorer>(MathMode::kBoxed));
  }
  return Error(StatusCode::kInvalidArgument, "no scorer for task '{}'{}; tasks: {}", task,
               DidYouMean(task, ScorableTasks()), fmt::join(ScorableTasks(), ", "));
}

}  // namespace lfm::evals
