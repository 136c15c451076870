// `results import OTHER.db`: runs of another database arrive with their rows and provenance,
// importing twice adds nothing, older schemas are read through a migrated copy (the file itself
// untouched), newer ones refused.
#include "results/merge.h"

#include <gtest/gtest.h>

#include <fstream>

#include "results/store_test_util.h"
#include "tests/test_support.h"

namespace lfm::results {
namespace {

using testing::FullRun;
using testing::OpenOrDie;
using testing::RawDb;

// A perf run on `cpu_model` with one row (3 samples, fidelity, op time, expert load) and an eval
// run with one task, two samples and a score; a gate verdict between the perf runs when two.
void Fill(ResultStore& store, const std::string& cpu_model) {
  RunRecord run = FullRun();
  run.device.cpu_model = cpu_model;
  run.device.device_id = "id-" + cpu_model;
  const int64_t id = store.BeginRun(run).value();
  PerfResult row;
  row.run_id = id;
  row.backend = "cpu";
  row.threads = 2;
  row.test = "tg8";
  row.n_gen = 8;
  row.op_backends = {{"experts", "cpu"}};
  row.fidelity = Fidelity{64, 1.5e-4, 0.96875, 0.25};
  row.samples = {{0, 0.5, 16}, {1, 0.25, 32}, {2, 0.4, 20}};
  const int64_t perf_id = store.AddPerfResult(row).value();
  ASSERT_TRUE(store.AddOpBreakdown(perf_id, {{"experts", 0.3}}).ok());
  ASSERT_TRUE(store.AddExpertLoad(perf_id, {{2, 5, 17}}).ok());
  ASSERT_TRUE(store.FinishRun(id, RunStatus::kComplete, "", run.started_ms + 5000).ok());

  RunRecord eval_run = FullRun(RunKind::kEval, "ev");
  eval_run.device = run.device;
  eval_run.op_backends = {{"experts", "cpu"}, {"linear:q8_0", "reference"}};
  const int64_t eval_id = store.BeginRun(eval_run).value();
  ASSERT_TRUE(store.AddEvalTask({eval_id, "gsm8k", "3.0", 5, "{\"limit\":2}"}).ok());
  for (int doc = 0; doc < 2; ++doc) {
    EvalSample s;
    s.run_id = eval_id;
    s.task = "gsm8k";
    s.doc_id = doc;
    s.prompt = "Q" + std::to_string(doc);
    s.response = "A";
    s.passed = doc == 0;
    ASSERT_TRUE(store.AddEvalSample(s).ok());
  }
  EvalScore score;
  score.run_id = eval_id;
  score.name = "gsm8k";
  score.metric = "exact_match";
  score.filter = "strict-match";
  score.value = 0.5;
  score.n = 2;
  ASSERT_TRUE(store.AddEvalScore(score).ok());
  ASSERT_TRUE(store.FinishRun(eval_id, RunStatus::kIncomplete).ok());
  GateVerdict v;
  v.baseline_run = id;
  v.candidate_run = id;
  v.backend = "cpu";
  v.threads = 2;
  v.test = "tg8";
  v.ratio = 1;
  v.method = "mann-whitney";
  v.max_regression = 0.05;
  v.verdict = "pass";
  ASSERT_TRUE(store.AddGateVerdict(v).ok());
}

TEST(MergeTest, ImportsEveryRunWithItsRowsAndProvenanceOnce) {
  const std::string dir = ::lfm::testing::TempDir();
  auto here = OpenOrDie(dir + "/here.db");
  auto other = OpenOrDie(dir + "/other.db");
  ASSERT_TRUE(here && other);
  Fill(*here, "CPU HERE");
  Fill(*other, "CPU THERE");
  const RunRecord source = other->GetRun(1).value();
  other.reset();

  const MergeSummary first = ImportDatabase(*here, dir + "/other.db").value();
  EXPECT_EQ(first.added, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(first.already_here, 0);
  const MergeSummary second = ImportDatabase(*here, dir + "/other.db").value();
  EXPECT_TRUE(second.added.empty());
  EXPECT_EQ(second.already_here, 2);
  EXPECT_EQ(here->ListRuns().value().size(), 4u);

  // Provenance as it was there.
  const RunRecord perf = here->GetRun(3).value();
  EXPECT_EQ(perf.device.cpu_model, "CPU THERE");
  EXPECT_EQ(perf.device.device_id, "id-CPU THERE");
  EXPECT_EQ(perf.origin, source.origin);
  EXPECT_EQ(perf.started_ms, source.started_ms);
  EXPECT_EQ(perf.finished_ms, source.started_ms + 5000);
  EXPECT_EQ(perf.status, RunStatus::kComplete);
  EXPECT_EQ(perf.model.hash, "ff00");
  EXPECT_EQ(perf.build.git_commit, "abc123def456");
  const RunRecord eval = here->GetRun(4).value();
  EXPECT_EQ(eval.status, RunStatus::kIncomplete);
  EXPECT_EQ(eval.op_backends.at("linear:q8_0"), "reference");
  // Rows.
  const auto rows = here->GetPerfResults(3).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].samples.size(), 3u);
  EXPECT_DOUBLE_EQ(rows[0].samples[1].tokens_per_s, 32);
  ASSERT_TRUE(rows[0].fidelity);
  EXPECT_DOUBLE_EQ(rows[0].fidelity->mean_kl, 1.5e-4);
  EXPECT_DOUBLE_EQ(rows[0].fidelity->top1_agreement, 0.96875);
  EXPECT_EQ(here->GetOpBreakdown(rows[0].id).value().size(), 1u);
  EXPECT_EQ(here->GetExpertLoad(rows[0].id).value()[0].tokens, 17);
  EXPECT_EQ(here->CountEvalSamples(4, "gsm8k").value(), 2);
  EXPECT_EQ(here->GetEvalSamples(4, "gsm8k", 0, 10).value()[1].prompt, "Q1");
  EXPECT_DOUBLE_EQ(here->GetEvalScores(4).value().at(0).value, 0.5);
  // The verdict came along with its runs renumbered.
  const auto verdicts = here->GetGateVerdicts(3).value();
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].baseline_run, 3);
  EXPECT_EQ(here->GetGateVerdicts().value().size(), 2u);
}

