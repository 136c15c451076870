#include "evals/code/code_scoring.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "base/thread_pool.h"
#include "evals/code/code_tasks.h"

namespace lfm::evals::code {

using nlohmann::json;

StatusOr<std::vector<json>> ScoreCodeCandidates(const Sandbox& sandbox, const std::string& task,
                                                const std::vector<CodeCandidate>& candidates,
                                                int jobs) {
  std::vector<std::optional<StatusOr<json>>> results(candidates.size());
  ThreadPool pool(std::max(1, jobs));
  pool.Run(static_cast<int64_t>(candidates.size()), [&](int64_t i, int) {
    results[i] =
        ScoreCodeCandidate(sandbox, task, candidates[i].record_json, candidates[i].response);
  });
  std::vector<json> scores;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i]->ok()) return results[i]->status().WithPrefix(fmt::format("record {}", i));
    scores.push_back(std::move(*results[i]).value());
  }
  return scores;
}

std::vector<PassAtKRow> PassAtKSummary(const std::string& task, const std::vector<json>& records,
                                       const std::vector<json>& scores) {
  const bool humaneval = IsHumanEvalPlusTask(task);
  const char* id_field = humaneval ? "task_id" : "question_id";
  std::vector<std::pair<std::string, bool>> sets =
      humaneval ? std::vector<std::pair<std::string, bool>>{{"base", true}, {"plus", false}}
                : std::vector<std::pair<std::string, bool>>{{"none", false}};
  std::vector<PassAtKRow> rows;
  for (const auto& [filter, base] : sets) {
    std::map<std::string, std::pair<int, int>> per_problem;  // id -> (n, c), in id order
    std::vector<std::string> order;
    for (size_t i = 0; i < scores.size(); ++i) {
      const std::string id =
          records[i].contains(id_field) ? records[i][id_field].dump() : std::to_string(i);
      auto [it, inserted] = per_problem.emplace(id, std::make_pair(0, 0));
      if (inserted) order.push_back(id);
      it->second.first += 1;
      it->second.second += CodeScorePassed(task, scores[i], base) ? 1 : 0;
    }
    int min_n = per_problem.empty() ? 0 : INT32_MAX;
    for (const auto& [id, nc] : per_problem) min_n = std::min(min_n, nc.first);
    for (int k : {1, 5, 10, 100}) {
      if (min_n < k) continue;
      std::vector<double> xs;
      for (const std::string& id : order)
        xs.push_back(PassAtK(per_problem[id].first, per_problem[id].second, k));
      PassAtKRow row{fmt::format("pass@{}", k), filter, {}};
      auto agg = Aggregate("mean", xs, 0);
      if (agg.ok()) row.summary = *agg;
      if (!(k == 1 && min_n == 1)) row.summary.stderr_value.reset();
      rows.push_back(row);
    }
  }
  return rows;
}

}  // namespace lfm::evals::code
