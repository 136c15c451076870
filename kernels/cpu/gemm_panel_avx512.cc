// AVX-512 VNNI prefill kernels for Q4_0 / Q8_0 weights x Q8_0 activations
// (GemmPanelAvx512Vnni, gemm.h), the 16-lane form of gemm_panel_avx2.cc.
//
// Sixteen weight rows are repacked into a panel (once per call, reused by every token tile):
// per 32-element block, the 16 row scales as floats, then 8 registers in which 32-bit lane r
// holds 4 consecutive quants of row r as unsigned bytes (register k: elements 4k .. 4k+3):
// Q4_0 nibbles u = value + 8, Q8_0 bytes w + 128. vpdpbusd multiplies them by 4 signed
// activation bytes broadcast to every lane and adds into int32 lanes (exact, no saturation:
// at most 32 * 255 * 127 per block); each token's block sum starts at -offset * sum(activations)
// (offset 8 or 128), which removes the bias. A tile is 16 rows x up to 8 tokens, and each
// accumulator's 16 lanes are the 16 rows' outputs for one token.
#include <immintrin.h>

// GCC 12 flags the deliberately undefined upper halves inside its own AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "base/check.h"
#include "kernels/cpu/gemm.h"
#include "kernels/quant/blocks.h"

namespace lfm::kernels::cpu::internal {
namespace {

constexpr int kRows = kRows16;                // rows per panel: one per 32-bit lane
constexpr int kTokens = 8;                    // tokens per tile
constexpr int64_t kBlockBytes = 64 + 8 * 64;  // 16 float scales + 8 quant registers

// Lane r of register k (k < 4) = 32-bit word k of rows[r] (16 bytes each, rows 0..15).
inline void Transpose16x4(const __m128i rows[16], __m512i out[4]) {
  __m256i half[2][4];
  for (int h = 0; h < 2; ++h) {
    const __m128i* r = rows + 8 * h;
    const __m256i a0 = _mm256_set_m128i(r[4], r[0]), a1 = _mm256_set_m128i(r[5], r[1]);
    const __m256i a2 = _mm256_set_m128i(r[6], r[2]), a3 = _mm256_set_m128i(r[7], r[3]);
    const __m256i t0 = _mm256_unpacklo_epi32(a0, a1), t1 = _mm256_unpackhi_epi32(a0, a1);
    const __m256i t2 = _mm256_unpacklo_epi32(a2, a3), t3 = _mm256_unpackhi_epi32(a2, a3);
    half[h][0] = _mm256_unpacklo_epi64(t0, t2);
    half[h][1] = _mm256_unpackhi_epi64(t0, t2);
    half[h][2] = _mm256_unpacklo_epi64(t1, t3);
    half[h][3] = _mm256_unpackhi_epi64(t1, t3);
  }
  for (int k = 0; k < 4; ++k)
    out[k] = _mm512_inserti64x4(_mm512_castsi256_si512(half[0][k]), half[1][k], 1);
}

inline __m128i Load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// Repacks `nr` (1..16) rows of nb blocks into `panel`; missing rows repeat the last one (their
// outputs are never stored).
template <bool kQ4>
void PackPanel(const uint8_t* rows, int64_t row_bytes, int nr, int64_t nb, uint8_t* panel) {
  using WeightBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
  const WeightBlock* w[kRows];
  for (int r = 0; r < kRows; ++r)
    w[r] = reinterpret_cast<const WeightBlock*>(rows + std::min(r, nr - 1) * row_bytes);
  const __m512i low_mask = _mm512_set1_epi8(0x0F), bias = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* p = panel + b * kBlockBytes;
    alignas(32) uint16_t d16[kRows];
    for (int r = 0; r < kRows; ++r) d16[r] = w[r][b].d;
    _mm512_store_ps(p, _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(d16))));
    auto* q = reinterpret_cast<__m512i*>(p + 64);
    __m128i lanes[kRows];
    __m512i g[4];
    // The rows are separate streams the hardware prefetcher follows poorly: ask for 8 blocks
    // ahead (beyond a row's end this touches the next row, which is harmless).
    for (int r = 0; r < kRows; ++r)
      _mm_prefetch(reinterpret_cast<const char*>(&w[r][b + 8]), _MM_HINT_T0);
    for (int r = 0; r < kRows; ++r) lanes[r] = Load128(w[r][b].qs);
    Transpose16x4(lanes, g);
    if constexpr (kQ4) {
      // Byte i holds element i (low nibble) and element i + 16 (high nibble).
      for (int k = 0; k < 4; ++k) {
        _mm512_store_si512(q + k, _mm512_and_si512(g[k], low_mask));
        _mm512_store_si512(q + 4 + k, _mm512_and_si512(_mm512_srli_epi16(g[k], 4), low_mask));
      }
    } else {
      for (int k = 0; k < 4; ++k) _mm512_store_si512(q + k, _mm512_xor_si512(g[k], bias));
      for (int r = 0; r < kRows; ++r) lanes[r] = Load128(w[r][b].qs + 16);
      Transpose16x4(lanes, g);
      for (int k = 0; k < 4; ++k) _mm512_store_si512(q + 4 + k, _mm512_xor_si512(g[k], bias));
    }
  }
}

