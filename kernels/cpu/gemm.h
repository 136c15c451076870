// Matrix products on stored (quantized) weights for the CPU backends: every output is the dot
// product of one weight row with one activation row converted to the weight's vec-dot type
// (kernels/quant/vec_dot.h), exactly the reference's integer math, with SIMD and register
// tiling. Only the float summation order differs from the reference.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/ops.h"

namespace lfm::kernels::cpu {

// y[t * y_stride + r] = W[r] . act[t] for r in [row_begin, row_end) and t < n_tokens, where
// act[t] = acts + t * act_row_bytes holds token t's activations already converted to
// VecDotType(w.type) (QuantizeActivations). Chooses the AVX2 kernels when the CPU has them,
// else the scalar reference dot products. Thread-safe; callers split rows across threads.
//
// The prefill kernels also need, per block and token, the activation scale as a float and the
// sum of the quants (Q8Sums). `sums`, when given, holds them for exactly these activations;
// else GemmRows computes them itself. Computing them once per activation matrix
// (ComputeQ8Sums) saves that work in every call that shares the matrix.
struct Q8SumsView {
  const float* d = nullptr;      // [b * stride + t]
  const int32_t* sum = nullptr;  // [b * stride + t]
  int64_t stride = 0;
};
void GemmRows(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
              int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
              const Q8SumsView* sums = nullptr);

// Scale and quant sum of every 32-element block of Q8_0 activation rows [n_tokens, nb blocks],
// stored block-major so that the tokens of one block are contiguous.
struct Q8Sums {
  std::vector<float> d;      // [nb, n_tokens]
  std::vector<int32_t> sum;  // [nb, n_tokens]
  int64_t n_tokens = 0;
  // The view of tokens [first, ...).
  Q8SumsView View(int64_t first) const { return {d.data() + first, sum.data() + first, n_tokens}; }
};

// Sizes `out` for n_tokens x nb, then fills tokens [t_begin, t_end): callers may split the
// tokens across threads after one sizing call with t_begin = t_end = 0.
void ResizeQ8Sums(int64_t n_tokens, int64_t nb, Q8Sums& out);
void ComputeQ8Sums(const uint8_t* acts, int64_t act_row_bytes, int64_t t_begin, int64_t t_end,
                   int64_t nb, Q8Sums& out);

// ---- The interleaved layouts (WeightLayout in kernels/ops.h) -------------------------------
// Q4_0 / Q8_0 rows regrouped once at load so that one kernel serves decode and prefill with no
// per-call repacking: rows in groups of G (kCpuRows16: 16, for AVX-512 VNNI; kCpuRows8: 8, for
// AVX2), each group the same bytes as its G stored rows (so a slice of whole groups, such as one
// expert of a stack, keeps its byte offset): first the nb blocks' G f16 scales ([b][r]), then per
// block the quants as 32-bit words, word k of row r at [b][k][r] (Q4_0: the 16 packed nibble
// bytes, 4 words; Q8_0: the 32 bytes, 8 words). One vector load is then the same 4 bytes of G
// rows. Q8_0 bytes are stored + 128 as unsigned in kCpuRows16 (what vpdpbusd multiplies) and as
// they are in kCpuRows8 (vpmaddubsw would saturate on unsigned bytes that large).
constexpr int64_t kRows16 = 16, kRows8 = 8;

// The interleaved layout this CPU's kernels run for `w` cut in slices of `slice_rows` rows
// (kStored where none): Q4_0 or Q8_0 in the stored layout, rows and slices whole groups;
// kCpuRows16 with AVX-512 VNNI, else kCpuRows8 with AVX2.
WeightLayout InterleavedLayout(const WeightView& w, int64_t slice_rows);
// Rows per group of an interleaved layout.
int64_t GroupRows(WeightLayout layout);
// Writes groups [group_begin, group_end) of stored `w` in `layout`, which must be
// InterleavedLayout(w, GroupRows(layout)), into `out` (w.rows * w.row_bytes() bytes for all
// groups); callers may split groups across threads.
void Interleave(const WeightView& w, WeightLayout layout, int64_t group_begin, int64_t group_end,
                uint8_t* out);

// QuantizeActivations(DType::kQ8_0, x, out, n) (kernels/quant/vec_dot.h), with AVX2 where the
// CPU has it: the same bytes (round half to even, the f16 scale correctly rounded).
void QuantizeQ8_0(const float* x, int64_t n, uint8_t* out);

// Whether GemmRows on `n_tokens` tokens of `w` uses Q8Sums (an interleaved layout, or a prefill
// kernel on this CPU).
bool UsesQ8Sums(const WeightView& w, int64_t n_tokens);

// Whether GemmRows has a SIMD kernel for `type` on this CPU (else it runs scalar code).
bool HasSimdGemm(DType type);

namespace internal {
// How far ahead of the weights it multiplies a kernel asks for them (into L2) when it is the
// first to read them. One core's hardware prefetchers keep too few lines in flight: a 1-thread
// decode-shaped product read 11-12 GB/s without this and ~20 GB/s with it (a plain read loop:
// ~25 GB/s); 8-16 KB measured alike, 2-4 KB and 32 KB worse, and L1 as the target worse.
constexpr int64_t kPrefetchBytes = 12 << 10;

// The AVX2 kernels (gemm_avx2.cc, compiled with -mavx2 -mfma -mf16c). Returns false for a
// type they do not handle. Must only be called when the CPU has AVX2.
bool GemmRowsAvx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                  int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride);
bool Avx2Supports(DType type);

// Prefill kernels for Q4_0 / Q8_0 weights (gemm_panel_avx2.cc): 8-row panels repacked into
// L1/L2 and reused by every tile of up to kPanelTokens tokens. Worth it from kPanelMinTokens
// tokens on; returns false for other types. Same contract as GemmRowsAvx2, with `sums` the
// Q8Sums of exactly these activations.
constexpr int kPanelTokens = 6;
constexpr int64_t kPanelMinTokens = 4;
bool GemmPanelAvx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                   int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
                   const Q8SumsView& sums);

