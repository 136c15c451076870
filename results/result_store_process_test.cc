// ResultStore across real processes: two writers on one file at once, a writer killed
// mid-run, and a writer that runs out of file space.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "results/result_store.h"
#include "results/store_test_util.h"
#include "tests/test_support.h"

namespace lfm::results {
namespace {

using testing::FullRun;
using testing::OpenOrDie;
using testing::RawDb;
using Mode = ResultStore::Mode;

// Forks a child that runs `body` and exits with its return value; returns the child's pid.
// The child never returns into the test framework.
pid_t Spawn(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Writes 200 samples one commit at a time, plus an eval sample per 10; 0 on success, else the
// step that failed (stderr says why). Halfway it tells the other writer (`halfway_out`) and
// waits until the other is halfway too (`halfway_in`), so the two really write at once.
int WriteRun(const std::string& path, int start_fd, int halfway_out, int halfway_in) {
  alarm(60);  // if the other writer fails before halfway, end instead of waiting forever
  char go;
  if (read(start_fd, &go, 1) != 1) return 2;  // start together with the other writer
  auto store = ResultStore::Open(path, Mode::kReadWrite);
  if (!store.ok()) return fprintf(stderr, "%s\n", store.status().message().c_str()), 3;
  auto run = (*store)->BeginRun(FullRun(RunKind::kPerf));
  if (!run.ok()) return fprintf(stderr, "%s\n", run.status().message().c_str()), 4;
  PerfResult row;
  row.run_id = *run;
  row.backend = "cpu";
  row.threads = 1;
  row.n_gen = 8;
  row.test = "tg8";
  auto perf = (*store)->AddPerfResult(row);
  if (!perf.ok()) return fprintf(stderr, "%s\n", perf.status().message().c_str()), 5;
  if (!(*store)->AddEvalTask({*run, "t", "1", 0, "{}"}).ok()) return 6;
  for (int i = 0; i < 200; ++i) {
    if (i == 100 && (write(halfway_out, "h", 1) != 1 || read(halfway_in, &go, 1) != 1)) return 9;
    Status s = (*store)->AddPerfSample(*perf, {i, 0.1, 80.0 + i});
    if (s.ok() && i % 10 == 0) {
      EvalSample sample;
      sample.run_id = *run;
      sample.task = "t";
      sample.doc_id = i;
      s = (*store)->AddEvalSample(sample);
    }
    if (!s.ok()) return fprintf(stderr, "%s\n", s.message().c_str()), 7;
  }
  return (*store)->FinishRun(*run, RunStatus::kComplete).ok() ? 0 : 8;
}

TEST(ResultStoreProcessTest, TwoProcessesWriteAtOnce) {
  // Both start on a file that does not exist yet, so they also race to create the schema.
  const std::string path = ::lfm::testing::TempDir() + "/shared.db";
  int start[2], a_half[2], b_half[2];
  ASSERT_EQ(pipe(start), 0);
  ASSERT_EQ(pipe(a_half), 0);
  ASSERT_EQ(pipe(b_half), 0);
  const pid_t a = Spawn([&] { return WriteRun(path, start[0], a_half[1], b_half[0]); });
  const pid_t b = Spawn([&] { return WriteRun(path, start[0], b_half[1], a_half[0]); });
  ASSERT_EQ(write(start[1], "gg", 2), 2);
  EXPECT_EQ(WaitExit(a), 0);
  EXPECT_EQ(WaitExit(b), 0);
  auto store = OpenOrDie(path, Mode::kReadOnly);
  auto runs = store->ListRuns().value();
  ASSERT_EQ(runs.size(), 2u);
  for (const RunRecord& run : runs) {
    EXPECT_EQ(run.status, RunStatus::kComplete);
    auto rows = store->GetPerfResults(run.id).value();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].samples.size(), 200u);
    EXPECT_EQ(store->CountEvalSamples(run.id, "t").value(), 20);
  }
  EXPECT_NE(runs[0].writer_pid, runs[1].writer_pid);
}

// A writer killed mid-run (SIGKILL: no chance to clean up; SIGINT with the default action:
// Ctrl-C on a program that does not catch it) keeps every committed sample, and its run
// reads as incomplete.
class CrashTest : public ::testing::TestWithParam<int> {};

TEST_P(CrashTest, KilledWriterLeavesIncompleteRunWithItsSamples) {
  const std::string path = ::lfm::testing::TempDir() + "/crash.db";
  int progress[2];
  ASSERT_EQ(pipe(progress), 0);
  const pid_t child = Spawn([&] {
    auto store = ResultStore::Open(path, Mode::kReadWrite);
    if (!store.ok()) return 3;
    const int64_t run = (*store)->BeginRun(FullRun()).value();
    PerfResult row;
    row.run_id = run;
    row.backend = "cpu";
    row.threads = 1;
    row.n_prompt = 16;
    row.test = "pp16";
    const int64_t perf = (*store)->AddPerfResult(row).value();
    for (int i = 0;; ++i) {
      if (!(*store)->AddPerfSample(perf, {i, 0.5, 32.0}).ok()) return 4;
      if (write(progress[1], "s", 1) != 1) return 5;  // tell the parent one more is committed
    }
  });
  close(progress[1]);
  char c;
  int committed = 0;
  while (committed < 10 && read(progress[0], &c, 1) == 1) ++committed;
  ASSERT_EQ(committed, 10);
  kill(child, GetParam());
  EXPECT_EQ(WaitExit(child), 128 + GetParam());
  close(progress[0]);

  auto reader = OpenOrDie(path, Mode::kReadOnly);
  auto runs = reader->ListRuns().value();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kIncomplete);
  auto rows = reader->GetPerfResults(runs[0].id).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GE(rows[0].samples.size(), 10u);  // every acknowledged commit survived
  reader.reset();
  OpenOrDie(path);  // a writer's open records the status in the file
  EXPECT_EQ(RawDb(path).Query("SELECT status FROM runs"), "incomplete");
}

