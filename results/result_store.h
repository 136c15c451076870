// ResultStore: the one way to read and write the lfmbench results database (an SQLite file laid
// out by results/schema.sql). Writers: `perf`, `eval run`, `gate`, `results import-llama-bench`.
// Readers: `results list/show/export/compare`, the dashboard (read-only).
//
// Durability and concurrency:
//   * WAL journal, synchronous=NORMAL: a committed write survives a crash or Ctrl-C of the
//     process (not necessarily a power cut). Every Add*/Set*/Finish* call commits on return,
//     unless called inside InTransaction, which commits once at its end.
//   * Several processes may write one file at once: writes take the lock up front
//     (BEGIN IMMEDIATE), wait up to 30 s for a busy database, then retry with backoff.
//   * A run's status stays 'running' while its writer lives. A run whose writer process is gone
//     (crash, SIGKILL) without FinishRun reads as 'incomplete': queries report it so, and opening
//     read-write stores it (MarkStaleRunsIncomplete). Writers should still FinishRun(kIncomplete)
//     on Ctrl-C when they can.
//
// Thread-safety: one ResultStore is one SQLite connection; use it from one thread at a time.
// Open one store per thread (or process) to write concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "results/records.h"

namespace lfm::results {

class SqliteDb;  // results/sqlite_db.h

// The database a command uses when --db is not given, relative to the working directory.
inline constexpr char kDefaultDbPath[] = "results/lfmbench.db";

// Which runs ListRuns returns; empty fields match everything. Newest first.
struct RunFilter {
  std::optional<RunKind> kind;
  std::optional<RunStatus> status;  // as reported (a dead writer's run reads 'incomplete')
  std::string tag;
  std::string device_id;
  std::string model_hash;
  int limit = 0;  // 0 = no limit
};

// Which perf rows FindPerfRows returns, across runs; empty/zero fields match everything.
struct PerfRowFilter {
  std::string device_id;
  std::string model_hash;
  std::string backend;
  std::string test;
  int threads = 0;
  bool complete_runs_only = false;
};

// A perf row together with the run it belongs to (for trends and the gate).
struct PerfRowWithRun {
  RunRecord run;
  PerfResult row;
};

class ResultStore {
 public:
  enum class Mode { kReadOnly, kReadWrite };

  // The schema version this build reads and writes (PRAGMA user_version of schema.sql).
  static int SchemaVersion();

  // Opens (kReadWrite: creating the file and its folder if missing) the database at `path`.
  // kReadWrite brings an older schema forward with the numbered migrations and marks stale
  // runs incomplete. Errors (each message names `path`): NotFound when kReadOnly and the file
  // is missing; DataLoss when it is not an lfmbench database or was written by a newer
  // lfmbench ("schema version 3, this lfmbench reads up to 2: update lfmbench"); kReadOnly on
  // an older schema asks for a read-write open to upgrade it; Io for the operating system's
  // refusals (permissions, disk full).
  static StatusOr<std::unique_ptr<ResultStore>> Open(const std::string& path, Mode mode);
  // Reads another database of any schema version up to this one without touching it: copies
  // `path` (with what its WAL holds) to `copy_path` and opens the copy read-write, which brings
  // an older schema forward. Errors name `path`: NotFound, not an (lfmbench) database, a newer
  // schema. The caller removes `copy_path`.
  static StatusOr<std::unique_ptr<ResultStore>> OpenSnapshot(const std::string& path,
                                                             const std::string& copy_path);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  const std::string& path() const { return path_; }
  Mode mode() const { return mode_; }

  // Runs `body` inside one write transaction: its Add* calls commit together when it returns
  // ok, and are rolled back when it returns an error (which is returned). Nestable.
  Status InTransaction(const std::function<Status()>& body);

  // --- Runs -------------------------------------------------------------------------------
  // Inserts `run` with status 'running' owned by this process; returns its id (RUN).
  StatusOr<int64_t> BeginRun(const RunRecord& run);
  // Ends a run: status complete/incomplete/failed (not running), finished at `finished_ms`
  // (0: now); `error` is stored for failed runs.
  Status FinishRun(int64_t run_id, RunStatus status, const std::string& error = "",
                   int64_t finished_ms = 0);
  // Stores a run read from another database (`results import`) as it is there: status, times,
  // error, writer host and pid, origin (never 'running' here: its writer is elsewhere). Returns
  // its new id, or nullopt when a run with its origin is already here (nothing is written).
  StatusOr<std::optional<int64_t>> CopyRun(const RunRecord& run);
  // Makes an earlier, no longer running run 'running' again under this process (a resumed
  // eval); InvalidArgument when its writer is still alive.
  Status ResumeRun(int64_t run_id);
  // The newest run with this resume_key, whatever its status (a complete run has nothing left
  // to do); nullopt when there is none or when its writer is still alive (then start a new run).
  StatusOr<std::optional<int64_t>> FindResumableRun(const std::string& resume_key);
  // Stores 'incomplete' for every 'running' run of this host whose writer process is gone;
  // returns how many. Open(kReadWrite) calls it.
  StatusOr<int> MarkStaleRunsIncomplete();
  // "12" -> run 12 (NotFound if absent); "name" -> the newest run tagged "name" (NotFound
  // naming the tag if none).
  StatusOr<int64_t> ResolveRun(const std::string& run_or_tag);

