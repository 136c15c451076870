// A results database with realistic rows for the dashboard's tests, written through the real
// ResultStore API: perf runs over four commits (three backends x two thread counts x prefill and
// decode, samples, op breakdowns, expert load), a failed run, an imported llama-bench run, gate
// verdicts, and two eval runs (one task's samples marked not-to-display, as GPQA's are).
// When `lfmbench perf` and `lfmbench eval run` exist, tests can fill the database with real runs
// instead; the expected counts below then come from what those runs wrote.
#pragma once

#include <string>

#include "base/status.h"

namespace lfm::gui::testing {

// What FillTestDatabase writes, for assertions.
struct TestDatabaseCounts {
  int runs = 8;
  int eval_runs = 2;
  int perf_runs = 6;          // perf (5, one failed) + import (1)
  int throughput_entries = 14;  // newest rows of the pair: 12 of the last perf run + 2 imported
  int prefill_bars = 7;
  int decode_bars = 7;
  int op_segments = 42;       // 6 rows at the focused row's thread count x 7 ops
  int heatmap_cells = 22 * 32;  // MoE layers 2..23 x 32 experts
  int eval_rows = 6;          // 5 task metrics + 1 group
  int eval_cells = 11;        // the older eval run has no ifeval score
  int trend_points = 4;       // the four complete perf runs (the failed one is skipped)
  int compare_perf_rows = 12;
  int compare_verdicts = 12;
  int newest_perf_run = 8;    // the default Compare candidate; its baseline is run 6
  int baseline_perf_run = 6;
};

// The database `FillTestDatabase` writes, the secret prompt it gives the not-to-display task's
// samples (which must never appear anywhere), and that task's name.
inline constexpr char kHiddenPrompt[] = "SECRET-GPQA-PROMPT: which of these";
inline constexpr char kHiddenTask[] = "gpqa_main";

// Creates (or extends) the database at `path` with the runs described above.
Status FillTestDatabase(const std::string& path);

}  // namespace lfm::gui::testing
