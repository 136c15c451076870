// What each view shows, computed from a Snapshot without drawing anything: which runs pass the
// Runs filter, which perf rows the Throughput charts use, the points of a trend, the eval table,
// the rows of a comparison. Views turn these into widgets and charts; tests check them directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gui/snapshot.h"

namespace lfm::gui {

// "Same device" and "same model" as the gate means them: the device id (or the CPU model when an
// import has none), the model hash (or the model name when unknown).
std::string DeviceKey(const results::RunRecord& run);
std::string ModelKey(const results::RunRecord& run);
std::string DeviceLabel(const results::RunRecord& run);  // "AMD EPYC 7B13 (16 cores)"
std::string CommitLabel(const results::RunRecord& run);  // "abc1234" or "abc1234+dirty"
std::string TimeLabel(int64_t ms);                       // "2026-11-27 14:03" (UTC)

// Location and spread of a row's tokens/s samples (all zero when it has none).
struct RowStats {
  double median = 0;
  double sd = 0;  // sample standard deviation
  int n = 0;
};
RowStats StatsOf(const results::PerfResult& row);

// ---- Runs ------------------------------------------------------------------------------------
enum class RunColumn { kId, kTime, kCommit, kDevice, kModel, kBackend, kThreads, kKind, kStatus };
struct RunSort {
  RunColumn column = RunColumn::kTime;
  bool ascending = false;
};
// Runs whose kind matches (nullopt: any) and whose text (every column and the tag, case-
// insensitive) contains `text`, sorted by `sort` (ties by id).
std::vector<const results::RunRecord*> FilterRuns(const Snapshot& snap, const std::string& text,
                                                  std::optional<results::RunKind> kind,
                                                  const RunSort& sort);

// ---- Throughput ------------------------------------------------------------------------------
struct ThroughputEntry {
  const results::RunRecord* run = nullptr;
  const PerfRowData* data = nullptr;
  RowStats stats;
  bool prefill = false;  // a pure prefill test (n_gen == 0); otherwise decode (maybe after pp)
};
struct ThroughputData {
  std::string device_key, model_key;  // the (device, model) shown
  bool by_device = false;             // every device's rows of the model (device_key unused)
  std::vector<const results::RunRecord*> runs;  // runs the entries come from, newest first
  std::vector<ThroughputEntry> entries;  // by backend, test, threads, settings
};
// Every (device key, model key) pair that has perf rows, newest first, as run examples.
std::vector<const results::RunRecord*> PerfPairs(const Snapshot& snap);
// The newest measurement of each (backend, threads, test, settings) on one device and model. Candidate
// runs are the `selected` perf/import runs on that pair, or (when none is selected there) every
// run on it that did not fail. An empty key picks the pair of the first selected perf run, else
// of the newest perf run. `by_device`: the model's newest rows on every device (devices side by
// side), keyed by device too.
ThroughputData SelectThroughput(const Snapshot& snap, const std::vector<int64_t>& selected,
                                std::string device_key, std::string model_key,
                                bool by_device = false);

// ---- Trends ----------------------------------------------------------------------------------
struct TrendKey {
  std::string device_key, model_key, backend, test;
  int threads = 0;
  bool operator==(const TrendKey&) const = default;
};
// Every key that has rows, ordered by device, model, backend, test, threads.
std::vector<TrendKey> TrendKeys(const Snapshot& snap);
struct TrendPoint {
  const results::RunRecord* run = nullptr;
  RowStats stats;
  std::vector<const results::GateVerdict*> verdicts;  // this run as candidate, same row key
};
// One point per run (oldest first) having the row, skipping failed runs and rows without samples.
std::vector<TrendPoint> SelectTrend(const Snapshot& snap, const TrendKey& key);

// ---- Evals -----------------------------------------------------------------------------------
struct EvalCell {
  const results::EvalScore* score = nullptr;  // nullptr: the run has no such score
  const results::EvalTask* task = nullptr;    // nullptr for groups or unknown tasks
};
struct EvalRow {
  std::string name, metric, filter;
  bool is_group = false;
  std::vector<EvalCell> cells;  // one per EvalTable::runs
  // The settings that change numbers (version, n-shot, settings JSON) differ between runs.
  bool settings_differ = false;
};
struct EvalTable {
  std::vector<const results::RunRecord*> runs;  // columns, newest first
  bool from_selection = false;                  // the runs are the selected ones
  std::vector<EvalRow> rows;                    // tasks, then groups; by name, metric, filter
};
// Columns are the selected eval runs, or the newest `max_runs` eval runs when none is selected.
EvalTable SelectEvals(const Snapshot& snap, const std::vector<int64_t>& selected, int max_runs);
// The settings that change a task's numbers, as the runner stores them (eval_tasks.settings_json):
// "5-shot, chat off, few-shot as multi-turn off, max_gen_toks 256, shuffle seed 0, limit 20,
// data 3f2a9c1e, spec v3" (max_gen_toks for generation tasks, the shuffle seed where documents are
// shuffled, the limit when one was given, the first 8 hex digits of each data file's SHA-256).
std::string SettingsLabel(const results::EvalTask& task);

// ---- Compare ---------------------------------------------------------------------------------
struct ComparePerfRow {
  std::string backend, test;
  int threads = 0;
  std::string settings_json;  // "{}" unless rows of one run differ in other settings
  const results::PerfResult* a = nullptr;  // either may be missing
  const results::PerfResult* b = nullptr;
  RowStats stats_a, stats_b;
  double ratio = 0;  // b / a medians; 0 when either is missing
  const results::GateVerdict* verdict = nullptr;  // newest gate verdict for baseline a, candidate b
};
struct CompareScoreRow {
  std::string name, metric, filter;
  const results::EvalScore* a = nullptr;
  const results::EvalScore* b = nullptr;
};
struct CompareData {
  const results::RunRecord* a = nullptr;
  const results::RunRecord* b = nullptr;
  bool same_device = false;
  std::vector<ComparePerfRow> perf;     // by backend, test, threads
  std::vector<CompareScoreRow> scores;  // by name, metric, filter
};
// Runs a (baseline) and b (candidate); a missing id leaves its side empty.
CompareData SelectCompare(const Snapshot& snap, int64_t a, int64_t b);
// The default pair: the first two selected runs (the older is the baseline); else the selected
// run, or the newest run that did not fail and has a baseline (else the newest alone), with the
// newest earlier run of its kind and device that did not fail (0 when there is none).
std::pair<int64_t, int64_t> DefaultComparePair(const Snapshot& snap,
                                               const std::vector<int64_t>& selected);

}  // namespace lfm::gui
