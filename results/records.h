// Plain records mirroring the tables of results/schema.sql (read the column comments there).
// They carry values in and out of ResultStore and know nothing of the engine, kernels or tasks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lfm::results {

enum class RunKind { kPerf, kEval, kImport };
enum class RunStatus { kRunning, kComplete, kIncomplete, kFailed };

// The names stored in the database: "perf", "eval", "import"; "running", "complete", ...
std::string_view RunKindName(RunKind kind);
std::string_view RunStatusName(RunStatus status);
// Parses a stored name; InvalidArgument naming the value otherwise.
StatusOr<RunKind> ParseRunKind(std::string_view name);
StatusOr<RunStatus> ParseRunStatus(std::string_view name);

// The per-op names of perf_op_times, in display order.
inline constexpr std::string_view kOpNames[] = {"conv",      "attention",   "router", "experts",
                                                "dense_ffn", "output_head", "other"};

// llama-bench's test name: "pp512" (n_gen 0), "tg128" (n_prompt 0), "pp512+tg128" (both),
// with " @ d512" appended when the test starts after n_depth tokens of context.
std::string TestName(int n_prompt, int n_gen, int n_depth = 0);

// The lfmbench build that wrote a run (from lfm_build_info.h; see provenance.h), or for an
// import the build of the imported tool.
struct BuildInfo {
  std::string lfmbench_version;
  std::string git_commit;
  bool git_dirty = false;
  std::string build_type;
  std::string compiler;
};

// The machine a run measured (provenance.h fills it for this machine).
struct DeviceInfo {
  std::string device_id;  // stable hash of the hardware fields; "" when unknown
  std::string cpu_model;
  int cpu_cores = 0;      // logical CPUs online
  std::string isa_flags;  // comma-separated: "avx2,avx512f,f16c,fma"
  int64_t memory_bytes = 0;
  std::string os;  // "Linux 6.1.0-18-amd64 x86_64"
  std::string hostname;
};

// The model file a run used. The caller (who knows GGUF) fills name/arch/quant/params;
// provenance.h hashes the file.
struct ModelInfo {
  std::string path;
  std::string name;  // display name, e.g. "lfm2moe 8B-A1B Q4_0"
  int64_t size_bytes = 0;
  std::string hash;       // SHA-256, lowercase hex
  std::string hash_kind;  // "file", "header" (first bytes only), or "" (unknown)
  std::string arch;       // "lfm2moe"
  std::string quant;      // "q4_0 94%, f32 6%"
  int64_t params = 0;
};

// A row of `runs`. BeginRun ignores id, status, finished_ms and the writer fields (the store
// sets them); every query fills all fields.
struct RunRecord {
  int64_t id = 0;
  RunKind kind = RunKind::kPerf;
  RunStatus status = RunStatus::kRunning;
  int64_t started_ms = 0;   // 0 in BeginRun means "now"
  int64_t finished_ms = 0;  // 0 while running
  std::string tag;          // "" = none
  std::string resume_key;   // "" = none
  // Unique across databases (schema.sql): BeginRun makes one, CopyRun keeps the given one.
  std::string origin;
  std::string error;        // why a failed run failed
  std::string writer_host;
  int64_t writer_pid = 0;
  BuildInfo build;
  DeviceInfo device;
  ModelInfo model;
  std::string backend;  // as requested: "all", "cpu,onednn"
  std::string threads;  // as requested: "1,2"
  std::string command_line;
  // Runs of one engine (eval): the backend that actually ran each op, as PerfResult's; empty
  // for perf runs (each row records its own) and imports.
  std::map<std::string, std::string> op_backends;
};

// How closely a backend computes the model: its next-token distributions after every token of
// a fixed prompt, compared with the `reference` backend's on the same prompt.
struct Fidelity {
  int tokens = 0;                   // prompt positions compared
  double mean_kl = 0;               // mean over positions of KL(reference || backend), nats
  double top1_agreement = 0;        // fraction of positions whose most likely token agrees
  double max_abs_logprob_diff = 0;  // max over positions and tokens of |log p - log p_ref|
};

// One timed repetition of a perf row.
struct PerfSample {
  int rep = 0;  // 0-based
  double seconds = 0;
  double tokens_per_s = 0;  // (n_prompt + n_gen) / seconds
};

// One measured configuration (a llama-bench row) with its samples.
struct PerfResult {
  int64_t id = 0;  // set by the store
  int64_t run_id = 0;
  std::string backend;  // the backend this row asked for
  int threads = 0;
  std::string test;  // TestName(n_prompt, n_gen[, n_depth])
  int n_prompt = 0;
  int n_gen = 0;
  int64_t peak_rss_bytes = 0;  // 0 = unknown
  // The backend that actually ran each op (op name -> backend). An entry whose value is not
  // `backend` is a fallback and is shown as one; empty = not recorded.
  std::map<std::string, std::string> op_backends;
  // Other settings that tell rows apart (a JSON object; stored with sorted keys): llama-bench's
  // n_batch, type_k, use_mmap, ...
  std::string settings_json = "{}";
  std::optional<Fidelity> fidelity;  // nullopt: not measured (imports, older runs)
  std::vector<PerfSample> samples;   // by rep

  // tokens_per_s of every sample, in rep order.
  std::vector<double> TokensPerSecond() const;
  // Ops whose backend differs from `backend`, as "op:backend" ("" when none).
  std::string Fallbacks() const;
};

// Mean seconds per repetition spent in one op (kOpNames).
struct OpTime {
  std::string op;
  double seconds = 0;
};

// Tokens routed to one expert of one layer.
struct ExpertLoad {
  int layer = 0;
  int expert = 0;
  int64_t tokens = 0;
};

// One task of an eval run and the settings that change its numbers.
struct EvalTask {
  int64_t run_id = 0;
  std::string task;
  std::string task_version;
  int n_shot = 0;
  std::string settings_json = "{}";  // a JSON object: {"chat": false, "limit": 20, ...}
};

// One scored document. For display_ok == false the store drops prompt, target and response
// and queries return them empty.
struct EvalSample {
  int64_t run_id = 0;
  std::string task;
  int64_t doc_id = 0;
  std::string prompt_hash;
  std::string prompt;
  std::string target;
  std::string response;
  std::string extracted_json = "{}";  // a JSON object keyed by filter
  std::string scores_json = "{}";     // a JSON object keyed by "metric,filter"
  std::optional<bool> passed;         // on the task's primary metric
  bool display_ok = true;
  int64_t created_ms = 0;  // 0 in AddEvalSample means "now"
};

// An aggregate score of a task or a group.
struct EvalScore {
  int64_t run_id = 0;
  std::string name;  // task or group
  bool is_group = false;
  std::string metric;
  std::string filter = "none";
  double value = 0;
  std::optional<double> std_error;
  int64_t n = 0;
  bool higher_is_better = true;
};

// One row's verdict from `lfmbench gate`.
struct GateVerdict {
  int64_t id = 0;          // set by the store
  int64_t created_ms = 0;  // 0 in AddGateVerdict means "now"
  std::optional<int64_t> baseline_run;
  std::optional<int64_t> candidate_run;
  std::string backend;
  int threads = 0;
  std::string test;
  double ratio = 0;  // candidate / baseline median tokens/s
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  std::optional<double> p_value;
  std::string method;         // "mann-whitney", "bootstrap", "ab-paired"
  double max_regression = 0;  // fraction: 0.05 = 5%
  std::string verdict;        // "pass", "fail", "improved"
};

}  // namespace lfm::results