inline __m512i Broadcast32(const int8_t* p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// One panel x NT tokens: out[t * out_stride + r] for r < nr.
template <int NT, int kOffset>
void PanelTile(const uint8_t* panel, int64_t nb, const uint8_t* acts, int64_t act_row_bytes,
               const Q8SumsView& sums, int nr, float* out, int64_t out_stride) {
  __m512 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
  const BlockQ8_0* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = reinterpret_cast<const BlockQ8_0*>(acts + t * act_row_bytes);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* p = panel + b * kBlockBytes;
    const auto* q = reinterpret_cast<const __m512i*>(p + 64);
    __m512i sum[NT];
    for (int t = 0; t < NT; ++t)
      sum[t] = _mm512_set1_epi32(-kOffset * sums.sum[b * sums.stride + t]);
    for (int k = 0; k < 8; ++k) {
      const __m512i w = _mm512_load_si512(q + k);
      for (int t = 0; t < NT; ++t)
        sum[t] = _mm512_dpbusd_epi32(sum[t], w, Broadcast32(a[t][b].qs + 4 * k));
    }
    const __m512 dw = _mm512_load_ps(p);
    for (int t = 0; t < NT; ++t) {
      const __m512 d = _mm512_mul_ps(dw, _mm512_set1_ps(sums.d[b * sums.stride + t]));
      acc[t] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum[t]), acc[t]);
    }
  }
  const __mmask16 valid = static_cast<__mmask16>((1u << nr) - 1);
  for (int t = 0; t < NT; ++t) _mm512_mask_storeu_ps(out + t * out_stride, valid, acc[t]);
}

using PanelKernel = void (*)(const uint8_t*, int64_t, const uint8_t*, int64_t, const Q8SumsView&,
                             int, float*, int64_t);

// By token count - 1; kOffset: the bias of the stored quants (8 for Q4_0, 128 for Q8_0).
template <int kOffset, int... NT>
constexpr PanelKernel kKernels[] = {PanelTile<NT, kOffset>...};
template <int kOffset>
constexpr const PanelKernel* kTileKernels = kKernels<kOffset, 1, 2, 3, 4, 5, 6, 7, 8>;
static_assert(kTokens == 8);

template <bool kQ4>
void GemmPanel(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
               int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
               const Q8SumsView& sums) {
  const int64_t nb = w.cols / kQK, row_bytes = RowBytes(w.type, w.cols);
  struct alignas(64) Chunk {
    uint8_t bytes[64];
  };
  thread_local std::vector<Chunk> panel_storage;
  panel_storage.resize(nb * kBlockBytes / sizeof(Chunk));
  auto* panel = reinterpret_cast<uint8_t*>(panel_storage.data());
  const auto* base = static_cast<const uint8_t*>(w.data);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += kRows) {
    const int nr = static_cast<int>(std::min<int64_t>(kRows, row_end - r0));
    PackPanel<kQ4>(base + r0 * row_bytes, row_bytes, nr, nb, panel);
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kTokens, n_tokens - t0));
      kTileKernels<kQ4 ? 8 : 128>[nt - 1](panel, nb, acts + t0 * act_row_bytes, act_row_bytes,
                                          Q8SumsView{sums.d + t0, sums.sum + t0, sums.stride}, nr,
                                          y + t0 * y_stride + r0, y_stride);
    }
  }
}

