#include "kernels/quant/vec_dot.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/check.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/fp16.h"
#include "kernels/quant/k_quants.h"
#include "kernels/quant/quantize.h"

namespace lfm::kernels {
namespace {

void QuantizeQ8_0Activations(const float* x, BlockQ8_0* out, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    out[b].d = Fp32ToFp16(amax / 127.f);
    const float id = amax != 0 ? 127.f / amax : 0.f;
    for (int j = 0; j < kQK; ++j) out[b].qs[j] = static_cast<int8_t>(NearestInt(x[j] * id));
  }
}

void QuantizeQ8_KActivations(const float* x, BlockQ8_K* out, int64_t n) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK) {
    float amax = 0, max = 0;  // max keeps the sign of the largest-magnitude value
    for (int j = 0; j < kQKK; ++j) {
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    }
    BlockQ8_K& blk = out[b];
    if (amax == 0) {
      std::memset(&blk, 0, sizeof(blk));
      continue;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < kQKK; ++j) blk.qs[j] = static_cast<int8_t>(std::min(127, NearestInt(iscale * x[j])));
    for (int g = 0; g < kQKK / 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += blk.qs[16 * g + j];
      blk.bsums[g] = static_cast<int16_t>(sum);
    }
    blk.d = 1 / iscale;
  }
}

float DotF32(const float* w, const float* a, int64_t n) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i]) * a[i];
  return static_cast<float>(sum);
}

float DotF16(const uint16_t* w, const uint16_t* a, int64_t n) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(Fp16ToFp32(w[i])) * Fp16ToFp32(a[i]);
  return static_cast<float>(sum);
}

float DotBf16(const uint16_t* w, const uint16_t* a, int64_t n) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(Bf16ToFp32(w[i])) * Bf16ToFp32(a[i]);
  return static_cast<float>(sum);
}

float DotQ4_0(const BlockQ4_0* w, const BlockQ8_0* a, int64_t n) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      isum += ((w[b].qs[j] & 0xF) - 8) * a[b].qs[j];
      isum += ((w[b].qs[j] >> 4) - 8) * a[b].qs[j + kQK / 2];
    }
    sum += static_cast<float>(isum) * (Fp16ToFp32(w[b].d) * Fp16ToFp32(a[b].d));
  }
  return sum;
}

float DotQ8_0(const BlockQ8_0* w, const BlockQ8_0* a, int64_t n) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += w[b].qs[j] * a[b].qs[j];
    sum += static_cast<float>(isum) * (Fp16ToFp32(w[b].d) * Fp16ToFp32(a[b].d));
  }
  return sum;
}

// Shared by Q4_K and Q5_K: `quant(e)` gives the unsigned quant of element e of block b.
template <typename Block, typename QuantFn>
float DotK4Like(const Block* w, const BlockQ8_K* a, int64_t n, QuantFn quant) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    int scaled = 0, mins = 0;
    for (int s = 0; s < 8; ++s) {
      int sc, m;
      KScaleMin(s, w[b].scales, &sc, &m);
      int isum = 0;
      for (int e = 32 * s; e < 32 * s + 32; ++e) isum += quant(w[b], e) * a[b].qs[e];
      scaled += sc * isum;
      mins += m * (a[b].bsums[2 * s] + a[b].bsums[2 * s + 1]);
    }
    sum += Fp16ToFp32(w[b].d) * a[b].d * scaled - Fp16ToFp32(w[b].dmin) * a[b].d * mins;
  }
  return sum;
}

float DotQ6_K(const BlockQ6_K* w, const BlockQ8_K* a, int64_t n) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    int scaled = 0;
    for (int g = 0; g < kQKK / 16; ++g) {
      int isum = 0;
      for (int e = 16 * g; e < 16 * g + 16; ++e) isum += Q6_KQuant(w[b], e) * a[b].qs[e];
      scaled += w[b].scales[g] * isum;
    }
    sum += Fp16ToFp32(w[b].d) * a[b].d * scaled;
  }
  return sum;
}

}  // namespace

DType VecDotType(DType weight_type) {
  switch (weight_type) {
    case DType::kQ4_0: case DType::kQ8_0: return DType::kQ8_0;
    case DType::kQ4_K: case DType::kQ5_K: case DType::kQ6_K: return DType::kQ8_K;
    default: return weight_type;
  }
}

bool CanVecDot(DType t) {
  switch (t) {
    case DType::kF32: case DType::kF16: case DType::kBF16: case DType::kQ4_0:
    case DType::kQ8_0: case DType::kQ4_K: case DType::kQ5_K: case DType::kQ6_K:
      return true;
    default:
      return false;
  }
}

void QuantizeActivations(DType vec_dot_type, const float* x, void* out, int64_t n) {
  switch (vec_dot_type) {
    case DType::kQ8_0: return QuantizeQ8_0Activations(x, static_cast<BlockQ8_0*>(out), n);
    case DType::kQ8_K: return QuantizeQ8_KActivations(x, static_cast<BlockQ8_K*>(out), n);
    case DType::kF32: case DType::kF16: case DType::kBF16: return QuantizeRow(vec_dot_type, x, out, n);
    default: LFM_CHECK(false, "no activation format {}", DTypeName(vec_dot_type));
  }
}

float VecDot(DType t, const void* w, const void* a, int64_t n) {
  switch (t) {
    case DType::kF32: return DotF32(static_cast<const float*>(w), static_cast<const float*>(a), n);
    case DType::kF16: return DotF16(static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(a), n);
    case DType::kBF16: return DotBf16(static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(a), n);
    case DType::kQ4_0: return DotQ4_0(static_cast<const BlockQ4_0*>(w), static_cast<const BlockQ8_0*>(a), n);
    case DType::kQ8_0: return DotQ8_0(static_cast<const BlockQ8_0*>(w), static_cast<const BlockQ8_0*>(a), n);
    case DType::kQ4_K:
      return DotK4Like(static_cast<const BlockQ4_K*>(w), static_cast<const BlockQ8_K*>(a), n, Q4_KQuant);
    case DType::kQ5_K:
      return DotK4Like(static_cast<const BlockQ5_K*>(w), static_cast<const BlockQ8_K*>(a), n, Q5_KQuant);
    case DType::kQ6_K: return DotQ6_K(static_cast<const BlockQ6_K*>(w), static_cast<const BlockQ8_K*>(a), n);
    default: LFM_CHECK(false, "no dot product for {}", DTypeName(t));
  }
  return 0;
}

}  // namespace lfm::kernels
