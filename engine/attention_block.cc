// GQA attention (docs/model.md §2.4): q, k, v projections; RMSNorm of every q and k head;
// NEOX RoPE; causal softmax attention over the KV cache; output projection.
//
// Numerics follow llama.cpp's CPU path without flash attention, which keeps K and V in an f16
// cache and multiplies in f16: K·q converts q to f16, V·p converts the probabilities p to f16
// (both products sum in f32); kernels::AttendKvGroup (kernels/attention.h) does the arithmetic.
// Doing the same keeps f32 models within ~1e-3 of llama.cpp.
#include <cmath>
#include <vector>

#include "engine/blocks.h"
#include "kernels/attention.h"
#include "kernels/quant/fp16.h"

namespace lfm::engine {

void AttentionBlock(const BlockContext& ctx, const LayerWeights& w, int layer,
                    std::span<const Segment> segments, const float* u, int64_t n, float* out) {
  const Lfm2Config& c = ctx.config;
  const int H = c.n_heads, hd = c.head_dim, Hkv = static_cast<int>(w.attn_k.rows / hd);
  const int64_t q_dim = int64_t{H} * hd, kv_dim = int64_t{Hkv} * hd;

  std::vector<float> q(n * q_dim), k(n * kv_dim), v(n * kv_dim);  // [n, H*hd], [n, Hkv*hd] x2
  ctx.Linear(w.attn_q, u, n, q.data());
  ctx.Linear(w.attn_k, u, n, k.data());
  ctx.Linear(w.attn_v, u, n, v.data());

  // Per row: its sequence's state and its position there.
  std::vector<LayerState*> row_state(n);
  std::vector<int64_t> row_position(n);
  for (const Segment& s : segments) {
    LayerState& state = s.seq->layer(layer);
    const int64_t start = s.seq->length();
    for (int64_t i = 0; i < s.n; ++i) {
      row_state[s.begin + i] = &state;
      row_position[s.begin + i] = start + i;
    }
    state.k.resize((start + s.n) * kv_dim);
    state.v.resize((start + s.n) * kv_dim);
  }

  // QK-norm per head, then RoPE at each token's position; append K/V to the cache in f16.
  for (int64_t i = 0; i < n; ++i) {
    float* qi = q.data() + i * q_dim;
    float* ki = k.data() + i * kv_dim;
    const int64_t pos = row_position[i];
    for (int h = 0; h < H; ++h)
      kernels::RmsNorm(qi + h * hd, w.attn_q_norm, hd, c.norm_eps, qi + h * hd);
    for (int g = 0; g < Hkv; ++g)
      kernels::RmsNorm(ki + g * hd, w.attn_k_norm, hd, c.norm_eps, ki + g * hd);
    kernels::RopeNeox(qi, H, hd, pos, c.rope_base);
    kernels::RopeNeox(ki, Hkv, hd, pos, c.rope_base);
    LayerState& state = *row_state[i];
    for (int64_t d = 0; d < kv_dim; ++d) {
      state.k[pos * kv_dim + d] = kernels::Fp32ToFp16(ki[d]);
      state.v[pos * kv_dim + d] = kernels::Fp32ToFp16(v[i * kv_dim + d]);
    }
  }

  // The token at position p attends to positions 0..p of its own sequence; query heads
  // g * group .. g * group + group - 1 read KV head g. One task per KV head and token, KV head
  // major, so that consecutive tasks read the same keys and values.
  const int group = H / Hkv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<float> attended(n * q_dim);  // [n, H*hd]
  std::vector<std::vector<float>> scratch(ctx.pool.num_threads());
  ctx.pool.Run(n * Hkv, [&](int64_t task, int thread) {
    const int g = static_cast<int>(task / n);
    const int64_t i = task % n;
    const LayerState& state = *row_state[i];
    const kernels::KvHeadF16 kv{state.k.data() + g * hd, state.v.data() + g * hd, kv_dim};
    const int64_t offset = i * q_dim + int64_t{g} * group * hd;
    kernels::AttendKvGroup(q.data() + offset, group, hd, kv, row_position[i] + 1, scale,
                           scratch[thread], attended.data() + offset);
  });
  ctx.Linear(w.attn_output, attended.data(), n, out);
}

}  // namespace lfm::engine
