#include "kernels/attention.h"

#include "kernels/cpu/cpu_features.h"
#include "kernels/ops.h"
#include "kernels/quant/fp16.h"

namespace lfm::kernels {

bool HasSimdAttention(int head_dim) { return DetectCpuFeatures().avx2 && head_dim % 8 == 0; }

void AttendKvGroup(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                   float scale, std::vector<float>& scratch, float* out) {
  scratch.resize(internal::ScratchFloats(group, head_dim, n_keys));
  if (HasSimdAttention(head_dim)) {
    internal::AttendKvGroupAvx2(q, group, head_dim, kv, n_keys, scale, scratch.data(), out);
  } else {
    internal::AttendKvGroupScalar(q, group, head_dim, kv, n_keys, scale, scratch.data(), out);
  }
}

namespace internal {

int64_t ScratchFloats(int group, int head_dim, int64_t n_keys) {
  return group * (head_dim + n_keys);  // q16 [group, head_dim], then s and p [group, n_keys]
}

void KqScoresScalar(const float* q, int group, int head_dim, const KvHeadF16& kv, int64_t n_keys,
                    float scale, float* q16, float* s) {
  for (int i = 0; i < group * head_dim; ++i) q16[i] = Fp16ToFp32(Fp32ToFp16(q[i]));
  for (int h = 0; h < group; ++h) {
    for (int64_t j = 0; j < n_keys; ++j) {
      const uint16_t* key = kv.k + j * kv.stride;
      float dot = 0;
      for (int d = 0; d < head_dim; ++d) dot += q16[h * head_dim + d] * Fp16ToFp32(key[d]);
      s[h * n_keys + j] = dot * scale;
    }
  }
}

void AttendKvGroupScalar(const float* q, int group, int head_dim, const KvHeadF16& kv,
                         int64_t n_keys, float scale, float* scratch, float* out) {
  float* q16 = scratch;               // [group, head_dim]
  float* p = q16 + group * head_dim;  // [group, n_keys]
  KqScoresScalar(q, group, head_dim, kv, n_keys, scale, q16, p);
  for (int h = 0; h < group; ++h) {
    float* ph = p + h * n_keys;
    Softmax(ph, n_keys);
    float* o = out + h * head_dim;
    for (int d = 0; d < head_dim; ++d) o[d] = 0;
    for (int64_t j = 0; j < n_keys; ++j) {
      const float pj = Fp16ToFp32(Fp32ToFp16(ph[j]));
      const uint16_t* value = kv.v + j * kv.stride;
      for (int d = 0; d < head_dim; ++d) o[d] += pj * Fp16ToFp32(value[d]);
    }
  }
}

}  // namespace internal

}  // namespace lfm::kernels
