// Test helper for the library backends (onednn, openblas): runs a backend and the reference
// backend on the same random weights, activations and routing and returns the normalized error
// (testing::Nmse), optionally with a deliberate fault so a test can show its check catches one.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/backend.h"

namespace lfm::kernels::testing {

// Token counts that straddle every tile and panel boundary we know of.
inline constexpr int64_t kAwkwardTokenCounts[] = {1, 2, 7, 64, 129};

// NMSE of backend.Linear against reference.Linear for random [rows, cols] weights of `type`
// and n_tokens random activations. corrupt: the backend gets weights whose row 0 starts with
// 128 values copied from row 1 (valid blocks, wrong numbers).
double LinearNmse(Backend& backend, Backend& reference, DType type, int64_t rows, int64_t cols,
                  int64_t n_tokens, std::mt19937& rng, bool corrupt = false);

enum class Routing {
  kRandom,    // k distinct random experts per token
  kNoneTo0,   // as kRandom, but expert 0 gets no token
  kAllToOne,  // slot 0 of every token goes to expert 1, other slots random
};

// Random experts of one type, kept so several token counts and routings reuse them.
class TestExperts {
 public:
  // n_experts experts of width d_model and hidden width d_ffn (multiples of the type's block).
  TestExperts(DType type, int n_experts, int64_t d_model, int64_t d_ffn, std::mt19937& rng);
  const MoeWeights& weights() const { return weights_; }

 private:
  std::vector<uint8_t> gate_, up_, down_;
  MoeWeights weights_;
};

// NMSE of backend.Moe against reference.Moe for n_tokens random activations, each routed to
// n_used experts with random normalized weights. corrupt: the backend sees token 0's slot 0
// routed to another expert.
double MoeNmse(Backend& backend, Backend& reference, const TestExperts& experts, int n_used,
               int64_t n_tokens, Routing routing, std::mt19937& rng, bool corrupt = false);

// The sweep every library backend passes: Linear ([97, 512] weights) and Moe (8 experts,
// D = F = 256, top-2, every Routing) against the reference for every weight type the backend
// supports and every awkward token count, each NMSE below its threshold (gtest failures name
// the case).
void ExpectMatchesReference(Backend& backend, double linear_threshold, double moe_threshold);

}  // namespace lfm::kernels::testing
