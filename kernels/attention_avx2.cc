// AVX2 + FMA + F16C body of AttendKvGroup (attention.h). K·q: each key is converted from f16
// once for up to 4 query heads, whose 8-lane partial sums are reduced together. V·p: per 16
// output dims, each value row is converted once for up to 4 heads. Products of two f16 values
// are exact in f32, so only the order of the K·q sums differs from the scalar body; the V·p
// sums run over the keys in order, as there.
#include <immintrin.h>

#include "kernels/attention.h"
#include "kernels/ops.h"

namespace lfm::kernels::internal {
namespace {

constexpr int kHeadTile = 4;  // query heads per pass over the keys or values

// y[i] = f16(x[i]) for i < n, rounded to nearest even as Fp32ToFp16; y may alias x.
void RoundToFp16(const float* x, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_ps(y + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) y[i] = _cvtsh_ss(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

__m256 LoadF16x8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Lane h of the result is the sum of the 8 lanes of a_h.
__m128 Sum8x4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

// s[h * s_stride + j] = scale * (q16[h] · k[j]) for h < kHeads, j < n_keys.
// q16: [kHeads, head_dim].
template <int kHeads>
void ScoresTile(const float* q16, int head_dim, const KvHeadF16& kv, int64_t n_keys, float scale,
                float* s, int64_t s_stride) {
  const __m128 vscale = _mm_set1_ps(scale);
  for (int64_t j = 0; j < n_keys; ++j) {
    const uint16_t* key = kv.k + j * kv.stride;
    __m256 acc[kHeadTile] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                             _mm256_setzero_ps()};
    for (int d = 0; d < head_dim; d += 8) {
      const __m256 kd = LoadF16x8(key + d);
      for (int h = 0; h < kHeads; ++h) {
        acc[h] = _mm256_fmadd_ps(_mm256_loadu_ps(q16 + h * head_dim + d), kd, acc[h]);
      }
    }
    alignas(16) float dots[kHeadTile];
    _mm_store_ps(dots, _mm_mul_ps(Sum8x4(acc[0], acc[1], acc[2], acc[3]), vscale));
    for (int h = 0; h < kHeads; ++h) s[h * s_stride + j] = dots[h];
  }
}

// out[h * head_dim + d0 + i] = sum over j < n_keys in order of p[h * p_stride + j] * v[j][d0 + i]
// for h < kHeads, i < 8 * kVecs.
template <int kHeads, int kVecs>
void ValuesTile(const float* p, int64_t p_stride, const KvHeadF16& kv, int64_t n_keys, int d0,
                int head_dim, float* out) {
  __m256 acc[kHeads][kVecs];
  for (int h = 0; h < kHeads; ++h) {
    for (int u = 0; u < kVecs; ++u) acc[h][u] = _mm256_setzero_ps();
  }
  for (int64_t j = 0; j < n_keys; ++j) {
    const uint16_t* value = kv.v + j * kv.stride + d0;
    __m256 vj[kVecs];
    for (int u = 0; u < kVecs; ++u) vj[u] = LoadF16x8(value + 8 * u);
    for (int h = 0; h < kHeads; ++h) {
      const __m256 ph = _mm256_broadcast_ss(p + h * p_stride + j);
      for (int u = 0; u < kVecs; ++u) acc[h][u] = _mm256_fmadd_ps(ph, vj[u], acc[h][u]);
    }
  }
  for (int h = 0; h < kHeads; ++h) {
    for (int u = 0; u < kVecs; ++u) _mm256_storeu_ps(out + h * head_dim + d0 + 8 * u, acc[h][u]);
  }
}

// ValuesTile over all head_dim output dims (head_dim % 8 == 0); p: [kHeads, n_keys].
template <int kHeads>
void Values(const float* p, int64_t n_keys, const KvHeadF16& kv, int head_dim, float* out) {
  int d0 = 0;
  for (; d0 + 16 <= head_dim; d0 += 16) {
    ValuesTile<kHeads, 2>(p, n_keys, kv, n_keys, d0, head_dim, out);
  }
  if (d0 < head_dim) ValuesTile<kHeads, 1>(p, n_keys, kv, n_keys, d0, head_dim, out);
}

// The bodies for 1 .. kHeadTile heads, and how many heads the tile at h0 has.
constexpr decltype(&ScoresTile<1>) kScoresTile[] = {ScoresTile<1>, ScoresTile<2>, ScoresTile<3>,
                                                    ScoresTile<4>};
constexpr decltype(&Values<1>) kValues[] = {Values<1>, Values<2>, Values<3>, Values<4>};
int HeadsAt(int group, int h0) { return group - h0 < kHeadTile ? group - h0 : kHeadTile; }

}  // namespace

void KqScoresAvx2(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                  float scale, float* q16, float* s) {
  RoundToFp16(q, int64_t{group} * head_dim, q16);
  for (int h0 = 0; h0 < group; h0 += kHeadTile) {
    const float* qh = q16 + h0 * head_dim;
    float* sh = s + h0 * n_keys;
    kScoresTile[HeadsAt(group, h0) - 1](qh, head_dim, kv, n_keys, scale, sh, n_keys);
  }
}

void AttendKvGroupAvx2(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                       float scale, float* scratch, float* out) {
  float* q16 = scratch;               // [group, head_dim]
  float* p = q16 + group * head_dim;  // [group, n_keys]
  KqScoresAvx2(q, group, head_dim, kv, n_keys, scale, q16, p);
  for (int h = 0; h < group; ++h) Softmax(p + h * n_keys, n_keys);
  RoundToFp16(p, group * n_keys, p);
  for (int h0 = 0; h0 < group; h0 += kHeadTile) {
    const float* ph = p + h0 * n_keys;
    float* oh = out + h0 * head_dim;
    kValues[HeadsAt(group, h0) - 1](ph, n_keys, kv, head_dim, oh);
  }
}

}  // namespace lfm::kernels::internal
