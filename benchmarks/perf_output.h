// What `lfmbench perf` prints for a stored run, in llama-bench's output formats (`-o md|csv|json|
// jsonl`): every perf output choice lives here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "results/records.h"
#include "results/result_store.h"

namespace lfm::bench {

enum class PerfFormat {
  kMarkdown,   // llama-bench's default: the table (results::PerfTable) as Markdown
  kCsv,        // a header line, then one line per row (the JSON row's fields)
  kJson,       // one JSON array of rows
  kJsonLines,  // one JSON row per line (what `--json` prints)
};
// "md", "csv", "json", "jsonl"; InvalidArgument naming the value and the choices otherwise.
StatusOr<PerfFormat> ParsePerfFormat(std::string_view name);

// One row as JSON: results::PerfRowJson's fields (backend, test, threads, tokens_per_s_median,
// samples, fidelity, ...), the run's (run_id, model, model_size, model_params), and llama-bench's
// names for the same values, so scripts written for llama-bench read it: model_filename,
// model_type, model_n_params, n_threads, n_prompt, n_gen, avg_ns, stddev_ns, avg_ts, stddev_ts
// (mean and sample sd over the repetitions), samples_ns, samples_ts, cpu_info, build_commit.
nlohmann::json PerfOutputRow(const results::RunRecord& run, const results::PerfResult& row);

// The whole run in `format`.
StatusOr<std::string> FormatPerfRun(results::ResultStore& store, int64_t run_id, PerfFormat format);

}  // namespace lfm::bench
