// AVX2 + FMA + F16C kernels for GemmRows (gemm.h). Each kernel computes one weight row against
// up to kMaxTokens activation rows, unpacking each weight block once and reusing it for every
// token. Integer block sums are exact; only the float accumulation order differs from the
// reference dot products.
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "kernels/cpu/gemm.h"
#include "kernels/quant/blocks.h"

namespace lfm::kernels::cpu::internal {
namespace {

constexpr int kMaxTokens = 4;     // tokens per register tile
constexpr int64_t kRowBlock = 64;  // rows whose weights stay in L2 while token tiles pass

inline float Fp16(uint16_t h) { return _cvtsh_ss(h); }

inline float Hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int HsumI32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Products of unsigned bytes u (< 64) and signed bytes y, summed in pairs, times an int16
// scale per pair: 8 int32 lanes.
inline __m256i DotU8Scaled(__m256i u, __m256i y, __m256i scale16) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), scale16);
}

template <typename Act>
inline const Act* ActRow(const uint8_t* acts, int64_t act_row_bytes, int t) {
  return reinterpret_cast<const Act*>(acts + t * act_row_bytes);
}

// ---- Q4_0 and Q8_0 weights x Q8_0 activations ----------------------------------------------

// NR weight rows x NT tokens at once: each weight block is unpacked once for NT tokens, each
// activation block loaded once for NR rows, and the NR * NT accumulators are independent
// chains, so the FMA latency (4 cycles) no longer bounds a one-token row. out[r * NT + t].
template <int NR, int NT, bool kQ4>
void TileQ8Family(const uint8_t* rows, int64_t row_bytes, const uint8_t* acts, int64_t act_row_bytes,
                  int64_t nb, float* out) {
  using WeightBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
  const __m256i low_mask = _mm256_set1_epi8(0x0F), eights = _mm256_set1_epi8(8), ones16 = _mm256_set1_epi16(1);
  const __m256i high_half_by_4 = _mm256_setr_epi64x(0, 0, 4, 4);
  __m256 acc[NR][NT];
  for (int r = 0; r < NR; ++r) {
    for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  const WeightBlock* w[NR];
  for (int r = 0; r < NR; ++r) w[r] = reinterpret_cast<const WeightBlock*>(rows + r * row_bytes);
  const BlockQ8_0* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = ActRow<BlockQ8_0>(acts, act_row_bytes, t);
  for (int64_t b = 0; b < nb; ++b) {
    __m256i y[NT], y_offset[NT];
    __m256 dy[NT];  // broadcast once per token, then one multiply per (row, token)
    for (int t = 0; t < NT; ++t) {
      y[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].qs));
      dy[t] = _mm256_set1_ps(Fp16(a[t][b].d));
      // Q4_0 weights are nibbles u with value u - 8: maddubs takes u as unsigned bytes
      // directly and 8 * (y_2i + y_2i+1) is subtracted from each int16 pair sum, which
      // gives exactly the signed pair sums, once per token instead of once per row.
      if constexpr (kQ4) y_offset[t] = _mm256_maddubs_epi16(eights, y[t]);
    }
    for (int r = 0; r < NR; ++r) {
      __m256i x;  // kQ4: unsigned nibbles in element order; else |weights|
      if constexpr (kQ4) {
        // The 16 packed bytes in both halves (a load), high half shifted right by 4: one
        // variable shift instead of a shift plus a lane insert.
        const __m256i packed = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[r][b].qs)));
        x = _mm256_and_si256(_mm256_srlv_epi64(packed, high_half_by_4), low_mask);
      } else {
        x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[r][b].qs));
      }
      const __m256 dw = _mm256_set1_ps(Fp16(w[r][b].d));
      // The rows ahead (contiguous after these), into L2: kPrefetchBytes in gemm.h. (The
      // same spot of the next tile's rows into L1 was 20 t/s on 8b q4_0 decode, this 25-27.)
      _mm_prefetch(reinterpret_cast<const char*>(&w[r][b]) + kPrefetchBytes, _MM_HINT_T1);
      for (int t = 0; t < NT; ++t) {
        const __m256i pairs = kQ4 ? _mm256_sub_epi16(_mm256_maddubs_epi16(x, y[t]), y_offset[t])
                                  : _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y[t], x));
        const __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones16));
        acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dy[t]), dot, acc[r][t]);
      }
    }
  }
  for (int r = 0; r < NR; ++r) {
    for (int t = 0; t < NT; ++t) out[r * NT + t] = Hsum(acc[r][t]);
  }
}

