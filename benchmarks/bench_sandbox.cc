// The code sandbox's overhead per candidate (evals/code/sandbox.h): one trivial candidate run
// as a bare `python3 -I -B -c` child (fork, exec, wait: the floor), under the rlimits fallback,
// and under bubblewrap (skipped where bwrap cannot run). Wall-clock time per candidate; the
// difference to the bare run is what the isolation costs.
//   build/benchmarks/bench_sandbox --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>

#include <string>

#include "evals/code/sandbox.h"

extern char** environ;

namespace lfm::bench {
namespace {

using evals::code::Sandbox;
using evals::code::SandboxOptions;
using evals::code::SandboxRequest;

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kCandidate[] = "def add(a, b):\n    return a + b\nassert add(2, 3) == 5\n";

void BM_BarePython(benchmark::State& state) {
  char* argv[] = {const_cast<char*>(kPython),    const_cast<char*>("-I"),
                  const_cast<char*>("-B"),       const_cast<char*>("-c"),
                  const_cast<char*>(kCandidate), nullptr};
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawn(&pid, kPython, nullptr, nullptr, argv, environ) != 0) {
      state.SkipWithError("posix_spawn python3 failed");
      return;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("the candidate failed");
      return;
    }
  }
}

void BM_Sandbox(benchmark::State& state, const char* isolation) {
  SandboxOptions options;
  options.python = kPython;
  options.isolation = isolation;
  auto sandbox = Sandbox::Make(options);
  if (!sandbox.ok()) {
    state.SkipWithError(sandbox.status().message().c_str());
    return;
  }
  SandboxRequest request;
  request.script = kCandidate;
  for (auto _ : state) {
    auto result = sandbox->Run(request);
    if (!result.ok() || !result->ok()) {
      state.SkipWithError("the candidate failed in the sandbox");
      return;
    }
  }
  state.SetLabel(sandbox->isolation());
}

BENCHMARK(BM_BarePython)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Sandbox, rlimits, "rlimits")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Sandbox, bwrap, "bwrap")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lfm::bench

BENCHMARK_MAIN();
