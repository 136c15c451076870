// The MoE routing bookkeeping every backend shares: the (token, slot) pairs of a routing grouped
// by expert, and each token's expert outputs summed back with its routing weights. Backends
// keep only their own math (how an expert's matrices meet its group of tokens).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/backend.h"

namespace lfm::kernels {

// The pairs p = t * n_used + j of a routing, sorted by expert (stable: token order within an
// expert). Expert e's pairs are order[begin[e] .. begin[e + 1]).
struct ExpertGroups {
  std::vector<int64_t> begin;     // [n_experts + 1]
  std::vector<int64_t> order;     // [n_pairs]: pair at each grouped position
  std::vector<int64_t> position;  // [n_pairs]: grouped position of each pair (order's inverse)
  std::vector<int> active;        // experts with at least one pair, ascending

  // Groups `r` (a counting sort); a routed expert id outside [0, n_experts) is a fatal check.
  void Group(int n_experts, const MoeRouting& r);
  int64_t size(int e) const { return begin[e + 1] - begin[e]; }
};

// The inputs of the pairs at grouped positions [begin, end): for each, its token's row of x
// (`width` elements: floats, or the bytes of a quantized row), copied to out, one row per
// position. From float to double it widens.
template <typename From, typename To>
void GatherPairRows(const MoeRouting& r, const ExpertGroups& groups, int64_t begin, int64_t end,
                    const From* x, int64_t width, To* out) {
  for (int64_t i = begin; i < end; ++i) {
    const From* row = x + groups.order[i] / r.n_used * width;
    std::copy(row, row + width, out + (i - begin) * width);
  }
}

// out[t] = Σ_j r.weights[t, j] · ys[groups.position[t * n_used + j]], summed in slot order
// j = 0, 1, ... as llama.cpp sums them. ys: [n_pairs, d] in grouped order; out: [n_tokens, d]
// (overwritten).
void SumExpertOutputs(const MoeRouting& r, const ExpertGroups& groups, const float* ys, int64_t d,
                      float* out);

}  // namespace lfm::kernels
