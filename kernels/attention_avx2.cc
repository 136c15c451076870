// AVX2 + FMA + F16C body of AttendKvGroup (attention.h). K·q: each key is converted from f16
// once for up to 4 query heads, whose 8-lane partial sums are reduced together. Softmax: 8 lanes
// at a time with its own exp. V·p: per 16 output dims, each value row is converted once for up
// to 4 heads. Products of two f16 values are exact in f32, so the scalar body's results differ
// only by the order of the K·q sums and by the exp; the V·p sums run over the keys in order, as
// there.
#include <immintrin.h>

#include <cmath>

#include "kernels/attention.h"

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

// e^x for x <= 0 or NaN, within 2 FLT_EPSILON relatively (attention_test); below x = -87 it
// returns e^-87, about 1.6e-38, instead (a probability that f16 rounds to 0 either way).
// x = n ln2 + r with integer n and |r| <= ln2 / 2 (ln2 in two parts: n * kLn2Hi is exact), e^r
// by its Taylor polynomial to r^7 (the remainder is below 1e-8 relatively), 2^n through the
// exponent bits (n >= -126: a normal float).
__m256 ExpNonPositive(__m256 x) {
  constexpr float kLn2Hi = 0.693145751953125f, kLn2Lo = 1.428606765330187e-06f;
  x = _mm256_max_ps(_mm256_set1_ps(-87.0f), x);  // NaN stays: max returns its second operand
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269502f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 r =
      _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x));
  constexpr float kTaylor[] = {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f};
  __m256 e = _mm256_set1_ps(1.0f / 5040);
  for (float c : kTaylor) e = _mm256_fmadd_ps(e, r, _mm256_set1_ps(c));
  const __m256i two_n =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(e, _mm256_castsi256_ps(two_n));
}

// Lanes i < n set (all ones), the others clear.
__m256i FirstLanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
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

void ExpNonPositiveAvx2(const float* x, int64_t n, float* y) {
  for (int64_t i = 0; i < n; i += 8) {
    const __m256i mask = FirstLanes(n - i);
    _mm256_maskstore_ps(y + i, mask, ExpNonPositive(_mm256_maskload_ps(x + i, mask)));
  }
}

void SoftmaxAvx2(float* x, int64_t n) {
  float max = -INFINITY;
  int64_t i = 0;
  if (n >= 8) {
    __m256 m = _mm256_loadu_ps(x);
    for (i = 8; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, m);
    for (float lane : lanes) max = lane > max ? lane : max;
  }
  for (; i < n; ++i) max = x[i] > max ? x[i] : max;
  const __m256 vmax = _mm256_set1_ps(max);
  __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
  for (i = 0; i < n; i += 8) {
    const __m256i mask = FirstLanes(n - i);
    const __m256 e =
        _mm256_and_ps(ExpNonPositive(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), vmax)),
                      _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(x + i, mask, e);
    sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  alignas(32) double sums[4];
  _mm256_store_pd(sums, _mm256_add_pd(sum_lo, sum_hi));
  const __m256 inv =
      _mm256_set1_ps(static_cast<float>(1.0 / (sums[0] + sums[1] + sums[2] + sums[3])));
  for (i = 0; i < n; i += 8) {
    const __m256i mask = FirstLanes(n - i);
    _mm256_maskstore_ps(x + i, mask, _mm256_mul_ps(_mm256_maskload_ps(x + i, mask), inv));
  }
}

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
  for (int h = 0; h < group; ++h) SoftmaxAvx2(p + h * n_keys, n_keys);
  RoundToFp16(p, group * n_keys, p);
  for (int h0 = 0; h0 < group; h0 += kHeadTile) {
    const float* ph = p + h0 * n_keys;
    float* oh = out + h0 * head_dim;
    kValues[HeadsAt(group, h0) - 1](ph, n_keys, kv, head_dim, oh);
  }
}

}  // namespace lfm::kernels::internal
