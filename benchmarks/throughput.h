// End-to-end throughput measurements through the engine's public API, as llama-bench defines
// them: `pp<N>` is one prefill of N tokens into an empty sequence; `tg<N>` is N single-token
// decodes after a one-token prompt. Token ids are seeded random ids (no sampling).
#pragma once

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"

namespace lfm::bench {

struct PerfTest {
  int n_prompt = 0;  // pp<N>
  int n_gen = 0;     // tg<N>
  std::string Name() const;
};

// The tests of `--pp 128,512 --tg 128`: every pp value, then every tg value (0s skipped).
std::vector<PerfTest> MakeTests(const std::vector<int>& pp, const std::vector<int>& tg);

// Tokens a sequence must hold to run every test.
int RequiredContext(const std::vector<PerfTest>& tests);

// Times one repetition of `test` on a fresh sequence and returns its seconds (only the prefill
// or the decode loop is timed). `slowdown` > 0 busy-waits that fraction of every timed forward
// call: a test-only switch to prove the regression gate catches a real slowdown.
StatusOr<double> TimeOnce(engine::Engine& engine, const PerfTest& test, std::mt19937& rng,
                          double slowdown = 0);

}  // namespace lfm::bench
