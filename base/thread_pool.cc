#include "base/thread_pool.h"

#include <algorithm>

namespace lfm {
namespace {

thread_local bool t_inside_pool_task = false;

// Spinning briefly before sleeping keeps the hand-off cheap for back-to-back calls (a decode
// step issues hundreds), while idle workers still sleep instead of burning a core.
constexpr int kSpinIterations = 20000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(std::max(1, num_threads)) {
  for (int t = 1; t < num_threads_; ++t) workers_.emplace_back([this, t] { WorkerLoop(t); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(2);  // a change every worker sees, keeping the parity
  generation_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::DoTasks(int thread) {
  t_inside_pool_task = true;
  for (int64_t task; (task = next_task_.fetch_add(1)) < job_tasks_;) (*job_)(task, thread);
  t_inside_pool_task = false;
}

// Generations are odd while a job is open and even once its caller has closed it. A worker
// joins an open job by counting itself in `active_workers_` and re-checking that the job is
// still open; the caller closes the job once every task is claimed and waits only for workers
// that joined. A worker the OS has descheduled before joining therefore never delays a Run
// (on a busy machine that wait used to cost whole time slices per call), and seq_cst on both
// sides (count in, then check the generation; close, then check the count) means a late worker
// either is waited for or sees the job closed.
void ThreadPool::WorkerLoop(int thread) {
  uint32_t seen = 0;
  while (true) {
    int spins = 0;
    uint32_t current;
    while ((current = generation_.load()) == seen) {
      if (++spins < kSpinIterations) {
        CpuRelax();
      } else {
        generation_.wait(seen);
      }
    }
    seen = current;
    if (stop_.load()) return;
    if (current % 2 == 0) continue;  // the job closed before this worker woke
    active_workers_.fetch_add(1);
    if (generation_.load() == current) DoTasks(thread);
    if (active_workers_.fetch_sub(1) == 1) active_workers_.notify_one();
  }
}

void ThreadPool::Run(int64_t num_tasks, const std::function<void(int64_t, int)>& fn) {
  if (num_tasks <= 0) return;
  if (workers_.empty() || num_tasks == 1 || t_inside_pool_task) {
    for (int64_t task = 0; task < num_tasks; ++task) fn(task, 0);
    return;
  }
  job_ = &fn;
  job_tasks_ = num_tasks;
  next_task_.store(0);
  generation_.fetch_add(1);  // odd: open
  generation_.notify_all();
  DoTasks(0);
  generation_.fetch_add(1);  // even: closed; tasks still running belong to joined workers
  int spins = 0;
  for (int active; (active = active_workers_.load()) != 0;) {
    if (++spins < kSpinIterations) {
      CpuRelax();
    } else {
      active_workers_.wait(active);
    }
  }
  job_ = nullptr;
}

void ThreadPool::ParallelFor(int64_t n,
                             const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  const int64_t chunks = std::min<int64_t>(n, num_threads_);
  Run(chunks, [&](int64_t chunk, int thread) {
    const int64_t begin = n * chunk / chunks;
    const int64_t end = n * (chunk + 1) / chunks;
    fn(begin, end, thread);
  });
}

}  // namespace lfm
