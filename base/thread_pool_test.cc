#include "base/thread_pool.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

namespace lfm {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskExactlyOnce) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    for (int round = 0; round < 50; ++round) {
      std::vector<std::atomic<int>> hits(1000);
      pool.Run(1000, [&](int64_t task, int thread) {
        ASSERT_GE(thread, 0);
        ASSERT_LT(thread, threads);
        hits[task].fetch_add(1);
      });
      for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    }
  }
}

TEST(ThreadPoolTest, ParallelForCoversRangeInContiguousChunks) {
  ThreadPool pool(3);
  for (int64_t n : {0, 1, 2, 3, 7, 100}) {
    std::vector<int> covered(n, 0);
    pool.ParallelFor(n, [&](int64_t begin, int64_t end, int) {
      ASSERT_LT(begin, end);
      for (int64_t i = begin; i < end; ++i) covered[i]++;
    });
    for (int c : covered) EXPECT_EQ(c, 1);
  }
}

TEST(ThreadPoolTest, NestedRunExecutesInline) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  pool.Run(4, [&](int64_t, int) { pool.Run(3, [&](int64_t, int) { total.fetch_add(1); }); });
  EXPECT_EQ(total.load(), 12);
}

}  // namespace
}  // namespace lfm
