// What `results show/export/compare` print, from a real database: the llama-bench-style table,
// the JSON export's shape, CSV quoting, and row matching in compare.
#include "results/report.h"

#include <gtest/gtest.h>

#include <fstream>

#include "results/llama_bench_import.h"
#include "results/store_test_util.h"
#include "tests/test_support.h"

namespace lfm::results {
namespace {

using nlohmann::json;

// A database with the llama-bench fixture (run 1) and an lfmbench perf run (run 2) whose rows
// carry samples, an op breakdown and expert load, and an eval run (run 3).
class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = ::lfm::testing::TempDir();
    store_ = testing::OpenOrDie(dir + "/r.db");
    ASSERT_EQ(ImportLlamaBench(*store_, LFM_RESULTS_TESTDATA "/llama_bench.json", "").value(),
              std::vector<int64_t>{1});
    RunRecord run = testing::FullRun();
    run.model.name = "lfm2moe 8B.A1B Q4_0";
    const int64_t id = store_->BeginRun(run).value();
    for (const char* backend : {"cpu", "onednn"}) {
      PerfResult row;
      row.run_id = id;
      row.backend = backend;
      row.threads = 2;
      row.n_gen = 32;
      row.test = "tg32";
      row.peak_rss_bytes = 5 << 20;
      row.op_backends = {{"experts", backend == std::string("cpu") ? "cpu" : "reference"}};
      row.samples = {{0, 0.8, 40.0}, {1, 0.75, 42.0}, {2, 0.9, 36.0}};
      const int64_t perf = store_->AddPerfResult(row).value();
      ASSERT_TRUE(store_->AddOpBreakdown(perf, {{"experts", 0.6}, {"attention", 0.2}}).ok());
      ASSERT_TRUE(
          store_->AddExpertLoad(perf, {{0, 0, 10}, {0, 1, 30}, {2, 0, 20}, {2, 1, 20}}).ok());
    }
    ASSERT_TRUE(store_->FinishRun(id, RunStatus::kComplete).ok());
    const int64_t eval = store_->BeginRun(testing::FullRun(RunKind::kEval)).value();
    ASSERT_TRUE(store_->AddEvalTask({eval, "gsm8k", "3.0", 5, R"({"limit": 20})"}).ok());
    ASSERT_TRUE(store_
                    ->AddEvalScore(
                        {eval, "gsm8k", false, "exact_match", "strict-match", 0.25, 0.1, 20, true})
                    .ok());
  }

  RunReport Report(int64_t id) { return LoadRunReport(*store_, id).value(); }

  std::unique_ptr<ResultStore> store_;
};

