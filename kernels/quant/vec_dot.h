// Dot products of a stored weight row with an activation row, computed the way llama.cpp's CPU
// backend computes them: the activation is first converted to the weight type's "vec-dot type"
// (docs/model.md §4.3) and the dot product then runs on integers per block where the formats
// allow. This scalar code is the reference every faster backend is checked against.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace lfm::kernels {

// The type activations are converted to before a dot with a `weight_type` row:
// f32 -> f32, f16 -> f16, bf16 -> bf16, q4_0/q8_0 -> q8_0, q4_K/q5_K/q6_K -> q8_K.
DType VecDotType(DType weight_type);

// Whether VecDot supports `weight_type`.
bool CanVecDot(DType weight_type);

// Converts n activations (n a multiple of the vec-dot type's block size) into `out`
// (RowBytes(vec_dot_type, n) bytes). q8_0 follows llama.cpp's x86 path (scale 127/amax,
// round half to even; the stored fp16 scale is amax/127); q8_K follows quantize_row_q8_K.
void QuantizeActivations(DType vec_dot_type, const float* x, void* out, int64_t n);

// The dot product of a `weight_type` row with an activation row already converted to
// VecDotType(weight_type); n values.
float VecDot(DType weight_type, const void* weight_row, const void* activation_row, int64_t n);

}  // namespace lfm::kernels
