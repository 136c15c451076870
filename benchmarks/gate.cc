#include "benchmarks/gate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <tuple>

#include <fmt/format.h>

#include "results/statistics.h"
#include "results/table.h"

namespace lfm::bench {
namespace {

// 95% interval of the median of paired ratios, by resampling rounds (seeded: deterministic).
std::pair<double, double> BootstrapPairedMedian(const std::vector<double>& ratios) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<size_t> pick(0, ratios.size() - 1);
  std::vector<double> medians, draw(ratios.size());
  for (int i = 0; i < 2000; ++i) {
    for (double& d : draw) d = ratios[pick(rng)];
    medians.push_back(results::Median(draw));
  }
  return {results::Percentile(medians, 2.5), results::Percentile(medians, 97.5)};
}

}  // namespace

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "FAIL";
    case Verdict::kImproved: return "improved";
    case Verdict::kMissing: return "missing";
  }
  return "?";
}

double SignTestPValue(int k, int n) {
  double p = 0;
  for (int i = k; i <= n; ++i) p += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
  return std::min(1.0, p);
}

void Decide(GateRow& row, const GateOptions& o, bool paired) {
  if (row.baseline.empty() || row.candidate.empty()) {
    row.verdict = Verdict::kMissing;
    return;
  }
  bool slower, faster;
  if (paired) {
    std::vector<double> ratios;
    const size_t n = std::min(row.baseline.size(), row.candidate.size());
    int slower_rounds = 0, faster_rounds = 0;
    for (size_t i = 0; i < n; ++i) {
      ratios.push_back(row.candidate[i] / row.baseline[i]);
      slower_rounds += ratios.back() < 1;
      faster_rounds += ratios.back() > 1;
    }
    row.ratio = results::Median(ratios);
    std::tie(row.ci_low, row.ci_high) = BootstrapPairedMedian(ratios);
    const double p_slower = SignTestPValue(slower_rounds, static_cast<int>(n));
    const double p_faster = SignTestPValue(faster_rounds, static_cast<int>(n));
    row.p_value = row.ratio < 1 ? p_slower : p_faster;
    slower = p_slower < o.alpha;
    faster = p_faster < o.alpha;
  } else {
    row.ratio = results::Median(row.candidate) / results::Median(row.baseline);
    const results::RatioInterval ci = results::BootstrapMedianRatio(row.candidate, row.baseline);
    row.ci_low = ci.low;
    row.ci_high = ci.high;
    row.p_value = results::MannWhitneyU(row.candidate, row.baseline).p_value;
    slower = faster = row.p_value < o.alpha;
  }
  if (slower && row.ratio < 1 - o.max_regression) {
    row.verdict = Verdict::kFail;
  } else if (faster && row.ratio > 1 + o.max_regression) {
    row.verdict = Verdict::kImproved;
  } else {
    row.verdict = Verdict::kPass;
  }
}

bool GateReport::failed() const {
  for (const GateRow& r : rows) {
    if (r.verdict == Verdict::kFail) return true;
  }
  return false;
}

std::string GateReport::Table() const {
  results::Table t;
  t.AddColumn("backend");
  t.AddColumn("threads", results::Table::Align::kRight);
  t.AddColumn("test");
  t.AddColumn("baseline t/s", results::Table::Align::kRight);
  t.AddColumn("candidate t/s", results::Table::Align::kRight);
  t.AddColumn("ratio", results::Table::Align::kRight);
  t.AddColumn("95% CI", results::Table::Align::kRight);
  t.AddColumn("p", results::Table::Align::kRight);
  t.AddColumn("verdict");
  int failed = 0;
  for (const GateRow& r : rows) {
    auto median = [](const std::vector<double>& v) {
      return v.empty() ? std::string("-") : fmt::format("{:.2f} (n={})", results::Median(v), v.size());
    };
    const bool have = r.verdict != Verdict::kMissing;
    t.AddRow({r.backend, std::to_string(r.threads), r.test, median(r.baseline), median(r.candidate),
              have ? fmt::format("{:.3f}", r.ratio) : "-",
              have ? fmt::format("{:.3f}-{:.3f}", r.ci_low, r.ci_high) : "-",
              have ? fmt::format("{:.3g}", r.p_value) : "-", VerdictName(r.verdict)});
    failed += r.verdict == Verdict::kFail;
  }
  return fmt::format("{}\n{}: {} of {} rows slower by more than {:.1f}% (method {}, alpha {:.3g})\n",
                     t.ToText(), failed ? "gate FAILED" : "gate passed", failed, rows.size(),
                     100 * options.max_regression, method, options.alpha);
}

