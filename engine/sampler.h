// Picking the next token from logits: greedy, or a seeded draw after llama.cpp's filters.
//
// Order (llama.cpp's default common sampler chain is penalties, dry, top_n_sigma, top_k,
// typical_p, top_p, min_p, xtc, temperature, dist; the stages not offered here are off by
// default there):
//   1. repetition penalty on the last `repeat_last_n` tokens: a positive logit is divided by the
//      penalty, a negative (or zero) one multiplied, once per distinct token;
//   2. top-k: keep the k largest logits (ties: lower id first);
//   3. top-p: softmax of what is left; keep the fewest most likely tokens whose probabilities sum
//      to at least p;
//   4. min-p: keep tokens whose probability is at least min_p times the largest (on the logits
//      before temperature, as in llama.cpp);
//   5. temperature: logits / T; T = 0 is greedy: the largest penalized logit (lowest id on ties);
//   6. a draw from the softmax of what is left.
// Randomness is our own (xoshiro256** seeded with splitmix64): the same seed gives the same
// tokens on every platform, but not the same tokens as llama.cpp with that seed.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace lfm::engine {

struct SamplerOptions {
  float temperature = 0;     // 0 = greedy
  int top_k = 0;             // 0 = off
  float top_p = 1;           // 1 = off; in (0, 1]
  float min_p = 0;           // 0 = off; in [0, 1]
  float repeat_penalty = 1;  // 1 = off; > 0
  int repeat_last_n = 64;    // tokens the penalty looks back over; -1 = all given
  uint64_t seed = 0;
};

struct TokenProbability {
  int32_t id;
  float p;
};

struct TokenLogit {
  int32_t id;
  float logit;
};

class Sampler {
 public:
  // A one-line error naming the first option out of range (for command-line input).
  static Status Validate(const SamplerOptions& options);
  // `options` must be valid.
  explicit Sampler(const SamplerOptions& options);

  // The next token. `logits` [n_vocab]; `recent_tokens`: the tokens so far, oldest first (the
  // penalty uses the last repeat_last_n of them). Not thread-safe: one Sampler per sequence.
  int32_t Sample(std::span<const float> logits, std::span<const int32_t> recent_tokens);

  // The distribution step 6 draws from: the surviving tokens and their probabilities (summing to
  // 1), in id order (the order the draw walks). Greedy gives the chosen token with p = 1.
  std::vector<TokenProbability> Distribution(std::span<const float> logits,
                                             std::span<const int32_t> recent_tokens);

  const SamplerOptions& options() const { return options_; }

 private:
  // Steps 1-5: leaves the survivors in `candidates_` (id order) and exp(logit - max) of each in
  // `weights_`, summing to `weights_sum_`.
  void Filter(std::span<const float> logits, std::span<const int32_t> recent_tokens);
  double NextUniform();  // in [0, 1)

  SamplerOptions options_;
  uint64_t state_[4];  // xoshiro256**
  // Scratch reused across calls (a vocabulary-sized allocation per token is measurable).
  std::vector<TokenLogit> candidates_;  // [<= n_vocab]
  std::vector<int32_t> order_;          // [<= n_vocab] positions into candidates_
  std::vector<float> weights_;          // [candidates_.size()]
  double weights_sum_ = 0;
};

}  // namespace lfm::engine
