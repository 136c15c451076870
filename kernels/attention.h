// Softmax attention of one query token over an f16 KV cache, for the query heads that share one
// KV head (grouped-query attention), with the numerics of llama.cpp's CPU path without flash
// attention: q is rounded to f16 for K·q, the probabilities are rounded to f16 for V·p, and both
// products sum in f32. A scalar body and an AVX2 body that differ only in the order of the K·q
// sums and in the exp of the softmax (std::exp there, a polynomial within 2 FLT_EPSILON here);
// the V·p sums run over the keys in order in both.
#pragma once

#include <cstdint>
#include <vector>

namespace lfm::kernels {

// The cached keys and values of one KV head: key j is k[j * stride + d] for d < head_dim, value
// j is v[j * stride + d].
struct KvHeadF16 {
  const uint16_t* k = nullptr;
  const uint16_t* v = nullptr;
  int64_t stride = 0;
};

// For each of the `group` query heads h that read KV head `kv`, over keys j < n_keys:
//   s[h][j]   = scale * (f16(q[h]) · k[j])     products of f16 values, summed in f32
//   p[h]      = f16(Softmax(s[h]))              Softmax of kernels/ops.h (sum in double), or
//                                               SoftmaxAvx2 below
//   out[h][d] = sum over j in order of p[h][j] * v[j][d], in f32
// q, out: [group, head_dim]. `scratch` is resized to what the call needs; passing the same
// vector to every call of one thread avoids allocating. Runs the AVX2 body when the CPU has
// AVX2 + FMA + F16C and head_dim % 8 == 0, else the scalar body. Thread-safe (with one scratch
// per thread).
void AttendKvGroup(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                   float scale, std::vector<float>& scratch, float* out);

// Whether AttendKvGroup runs its AVX2 body for `head_dim` on this CPU.
bool HasSimdAttention(int head_dim);

namespace internal {
// The two bodies, and their K·q step alone (for tests). They take raw buffers so that no
// std::vector code is instantiated with AVX2 flags (an inline copy the linker might keep). q16:
// [group, head_dim] receives f16(q); s: [group, n_keys] receives the scores s[h][j] above. The Avx2
// functions (attention_avx2.cc, compiled with -mavx2 -mfma -mf16c) need head_dim % 8 == 0 and must
// only be called when HasSimdAttention(head_dim).
void KqScoresScalar(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                    float scale, float* q16, float* s);
void KqScoresAvx2(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                  float scale, float* q16, float* s);
// `scratch` holds ScratchFloats(group, head_dim, n_keys) floats.
int64_t ScratchFloats(int group, int head_dim, int64_t n_keys);
// Softmax of kernels/ops.h with ExpNonPositiveAvx2 for exp and the double sum taken per lane.
void SoftmaxAvx2(float* x, int64_t n);
// y[i] = e^x[i] for x[i] <= 0 (or NaN) within 2 FLT_EPSILON relatively; e^-87 for x[i] < -87.
void ExpNonPositiveAvx2(const float* x, int64_t n, float* y);
void AttendKvGroupScalar(const float* q, int group, int head_dim, const KvHeadF16& kv,
                         int64_t n_keys, float scale, float* scratch, float* out);
void AttendKvGroupAvx2(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                       float scale, float* scratch, float* out);
}  // namespace internal

}  // namespace lfm::kernels
