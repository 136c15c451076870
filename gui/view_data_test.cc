// Tests of what the views show, on a real SQLite database written through the ResultStore
// (test_database.h): the selection logic of each view, then every view drawn headlessly with its
// report checked, and the not-to-display rule for eval samples.
#include "gui/view_data.h"

#include <memory>

#include <gtest/gtest.h>

#include "gui/headless_imgui.h"
#include "gui/test_database.h"
#include "gui/views.h"
#include "tests/test_support.h"

namespace lfm::gui {
namespace {

using results::ResultStore;
using testing::TestDatabaseCounts;

class ViewDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = new std::string(lfm::testing::TempDir() + "/results.db");
    ASSERT_TRUE(testing::FillTestDatabase(*path_).ok());
  }

  void SetUp() override {
    auto store = ResultStore::Open(*path_, ResultStore::Mode::kReadOnly);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    auto snap = LoadSnapshot(*store_);
    ASSERT_TRUE(snap.ok()) << snap.status().message();
    snap_ = std::move(snap).value();
  }

  static std::string* path_;
  std::unique_ptr<ResultStore> store_;
  Snapshot snap_;
  const TestDatabaseCounts expected_;
};
std::string* ViewDataTest::path_ = nullptr;

TEST_F(ViewDataTest, SnapshotHoldsEveryRun) {
  EXPECT_TRUE(snap_.error.ok());
  ASSERT_EQ(static_cast<int>(snap_.runs.size()), expected_.runs);
  EXPECT_EQ(snap_.runs.front().id, expected_.newest_perf_run);  // newest first
  EXPECT_EQ(static_cast<int>(snap_.evals.size()), expected_.eval_runs);
  EXPECT_EQ(static_cast<int>(snap_.perf.size()), expected_.perf_runs);
  EXPECT_EQ(snap_.PerfRows(8).size(), 12u);
  EXPECT_EQ(snap_.PerfRows(8)[0].ops.size(), 7u);
  EXPECT_EQ(snap_.verdicts.size(), 12u);
  EXPECT_EQ(snap_.FindRun(99), nullptr);
}

TEST_F(ViewDataTest, FilterRunsByKindTextAndSort) {
  EXPECT_EQ(FilterRuns(snap_, "", std::nullopt, {}).size(), snap_.runs.size());
  EXPECT_EQ(FilterRuns(snap_, "", results::RunKind::kEval, {}).size(), 2u);
  EXPECT_EQ(FilterRuns(snap_, "", results::RunKind::kImport, {}).size(), 1u);
  // Text matches any column, case-insensitively: a commit, a status, a tag.
  EXPECT_EQ(FilterRuns(snap_, "E81F03D", std::nullopt, {}).size(), 2u);
  EXPECT_EQ(FilterRuns(snap_, "failed", std::nullopt, {}).size(), 1u);
  EXPECT_EQ(FilterRuns(snap_, "baseline", std::nullopt, {}).size(), 1u);
  EXPECT_TRUE(FilterRuns(snap_, "no such text", std::nullopt, {}).empty());

  const auto by_id = FilterRuns(snap_, "", std::nullopt, {RunColumn::kId, true});
  for (size_t i = 0; i < by_id.size(); ++i) EXPECT_EQ(by_id[i]->id, static_cast<int64_t>(i + 1));
  const auto by_time = FilterRuns(snap_, "", std::nullopt, {RunColumn::kTime, false});
  for (size_t i = 1; i < by_time.size(); ++i) {
    EXPECT_GE(by_time[i - 1]->started_ms, by_time[i]->started_ms);
  }
  const auto by_kind = FilterRuns(snap_, "", std::nullopt, {RunColumn::kKind, true});
  EXPECT_EQ(by_kind.front()->kind, results::RunKind::kEval);  // "eval" < "import" < "perf"
}