// ---- Q6_K weights x Q8_K activations -------------------------------------------------------

// Per quarter qi of a half: lanes 0-7 take int16 scale 2qi of the half's 8, lanes 8-15 scale
// 2qi + 1 (one vpshufb from the half's scales in both 128-bit lanes).
inline __m256i QuarterScaleShuffle(int qi) {
  const char lo = static_cast<char>(4 * qi), hi = static_cast<char>(4 * qi + 2);
  const __m128i low_lane = _mm_setr_epi8(lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1,
                                         lo, lo + 1, lo, lo + 1, lo, lo + 1);
  const __m128i high_lane = _mm_setr_epi8(hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1,
                                          hi, hi + 1, hi, hi + 1, hi, hi + 1);
  return _mm256_set_m128i(high_lane, low_lane);
}

template <int NT>
void RowQ6_K(const uint8_t* row, int64_t /*row_bytes: one row*/, const uint8_t* acts, int64_t act_row_bytes, int64_t nb, float* out) {
  const __m256i low_mask = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(3);
  const __m256i shuffle[4] = {QuarterScaleShuffle(0), QuarterScaleShuffle(1), QuarterScaleShuffle(2),
                              QuarterScaleShuffle(3)};
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  const BlockQ8_K* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = ActRow<BlockQ8_K>(acts, act_row_bytes, t);
  for (int64_t b = 0; b < nb; ++b) {
    const BlockQ6_K& w = reinterpret_cast<const BlockQ6_K*>(row)[b];
    _mm_prefetch(reinterpret_cast<const char*>(&w) + kPrefetchBytes, _MM_HINT_T1);
    _mm_prefetch(reinterpret_cast<const char*>(&w) + kPrefetchBytes + 64, _MM_HINT_T1);
    _mm_prefetch(reinterpret_cast<const char*>(&w) + kPrefetchBytes + 128, _MM_HINT_T1);
    _mm_prefetch(reinterpret_cast<const char*>(&w) + kPrefetchBytes + 192, _MM_HINT_T1);
    const float dw = Fp16(w.d);
    // All 16 scales as int16, for the -32 offset correction through the activations' bsums.
    const __m128i scales8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w.scales));
    const __m256i scales16 = _mm256_cvtepi8_epi16(scales8);
    __m256i sumi[NT];
    for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      // Half h's 8 scales (groups 8h .. 8h+7) as int16, in both 128-bit lanes.
      const __m256i half_scales = _mm256_broadcastsi128_si256(
          h == 0 ? _mm256_castsi256_si128(scales16) : _mm256_extracti128_si256(scales16, 1));
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.ql + 64 * h));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.ql + 64 * h + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qh + 32 * h));
      // Quarter q holds elements 128h + 32q .. +31 as unsigned 6-bit values (v + 32).
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low_mask),
                          _mm256_slli_epi16(_mm256_and_si256(qh, two_bits), 4)),
          _mm256_or_si256(_mm256_and_si256(ql1, low_mask),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), two_bits), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_mask),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), two_bits), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_mask),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), two_bits), 4)),
      };
      for (int qi = 0; qi < 4; ++qi) {
        // Scale groups 8h + 2qi (first 16 elements) and 8h + 2qi + 1.
        const __m256i sc = _mm256_shuffle_epi8(half_scales, shuffle[qi]);
        for (int t = 0; t < NT; ++t) {
          const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].qs + 128 * h + 32 * qi));
          sumi[t] = _mm256_add_epi32(sumi[t], DotU8Scaled(q[qi], y, sc));
        }
      }
    }
    for (int t = 0; t < NT; ++t) {
      const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].bsums));
      const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(bsums, scales16), 5);  // 32 * sum
      const __m256 total = _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi[t], offset));
      acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * a[t][b].d), total, acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = Hsum(acc[t]);
}

