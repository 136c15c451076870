// What the dashboard draws, loaded from the results database by the refresh thread and read-only
// afterwards: a Snapshot of every run (reloaded when the database changes) and the Details the
// user is looking at (expert load of one perf row, one page of eval samples), loaded on request.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "results/records.h"
#include "results/result_store.h"

namespace lfm::gui {

// A perf row of a run with where its time went.
struct PerfRowData {
  results::PerfResult row;           // with samples
  std::vector<results::OpTime> ops;  // kOpNames order; empty when not recorded
};

// The tasks and scores of an eval run.
struct EvalRunData {
  std::vector<results::EvalTask> tasks;    // by task name
  std::vector<results::EvalScore> scores;  // tasks, then groups; by name
  std::map<std::string, int64_t> sample_counts;  // task -> stored samples
};

struct Snapshot {
  std::string db_path;
  // Why nothing could be read (missing file, newer schema, not a database); when not ok the
  // other fields are empty.
  Status error;
  int64_t change_counter = 0;  // the store's ChangeCounter() when this was loaded
  int64_t loaded_ms = 0;       // when it was loaded (ms since the epoch)
  double load_seconds = 0;     // how long the load took

  std::vector<results::RunRecord> runs;          // newest first
  std::map<int64_t, std::vector<PerfRowData>> perf;  // run id -> rows (perf and import runs)
  std::map<int64_t, EvalRunData> evals;              // run id -> tasks and scores
  std::vector<results::GateVerdict> verdicts;        // oldest first

  // The run with this id, or nullptr.
  const results::RunRecord* FindRun(int64_t id) const;
  // The rows of a run (empty when it has none).
  const std::vector<PerfRowData>& PerfRows(int64_t run_id) const;
  // The row with this perf id and its run, or nullptrs.
  const PerfRowData* FindPerfRow(int64_t perf_id, const results::RunRecord** run = nullptr) const;
};

// What the views want loaded beyond the snapshot. Zero/empty fields request nothing.
struct DetailRequest {
  int64_t expert_load_perf_id = 0;
  int64_t samples_run_id = 0;
  std::string samples_task;
  int64_t samples_offset = 0;
  int64_t samples_limit = 0;

  bool operator==(const DetailRequest&) const = default;
};

struct Details {
  DetailRequest request;  // what the fields below answer
  Status error;
  std::vector<results::ExpertLoad> expert_load;  // by layer, expert
  std::vector<results::EvalSample> samples;      // by doc_id; undisplayable ones carry no text
};

// Reads every run with its perf rows (samples, op times), eval tasks and scores, and all gate
// verdicts. Returns the store's error naming the database on failure.
StatusOr<Snapshot> LoadSnapshot(results::ResultStore& store);
// Loads what `request` asks for.
StatusOr<Details> LoadDetails(results::ResultStore& store, const DetailRequest& request);

}  // namespace lfm::gui
