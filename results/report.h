// What `lfmbench results show/export/compare` print, built from stored records: the
// llama-bench-style perf table, op breakdown, expert-load summary, eval scores, and the JSON
// export. `lfmbench perf` reuses PerfTable and PerfRowJson so its output matches.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "results/records.h"
#include "results/result_store.h"
#include "results/table.h"

namespace lfm::results {

// Everything stored about one run.
struct RunReport {
  RunRecord run;
  std::vector<PerfResult> perf;
  std::vector<std::vector<OpTime>> op_times;         // [perf row]
  std::vector<std::vector<ExpertLoad>> expert_load;  // [perf row]
  std::vector<EvalTask> eval_tasks;
  std::vector<int64_t> eval_sample_counts;  // [eval task]
  std::vector<EvalScore> eval_scores;
  std::vector<GateVerdict> gate_verdicts;
};
StatusOr<RunReport> LoadRunReport(ResultStore& store, int64_t run_id);

// "4.38 GiB", "8.30 B", "61.20 ± 0.40".
std::string FormatBytes(int64_t bytes);
std::string FormatParams(int64_t params);

// One line per perf row, as llama-bench prints it: model, size, params, backend, threads, test,
// t/s as median ± sample sd over the repetitions, and n (repetitions). A "settings" column
// shows the settings that differ between rows (llama-bench's n_batch, ...), and a "fallbacks"
// column appears when some op ran on another backend than the row asked for. When rows carry
// fidelity to the reference backend, three columns show it: KL (mean KL divergence, nats),
// top-1 (positions whose most likely token agrees, "63/64") and max Δlp (largest |delta log p|).
Table PerfTable(const RunRecord& run, const std::vector<PerfResult>& rows);
// The three fidelity cells of PerfTable: "1.23e-05" (mean KL), "63/64" (top-1), "0.0123"
// (max |delta log p|); "-" each when not measured.
std::vector<std::string> FidelityCells(const std::optional<Fidelity>& fidelity);
// Per perf row: milliseconds per repetition in each op and its share of the total.
Table OpBreakdownTable(const RunReport& report);
// Per perf row: MoE layers, experts, tokens routed, and how uneven the load is (min, median,
// max tokens per expert; max / mean over all layer x expert cells).
Table ExpertLoadTable(const RunReport& report);
Table EvalScoreTable(const std::vector<EvalScore>& scores);
// Provenance as "key  value" lines.
std::string ProvenanceText(const RunRecord& run);

// A run's provenance as JSON: id, kind, status, started_ms, finished_ms, tag, error, build{},
// device{}, model{}, backend, threads, command_line.
nlohmann::json RunJson(const RunRecord& run);
// A perf row as JSON: backend, test, threads, n_prompt, n_gen, settings, op_backends,
// fallbacks, peak_rss_bytes, samples [{rep, seconds, tokens_per_s}], tokens_per_s_median,
// tokens_per_s_mean, tokens_per_s_sd (the last three null without samples), fidelity_tokens
// (0 when not measured), fidelity_mean_kl, fidelity_top1, fidelity_max_abs_logprob (null then).
nlohmann::json PerfRowJson(const PerfResult& row);
// The whole report: {"run": {...}, "perf": [...], "eval": {"tasks", "scores"}, "gate_verdicts"}.
nlohmann::json RunReportJson(const RunReport& report);

// `results show`: provenance and every non-empty table, as text or Markdown.
std::string FormatRunReport(const RunReport& report, bool markdown);
// `results export --format csv`: perf rows (one line per row, samples space-separated) for
// perf and import runs; eval scores for eval runs.
std::string RunReportCsv(const RunReport& report);

// `results compare A B`: rows of B matched to rows of A by backend, threads, test and settings
// (or by threads and test when one run has a single backend, e.g. llama.cpp against each
// lfmbench backend), with the ratio of medians B / A and the Mann-Whitney p-value; eval scores
// matched by task, metric and filter. Notes warn when device or model differ.
struct Comparison {
  Table perf;
  Table eval;
  std::vector<std::string> notes;
  // Runs on two devices: their labels ("AMD EPYC 9R45 x16, host a"), else both "".
  std::string device_a, device_b;
};
Comparison CompareRuns(const RunReport& a, const RunReport& b);

}  // namespace lfm::results
