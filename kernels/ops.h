// The dense operations of the LFM2 forward pass, in one plain scalar CPU implementation: the
// reference that faster backends are tested against. Numerics follow llama.cpp's CPU backend
// where it matters for agreement (activation rounding before matrix products, rms in double,
// RoPE angles by repeated multiplication).
#pragma once

#include <cmath>
#include <cstdint>

#include "base/thread_pool.h"
#include "kernels/dtype.h"

namespace lfm::kernels {

// A weight matrix [rows, cols] (rows = outputs, cols = inputs), row-major in `type`
// (GGUF ne = {cols, rows}); each row is RowBytes(type, cols) bytes.
// How a matrix's bytes are ordered. kStored: GGUF rows one after another, which every backend
// reads. kCpuRows16 and kCpuRows8: the `cpu` backend's own layouts (cpu::Interleave in
// kernels/cpu/gemm.h), made once at load by its Backend::Prepare; only it reads such views.
enum class WeightLayout : uint8_t { kStored, kCpuRows16, kCpuRows8 };

struct WeightView {
  const void* data = nullptr;
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  WeightLayout layout = WeightLayout::kStored;

  int64_t row_bytes() const { return RowBytes(type, cols); }
  // Row r's bytes: for the stored layout only.
  const uint8_t* row(int64_t r) const { return static_cast<const uint8_t*>(data) + r * row_bytes(); }
};

// y[t, r] = W[r] . x[t] for t < n_tokens. x: [n_tokens, cols], y: [n_tokens, rows].
// Activations are rounded as llama.cpp's CPU backend rounds them for W's type (q8_0 blocks for
// q4_0/q8_0, q8_K for K-quants, f16/bf16 for f16/bf16 weights), so results match llama.cpp up
// to summation order. Rows are split over `pool` when it is not null.
void LinearReference(const WeightView& w, const float* x, int64_t n_tokens, float* y,
                     ThreadPool* pool);

// Dequantizes row `row` of `w` into out[cols] (an embedding lookup).
void DequantizeWeightRow(const WeightView& w, int64_t row, float* out);

// y = x / sqrt(mean(x^2) + eps) * weight, over n values; y may alias x.
void RmsNorm(const float* x, const float* weight, int64_t n, float eps, float* y);

// Rotates x: [n_heads, head_dim] in place for position `pos`, NEOX pairing (element m with
// m + head_dim/2), angle pos * base^(-2m/head_dim).
void RopeNeox(float* x, int n_heads, int head_dim, int64_t pos, float base);

// In-place softmax over n values (max-subtracted, sum in double).
void Softmax(float* x, int64_t n);

inline float Silu(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace lfm::kernels