TEST_F(ViewDataTest, ThroughputTakesTheNewestRowPerConfiguration) {
  const ThroughputData data = SelectThroughput(snap_, {}, "", "");
  ASSERT_EQ(static_cast<int>(data.entries.size()), expected_.throughput_entries);
  int prefill = 0;
  for (const auto& e : data.entries) {
    prefill += e.prefill;
    EXPECT_NE(e.run->status, results::RunStatus::kFailed);
    if (e.data->row.backend != "llama.cpp") {
      EXPECT_EQ(e.run->id, 8);  // the newest perf run
    }
    EXPECT_EQ(e.stats.n, 5);
  }
  EXPECT_EQ(prefill, expected_.prefill_bars);
  ASSERT_EQ(data.runs.size(), 2u);
  EXPECT_EQ(data.runs[0]->id, 8);
  EXPECT_EQ(data.runs[1]->id, 2);

  // Selecting an older run shows its rows instead.
  const ThroughputData older = SelectThroughput(snap_, {3}, "", "");
  ASSERT_EQ(older.entries.size(), 12u);
  for (const auto& e : older.entries) EXPECT_EQ(e.run->id, 3);
  // The median of cpu pp128 1 thread at commit 4f1c2a9 is 0.94 x 21 t/s, within the +-1.5%
  // jitter of its samples.
  EXPECT_NEAR(older.entries[0].stats.median, 0.94 * 21.0, 0.94 * 21.0 * 0.015);
  // A pair with no rows shows nothing.
  EXPECT_TRUE(SelectThroughput(snap_, {}, "other-device", "other-model").entries.empty());
}

TEST_F(ViewDataTest, TrendSkipsFailedRunsAndCarriesVerdicts) {
  const auto keys = TrendKeys(snap_);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front().backend, "cpu");
  TrendKey key = keys.front();
  key.test = "tg32";
  key.threads = 2;
  const auto points = SelectTrend(snap_, key);
  ASSERT_EQ(static_cast<int>(points.size()), expected_.trend_points);
  for (size_t i = 1; i < points.size(); ++i) {
    EXPECT_LT(points[i - 1].run->started_ms, points[i].run->started_ms);
  }
  ASSERT_EQ(points.back().verdicts.size(), 1u);
  EXPECT_EQ(points.back().verdicts[0]->verdict, "fail");
  EXPECT_TRUE(points.front().verdicts.empty());
  // The regression shows in the medians: the last point is ~14% below the one before.
  EXPECT_NEAR(points[3].stats.median / points[2].stats.median, 0.84 * 1.02, 0.01);
}

TEST_F(ViewDataTest, EvalTableUnionsScoresAcrossRuns) {
  const EvalTable table = SelectEvals(snap_, {}, 8);
  ASSERT_EQ(static_cast<int>(table.runs.size()), expected_.eval_runs);
  EXPECT_EQ(table.runs[0]->id, 4);  // newest first
  ASSERT_EQ(static_cast<int>(table.rows.size()), expected_.eval_rows);
  EXPECT_TRUE(table.rows.back().is_group);
  int cells = 0;
  for (const auto& row : table.rows) {
    for (const auto& cell : row.cells) cells += cell.score != nullptr;
    // gsm8k ran 5-shot, then 8-shot: the settings differ; mmlu_anatomy's do not.
    if (row.name == "gsm8k" || row.name == "mmlu_anatomy") {
      EXPECT_EQ(row.settings_differ, row.name == "gsm8k") << row.name;
    }
  }
  EXPECT_EQ(cells, expected_.eval_cells);
  EXPECT_FALSE(table.from_selection);
  EXPECT_TRUE(SelectEvals(snap_, {1}, 8).from_selection);
  EXPECT_EQ(SelectEvals(snap_, {1}, 8).runs.size(), 1u);
  EXPECT_FALSE(SelectEvals(snap_, {8}, 8).from_selection);  // a perf run: the newest evals
}