// ---- Q4_K / Q5_K weights x Q8_K activations ------------------------------------------------

inline void UnpackKScales(const uint8_t* q, int16_t* sc, int16_t* m) {
  for (int s = 0; s < 4; ++s) {
    sc[s] = q[s] & 63;
    m[s] = q[s + 4] & 63;
    sc[s + 4] = (q[s + 8] & 0xF) | ((q[s] >> 6) << 4);
    m[s + 4] = (q[s + 8] >> 4) | ((q[s + 4] >> 6) << 4);
  }
}

template <int NT, bool kQ5>
void RowQ4_KFamily(const uint8_t* row, int64_t /*row_bytes: one row*/, const uint8_t* acts, int64_t act_row_bytes, int64_t nb, float* out) {
  const __m256i low_mask = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
  __m256 acc[NT];
  float mins_total[NT] = {};
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  const BlockQ8_K* a[NT];
  for (int t = 0; t < NT; ++t) a[t] = ActRow<BlockQ8_K>(acts, act_row_bytes, t);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* scales;
    const uint8_t* qs;
    const uint8_t* qh = nullptr;
    uint16_t d16, dmin16;
    if constexpr (kQ5) {
      const BlockQ5_K& w = reinterpret_cast<const BlockQ5_K*>(row)[b];
      scales = w.scales, qs = w.qs, qh = w.qh, d16 = w.d, dmin16 = w.dmin;
    } else {
      const BlockQ4_K& w = reinterpret_cast<const BlockQ4_K*>(row)[b];
      scales = w.scales, qs = w.qs, d16 = w.d, dmin16 = w.dmin;
    }
    alignas(32) int16_t sc[8], m[8];
    UnpackKScales(scales, sc, m);
    // mins16[i] = m[i / 2]: pairs with the 16 bsums (two per 32-element sub-block).
    const __m256i mins16 = _mm256_setr_epi16(m[0], m[0], m[1], m[1], m[2], m[2], m[3], m[3], m[4], m[4],
                                             m[5], m[5], m[6], m[6], m[7], m[7]);
    const __m256i high_bits = kQ5 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh)) : __m256i{};
    __m256i sumi[NT];
    for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
      __m256i lo = _mm256_and_si256(bytes, low_mask);                         // sub-block 2c
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low_mask);   // sub-block 2c+1
      if constexpr (kQ5) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high_bits, 2 * c), one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high_bits, 2 * c + 1), one), 4));
      }
      const __m256i sc_lo = _mm256_set1_epi16(sc[2 * c]), sc_hi = _mm256_set1_epi16(sc[2 * c + 1]);
      for (int t = 0; t < NT; ++t) {
        const __m256i y_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].qs + 64 * c));
        const __m256i y_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].qs + 64 * c + 32));
        sumi[t] = _mm256_add_epi32(sumi[t], DotU8Scaled(lo, y_lo, sc_lo));
        sumi[t] = _mm256_add_epi32(sumi[t], DotU8Scaled(hi, y_hi, sc_hi));
      }
    }
    const float d = Fp16(d16), dmin = Fp16(dmin16);
    for (int t = 0; t < NT; ++t) {
      const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][b].bsums));
      const int mins = HsumI32(_mm256_madd_epi16(bsums, mins16));
      acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * a[t][b].d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
      mins_total[t] += dmin * a[t][b].d * mins;
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = Hsum(acc[t]) - mins_total[t];
}

// ---- F32 / F16 / BF16 weights x activations of the same type ------------------------------

template <DType kType>
inline __m256 Load8(const void* p, int64_t i) {
  if constexpr (kType == DType::kF32) {
    return _mm256_loadu_ps(static_cast<const float*>(p) + i);
  } else if constexpr (kType == DType::kF16) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(p) + i)));
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(p) + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

template <int NT, DType kType>
void RowFloat(const uint8_t* row, int64_t /*row_bytes: one row*/, const uint8_t* acts, int64_t act_row_bytes, int64_t n, float* out) {
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) {
    const __m256 w = Load8<kType>(row, i);
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(w, Load8<kType>(acts + t * act_row_bytes, i), acc[t]);
  }
  for (int t = 0; t < NT; ++t) out[t] = Hsum(acc[t]);
}

