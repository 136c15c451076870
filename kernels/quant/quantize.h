// Row conversions between f32 and the stored types: the reference (scalar, bit-exact) code
// every faster path is checked against. A "row" is n consecutive values, n a multiple of the
// type's block size.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace lfm::kernels {

// Types QuantizeRow can write: f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K.
bool CanQuantize(DType type);
// Writes RowBytes(type, n) bytes to `out`, rounding as ggml's reference quantizers do for
// q8_0 and q4_0. The K-quants use plain min/max scale choices: valid blocks with the exact
// layout, but not ggml's RMSE-optimal search, so their error is somewhat larger.
void QuantizeRow(DType type, const float* x, void* out, int64_t n);

// Types DequantizeRow can read: f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K.
bool CanDequantize(DType type);
void DequantizeRow(DType type, const void* in, float* y, int64_t n);

// Round half to even, as ggml's nearest_int.
inline int NearestInt(float x) { return static_cast<int>(__builtin_rintf(x)); }

}  // namespace lfm::kernels