StatusOr<GateReport> CompareRuns(results::ResultStore& store, int64_t baseline_run,
                                 int64_t candidate_run, const GateOptions& options) {
  LFM_ASSIGN_OR_RETURN(results::RunRecord base, store.GetRun(baseline_run));
  LFM_ASSIGN_OR_RETURN(results::RunRecord cand, store.GetRun(candidate_run));
  if (base.device.device_id != cand.device.device_id) {
    return Error(StatusCode::kInvalidArgument,
                 "refused: run {} was measured on device {} ({}) and run {} on device {} ({}); the gate "
                 "only compares runs of the same device",
                 baseline_run, base.device.device_id, base.device.cpu_model, candidate_run,
                 cand.device.device_id, cand.device.cpu_model);
  }
  if (base.model.hash != cand.model.hash) {
    return Error(StatusCode::kInvalidArgument,
                 "refused: run {} used model {} and run {} model {}; the gate only compares runs of "
                 "the same model file",
                 baseline_run, base.model.path, candidate_run, cand.model.path);
  }
  LFM_ASSIGN_OR_RETURN(std::vector<results::PerfResult> base_rows, store.GetPerfResults(baseline_run));
  LFM_ASSIGN_OR_RETURN(std::vector<results::PerfResult> cand_rows, store.GetPerfResults(candidate_run));
  using Key = std::tuple<std::string, int, std::string>;
  std::map<Key, GateRow> rows;
  for (const auto& r : base_rows) {
    GateRow& g = rows[{r.backend, r.threads, r.test}];
    g.backend = r.backend, g.threads = r.threads, g.test = r.test;
    g.baseline = r.TokensPerSecond();
  }
  for (const auto& r : cand_rows) {
    GateRow& g = rows[{r.backend, r.threads, r.test}];
    g.backend = r.backend, g.threads = r.threads, g.test = r.test;
    g.candidate = r.TokensPerSecond();
  }
  GateReport report;
  report.method = "mann-whitney";
  report.options = options;
  bool any_match = false;
  for (auto& [key, row] : rows) {
    Decide(row, options, /*paired=*/false);
    any_match |= row.verdict != Verdict::kMissing;
    report.rows.push_back(std::move(row));
  }
  if (!any_match) {
    return Error(StatusCode::kInvalidArgument, "runs {} and {} have no (backend, threads, test) row in common",
                 baseline_run, candidate_run);
  }
  return report;
}

Status StoreVerdicts(results::ResultStore& store, const GateReport& report,
                     std::optional<int64_t> baseline_run, std::optional<int64_t> candidate_run) {
  return store.InTransaction([&]() -> Status {
    for (const GateRow& r : report.rows) {
      if (r.verdict == Verdict::kMissing) continue;
      results::GateVerdict v;
      v.baseline_run = baseline_run;
      v.candidate_run = candidate_run;
      v.backend = r.backend;
      v.threads = r.threads;
      v.test = r.test;
      v.ratio = r.ratio;
      v.ci_low = r.ci_low;
      v.ci_high = r.ci_high;
      v.p_value = r.p_value;
      v.method = report.method;
      v.max_regression = report.options.max_regression;
      v.verdict = r.verdict == Verdict::kFail ? "fail" : r.verdict == Verdict::kImproved ? "improved" : "pass";
      LFM_RETURN_IF_ERROR(store.AddGateVerdict(v).status());
    }
    return OkStatus();
  });
}

}  // namespace lfm::bench
