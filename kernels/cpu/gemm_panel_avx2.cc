// AVX2 prefill kernels for Q4_0 / Q8_0 weights x Q8_0 activations (GemmPanelAvx2, gemm.h).
//
// Eight weight rows are repacked into a panel in L1/L2 (once per call, then reused by every
// token tile): per 32-element block, the 8 row scales as floats, then 8 registers in which
// 32-bit lane r holds 4 consecutive quants of row r (register k: elements 4k .. 4k+3; Q4_0
// nibbles already split to bytes). A tile of 8 rows x up to kPanelTokens tokens then needs, per
// block and token, one broadcast of 4 activation bytes per register and no horizontal sums: the
// 8 lanes of each accumulator are the 8 rows' outputs for one token, scaled by the 8 row scales
// at once. Q4_0 quants u in [0, 15] times activations in [-127, 127] give int16 pair sums whose
// total over a block's 8 registers is at most 16 * 15 * 127 = 30480, so they add in int16 and
// widen once per block; the -8 offset is subtracted as 8 * sum(activations) per block.
// Integer block sums are exact; only the float summation order differs from the reference.
//
// The kCpuRows8 layout (gemm.h) holds the same registers in memory, made once at load, with the
// Q4_0 nibbles still packed and the scales as f16: Rows8Tile runs PanelTile's arithmetic on it
// directly, so decode too reads each weight byte once with no per-call repacking.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "base/check.h"
#include "kernels/cpu/gemm.h"
#include "kernels/quant/blocks.h"

namespace lfm::kernels::cpu::internal {
namespace {

constexpr int kPanelRows = 8;                      // rows per panel: one per 32-bit lane
constexpr int64_t kPanelBlockBytes = 32 + 8 * 32;  // 8 float scales + 8 quant registers

// Lane r of register k (k < 4) = 32-bit word k of rows[r] (16 bytes each, rows 0..7).
inline void Transpose8x4(const __m128i rows[8], __m256i out[4]) {
  const __m256i a0 = _mm256_set_m128i(rows[4], rows[0]), a1 = _mm256_set_m128i(rows[5], rows[1]);
  const __m256i a2 = _mm256_set_m128i(rows[6], rows[2]), a3 = _mm256_set_m128i(rows[7], rows[3]);
  const __m256i t0 = _mm256_unpacklo_epi32(a0, a1), t1 = _mm256_unpackhi_epi32(a0, a1);
  const __m256i t2 = _mm256_unpacklo_epi32(a2, a3), t3 = _mm256_unpackhi_epi32(a2, a3);
  out[0] = _mm256_unpacklo_epi64(t0, t2);
  out[1] = _mm256_unpackhi_epi64(t0, t2);
  out[2] = _mm256_unpacklo_epi64(t1, t3);
  out[3] = _mm256_unpackhi_epi64(t1, t3);
}

inline __m128i Load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// Repacks `nr` (1..8) rows of nb blocks into `panel`; missing rows repeat the last one (their
// outputs are never stored).
template <bool kQ4>
void PackPanel(const uint8_t* rows, int64_t row_bytes, int nr, int64_t nb, uint8_t* panel) {
  using WeightBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
  const WeightBlock* w[kPanelRows];
  for (int r = 0; r < kPanelRows; ++r) {
    w[r] = reinterpret_cast<const WeightBlock*>(rows + std::min(r, nr - 1) * row_bytes);
  }
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* p = panel + b * kPanelBlockBytes;
    alignas(16) uint16_t d16[kPanelRows];
    for (int r = 0; r < kPanelRows; ++r) d16[r] = w[r][b].d;
    _mm256_store_ps(reinterpret_cast<float*>(p),
                    _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(d16))));
    auto* q = reinterpret_cast<__m256i*>(p + 32);
    __m128i lanes[kPanelRows];
    __m256i g[4];
    // The rows are separate streams the hardware prefetcher follows poorly: ask for 8 blocks
    // ahead (beyond a row's end this touches the next row, which is harmless).
    for (int r = 0; r < kPanelRows; ++r)
      _mm_prefetch(reinterpret_cast<const char*>(&w[r][b + 8]), _MM_HINT_T0);
    for (int r = 0; r < kPanelRows; ++r) lanes[r] = Load128(w[r][b].qs);
    Transpose8x4(lanes, g);
    if constexpr (kQ4) {
      // Byte i holds element i (low nibble) and element i + 16 (high nibble).
      for (int k = 0; k < 4; ++k) {
        _mm256_store_si256(q + k, _mm256_and_si256(g[k], low_mask));
        _mm256_store_si256(q + 4 + k, _mm256_and_si256(_mm256_srli_epi16(g[k], 4), low_mask));
      }
    } else {
      for (int k = 0; k < 4; ++k) _mm256_store_si256(q + k, g[k]);
      for (int r = 0; r < kPanelRows; ++r) lanes[r] = Load128(w[r][b].qs + 16);
      Transpose8x4(lanes, g);
      for (int k = 0; k < 4; ++k) _mm256_store_si256(q + 4 + k, g[k]);
    }
  }
}

