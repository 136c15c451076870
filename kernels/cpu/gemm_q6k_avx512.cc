// AVX-512 VNNI kernel for Q6_K weights x Q8_K activations (GemmRowsQ6_KAvx512Vnni, gemm.h): the
// output head of the usual LFM2 files, bound by instructions rather than memory on one core
// (the AVX2 kernel: 14-16 GB/s per core; this one 15-22).
//
// Per 128-element half of a block, two 512-bit registers of 6-bit quants as unsigned bytes
// (value + 32, elements in order), each multiplied by 64 activation bytes with one vpdpbusd into
// 16 int32 lanes of 4 products; lane i of register j (j = 0..3 over the block) belongs to scale
// group 4j + i/4 and is multiplied by that group's scale. The block's integer sum, less
// 32 * sum(scale * bsum), is exact and reduced to one int before the float steps, which are the
// reference's (DotQ6_K in kernels/quant/vec_dot.cc) in its order: results are bit-identical to
// it. This file is compiled with -ffp-contract=off so that no FMA reorders them.
#include <immintrin.h>

// GCC 12 flags the deliberately undefined upper halves inside its own AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>

#include "kernels/cpu/gemm.h"
#include "kernels/quant/blocks.h"

namespace lfm::kernels::cpu::internal {
namespace {

constexpr int kMaxTokens = 4;  // tokens per pass over a row

// The 6-bit quants of half h of block w: elements 128h + 0..63 and 128h + 64..127. Byte l of
// ql holds element l (low nibble) and l + 64 (high nibble) of the half; byte l of qh holds the
// top 2 bits of elements l, l + 32, l + 64, l + 96 (bits 0-1, 2-3, 4-5, 6-7).
inline void UnpackHalf(const BlockQ6_K& w, int h, __m512i& first, __m512i& second) {
  const __m512i low4 = _mm512_set1_epi8(0x0F), bits45 = _mm512_set1_epi8(0x30);
  // 16-bit shift counts: the register's lower 256 bits (elements +0..31) and upper (+32..63).
  constexpr int64_t k0 = 0, k2 = 0x0002000200020002, k4 = 0x0004000400040004;
  const __m512i up_first = _mm512_set_epi64(k2, k2, k2, k2, k4, k4, k4, k4);     // bits 0-1 / 2-3
  const __m512i down_second = _mm512_set_epi64(k2, k2, k2, k2, k0, k0, k0, k0);  // 4-5 / 6-7
  const __m512i ql = _mm512_loadu_si512(w.ql + 64 * h);
  const __m512i qh =
      _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qh + 32 * h)));
  first = _mm512_or_si512(_mm512_and_si512(ql, low4),
                          _mm512_and_si512(_mm512_sllv_epi16(qh, up_first), bits45));
  second = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                           _mm512_and_si512(_mm512_srlv_epi16(qh, down_second), bits45));
}

// The 16 lanes of each of v[0..3] summed: lane i of the result is the sum of v[i].
inline __m128i Sum4(const __m512i v[4]) {
  // Pairs interleaved, then quads: each 128-bit chunk holds partial sums of v0..v3 in order.
  const __m512i s01 =
      _mm512_add_epi32(_mm512_unpacklo_epi32(v[0], v[1]), _mm512_unpackhi_epi32(v[0], v[1]));
  const __m512i s23 =
      _mm512_add_epi32(_mm512_unpacklo_epi32(v[2], v[3]), _mm512_unpackhi_epi32(v[2], v[3]));
  const __m512i s =
      _mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23));
  const __m256i half = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
}

// The exact integer dot product of block w with activation block a, in 16 lanes to be summed.
inline __m512i BlockSum(const BlockQ6_K& w, const BlockQ8_K& a, const __m512i group_of[4]) {
  __m512i q[4];
  UnpackHalf(w, 0, q[0], q[1]);
  UnpackHalf(w, 1, q[2], q[3]);
  const __m512i scales =
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.scales)));
  // Less 32 * sum over groups of scale * bsum: the +32 of the unsigned quants.
  const __m512i bsums =
      _mm512_cvtepi16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bsums)));
  __m512i total = _mm512_sub_epi32(_mm512_setzero_si512(),
                                   _mm512_slli_epi32(_mm512_mullo_epi32(bsums, scales), 5));
  for (int j = 0; j < 4; ++j) {
    const __m512i products =
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[j], _mm512_loadu_si512(a.qs + 64 * j));
    total = _mm512_add_epi32(
        total, _mm512_mullo_epi32(products, _mm512_permutexvar_epi32(group_of[j], scales)));
  }
  return total;
}

// One row x NT tokens: out[t] = the reference's dot product of the row with token t. Blocks go
// four at a time so that one reduction serves four block sums (their float steps stay in order).
template <int NT>
void RowQ6_K(const BlockQ6_K* row, const uint8_t* acts, int64_t act_row_bytes, int64_t nb,
             bool prefetch, float* out) {
  // Lane i of quant register j belongs to scale group 4j + i/4.
  __m512i group_of[4];
  for (int j = 0; j < 4; ++j) {
    group_of[j] = _mm512_set_epi32(4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 2, 4 * j + 2,
                                   4 * j + 2, 4 * j + 2, 4 * j + 1, 4 * j + 1, 4 * j + 1, 4 * j + 1,
                                   4 * j, 4 * j, 4 * j, 4 * j);
  }
  const BlockQ8_K* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = reinterpret_cast<const BlockQ8_K*>(acts + t * act_row_bytes);
  float sum[NT] = {};
  for (int64_t b0 = 0; b0 < nb; b0 += 4) {
    const int n = static_cast<int>(std::min<int64_t>(4, nb - b0));
    __m512i block_sums[NT][4];
    for (int i = 0; i < 4; ++i) {
      const BlockQ6_K& w = row[b0 + std::min(i, n - 1)];  // a short tail repeats its last block
      if (prefetch) {
        const char* ahead = reinterpret_cast<const char*>(&w) + kPrefetchBytes;
        for (int line = 0; line < 256; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T1);
      }
      for (int t = 0; t < NT; ++t)
        block_sums[t][i] = BlockSum(w, a[t][b0 + std::min(i, n - 1)], group_of);
    }
    for (int t = 0; t < NT; ++t) {
      alignas(16) int32_t isum[4];
      _mm_store_si128(reinterpret_cast<__m128i*>(isum), Sum4(block_sums[t]));
      for (int i = 0; i < n; ++i) {
        sum[t] += _cvtsh_ss(row[b0 + i].d) * a[t][b0 + i].d * static_cast<float>(isum[i]);
      }
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = sum[t];
}

using RowKernel = void (*)(const BlockQ6_K*, const uint8_t*, int64_t, int64_t, bool, float*);
constexpr RowKernel kRowKernels[] = {RowQ6_K<1>, RowQ6_K<2>, RowQ6_K<3>, RowQ6_K<4>};
static_assert(std::size(kRowKernels) == kMaxTokens);

}  // namespace

void GemmRowsQ6_KAvx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                            const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                            int64_t y_stride) {
  const int64_t nb = w.cols / kQKK;
  float out[kMaxTokens];
  for (int64_t r = row_begin; r < row_end; ++r) {
    const auto* row = reinterpret_cast<const BlockQ6_K*>(w.row(r));
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kMaxTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kMaxTokens, n_tokens - t0));
      kRowKernels[nt - 1](row, acts + t0 * act_row_bytes, act_row_bytes, nb, t0 == 0, out);
      for (int t = 0; t < nt; ++t) y[(t0 + t) * y_stride + r] = out[t];
    }
  }
}

}  // namespace lfm::kernels::cpu::internal
