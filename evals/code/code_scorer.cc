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
      : kind_(task.process_results),
        style_(ResponseStyleOf(task, context)),
        context_(context),
        sandbox_(std::move(sandbox)) {
    const auto split = task.dataset.find(task.test_split);
    if (split != task.dataset.end())
      data_file_ = (std::filesystem::path(context.data_dir) / split->second.file).string();
  }

  void AddKey(const std::string& metric, const MetricSpec& m) {
    keys_.push_back({metric, "none", m.aggregation, m.higher_is_better});
  }

  StatusOr<SampleScores> Score(const Instance& inst, const ModelOutput& out) const override {
    if (!out.generation) return Error(StatusCode::kInternal, "doc {}: no generation", inst.doc_id);
    std::vector<json> scores;
    for (const std::string& completion : Completions(out)) {
      LFM_ASSIGN_OR_RETURN(json score, ScoreCompletion(inst, completion));
      scores.push_back(std::move(score));
    }
    return Summarize(out, scores);
  }

  // Every completion of the batch (n per document) runs on its own sandbox worker.
  std::vector<StatusOr<SampleScores>> ScoreBatch(
      const std::vector<const Instance*>& instances,
      const std::vector<ModelOutput>& outputs) const override {
    std::vector<std::pair<size_t, std::string>> jobs;  // (document, completion)
    for (size_t i = 0; i < instances.size(); ++i) {
      if (!outputs[i].generation) continue;  // Score reports it
      for (const std::string& completion : Completions(outputs[i])) jobs.push_back({i, completion});
    }
    std::vector<std::optional<StatusOr<json>>> slots(jobs.size());
    ThreadPool pool(std::max(1, std::min<int>(context_.code_jobs, static_cast<int>(jobs.size()))));
    pool.Run(static_cast<int64_t>(jobs.size()), [&](int64_t j, int) {
      slots[j] = ScoreCompletion(*instances[jobs[j].first], jobs[j].second);
    });
    std::vector<StatusOr<SampleScores>> results;
    size_t next = 0;
    for (size_t i = 0; i < instances.size(); ++i) {
      if (!outputs[i].generation) {
        results.push_back(Score(*instances[i], outputs[i]));
        continue;
      }
      std::vector<json> scores;
      std::optional<Status> error;
      for (; next < jobs.size() && jobs[next].first == i; ++next) {
        if (!slots[next]->ok()) {
          if (!error) error = slots[next]->status();
        } else {
          scores.push_back(**slots[next]);
        }
      }
      results.push_back(error ? StatusOr<SampleScores>(*error) : Summarize(outputs[i], scores));
    }
    return results;
  }

 private:
  // HumanEval+ sanitizes replies in chat runs; LiveCodeBench's prompt decides (process_docs'
  // prompt: base asks for a bare program, the chat prompt for a fenced block).
  static ResponseStyle ResponseStyleOf(const TaskSpec& task, const ScorerContext& context) {
    if (task.process_results == "humanevalplus") {
      return context.chat ? ResponseStyle::kChat : ResponseStyle::kCompletion;
    }
    const bool base =
        task.process_docs.is_object() && task.process_docs.value("prompt", "") == "base";
    return base ? ResponseStyle::kCompletion : ResponseStyle::kChat;
  }

  static std::vector<std::string> Completions(const ModelOutput& out) {
    return out.samples.empty() ? std::vector<std::string>{*out.generation} : out.samples;
  }

  StatusOr<json> ScoreCompletion(const Instance& inst, const std::string& completion) const {
    std::string record_json;
    if (kind_ == "humanevalplus") {
      LFM_ASSIGN_OR_RETURN(record_json, RawRecord(inst.doc));
    } else {
      record_json = inst.doc.dump();
    }
    return ScoreCodeCandidate(sandbox_, kind_, record_json, completion, style_);
  }

  // One document's scores: with one completion its score object is the extracted value; with n,
  // {"n", "correct", "samples": [{"response", "score"}...]} and pass@k for every k <= n.
  SampleScores Summarize(const ModelOutput& out, const std::vector<json>& scores) const {
    const std::vector<std::string> completions = Completions(out);
    const int n = static_cast<int>(scores.size());
    int correct = 0, correct_base = 0;
    for (const json& score : scores) {
      correct += CodeScorePassed(kind_, score) ? 1 : 0;
      correct_base += CodeScorePassed(kind_, score, /*base=*/true) ? 1 : 0;
    }
    SampleScores s;
    s.response = completions.front();
    if (n == 1) {
      s.extracted = scores.front();
      s.passed = correct == 1;
    } else {
      s.extracted = {{"n", n}, {"correct", correct}, {"samples", json::array()}};
      if (kind_ == "humanevalplus") s.extracted["correct_base"] = correct_base;
      for (int j = 0; j < n; ++j) {
        s.extracted["samples"].push_back({{"response", completions[j]}, {"score", scores[j]}});
      }
    }
    json produced = json::object();
    for (int k = 1; k <= n; ++k) {
      produced[fmt::format("pass@{},none", k)] = PassAtK(n, correct, k);
      produced[fmt::format("pass@{}_base,none", k)] = PassAtK(n, correct_base, k);
    }
    for (const MetricKey& key : keys_) s.scores[key.Key()] = produced[key.Key()];
    return s;
  }

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
  ResponseStyle style_;
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
    // With n samples per document, pass@k for every k <= n (pass@1_base -> pass@k_base).
    const std::string suffix = m.metric.substr(std::string("pass@1").size());
    for (int k = 1; k <= std::max(1, context.samples); ++k) {
      s->AddKey(fmt::format("pass@{}{}", k, suffix), m);
    }
  }
  return std::unique_ptr<SampleScorer>(std::move(s));
}

}  // namespace lfm::evals::code
