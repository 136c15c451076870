// The regression gate: decides, row by row, whether a candidate is slower than a baseline by
// more than a threshold AND by more than noise explains.
//
// Stored runs (`lfmbench gate --baseline RUN --candidate RUN`): rows match on backend, threads
// and test (the runs must share device and model); each row compares the stored repetition
// samples with a two-sided Mann-Whitney U test. A row fails when median(candidate) /
// median(baseline) < 1 - max_regression and p < alpha.
//
// A/B (`lfmbench gate ab`): two binaries measured interleaved A B A B ... on one machine in one
// sitting, so slow drifts of the machine hit both alike; the gate uses the paired per-round
// ratios b_i / a_i and fails a test when their median < 1 - max_regression and a one-sided
// sign test says the candidate is slower in more rounds than chance allows (p < alpha).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "results/result_store.h"

namespace lfm::bench {

struct GateOptions {
  double max_regression = 0.05;  // fraction: 0.05 = a 5% slowdown is tolerated
  double alpha = 0.05;           // significance level
};

enum class Verdict { kPass, kFail, kImproved, kMissing };
const char* VerdictName(Verdict v);

struct GateRow {
  std::string backend;
  int threads = 0;
  std::string test;
  std::vector<double> baseline;   // tokens/s samples (A)
  std::vector<double> candidate;  // tokens/s samples (B)
  double ratio = 0;               // candidate / baseline median tokens/s
  double ci_low = 0, ci_high = 0; // 95% bootstrap interval of the ratio
  double p_value = 1;
  Verdict verdict = Verdict::kPass;
};

struct GateReport {
  std::string method;  // "mann-whitney" or "ab-paired"
  GateOptions options;
  std::vector<GateRow> rows;
  bool failed() const;
  std::string Table() const;  // readable table with a verdict per row and a summary line
};

// Decides one row from its samples; `paired` selects the A/B rule (samples are rounds).
void Decide(GateRow& row, const GateOptions& options, bool paired);

// Compares two stored perf runs. Runs on different devices are refused (InvalidArgument naming
// both devices), as are runs of different models; no matching rows is an error.
StatusOr<GateReport> CompareRuns(results::ResultStore& store, int64_t baseline_run,
                                 int64_t candidate_run, const GateOptions& options);

// Stores every row's verdict (for the dashboard's trend view).
Status StoreVerdicts(results::ResultStore& store, const GateReport& report,
                     std::optional<int64_t> baseline_run, std::optional<int64_t> candidate_run);

// One-sided sign test: P(X >= k) for X ~ Binomial(n, 1/2).
double SignTestPValue(int k, int n);

}  // namespace lfm::bench