// The same with AVX-512 VNNI (gemm_panel_avx512.cc): 16-row panels, 8-token tiles, vpdpbusd.
// Must only be called when the CPU has AVX-512 VNNI.
bool GemmPanelAvx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                         const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                         int64_t y_stride, const Q8SumsView& sums);

// Decode (1 .. kPanelMinTokens - 1 tokens) with AVX-512 VNNI on the stored layout: 4-row tiles,
// vpdpbusd on 32 unsigned weight bytes per block. Returns false for other types or token counts.
bool GemmFewTokensAvx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                             const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                             int64_t y_stride, const Q8SumsView& sums);

// GemmRows on a kCpuRows16 view (gemm_panel_avx512.cc): 16-row groups x up to 8 tokens, the
// same arithmetic as GemmPanelAvx512Vnni (bit-identical results). row_begin and row_end must
// be group boundaries. Must only be called when the CPU has AVX-512 VNNI.
void GemmRows16Avx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                          const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                          int64_t y_stride, const Q8SumsView& sums);
void InterleaveRows16Avx512(const WeightView& w, int64_t group_begin, int64_t group_end,
                            uint8_t* out);

// Q6_K weights x Q8_K activations with AVX-512 VNNI (gemm_q6k_avx512.cc), bit-identical to the
// reference dot products (VecDot). Must only be called when the CPU has AVX-512 VNNI.
void GemmRowsQ6_KAvx512Vnni(const WeightView& w, int64_t row_begin, int64_t row_end,
                            const uint8_t* acts, int64_t act_row_bytes, int64_t n_tokens, float* y,
                            int64_t y_stride);

// GemmRows on a kCpuRows8 view (gemm_panel_avx2.cc): 8-row groups x up to kPanelTokens tokens,
// the same arithmetic as GemmPanelAvx2 (bit-identical results). row_begin and row_end must be
// group boundaries. Must only be called when the CPU has AVX2.
void GemmRows8Avx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                   int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
                   const Q8SumsView& sums);
void InterleaveRows8Avx2(const WeightView& w, int64_t group_begin, int64_t group_end,
                         uint8_t* out);

// QuantizeQ8_0's AVX2 body (gemm_panel_avx2.cc).
void QuantizeQ8_0Avx2(const float* x, int64_t n, uint8_t* out);

// ComputeQ8Sums's AVX2 body (gemm_panel_avx2.cc).
void ComputeQ8SumsAvx2(const uint8_t* acts, int64_t act_row_bytes, int64_t t_begin, int64_t t_end,
                       int64_t nb, Q8Sums& out);

}  // namespace internal

}  // namespace lfm::kernels::cpu