// ---- Decode: a few tokens, weights streamed in their stored layout ---------------------------

inline float Hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// NR rows x NT tokens, out[r * NT + t]. Per block: the weights as 32 unsigned bytes (Q4_0
// nibbles split in element order, or Q8_0 bytes + 128), one vpdpbusd per (row, token) into a
// sum that starts at the bias correction (in lane 0), one FMA with the two scales.
template <int NR, int NT, bool kQ4>
void RowsTile(const uint8_t* rows, int64_t row_bytes, const uint8_t* acts, int64_t act_row_bytes,
              int64_t nb, const Q8SumsView& sums, float* out) {
  using WeightBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
  constexpr int kOffset = kQ4 ? 8 : 128;
  const __m256i low_mask = _mm256_set1_epi8(0x0F), bias = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i high_half_by_4 = _mm256_setr_epi64x(0, 0, 4, 4);
  __m256 acc[NR][NT];
  for (int r = 0; r < NR; ++r) {
    for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  const WeightBlock* w[NR];
  for (int r = 0; r < NR; ++r) w[r] = reinterpret_cast<const WeightBlock*>(rows + r * row_bytes);
  const BlockQ8_0* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = reinterpret_cast<const BlockQ8_0*>(acts + t * act_row_bytes);
  for (int64_t b = 0; b < nb; ++b) {
    __m256i y[NT], correction[NT];
    __m256 dy[NT];
    for (int t = 0; t < NT; ++t) {
      y[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].qs));
      dy[t] = _mm256_set1_ps(sums.d[b * sums.stride + t]);
      correction[t] =
          _mm256_zextsi128_si256(_mm_cvtsi32_si128(-kOffset * sums.sum[b * sums.stride + t]));
    }
    for (int r = 0; r < NR; ++r) {
      __m256i x;
      if constexpr (kQ4) {
        const __m256i packed = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[r][b].qs)));
        x = _mm256_and_si256(_mm256_srlv_epi64(packed, high_half_by_4), low_mask);
      } else {
        x = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[r][b].qs)),
                             bias);
      }
      const __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[r][b].d));
      // The same spot of the next tile's rows (contiguous after these): NR short streams the
      // hardware prefetcher barely ramps up on before they end.
      _mm_prefetch(reinterpret_cast<const char*>(&w[r][b]) + NR * row_bytes, _MM_HINT_T0);
      for (int t = 0; t < NT; ++t) {
        const __m256i s = _mm256_dpbusd_epi32(correction[t], x, y[t]);
        acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dy[t]), _mm256_cvtepi32_ps(s), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < NR; ++r) {
    for (int t = 0; t < NT; ++t) out[r * NT + t] = Hsum(acc[r][t]);
  }
}

using RowsKernel = void (*)(const uint8_t*, int64_t, const uint8_t*, int64_t, int64_t,
                            const Q8SumsView&, float*);

template <bool kQ4>
void GemmFewTokens(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                   int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
                   const Q8SumsView& sums) {
  constexpr int kTileRows = 4;
  static_assert(kPanelMinTokens == 4);  // this handles 1..3 tokens
  static constexpr RowsKernel kTile[] = {RowsTile<kTileRows, 1, kQ4>, RowsTile<kTileRows, 2, kQ4>,
                                         RowsTile<kTileRows, 3, kQ4>};
  static constexpr RowsKernel kRow[] = {RowsTile<1, 1, kQ4>, RowsTile<1, 2, kQ4>,
                                        RowsTile<1, 3, kQ4>};
  const int nt = static_cast<int>(n_tokens);
  const int64_t nb = w.cols / kQK, row_bytes = RowBytes(w.type, w.cols);
  const auto* base = static_cast<const uint8_t*>(w.data);
  float out[kTileRows * 3];
  auto run = [&](RowsKernel kernel, int64_t r, int nr) {
    kernel(base + r * row_bytes, row_bytes, acts, act_row_bytes, nb, sums, out);
    for (int i = 0; i < nr; ++i) {
      for (int t = 0; t < nt; ++t) y[t * y_stride + r + i] = out[i * nt + t];
    }
  };
  int64_t r = row_begin;
  for (; r + kTileRows <= row_end; r += kTileRows) run(kTile[nt - 1], r, kTileRows);
  for (; r < row_end; ++r) run(kRow[nt - 1], r, 1);
}

