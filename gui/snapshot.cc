// Loading a Snapshot and Details through the read-only ResultStore.
#include "gui/snapshot.h"

#include <chrono>

#include "results/provenance.h"

namespace lfm::gui {

const results::RunRecord* Snapshot::FindRun(int64_t id) const {
  for (const auto& run : runs) {
    if (run.id == id) return &run;
  }
  return nullptr;
}

const std::vector<PerfRowData>& Snapshot::PerfRows(int64_t run_id) const {
  static const std::vector<PerfRowData> kNone;
  auto it = perf.find(run_id);
  return it == perf.end() ? kNone : it->second;
}

const PerfRowData* Snapshot::FindPerfRow(int64_t perf_id, const results::RunRecord** run) const {
  for (const auto& [run_id, rows] : perf) {
    for (const PerfRowData& data : rows) {
      if (data.row.id != perf_id) continue;
      if (run) *run = FindRun(run_id);
      return &data;
    }
  }
  if (run) *run = nullptr;
  return nullptr;
}

StatusOr<Snapshot> LoadSnapshot(results::ResultStore& store) {
  const auto start = std::chrono::steady_clock::now();
  Snapshot snap;
  snap.db_path = store.path();
  // Read the counter first: a commit that lands during the load changes it again, so the next
  // poll reloads rather than missing that commit.
  LFM_ASSIGN_OR_RETURN(snap.change_counter, store.ChangeCounter());
  LFM_ASSIGN_OR_RETURN(snap.runs, store.ListRuns());
  for (const auto& run : snap.runs) {
    if (run.kind == results::RunKind::kEval) {
      EvalRunData data;
      LFM_ASSIGN_OR_RETURN(data.tasks, store.GetEvalTasks(run.id));
      LFM_ASSIGN_OR_RETURN(data.scores, store.GetEvalScores(run.id));
      for (const auto& task : data.tasks) {
        LFM_ASSIGN_OR_RETURN(data.sample_counts[task.task],
                             store.CountEvalSamples(run.id, task.task));
      }
      snap.evals.emplace(run.id, std::move(data));
      continue;
    }
    LFM_ASSIGN_OR_RETURN(std::vector<results::PerfResult> rows, store.GetPerfResults(run.id));
    std::vector<PerfRowData>& out = snap.perf[run.id];
    for (auto& row : rows) {
      PerfRowData data;
      LFM_ASSIGN_OR_RETURN(data.ops, store.GetOpBreakdown(row.id));
      data.row = std::move(row);
      out.push_back(std::move(data));
    }
  }
  LFM_ASSIGN_OR_RETURN(snap.verdicts, store.GetGateVerdicts());
  snap.loaded_ms = results::NowMs();
  snap.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return snap;
}

StatusOr<Details> LoadDetails(results::ResultStore& store, const DetailRequest& request) {
  Details details;
  details.request = request;
  if (request.expert_load_perf_id != 0) {
    LFM_ASSIGN_OR_RETURN(details.expert_load, store.GetExpertLoad(request.expert_load_perf_id));
  }
  if (request.samples_run_id != 0 && request.samples_limit > 0) {
    LFM_ASSIGN_OR_RETURN(details.samples,
                         store.GetEvalSamples(request.samples_run_id, request.samples_task,
                                              request.samples_offset, request.samples_limit));
  }
  return details;
}

}  // namespace lfm::gui
