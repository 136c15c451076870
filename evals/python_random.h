// A bit-exact port of the parts of CPython's `random.Random` that lm-evaluation-harness's
// default few-shot sampler uses (seeding with an int, getrandbits, sample) and langdetect uses
// (random, gauss), so that a task with `sampler: default` and seed 1234 draws the same exemplars
// for each document as lm-eval does. Mersenne Twister MT19937 seeded through init_by_array, as
// CPython's random_seed() does.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace lfm::evals {

class PythonRandom {
 public:
  // random.Random(seed) for a non-negative seed below 2^64.
  explicit PythonRandom(uint64_t seed);

  // random.getrandbits(k) for 1 <= k <= 64.
  uint64_t GetRandBits(int k);
  // random.Random._randbelow(n) for 1 <= n < 2^63: uniform in [0, n), by rejection.
  uint64_t RandBelow(uint64_t n);
  // random.random(): 53 random bits in [0, 1).
  double Random();
  // random.gauss(0, 1): Box-Muller pairs, the second value kept for the next call (as CPython
  // 3.11 does; a new generator starts with none kept).
  double Gauss();
  // random.sample(range(n), k): k distinct indices in selection order (k <= n), consuming the
  // generator exactly as CPython 3.11 does (pool method for small n, set method otherwise).
  std::vector<uint64_t> Sample(uint64_t n, uint64_t k);

 private:
  uint32_t NextUint32();
  void InitByArray(const std::vector<uint32_t>& key);

  static constexpr int kN = 624;
  std::array<uint32_t, kN> mt_{};
  int index_ = kN + 1;
  std::optional<double> gauss_next_;
};

}  // namespace lfm::evals
