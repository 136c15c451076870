// A fixed pool of worker threads, created once and passed explicitly to whoever computes in
// parallel (the engine and every kernel backend share one). There is no global pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace lfm {

class ThreadPool {
 public:
  // `num_threads` counts the calling thread: a pool of 1 runs everything inline.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(task, thread) for every task in [0, num_tasks), handing tasks out dynamically;
  // `thread` is in [0, num_threads()). Returns when all tasks are done. Not reentrant: a call
  // from inside a task runs its tasks inline on that thread.
  void Run(int64_t num_tasks, const std::function<void(int64_t task, int thread)>& fn);

  // Splits [0, n) into num_threads() contiguous chunks (fewer when n is small) and calls
  // fn(begin, end, thread) once per non-empty chunk.
  void ParallelFor(int64_t n, const std::function<void(int64_t begin, int64_t end, int thread)>& fn);

 private:
  void WorkerLoop(int thread);
  void DoTasks(int thread);

  const int num_threads_;
  std::vector<std::thread> workers_;
  const std::function<void(int64_t, int)>* job_ = nullptr;
  int64_t job_tasks_ = 0;
  std::atomic<int64_t> next_task_{0};
  std::atomic<uint32_t> generation_{0};  // odd while a Run's job is open (thread_pool.cc)
  std::atomic<int> active_workers_{0};   // workers that joined the current job
  std::atomic<bool> stop_{false};
};

}  // namespace lfm