TEST(MergeTest, ReadsAnOlderSchemaWithoutChangingItAndRefusesANewerOne) {
  const std::string dir = ::lfm::testing::TempDir();
  auto here = OpenOrDie(dir + "/here.db");
  {
    std::ifstream in(LFM_RESULTS_TESTDATA "/schema_v1.sql");
    const std::string v1((std::istreambuf_iterator<char>(in)), {});
    RawDb raw(dir + "/v1.db");
    raw.Exec(v1);
    raw.Exec(
        "INSERT INTO runs (id, kind, status, started_ms, cpu_model, writer_host) "
        "VALUES (5, 'perf', 'complete', 1000, 'OLD CPU', 'old-host');"
        "INSERT INTO perf_results (id, run_id, backend, threads, test, n_prompt, n_gen) "
        "VALUES (9, 5, 'cpu', 2, 'tg8', 0, 8);"
        "INSERT INTO perf_samples VALUES (9, 0, 0.5, 16.0);");
  }
  const MergeSummary merged = ImportDatabase(*here, dir + "/v1.db").value();
  ASSERT_EQ(merged.added.size(), 1u);
  EXPECT_EQ(here->GetRun(merged.added[0]).value().device.cpu_model, "OLD CPU");
  EXPECT_EQ(here->GetPerfResults(merged.added[0]).value().at(0).samples.size(), 1u);
  EXPECT_EQ(RawDb(dir + "/v1.db").Query("PRAGMA user_version"), "1");  // untouched
  EXPECT_TRUE(ImportDatabase(*here, dir + "/v1.db").value().added.empty());

  RawDb(dir + "/v1.db").Exec("PRAGMA user_version = 99");
  const auto newer = ImportDatabase(*here, dir + "/v1.db");
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("v1.db: results database schema version 99 is newer"),
            std::string::npos)
      << newer.status().message();
  const auto missing = ImportDatabase(*here, dir + "/none.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.db"), std::string::npos);
}

}  // namespace
}  // namespace lfm::results