// Pins v to a register at this point: keeps the compiler from reassociating the per-token
// accumulation chains into trees whose partial products overflow the 16 ymm registers.
inline void KeepInRegister(__m256i& v) { asm("" : "+x"(v)); }

inline __m256i Broadcast32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Adds to each token's sum the products of weight register w (lane r: 4 quants of row r; Q4_0
// nibbles as unsigned bytes, else signed Q8_0 bytes) with the 4 activation bytes at `at` of the
// token's block b: int16 pair sums for Q4_0, int32 for Q8_0 (maddubs on |w| and the
// activations with w's signs, which would saturate int16 if added up).
template <int NT, bool kQ4>
inline void AddRegister(__m256i w, const BlockQ8_0* const a[NT], int64_t b, int at,
                        __m256i sum[NT]) {
  if constexpr (kQ4) {
    for (int t = 0; t < NT; ++t) {
      sum[t] = _mm256_add_epi16(sum[t], _mm256_maddubs_epi16(w, Broadcast32(a[t][b].qs + at)));
    }
  } else {
    const __m256i abs_w = _mm256_sign_epi8(w, w), ones16 = _mm256_set1_epi16(1);
    for (int t = 0; t < NT; ++t) {
      const __m256i y = _mm256_sign_epi8(Broadcast32(a[t][b].qs + at), w);
      sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(_mm256_maddubs_epi16(abs_w, y), ones16));
    }
  }
  for (int t = 0; t < NT; ++t) KeepInRegister(sum[t]);
}

// Block b's float steps for NT tokens, given its 8 row scales dw: Q4_0 sums are widened and
// lose 8 * sum(activations), then acc += (dw * d_token) * sum. PanelTile and Rows8Tile share
// this and AddRegister, hence their bit-identical results.
template <int NT, bool kQ4>
inline void AccumulateBlock(const __m256i sum[NT], __m256 dw, const Q8SumsView& sums, int64_t b,
                            __m256 acc[NT]) {
  for (int t = 0; t < NT; ++t) {
    __m256i s = sum[t];
    if constexpr (kQ4) {
      s = _mm256_add_epi32(_mm256_madd_epi16(s, _mm256_set1_epi16(1)),
                           _mm256_set1_epi32(-8 * sums.sum[b * sums.stride + t]));
    }
    const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(sums.d[b * sums.stride + t]));
    acc[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc[t]);
  }
}

// One panel x NT tokens: out[t * out_stride + r] for r < nr.
template <int NT, bool kQ4>
void PanelTile(const uint8_t* panel, int64_t nb, const uint8_t* acts, int64_t act_row_bytes,
               const Q8SumsView& sums, int nr, float* out, int64_t out_stride) {
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  const BlockQ8_0* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = reinterpret_cast<const BlockQ8_0*>(acts + t * act_row_bytes);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* p = panel + b * kPanelBlockBytes;
    const auto* q = reinterpret_cast<const __m256i*>(p + 32);
    __m256i sum[NT];
    for (int t = 0; t < NT; ++t) sum[t] = _mm256_setzero_si256();
    for (int k = 0; k < 8; ++k) AddRegister<NT, kQ4>(_mm256_load_si256(q + k), a, b, 4 * k, sum);
    AccumulateBlock<NT, kQ4>(sum, _mm256_load_ps(reinterpret_cast<const float*>(p)), sums, b, acc);
  }
  for (int t = 0; t < NT; ++t) {
    if (nr == kPanelRows) {
      _mm256_storeu_ps(out + t * out_stride, acc[t]);
    } else {
      alignas(32) float lanes[kPanelRows];
      _mm256_store_ps(lanes, acc[t]);
      std::copy(lanes, lanes + nr, out + t * out_stride);
    }
  }
}

using PanelKernel = void (*)(const uint8_t*, int64_t, const uint8_t*, int64_t, const Q8SumsView&,
                             int, float*, int64_t);

template <bool kQ4>
PanelKernel PanelKernelFor(int nt) {
  static_assert(kPanelTokens == 6);
  switch (nt) {
    case 1:
      return PanelTile<1, kQ4>;
    case 2:
      return PanelTile<2, kQ4>;
    case 3:
      return PanelTile<3, kQ4>;
    case 4:
      return PanelTile<4, kQ4>;
    case 5:
      return PanelTile<5, kQ4>;
    default:
      return PanelTile<6, kQ4>;
  }
}

