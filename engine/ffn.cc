// The dense SwiGLU FFN of the leading layers (docs/model.md §2.5):
// out = down · (silu(gate · v) ⊙ (up · v)).
#include <vector>

#include "engine/blocks.h"

namespace lfm::engine {

void DenseFfn(const BlockContext& ctx, const LayerWeights& w, const float* v, int64_t n,
              float* out) {
  const int64_t F = w.ffn_gate.rows;
  std::vector<float> gate(n * F), up(n * F);  // [n, F]
  ctx.Linear(w.ffn_gate, v, n, gate.data());
  ctx.Linear(w.ffn_up, v, n, up.data());
  for (int64_t j = 0; j < n * F; ++j) gate[j] = kernels::Silu(gate[j]) * up[j];
  ctx.Linear(w.ffn_down, gate.data(), n, out);
}

}  // namespace lfm::engine
