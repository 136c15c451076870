#include "evals/code/code_scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>

#include "base/thread_pool.h"
#include "evals/code/code_tasks.h"
#include "evals/code/sandbox.h"
#include "evals/data_reader.h"

namespace lfm::evals::code {
namespace {

using nlohmann::json;

class CodeSampleScorer : public SampleScorer {
 public:
  CodeSampleScorer(const TaskSpec& task, const ScorerContext& context, Sandbox sandbox)
      : kind_(task.process_results), context_(context), sandbox_(std::move(sandbox)) {
    const auto split = task.dataset.find(task.test_split);
    if (split != task.dataset.end())
      data_file_ = (std::filesystem::path(context.data_dir) / split->second.file).string();
  }

  void AddKey(const MetricSpec& m) {
    keys_.push_back({m.metric, "none", m.aggregation, m.higher_is_better});
  }

  StatusOr<SampleScores> Score(const Instance& inst, const ModelOutput& out) const override {
    if (!out.generation) return Error(StatusCode::kInternal, "doc {}: no generation", inst.doc_id);
    std::string record_json;
    if (kind_ == "humanevalplus") {
      LFM_ASSIGN_OR_RETURN(record_json, RawRecord(inst.doc));
    } else {
      record_json = inst.doc.dump();
    }
    LFM_ASSIGN_OR_RETURN(json score,
                         ScoreCodeCandidate(sandbox_, kind_, record_json, *out.generation));
    SampleScores s;
    s.response = *out.generation;
    s.extracted = score;
    const json produced =
        kind_ == "humanevalplus"
            ? json{{"pass@1,none", CodeScorePassed(kind_, score) ? 1.0 : 0.0},
                   {"pass@1_base,none", CodeScorePassed(kind_, score, true) ? 1.0 : 0.0}}
            : json{{"pass@1,none", CodeScorePassed(kind_, score) ? 1.0 : 0.0}};
    for (const MetricKey& key : keys_) s.scores[key.Key()] = produced[key.Key()];
    s.passed = CodeScorePassed(kind_, score);
    return s;
  }

  std::vector<StatusOr<SampleScores>> ScoreBatch(
      const std::vector<const Instance*>& instances,
      const std::vector<ModelOutput>& outputs) const override {
    std::vector<std::optional<StatusOr<SampleScores>>> slots(instances.size());
    ThreadPool pool(
        std::max(1, std::min<int>(context_.code_jobs, static_cast<int>(instances.size()))));
    pool.Run(static_cast<int64_t>(instances.size()),
             [&](int64_t i, int) { slots[i] = Score(*instances[i], outputs[i]); });
    std::vector<StatusOr<SampleScores>> scores;
    for (auto& slot : slots) scores.push_back(std::move(*slot));
    return scores;
  }

 private:
  // HumanEval+ records as published: the checker needs the JSON text itself, since parsed
  // documents hold integers wider than 64 bits only approximately. Indexed by task_id once.
  StatusOr<std::string> RawRecord(const json& doc) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (raw_.empty()) {
      LFM_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipFile(data_file_));
      size_t begin = 0;
      while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(begin, end - begin);
        begin = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
          raw_[json::parse(line).at("task_id").get<std::string>()] = std::move(line);
        } catch (const json::exception& e) {
          return Error(StatusCode::kDataLoss, "{}: a line without a task_id ({})", data_file_,
                       e.what());
        }
      }
    }
    const std::string id = doc.value("task_id", "");
    const auto it = raw_.find(id);
    if (it == raw_.end())
      return Error(StatusCode::kNotFound, "{}: no record with task_id '{}'", data_file_, id);
    return it->second;
  }

  std::string kind_;
  ScorerContext context_;
  Sandbox sandbox_;
  std::string data_file_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::string> raw_;
};

}  // namespace

bool IsCodeScorer(const std::string& process_results) {
  return process_results == "humanevalplus" || process_results == "livecodebench";
}

StatusOr<std::unique_ptr<SampleScorer>> MakeCodeSampleScorer(const TaskSpec& task,
                                                             const ScorerContext& context) {
  if (task.output_type != OutputType::kGenerateUntil) {
    return Error(StatusCode::kInvalidArgument, "{}: process_results {} needs generate_until",
                 task.file, task.process_results);
  }
  SandboxOptions options;
  options.isolation = context.sandbox_isolation;
  LFM_ASSIGN_OR_RETURN(Sandbox sandbox, Sandbox::Make(options));
  auto s = std::make_unique<CodeSampleScorer>(task, context, std::move(sandbox));
  const std::vector<std::string> produced = task.process_results == "humanevalplus"
                                                ? std::vector<std::string>{"pass@1", "pass@1_base"}
                                                : std::vector<std::string>{"pass@1"};
  for (const MetricSpec& m : task.metrics) {
    if (std::find(produced.begin(), produced.end(), m.metric) == produced.end()) {
      return Error(StatusCode::kInvalidArgument,
                   "{}: metric '{}' is not produced by process_results {} ({})", task.file,
                   m.metric, task.process_results, fmt::join(produced, ", "));
    }
    if (m.aggregation != "mean") {
      return Error(StatusCode::kInvalidArgument, "{}: metric '{}' needs aggregation mean",
                   task.file, m.metric);
    }
    s->AddKey(m);
  }
  return std::unique_ptr<SampleScorer>(std::move(s));
}

}  // namespace lfm::evals::code