TEST_F(ViewDataTest, CompareMatchesRowsAndGateVerdicts) {
  const auto [a, b] = DefaultComparePair(snap_, {});
  EXPECT_EQ(a, expected_.baseline_perf_run);
  EXPECT_EQ(b, expected_.newest_perf_run);
  const CompareData data = SelectCompare(snap_, a, b);
  EXPECT_TRUE(data.same_device);
  ASSERT_EQ(static_cast<int>(data.perf.size()), expected_.compare_perf_rows);
  int fails = 0, improved = 0;
  for (const auto& row : data.perf) {
    ASSERT_NE(row.verdict, nullptr);
    fails += row.verdict->verdict == "fail";
    improved += row.verdict->verdict == "improved";
    EXPECT_NEAR(row.ratio, row.verdict->ratio, 0.01);
  }
  EXPECT_EQ(fails, 1);
  EXPECT_EQ(improved, 1);
  // Reversed, no verdict applies (the gate compared 6 -> 8, not 8 -> 6).
  for (const auto& row : SelectCompare(snap_, b, a).perf) EXPECT_EQ(row.verdict, nullptr);
  // Two selected runs: the older is the baseline, whatever the click order.
  EXPECT_EQ(DefaultComparePair(snap_, {5, 3}), (std::pair<int64_t, int64_t>(3, 5)));
  // Eval runs compare scores.
  EXPECT_EQ(SelectCompare(snap_, 1, 4).scores.size(), 6u);
}

// Perf, perf, then eval (the order `perf; perf; eval run` writes): the eval run has no earlier
// eval run, so Compare opens on the two perf runs; one selected run gets its own baseline.
TEST(DefaultComparePairTest, NewestRunWithABaseline) {
  Snapshot snap;
  for (auto [id, kind] : {std::pair{3, results::RunKind::kEval},
                          {2, results::RunKind::kPerf},
                          {1, results::RunKind::kPerf}}) {
    results::RunRecord run;
    run.id = id;
    run.kind = kind;
    run.started_ms = id * 1000;
    run.status = results::RunStatus::kComplete;
    run.device.device_id = "d";
    snap.runs.push_back(run);
  }
  EXPECT_EQ(DefaultComparePair(snap, {}), (std::pair<int64_t, int64_t>(1, 2)));
  EXPECT_EQ(DefaultComparePair(snap, {3}), (std::pair<int64_t, int64_t>(0, 3)));
  EXPECT_EQ(DefaultComparePair(snap, {2}), (std::pair<int64_t, int64_t>(1, 2)));
  snap.runs[1].status = results::RunStatus::kFailed;  // no pair left: the newest alone
  EXPECT_EQ(DefaultComparePair(snap, {}), (std::pair<int64_t, int64_t>(0, 3)));
}

TEST_F(ViewDataTest, HiddenSamplesCarryNoText) {
  DetailRequest request;
  request.samples_run_id = 4;
  request.samples_task = testing::kHiddenTask;
  request.samples_limit = 10;
  auto details = LoadDetails(*store_, request);
  ASSERT_TRUE(details.ok()) << details.status().message();
  ASSERT_EQ(details->samples.size(), 4u);
  for (const auto& s : details->samples) {
    EXPECT_FALSE(s.display_ok);
    EXPECT_EQ(s.prompt, "");
    EXPECT_EQ(s.response, "");
    EXPECT_EQ(s.target, "");
  }
  request.samples_task = "gsm8k";
  details = LoadDetails(*store_, request);
  ASSERT_TRUE(details.ok());
  ASSERT_EQ(details->samples.size(), 8u);
  EXPECT_NE(details->samples[0].prompt.find("baker"), std::string::npos);
}

