#include "results/merge.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <map>

namespace lfm::results {
namespace {

// Copies one run's rows from `from` (run `source_id`) to `to` (run `target_id`).
Status CopyRows(ResultStore& from, int64_t source_id, ResultStore& to, int64_t target_id) {
  LFM_ASSIGN_OR_RETURN(std::vector<PerfResult> rows, from.GetPerfResults(source_id));
  for (PerfResult& row : rows) {
    const int64_t source_row = row.id;
    row.run_id = target_id;
    LFM_ASSIGN_OR_RETURN(int64_t perf_id, to.AddPerfResult(row));
    LFM_ASSIGN_OR_RETURN(std::vector<OpTime> ops, from.GetOpBreakdown(source_row));
    LFM_RETURN_IF_ERROR(to.AddOpBreakdown(perf_id, ops));
    LFM_ASSIGN_OR_RETURN(std::vector<ExpertLoad> load, from.GetExpertLoad(source_row));
    LFM_RETURN_IF_ERROR(to.AddExpertLoad(perf_id, load));
  }
  LFM_ASSIGN_OR_RETURN(std::vector<EvalTask> tasks, from.GetEvalTasks(source_id));
  for (EvalTask& task : tasks) {
    task.run_id = target_id;
    LFM_RETURN_IF_ERROR(to.AddEvalTask(task));
    constexpr int64_t kPage = 500;
    for (int64_t offset = 0;; offset += kPage) {
      LFM_ASSIGN_OR_RETURN(std::vector<EvalSample> page,
                           from.GetEvalSamples(source_id, task.task, offset, kPage));
      for (EvalSample& sample : page) {
        sample.run_id = target_id;
        LFM_RETURN_IF_ERROR(to.AddEvalSample(sample));
      }
      if (static_cast<int64_t>(page.size()) < kPage) break;
    }
  }
  LFM_ASSIGN_OR_RETURN(std::vector<EvalScore> scores, from.GetEvalScores(source_id));
  for (EvalScore& score : scores) {
    score.run_id = target_id;
    LFM_RETURN_IF_ERROR(to.AddEvalScore(score));
  }
  return OkStatus();
}

}  // namespace

StatusOr<MergeSummary> ImportDatabase(ResultStore& store, const std::string& other_path) {
  namespace fs = std::filesystem;
  const std::string copy =
      (fs::temp_directory_path() / fmt::format("lfmbench-import-{}.db", getpid())).string();
  auto remove_copy = [&] {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(copy + suffix, ec);
  };
  auto other = ResultStore::OpenSnapshot(other_path, copy);
  if (!other.ok()) {
    remove_copy();
    return other.status();
  }
  MergeSummary summary;
  std::map<int64_t, int64_t> ids;  // other's run id -> id here
  auto body = [&]() -> Status {
    LFM_ASSIGN_OR_RETURN(std::vector<RunRecord> runs, (*other)->ListRuns());
    for (auto run = runs.rbegin(); run != runs.rend(); ++run) {  // oldest first
      LFM_RETURN_IF_ERROR(store.InTransaction([&]() -> Status {
        LFM_ASSIGN_OR_RETURN(std::optional<int64_t> id, store.CopyRun(*run));
        if (!id) {
          ++summary.already_here;
          return OkStatus();
        }
        summary.added.push_back(*id);
        ids[run->id] = *id;
        return CopyRows(**other, run->id, store, *id);
      }));
    }
    // Verdicts whose candidate run came along, their run ids translated.
    LFM_ASSIGN_OR_RETURN(std::vector<GateVerdict> verdicts, (*other)->GetGateVerdicts());
    for (GateVerdict& v : verdicts) {
      if (!v.candidate_run || !ids.count(*v.candidate_run)) continue;
      v.candidate_run = ids[*v.candidate_run];
      if (v.baseline_run) {
        v.baseline_run =
            ids.count(*v.baseline_run) ? std::optional(ids[*v.baseline_run]) : std::nullopt;
      }
      LFM_RETURN_IF_ERROR(store.AddGateVerdict(v).status());
    }
    return OkStatus();
  };
  Status status = body();
  other->reset();
  remove_copy();
  if (!status.ok()) return status;
  return summary;
}

}  // namespace lfm::results