template <bool kQ4>
void GemmPanel(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
               int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
               const Q8SumsView& sums) {
  const int64_t nb = w.cols / kQK, row_bytes = RowBytes(w.type, w.cols);
  struct alignas(32) Chunk {
    uint8_t bytes[32];
  };
  thread_local std::vector<Chunk> panel_storage;
  panel_storage.resize(nb * kPanelBlockBytes / sizeof(Chunk));
  auto* panel = reinterpret_cast<uint8_t*>(panel_storage.data());
  const auto* base = static_cast<const uint8_t*>(w.data);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
    const int nr = static_cast<int>(std::min<int64_t>(kPanelRows, row_end - r0));
    PackPanel<kQ4>(base + r0 * row_bytes, row_bytes, nr, nb, panel);
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kPanelTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kPanelTokens, n_tokens - t0));
      PanelKernelFor<kQ4>(nt)(panel, nb, acts + t0 * act_row_bytes, act_row_bytes,
                              Q8SumsView{sums.d + t0, sums.sum + t0, sums.stride}, nr,
                              y + t0 * y_stride + r0, y_stride);
    }
  }
}

// ---- The kCpuRows8 layout (gemm.h): interleaved once at load --------------------------------

// Quant bytes of one block of an 8-row group.
template <bool kQ4>
constexpr int64_t kGroupQuantBytes = kQ4 ? 8 * 16 : 8 * 32;

template <bool kQ4>
void Interleave(const WeightView& w, int64_t group_begin, int64_t group_end, uint8_t* out) {
  using WeightBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
  const int64_t nb = w.cols / kQK, group_bytes = kRows8 * w.row_bytes();
  for (int64_t g = group_begin; g < group_end; ++g) {
    const WeightBlock* rows[kRows8];
    for (int r = 0; r < kRows8; ++r) {
      rows[r] = reinterpret_cast<const WeightBlock*>(w.row(g * kRows8 + r));
    }
    uint8_t* group = out + g * group_bytes;
    auto* scales = reinterpret_cast<uint16_t*>(group);  // [nb][8]
    uint8_t* quants = group + nb * kRows8 * sizeof(uint16_t);
    for (int64_t b = 0; b < nb; ++b) {
      for (int r = 0; r < kRows8; ++r) scales[b * kRows8 + r] = rows[r][b].d;
      auto* q = reinterpret_cast<__m256i*>(quants + b * kGroupQuantBytes<kQ4>);
      __m128i lanes[kRows8];
      __m256i words[4];
      for (int half = 0; half < (kQ4 ? 1 : 2); ++half) {  // Q8_0: bytes 0..15, then 16..31
        for (int r = 0; r < kRows8; ++r) lanes[r] = Load128(rows[r][b].qs + 16 * half);
        Transpose8x4(lanes, words);
        for (int k = 0; k < 4; ++k) _mm256_storeu_si256(q + 4 * half + k, words[k]);
      }
    }
  }
}

// One 8-row group x NT tokens: out[t * out_stride + r], r < 8. PanelTile's steps (AddRegister,
// AccumulateBlock) on the packed nibbles and f16 scales, so the results are bit-identical to it.
// `prefetch`: the first tile over this group (the weights still in DRAM).
template <int NT, bool kQ4>
void Rows8Tile(const uint8_t* group, int64_t nb, const uint8_t* acts, int64_t act_row_bytes,
               const Q8SumsView& sums, bool prefetch, float* out, int64_t out_stride) {
  const auto* scales = reinterpret_cast<const __m128i*>(group);
  const uint8_t* quants = group + nb * kRows8 * sizeof(uint16_t);
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  const BlockQ8_0* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = reinterpret_cast<const BlockQ8_0*>(acts + t * act_row_bytes);
  for (int64_t b = 0; b < nb; ++b) {
    const auto* q = reinterpret_cast<const __m256i*>(quants + b * kGroupQuantBytes<kQ4>);
    if (prefetch) {
      const char* ahead = reinterpret_cast<const char*>(q) + kPrefetchBytes;
      for (int64_t line = 0; line < kGroupQuantBytes<kQ4>; line += 64)
        _mm_prefetch(ahead + line, _MM_HINT_T1);
    }
    __m256i sum[NT];
    for (int t = 0; t < NT; ++t) sum[t] = _mm256_setzero_si256();
    if constexpr (kQ4) {
      // Word k's low nibbles are elements 4k .. 4k+3, its high nibbles elements 16+4k ...
      for (int k = 0; k < 4; ++k) {
        const __m256i packed = _mm256_loadu_si256(q + k);
        AddRegister<NT, kQ4>(_mm256_and_si256(packed, low_mask), a, b, 4 * k, sum);
        AddRegister<NT, kQ4>(_mm256_and_si256(_mm256_srli_epi16(packed, 4), low_mask), a, b,
                             16 + 4 * k, sum);
      }
    } else {
      for (int k = 0; k < 8; ++k) AddRegister<NT, kQ4>(_mm256_loadu_si256(q + k), a, b, 4 * k, sum);
    }
    AccumulateBlock<NT, kQ4>(sum, _mm256_cvtph_ps(_mm_loadu_si128(scales + b)), sums, b, acc);
  }
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(out + t * out_stride, acc[t]);
}

