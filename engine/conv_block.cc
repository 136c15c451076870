// The gated short convolution (docs/model.md §2.3): B, C, x = split(in_proj · u);
// the input gate B⊙x is convolved causally per channel with the L-tap kernel (tap L-1 is the
// current token), the output gate C multiplies the result, out_proj maps it back.
#include <vector>

#include "engine/blocks.h"

namespace lfm::engine {
namespace {

// The convolution of one segment's n tokens continuing `conv_state` ([L-1, D], updated).
// bcx: [n, 3D] (B | C | x per token); y: [n, D].
void ShortConv(const Lfm2Config& config, const float* kernel, std::vector<float>& conv_state,
               const float* bcx, int64_t n, float* y) {
  const int64_t D = config.d_model, L = config.conv_kernel, history = L - 1;
  // The gate inputs of the previous L-1 tokens followed by this segment's. [L-1 + n, D]
  std::vector<float> gates(conv_state);
  gates.resize((history + n) * D);
  for (int64_t i = 0; i < n; ++i) {
    const float* b = bcx + i * 3 * D;
    const float* x = b + 2 * D;
    float* g = gates.data() + (history + i) * D;
    for (int64_t c = 0; c < D; ++c) g[c] = b[c] * x[c];
  }
  for (int64_t i = 0; i < n; ++i) {
    const float* gate_c = bcx + i * 3 * D + D;
    for (int64_t c = 0; c < D; ++c) {
      const float* taps = kernel + c * L;  // oldest input first
      float sum = 0;
      for (int64_t j = 0; j < L; ++j) sum += taps[j] * gates[(i + j) * D + c];
      y[i * D + c] = gate_c[c] * sum;
    }
  }
  // The new state: the last L-1 gate vectors.
  std::copy(gates.end() - history * D, gates.end(), conv_state.begin());
}

}  // namespace

void ConvBlock(const BlockContext& ctx, const LayerWeights& w, int layer,
               std::span<const Segment> segments, const float* u, int64_t n, float* out) {
  const int64_t D = ctx.config.d_model;
  std::vector<float> bcx(n * 3 * D);  // [n, 3D]
  ctx.Linear(w.conv_in_proj, u, n, bcx.data());
  std::vector<float> y(n * D);  // [n, D]
  for (const Segment& s : segments) {
    ShortConv(ctx.config, w.conv_kernel, s.seq->layer(layer).conv, bcx.data() + s.begin * 3 * D,
              s.n, y.data() + s.begin * D);
  }
  ctx.Linear(w.conv_out_proj, y.data(), n, out);
}

}  // namespace lfm::engine