// ---- The kCpuRows16 layout (gemm.h): interleaved once at load -------------------------------

// Quant bytes of one block of a 16-row group.
template <bool kQ4>
constexpr int64_t kGroupQuantBytes = kQ4 ? 16 * 16 : 16 * 32;

template <bool kQ4>
void Interleave(const WeightView& w, int64_t group_begin, int64_t group_end, uint8_t* out) {
  using WeightBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
  const int64_t nb = w.cols / kQK, row_bytes = w.row_bytes(), group_bytes = kRows * row_bytes;
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t g = group_begin; g < group_end; ++g) {
    const WeightBlock* rows[kRows];
    for (int r = 0; r < kRows; ++r) {
      rows[r] = reinterpret_cast<const WeightBlock*>(w.row(g * kRows + r));
    }
    uint8_t* group = out + g * group_bytes;
    auto* scales = reinterpret_cast<uint16_t*>(group);  // [nb][16]
    uint8_t* quants = group + nb * kRows * sizeof(uint16_t);
    for (int64_t b = 0; b < nb; ++b) {
      for (int r = 0; r < kRows; ++r) scales[b * kRows + r] = rows[r][b].d;
      auto* q = reinterpret_cast<__m512i*>(quants + b * kGroupQuantBytes<kQ4>);
      __m128i lanes[kRows];
      __m512i words[4];
      for (int half = 0; half < (kQ4 ? 1 : 2); ++half) {  // Q8_0: bytes 0..15, then 16..31
        for (int r = 0; r < kRows; ++r) lanes[r] = Load128(rows[r][b].qs + 16 * half);
        Transpose16x4(lanes, words);
        for (int k = 0; k < 4; ++k) {
          _mm512_storeu_si512(q + 4 * half + k, kQ4 ? words[k] : _mm512_xor_si512(words[k], bias));
        }
      }
    }
  }
}

// One 16-row group x NT tokens: out[t * out_stride + r], r < 16. The integer sums and the
// float steps are PanelTile's, in the same order, so the results are bit-identical to it.
// `prefetch`: the first tile over this group (the weights still in DRAM).
template <int NT, bool kQ4>
void Rows16Tile(const uint8_t* group, int64_t nb, const uint8_t* acts, int64_t act_row_bytes,
                const Q8SumsView& sums, bool prefetch, float* out, int64_t out_stride) {
  constexpr int kOffset = kQ4 ? 8 : 128;
  const auto* scales = reinterpret_cast<const __m256i*>(group);
  const uint8_t* quants = group + nb * kRows * sizeof(uint16_t);
  const __m512i low_mask = _mm512_set1_epi8(0x0F);
  __m512 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
  const BlockQ8_0* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = reinterpret_cast<const BlockQ8_0*>(acts + t * act_row_bytes);
  for (int64_t b = 0; b < nb; ++b) {
    const auto* q = reinterpret_cast<const __m512i*>(quants + b * kGroupQuantBytes<kQ4>);
    if (prefetch) {
      const char* ahead = reinterpret_cast<const char*>(q) + kPrefetchBytes;
      for (int64_t line = 0; line < kGroupQuantBytes<kQ4>; line += 64)
        _mm_prefetch(ahead + line, _MM_HINT_T1);
    }
    // Two integer accumulators per token halve the dot products' dependency chain (what
    // bounds a tile of few tokens); int32 sums are exact, so the order does not matter.
    __m512i sum[NT], sum2[NT];
    for (int t = 0; t < NT; ++t) {
      sum[t] = _mm512_set1_epi32(-kOffset * sums.sum[b * sums.stride + t]);
      sum2[t] = _mm512_setzero_si512();
    }
    if constexpr (kQ4) {
      // Word k's low nibbles are elements 4k .. 4k+3, its high nibbles elements 16+4k ...
      for (int k = 0; k < 4; ++k) {
        const __m512i packed = _mm512_loadu_si512(q + k);
        const __m512i low = _mm512_and_si512(packed, low_mask);
        const __m512i high = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_mask);
        for (int t = 0; t < NT; ++t) {
          sum[t] = _mm512_dpbusd_epi32(sum[t], low, Broadcast32(a[t][b].qs + 4 * k));
          sum2[t] = _mm512_dpbusd_epi32(sum2[t], high, Broadcast32(a[t][b].qs + 16 + 4 * k));
        }
      }
    } else {
      for (int k = 0; k < 8; k += 2) {
        const __m512i even = _mm512_loadu_si512(q + k), odd = _mm512_loadu_si512(q + k + 1);
        for (int t = 0; t < NT; ++t) {
          sum[t] = _mm512_dpbusd_epi32(sum[t], even, Broadcast32(a[t][b].qs + 4 * k));
          sum2[t] = _mm512_dpbusd_epi32(sum2[t], odd, Broadcast32(a[t][b].qs + 4 * k + 4));
        }
      }
    }
    for (int t = 0; t < NT; ++t) sum[t] = _mm512_add_epi32(sum[t], sum2[t]);
    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(scales + b));
    for (int t = 0; t < NT; ++t) {
      const __m512 d = _mm512_mul_ps(dw, _mm512_set1_ps(sums.d[b * sums.stride + t]));
      acc[t] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum[t]), acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) _mm512_storeu_ps(out + t * out_stride, acc[t]);
}