using Rows8Kernel = void (*)(const uint8_t*, int64_t, const uint8_t*, int64_t, const Q8SumsView&,
                             bool, float*, int64_t);

template <bool kQ4, int... NT>
constexpr Rows8Kernel kRows8Kernels[] = {Rows8Tile<NT, kQ4>...};

template <bool kQ4>
void GemmRows8(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
               int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
               const Q8SumsView& sums) {
  static_assert(kPanelTokens == 6);
  LFM_CHECK(row_begin % kRows8 == 0 && row_end % kRows8 == 0, "rows [{}, {}) split a group",
            row_begin, row_end);
  const int64_t nb = w.cols / kQK, group_bytes = kRows8 * w.row_bytes();
  const auto* base = static_cast<const uint8_t*>(w.data);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += kRows8) {
    const uint8_t* group = base + r0 / kRows8 * group_bytes;
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kPanelTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kPanelTokens, n_tokens - t0));
      kRows8Kernels<kQ4, 1, 2, 3, 4, 5, 6>[nt - 1](
          group, nb, acts + t0 * act_row_bytes, act_row_bytes,
          Q8SumsView{sums.d + t0, sums.sum + t0, sums.stride}, t0 == 0, y + t0 * y_stride + r0,
          y_stride);
    }
  }
}

}  // namespace

void InterleaveRows8Avx2(const WeightView& w, int64_t group_begin, int64_t group_end,
                         uint8_t* out) {
  if (w.type == DType::kQ4_0) {
    Interleave<true>(w, group_begin, group_end, out);
  } else {
    Interleave<false>(w, group_begin, group_end, out);
  }
}

void GemmRows8Avx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                   int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
                   const Q8SumsView& sums) {
  if (w.type == DType::kQ4_0) {
    GemmRows8<true>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
  } else {
    GemmRows8<false>(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride, sums);
  }
}

void ComputeQ8SumsAvx2(const uint8_t* acts, int64_t act_row_bytes, int64_t t_begin, int64_t t_end,
                       int64_t nb, Q8Sums& out) {
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (int64_t t = t_begin; t < t_end; ++t) {
    const auto* a = reinterpret_cast<const BlockQ8_0*>(acts + t * act_row_bytes);
    for (int64_t b = 0; b < nb; ++b) {
      out.d[b * out.n_tokens + t] = _cvtsh_ss(a[b].d);
      // Sum of 32 signed bytes: pairs (maddubs with 1s), then quads (madd with 1s), then lanes.
      const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b].qs));
      const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, y), ones16);
      __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
      h = _mm_add_epi32(h, _mm_shuffle_epi32(h, _MM_SHUFFLE(1, 0, 3, 2)));
      h = _mm_add_epi32(h, _mm_shuffle_epi32(h, _MM_SHUFFLE(2, 3, 0, 1)));
      out.sum[b * out.n_tokens + t] = _mm_cvtsi128_si32(h);
    }
  }
}

void QuantizeQ8_0Avx2(const float* x, int64_t n, uint8_t* out) {
  auto* blocks = reinterpret_cast<BlockQ8_0*>(out);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  // packs_epi32 then packs_epi16 leave the 4-byte groups of the four registers interleaved by
  // 128-bit lane; this puts them back in element order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm256_loadu_ps(x + 8 * i);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[i]));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float max_abs = _mm_cvtss_f32(m);
    blocks[b].d = _cvtss_sh(max_abs / 127.f, _MM_FROUND_TO_NEAREST_INT);
    const __m256 id = _mm256_set1_ps(max_abs != 0 ? 127.f / max_abs : 0.f);
    __m256i q[4];
    for (int i = 0; i < 4; ++i) {
      q[i] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[i], id),
                                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]),
                                             _mm256_packs_epi32(q[2], q[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(blocks[b].qs),
                        _mm256_permutevar8x32_epi32(bytes, order));
  }
}

bool GemmPanelAvx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                   int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
                   const Q8SumsView& sums) {
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

}  // namespace lfm::kernels::cpu::internal
