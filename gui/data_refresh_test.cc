// Tests of live refresh: the DataRefresher publishes new snapshots when another connection
// commits to the database, picks up a database created after it started, answers detail requests,
// and reports a missing file.
#include "gui/data_refresh.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "gui/test_database.h"
#include "tests/test_support.h"

namespace lfm::gui {
namespace {

using namespace std::chrono_literals;
using results::ResultStore;

constexpr auto kPoll = 20ms;
constexpr auto kPatience = 10s;  // generous: the machine may be busy; success is usually < 100 ms

// Waits until `done()` or kPatience; returns done().
template <typename Done>
bool Eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  return done();
}

TEST(DataRefresher, ReportsAMissingFileThenLoadsItOnceCreated) {
  const std::string path = lfm::testing::TempDir() + "/later.db";
  std::atomic<int> updates = 0;
  DataRefresher refresher(path, kPoll, [&] { ++updates; });
  ASSERT_TRUE(refresher.WaitUntilCurrent(kPatience));
  auto snap = refresher.snapshot();
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->error.code(), StatusCode::kNotFound) << snap->error.message();
  EXPECT_NE(snap->error.message().find("later.db"), std::string::npos);
  EXPECT_TRUE(Eventually([&] { return updates.load() >= 1; }));  // called after publishing

  ASSERT_TRUE(testing::FillTestDatabase(path).ok());
  ASSERT_TRUE(Eventually([&] {
    auto s = refresher.snapshot();
    return s->error.ok() && s->runs.size() == 8;
  }));
}

TEST(DataRefresher, PublishesWhenAnotherProcessCommits) {
  const std::string path = lfm::testing::TempDir() + "/live.db";
  ASSERT_TRUE(testing::FillTestDatabase(path).ok());
  DataRefresher refresher(path, kPoll);
  ASSERT_TRUE(refresher.WaitUntilCurrent(kPatience));
  const auto first = refresher.snapshot();
  ASSERT_TRUE(first->error.ok()) << first->error.message();
  ASSERT_EQ(first->runs.size(), 8u);

  // Nothing changes: the same snapshot stays published (no reload on every poll).
  std::this_thread::sleep_for(kPoll * 5);
  EXPECT_EQ(refresher.snapshot(), first);

  // A writer (as `lfmbench perf` would) begins a run: the refresher shows it, running.
  auto writer = ResultStore::Open(path, ResultStore::Mode::kReadWrite);
  ASSERT_TRUE(writer.ok());
  results::RunRecord run;
  run.kind = results::RunKind::kPerf;
  auto id = (*writer)->BeginRun(run);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(Eventually([&] { return refresher.snapshot()->runs.size() == 9; }));
  EXPECT_EQ(refresher.snapshot()->runs.front().status, results::RunStatus::kRunning);
  ASSERT_TRUE((*writer)->FinishRun(*id, results::RunStatus::kComplete).ok());
  ASSERT_TRUE(Eventually([&] {
    return refresher.snapshot()->runs.front().status == results::RunStatus::kComplete;
  }));
}

TEST(DataRefresher, AnswersDetailRequests) {
  const std::string path = lfm::testing::TempDir() + "/details.db";
  ASSERT_TRUE(testing::FillTestDatabase(path).ok());
  DataRefresher refresher(path, 1h);  // only requests wake it: proves they do not wait a poll
  ASSERT_TRUE(refresher.WaitUntilCurrent(kPatience));
  const auto snap = refresher.snapshot();
  const int64_t perf_id = snap->PerfRows(8).front().row.id;

  DetailRequest request;
  request.expert_load_perf_id = perf_id;
  refresher.RequestDetails(request);
  ASSERT_TRUE(refresher.WaitUntilCurrent(kPatience));
  auto details = refresher.details();
  ASSERT_NE(details, nullptr);
  EXPECT_EQ(details->request, request);
  EXPECT_EQ(details->expert_load.size(), 22u * 32u);
  EXPECT_EQ(refresher.snapshot(), snap);  // a request does not reload the snapshot
}

}  // namespace
}  // namespace lfm::gui
