// Matrix products on stored (quantized) weights for the CPU backends: every output is the dot
// product of one weight row with one activation row converted to the weight's vec-dot type
// (kernels/quant/vec_dot.h), exactly the reference's integer math, with SIMD and register
// tiling. Only the float summation order differs from the reference.
#pragma once

#include <cstdint>

#include "kernels/ops.h"

namespace lfm::kernels::cpu {

// y[t * y_stride + r] = W[r] . act[t] for r in [row_begin, row_end) and t < n_tokens, where
// act[t] = acts + t * act_row_bytes holds token t's activations already converted to
// VecDotType(w.type) (QuantizeActivations). Chooses the AVX2 kernels when the CPU has them,
// else the scalar reference dot products. Thread-safe; callers split rows across threads.
void GemmRows(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
              int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride);

// Whether GemmRows has a SIMD kernel for `type` on this CPU (else it runs scalar code).
bool HasSimdGemm(DType type);

// Name of the instruction set GemmRows uses for `type`: "avx2" or "scalar".
const char* GemmIsa(DType type);

namespace internal {
// The AVX2 kernels (gemm_avx2.cc, compiled with -mavx2 -mfma -mf16c). Returns false for a
// type they do not handle. Must only be called when the CPU has AVX2.
bool GemmRowsAvx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                  int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride);
bool Avx2Supports(DType type);

// Prefill kernels for Q4_0 / Q8_0 weights (gemm_panel_avx2.cc): 8-row panels repacked into
// L1/L2 and reused by every tile of up to kPanelTokens tokens. Worth it from kPanelMinTokens
// tokens on; returns false for other types. Same contract as GemmRowsAvx2.
constexpr int kPanelTokens = 6;
constexpr int64_t kPanelMinTokens = 4;
bool GemmPanelAvx2(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
                   int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride);
}  // namespace internal

}  // namespace lfm::kernels::cpu