// ---- Dispatch ------------------------------------------------------------------------------

// Computes NR consecutive weight rows (row_bytes apart) against NT tokens: out[r * NT + t].
using TileKernel = void (*)(const uint8_t* rows, int64_t row_bytes, const uint8_t* acts, int64_t act_row_bytes,
                            int64_t n_units, float* out);

// Rows per tile by token count for the types with multi-row kernels: with one token (decode)
// rows are the only reuse and independent chains; with more tokens the accumulators
// (NR * NT of the 16 ymm registers) limit the tile.
constexpr int kMaxTileRows = 4;
constexpr int kTileRows[kMaxTokens + 1] = {0, 4, 4, 2, 2};

template <int NR, int NT>
TileKernel KernelFor(DType type) {
  switch (type) {
    case DType::kQ4_0: return TileQ8Family<NR, NT, true>;
    case DType::kQ8_0: return TileQ8Family<NR, NT, false>;
    default: break;
  }
  if constexpr (NR == 1) {
    switch (type) {
      case DType::kQ6_K: return RowQ6_K<NT>;
      case DType::kQ4_K: return RowQ4_KFamily<NT, false>;
      case DType::kQ5_K: return RowQ4_KFamily<NT, true>;
      case DType::kF32: return RowFloat<NT, DType::kF32>;
      case DType::kF16: return RowFloat<NT, DType::kF16>;
      case DType::kBF16: return RowFloat<NT, DType::kBF16>;
      default: break;
    }
  }
  return nullptr;
}

// The tile kernel for nt tokens and kTileRows[nt] rows (null where the type has none) and
// the one-row kernel for the rows left over.
struct Kernels {
  TileKernel tile, row;
};

Kernels KernelsFor(DType type, int nt) {
  switch (nt) {
    case 1: return {KernelFor<kTileRows[1], 1>(type), KernelFor<1, 1>(type)};
    case 2: return {KernelFor<kTileRows[2], 2>(type), KernelFor<1, 2>(type)};
    case 3: return {KernelFor<kTileRows[3], 3>(type), KernelFor<1, 3>(type)};
    default: return {KernelFor<kTileRows[4], 4>(type), KernelFor<1, 4>(type)};
  }
}

}  // namespace

bool Avx2Supports(DType type) { return KernelFor<1, 1>(type) != nullptr; }

bool GemmRowsAvx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                  int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride) {
  if (!Avx2Supports(w.type)) return false;
  const bool blocked = w.type != DType::kF32 && w.type != DType::kF16 && w.type != DType::kBF16;
  if (!blocked && w.cols % 8 != 0) return false;
  const int64_t units = blocked ? w.cols / Info(w.type).block_elems : w.cols;
  const int64_t row_bytes = RowBytes(w.type, w.cols);
  const auto* base = static_cast<const uint8_t*>(w.data);
  float out[kMaxTileRows * kMaxTokens];
  for (int64_t r0 = row_begin; r0 < row_end; r0 += kRowBlock) {
    const int64_t r1 = std::min(row_end, r0 + kRowBlock);
    for (int64_t t0 = 0; t0 < n_tokens; t0 += kMaxTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kMaxTokens, n_tokens - t0));
      const uint8_t* tile_acts = acts + t0 * act_row_bytes;
      const Kernels k = KernelsFor(w.type, nt);
      // Runs `kernel` on rows [r, r + nr) and scatters its outputs into y.
      auto run = [&](TileKernel kernel, int64_t r, int nr) {
        kernel(base + r * row_bytes, row_bytes, tile_acts, act_row_bytes, units, out);
        for (int i = 0; i < nr; ++i) {
          for (int t = 0; t < nt; ++t) y[(t0 + t) * y_stride + r + i] = out[i * nt + t];
        }
      };
      int64_t r = r0;
      if (k.tile) {
        for (; r + kTileRows[nt] <= r1; r += kTileRows[nt]) run(k.tile, r, kTileRows[nt]);
      }
      for (; r < r1; ++r) run(k.row, r, 1);
    }
  }
  return true;
}

}  // namespace lfm::kernels::cpu::internal