TEST_F(ReportTest, PerfTableLikeLlamaBench) {
  const RunReport report = Report(1);
  const std::string text = PerfTable(report.run, report.perf).ToText();
  // pp128 at 1 thread: samples 30.476, 30.843, 30.26 t/s -> median 30.476, sd 0.2948.
  EXPECT_NE(text.find("lfm2moe 8B.A1B Q4_0  4.38 GiB  8.30 B  llama.cpp        1  pp128"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("30.48 ± 0.29  3"), std::string::npos) << text;
  EXPECT_EQ(text.find("fallbacks"), std::string::npos);  // imports record none
  // Two pp128 rows at 2 threads differ only in n_batch: the settings column tells them apart.
  EXPECT_NE(text.find("60.95 ± 0.45  3  n_batch=2048"), std::string::npos) << text;
  EXPECT_NE(text.find("55.65 ± 0.24  3  n_batch=64 "), std::string::npos) << text;
  EXPECT_NE(text.find("tg32 @ d128  35.36 ± 0.20  3  n_batch=2048 n_depth=128"), std::string::npos)
      << text;
  const RunReport perf = Report(2);
  const std::string with_fallback = PerfTable(perf.run, perf.perf).ToText();
  EXPECT_NE(with_fallback.find("experts:reference"), std::string::npos) << with_fallback;
  EXPECT_EQ(with_fallback.find("settings"), std::string::npos);  // all rows share theirs
  EXPECT_NE(with_fallback.find("40.00 ± 3.06"), std::string::npos) << with_fallback;
}

TEST_F(ReportTest, ShowHasEverySection) {
  const std::string text = FormatRunReport(Report(2), false);
  for (const char* part : {"device", "model sha256", "Throughput", "Time per op", "600.0 (75.0%)",
                           "Expert load", "max/mean"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  }
  // Expert load: cells 10, 30, 20, 20 -> min 10, median 20, max 30, max/mean 1.50.
  EXPECT_NE(text.find("2        2      80   10      20   30      1.50"), std::string::npos) << text;
  const std::string eval = FormatRunReport(Report(3), true);
  EXPECT_NE(eval.find("## Eval scores"), std::string::npos) << eval;
  EXPECT_NE(eval.find("| gsm8k | exact_match | strict-match | 0.2500 | 0.1000 | 20 |"),
            std::string::npos)
      << eval;
}

TEST_F(ReportTest, JsonExportShape) {
  const json j = RunReportJson(Report(2));
  EXPECT_EQ(j["run"]["id"], 2);
  EXPECT_EQ(j["run"]["kind"], "perf");
  EXPECT_EQ(j["run"]["status"], "complete");
  EXPECT_EQ(j["run"]["device"]["cpu_cores"], 2);
  EXPECT_EQ(j["run"]["model"]["hash_kind"], "header");
  ASSERT_EQ(j["perf"].size(), 2u);
  const json& row = j["perf"][1];
  EXPECT_EQ(row["backend"], "onednn");
  EXPECT_EQ(row["test"], "tg32");
  EXPECT_EQ(row["threads"], 2);
  EXPECT_EQ(row["peak_rss_bytes"], 5 << 20);
  EXPECT_DOUBLE_EQ(row["tokens_per_s_median"].get<double>(), 40.0);
  EXPECT_EQ(row["samples"].size(), 3u);
  EXPECT_DOUBLE_EQ(row["samples"][2]["tokens_per_s"].get<double>(), 36.0);
  EXPECT_EQ(row["fallbacks"], "experts:reference");
  EXPECT_DOUBLE_EQ(row["op_seconds"]["experts"].get<double>(), 0.6);
  EXPECT_EQ(row["expert_load"][1], (json{{"layer", 2}, {"tokens", {20, 20}}}));
  EXPECT_TRUE(j["eval"]["scores"].empty());
  const json e = RunReportJson(Report(3));
  EXPECT_EQ(e["eval"]["tasks"][0]["settings"]["limit"], 20);
  EXPECT_DOUBLE_EQ(e["eval"]["scores"][0]["stderr"].get<double>(), 0.1);
}

TEST_F(ReportTest, CsvQuotesSettings) {
  const std::string csv = RunReportCsv(Report(1));
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header,
            "run,model,backend,threads,test,n_prompt,n_gen,settings,fallbacks,reps,"
            "tokens_per_s_median,tokens_per_s_mean,tokens_per_s_sd,peak_rss_bytes,"
            "tokens_per_s_samples");
  // Settings JSON has commas and quotes: one quoted cell with doubled quotes.
  EXPECT_NE(csv.find(",\"{\"\"backends\"\":\"\"CPU\"\","), std::string::npos) << csv;
  EXPECT_NE(csv.find(",30.476 30.843 30.26\n"), std::string::npos) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);  // header + 6 rows
  EXPECT_EQ(RunReportCsv(Report(3)).substr(0, 40), "run,name,is_group,metric,filter,value,st");
}

TEST_F(ReportTest, CompareMatchesRows) {
  // llama.cpp (one backend) against lfmbench: tg32 at 2 threads pairs with each backend.
  Comparison c = CompareRuns(Report(1), Report(2));
  const std::string text = c.perf.ToText();
  EXPECT_NE(text.find("llama.cpp  cpu"), std::string::npos) << text;
  EXPECT_NE(text.find("llama.cpp  onednn"), std::string::npos) << text;
  // A = tg32 at 2 threads: 32 / 0.84, 0.85, 0.835 s -> median 38.095; B median 40: 1.050.
  EXPECT_NE(text.find("1.050"), std::string::npos) << text;
  EXPECT_NE(c.notes[0].find("different devices"), std::string::npos);
  // A run against itself: every row matches itself, ratio 1, p = 1.
  c = CompareRuns(Report(2), Report(2));
  EXPECT_TRUE(c.notes.empty()) << c.notes[0];
  const std::string same = c.perf.ToText();
  EXPECT_NE(same.find("cpu        cpu"), std::string::npos) << same;
  EXPECT_EQ(same.find("cpu        onednn"), std::string::npos) << same;
  EXPECT_NE(same.find("1.000  1"), std::string::npos) << same;
  c = CompareRuns(Report(3), Report(3));
  EXPECT_NE(c.eval.ToText().find("+0.0000"), std::string::npos);
}

}  // namespace
}  // namespace lfm::results
