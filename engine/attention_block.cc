// GQA attention (docs/model.md §2.4): q, k, v projections; RMSNorm of every q and k head;
// NEOX RoPE; causal softmax attention over the KV cache; output projection.
//
// Numerics follow llama.cpp's CPU path without flash attention, which keeps K and V in an f16
// cache and multiplies in f16: K·q converts q to f16, V·p converts the probabilities p to f16
// (both products sum in f32). Doing the same keeps f32 models within ~1e-3 of llama.cpp.
#include <cmath>
#include <vector>

#include "engine/blocks.h"
#include "kernels/quant/fp16.h"

namespace lfm::engine {
namespace {

using kernels::Fp16ToFp32;
using kernels::Fp32ToFp16;

float RoundToFp16(float x) { return Fp16ToFp32(Fp32ToFp16(x)); }

// One query head against keys 0..n_keys-1 of its KV head g. q: [hd]; out: [hd];
// scores: scratch for n_keys values.
void AttendOneHead(const float* q, const LayerState& state, int64_t kv_dim, int g, int hd,
                   int64_t n_keys, float scale, std::vector<float>& scores, float* out) {
  std::vector<float> q16(hd);
  for (int d = 0; d < hd; ++d) q16[d] = RoundToFp16(q[d]);
  scores.resize(n_keys);
  for (int64_t j = 0; j < n_keys; ++j) {
    const uint16_t* key = state.k.data() + j * kv_dim + g * hd;
    float dot = 0;
    for (int d = 0; d < hd; ++d) dot += q16[d] * Fp16ToFp32(key[d]);
    scores[j] = dot * scale;
  }
  kernels::Softmax(scores.data(), n_keys);
  for (int d = 0; d < hd; ++d) out[d] = 0;
  for (int64_t j = 0; j < n_keys; ++j) {
    const float p = RoundToFp16(scores[j]);
    const uint16_t* value = state.v.data() + j * kv_dim + g * hd;
    for (int d = 0; d < hd; ++d) out[d] += p * Fp16ToFp32(value[d]);
  }
}

}  // namespace

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
      state.k[pos * kv_dim + d] = Fp32ToFp16(ki[d]);
      state.v[pos * kv_dim + d] = Fp32ToFp16(v[i * kv_dim + d]);
    }
  }

  // The token at position p attends to positions 0..p of its own sequence; query head h reads
  // KV head h / (H / Hkv).
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<float> attended(n * q_dim);  // [n, H*hd]
  std::vector<std::vector<float>> scores(ctx.pool.num_threads());
  ctx.pool.Run(n * H, [&](int64_t task, int thread) {
    const int64_t i = task / H;
    const int h = static_cast<int>(task % H);
    AttendOneHead(q.data() + i * q_dim + h * hd, *row_state[i], kv_dim, h / (H / Hkv), hd,
                  row_position[i] + 1, scale, scores[thread], attended.data() + i * q_dim + h * hd);
  });
  ctx.Linear(w.attn_output, attended.data(), n, out);
}

}  // namespace lfm::engine