INSTANTIATE_TEST_SUITE_P(Signals, CrashTest, ::testing::Values(SIGKILL, SIGINT));

TEST(ResultStoreProcessTest, FullDiskIsAnIoErrorNamingTheFile) {
  const std::string path = ::lfm::testing::TempDir() + "/full.db";
  const pid_t child = Spawn([&] {
    signal(SIGXFSZ, SIG_IGN);  // over-limit writes fail with EFBIG instead of killing us
    auto store = ResultStore::Open(path, Mode::kReadWrite);
    if (!store.ok()) return 3;
    const int64_t run = (*store)->BeginRun(FullRun(RunKind::kEval)).value();
    if (!(*store)->AddEvalTask({run, "t", "1", 0, "{}"}).ok()) return 4;
    // No file this process writes may grow past 512 KiB from here on.
    const rlimit limit = {512 << 10, 512 << 10};
    setrlimit(RLIMIT_FSIZE, &limit);
    for (int i = 0; i < 1000; ++i) {
      EvalSample sample;
      sample.run_id = run;
      sample.task = "t";
      sample.doc_id = i;
      sample.prompt = std::string(16 << 10, 'x');
      Status status = sample.prompt.empty() ? OkStatus() : (*store)->AddEvalSample(sample);
      if (status.ok()) continue;
      fprintf(stderr, "%s\n", status.message().c_str());
      const bool names_file = status.message().rfind(path + ": AddEvalSample(run", 0) == 0;
      return status.code() == StatusCode::kIo && names_file ? 0 : 6;
    }
    return 7;  // never ran out of space: the limit did not work
  });
  EXPECT_EQ(WaitExit(child), 0);
  // What was committed before the disk filled is intact and readable.
  auto store = OpenOrDie(path, Mode::kReadOnly);
  EXPECT_GT(store->CountEvalSamples(1, "t").value(), 0);
}

}  // namespace
}  // namespace lfm::results