// Every view drawn without a window: the reports the screenshot tests read come out right.
class ViewsTest : public ViewDataTest {
 protected:
  // Draws `frames` frames of `view`, answering detail requests synchronously in between.
  nlohmann::json Draw(View view, DashboardState& state, int frames = 3) {
    testing::HeadlessImGui ui(ImVec2(1600, 1000));
    state.view = view;
    state.select_view = true;
    std::shared_ptr<Details> details;
    for (int i = 0; i < frames; ++i) {
      ui.Frame([&] { DrawDashboard(&snap_, details.get(), state); });
      auto loaded = LoadDetails(*store_, state.detail_request);
      EXPECT_TRUE(loaded.ok());
      details = std::make_shared<Details>(std::move(loaded).value());
    }
    EXPECT_EQ(state.report["view"], std::string(ViewName(view)));
    return state.report;
  }
};

TEST_F(ViewsTest, Runs) {
  DashboardState state;
  const auto report = Draw(View::kRuns, state);
  EXPECT_EQ(report["error"], "");
  EXPECT_EQ(report["runs"]["rows"], expected_.runs);
  state.runs_kind = 2;  // eval only
  EXPECT_EQ(Draw(View::kRuns, state)["runs"]["rows"], expected_.eval_runs);
}

TEST_F(ViewsTest, Throughput) {
  DashboardState state;
  const auto r = Draw(View::kThroughput, state)["throughput"];
  EXPECT_EQ(r["entries"], expected_.throughput_entries);
  EXPECT_EQ(r["prefill_bars"], expected_.prefill_bars);
  EXPECT_EQ(r["decode_bars"], expected_.decode_bars);
  EXPECT_EQ(r["op_segments"], expected_.op_segments);
  EXPECT_EQ(r["heatmap_cells"], expected_.heatmap_cells);
}

TEST_F(ViewsTest, Trends) {
  DashboardState state;
  const auto r = Draw(View::kTrends, state)["trends"];
  EXPECT_EQ(r["points"], expected_.trend_points);
  EXPECT_EQ(r["marks"], expected_.trend_points);
  EXPECT_EQ(r["verdicts"], 1);
  state.trend_all_backends = true;
  EXPECT_EQ(Draw(View::kTrends, state)["trends"]["series"], 4);  // with llama.cpp
}

TEST_F(ViewsTest, EvalsPagesSamplesAndHidesUndisplayableOnes) {
  DashboardState state;
  auto r = Draw(View::kEvals, state)["evals"];
  EXPECT_EQ(r["rows"], expected_.eval_rows);
  EXPECT_EQ(r["cells"], expected_.eval_cells);
  EXPECT_FALSE(r.contains("samples_task"));

  state.eval_task = "gsm8k";
  state.eval_sample_offset = 2;
  r = Draw(View::kEvals, state)["evals"];
  EXPECT_EQ(r["samples_count"], 8);
  EXPECT_EQ(r["sample_doc_id"], 2);
  EXPECT_EQ(r["sample_hidden"], false);

  state.eval_task = testing::kHiddenTask;
  state.eval_sample_offset = 0;
  r = Draw(View::kEvals, state)["evals"];
  EXPECT_EQ(r["samples_count"], 4);
  EXPECT_EQ(r["sample_hidden"], true);
  EXPECT_FALSE(r.contains("sample_doc_id"));
}

TEST_F(ViewsTest, Compare) {
  DashboardState state;
  const auto r = Draw(View::kCompare, state)["compare"];
  EXPECT_EQ(r["a"], expected_.baseline_perf_run);
  EXPECT_EQ(r["b"], expected_.newest_perf_run);
  EXPECT_EQ(r["perf_rows"], expected_.compare_perf_rows);
  EXPECT_EQ(r["verdicts"], expected_.compare_verdicts);
}

TEST_F(ViewsTest, EmptyDatabaseShowsAMessage) {
  Snapshot empty;
  empty.db_path = "empty.db";
  DashboardState state;
  testing::HeadlessImGui ui;
  ui.Frame([&] { DrawDashboard(&empty, nullptr, state); });
  EXPECT_EQ(state.report["error"], "empty.db: the results database has no runs yet");
}

}  // namespace
}  // namespace lfm::gui