  StatusOr<RunRecord> GetRun(int64_t run_id);  // NotFound naming the id
  StatusOr<std::vector<RunRecord>> ListRuns(const RunFilter& filter = {});

  // --- Perf -------------------------------------------------------------------------------
  // Inserts a configuration row and the samples it carries (maybe none); returns its id.
  // row.test should be TestName(n_prompt, n_gen[, n_depth]); settings_json must be a JSON object.
  StatusOr<int64_t> AddPerfResult(const PerfResult& row);
  // Appends one repetition to a row (committed at once: a crash keeps it).
  Status AddPerfSample(int64_t perf_id, const PerfSample& sample);
  Status SetPeakRss(int64_t perf_id, int64_t peak_rss_bytes);
  // Replace the row's op times / expert load with these.
  Status AddOpBreakdown(int64_t perf_id, const std::vector<OpTime>& ops);
  Status AddExpertLoad(int64_t perf_id, const std::vector<ExpertLoad>& load);

  // A run's rows (with samples and op_backends), in insertion order.
  StatusOr<std::vector<PerfResult>> GetPerfResults(int64_t run_id);
  StatusOr<std::vector<PerfSample>> GetPerfSamples(int64_t perf_id);
  StatusOr<std::vector<OpTime>> GetOpBreakdown(int64_t perf_id);     // in kOpNames order
  StatusOr<std::vector<ExpertLoad>> GetExpertLoad(int64_t perf_id);  // by layer, expert
  // Matching rows of every run, oldest run first (for trends and the gate).
  StatusOr<std::vector<PerfRowWithRun>> FindPerfRows(const PerfRowFilter& filter);

  // --- Evals ------------------------------------------------------------------------------
  // Declares (or updates) a task of a run; required before its samples.
  Status AddEvalTask(const EvalTask& task);
  // Stores one finished sample, replacing an earlier one with the same (run, task, doc_id);
  // committed at once. extracted_json/scores_json must be JSON objects (InvalidArgument).
  Status AddEvalSample(const EvalSample& sample);
  // doc_ids already stored for (run, task): what a resumed run skips.
  StatusOr<std::set<int64_t>> DoneEvalSamples(int64_t run_id, const std::string& task);
  // Stores (or replaces) an aggregate score.
  Status AddEvalScore(const EvalScore& score);

  StatusOr<std::vector<EvalTask>> GetEvalTasks(int64_t run_id);    // by task name
  StatusOr<std::vector<EvalScore>> GetEvalScores(int64_t run_id);  // tasks, then groups; by name
  StatusOr<int64_t> CountEvalSamples(int64_t run_id, const std::string& task);
  // One page of samples by doc_id. Samples with display_ok == false come back with empty
  // prompt, target and response.
  StatusOr<std::vector<EvalSample>> GetEvalSamples(int64_t run_id, const std::string& task,
                                                   int64_t offset, int64_t limit);

  // --- Gate -------------------------------------------------------------------------------
  StatusOr<int64_t> AddGateVerdict(const GateVerdict& verdict);
  // Verdicts where `run_id` is the baseline or the candidate (all verdicts when nullopt),
  // oldest first.
  StatusOr<std::vector<GateVerdict>> GetGateVerdicts(std::optional<int64_t> run_id = std::nullopt);

  // --- Change detection -------------------------------------------------------------------
  // A number that changes whenever another connection commits to the database (PRAGMA
  // data_version); cheap enough to poll every frame. Own commits do not change it.
  StatusOr<int64_t> ChangeCounter();

 private:
  ResultStore(std::string path, Mode mode, std::unique_ptr<SqliteDb> db);
  // Runs `body` in a write transaction after checking the store is writable; errors are
  // prefixed with `what`.
  Status Write(std::string_view what, const std::function<Status()>& body);
  StatusOr<PerfResult> ReadPerfResult(int64_t perf_id);

  std::string path_;
  Mode mode_;
  std::unique_ptr<SqliteDb> db_;
  int transaction_depth_ = 0;
};

}  // namespace lfm::results