using Rows16Kernel = void (*)(const uint8_t*, int64_t, const uint8_t*, int64_t,
                              const Q8SumsView&, bool, float*, int64_t);

template <bool kQ4, int... NT>
constexpr Rows16Kernel kRows16Kernels[] = {Rows16Tile<NT, kQ4>...};

template <bool kQ4>
void GemmRows16(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
                const Q8SumsView& sums) {
  LFM_CHECK(row_begin % kRows == 0 && row_end % kRows == 0, "rows [{}, {}) split a group",
            row_begin, row_end);
  const int64_t nb = w.cols / kQK, group_bytes = kRows * w.row_bytes();
  const auto* base = static_cast<const uint8_t*>(w.data);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += kRows) {
    const uint8_t* group = base + r0 / kRows * group_bytes;
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kTokens, n_tokens - t0));
      kRows16Kernels<kQ4, 1, 2, 3, 4, 5, 6, 7, 8>[nt - 1](
          group, nb, acts + t0 * act_row_bytes, act_row_bytes,
          Q8SumsView{sums.d + t0, sums.sum + t0, sums.stride}, t0 == 0, y + t0 * y_stride + r0,
          y_stride);
    }
  }
}

}  // namespace

void InterleaveRows16Avx512(const WeightView& w, int64_t group_begin, int64_t group_end,
                            uint8_t* out) {
  if (w.type == DType::kQ4_0) {
    Interleave<true>(w, group_begin, group_end, out);
  } else {
    Interleave<false>(w, group_begin, group_end, out);
  }
}

void GemmRows16Avx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                          const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                          int64_t y_stride, const Q8SumsView& sums) {
  if (w.type == DType::kQ4_0) {
    GemmRows16<true>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
  } else {
    GemmRows16<false>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
  }
}

bool GemmPanelAvx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                         const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                         int64_t y_stride, const Q8SumsView& sums) {
  switch (w.type) {
    case DType::kQ4_0:
      GemmPanel<true>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
      return true;
    case DType::kQ8_0:
      GemmPanel<false>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
      return true;
    default:
      return false;
  }
}

bool GemmFewTokensAvx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                             const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                             int64_t y_stride, const Q8SumsView& sums) {
  if (n_tokens < 1 || n_tokens >= kPanelMinTokens) return false;
  switch (w.type) {
    case DType::kQ4_0:
      GemmFewTokens<true>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
      return true;
    case DType::kQ8_0:
      GemmFewTokens<false>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
      return true;
    default:
      return false;
  }
}

}  // namespace lfm::kernels::cpu::internal
