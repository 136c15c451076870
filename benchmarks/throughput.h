// End-to-end throughput measurements through the engine's public API, as llama-bench defines
// them: `pp<N>` is one prefill of N tokens into an empty sequence; `tg<N>` is N single-token
// decodes after a one-token prompt; `tg<N> x<B>` is N decode steps of B sequences together
// (Engine::DecodeBatch), counted as N·B tokens. Token ids are seeded random ids (no sampling).
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
  int n_seqs = 1;    // sequences decoded together in each tg step
  std::string Name() const;
  int tokens() const { return n_prompt + n_gen * n_seqs; }
};

// The tests of `--pp 128,512 --tg 128 --batch 1,8`: every pp value, then every tg value at
// every batch size (0s skipped).
std::vector<PerfTest> MakeTests(const std::vector<int>& pp, const std::vector<int>& tg,
                                const std::vector<int>& batch = {1});

// Tokens a sequence must hold to run every test.
int RequiredContext(const std::vector<PerfTest>& tests);

// Times one repetition of `test` on a fresh sequence and returns its seconds (only the prefill
// or the decode loop is timed). `slowdown` > 0 busy-waits that fraction of every timed forward
// call: a test-only switch to prove the regression gate catches a real slowdown.
StatusOr<double> TimeOnce(engine::Engine& engine, const PerfTest& test, std::mt19937& rng,
                          double slowdown = 0);

}  // namespace lfm::bench
