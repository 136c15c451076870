#include "kernels/quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/check.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/fp16.h"
#include "kernels/quant/k_quants.h"

namespace lfm::kernels {
namespace {

void QuantizeQ8_0(const float* x, BlockQ8_0* out, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0 ? 1 / d : 0;
    out[b].d = Fp32ToFp16(d);
    for (int j = 0; j < kQK; ++j) out[b].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
  }
}

void QuantizeQ4_0(const float* x, BlockQ4_0* out, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float amax = 0, max = 0;  // max keeps the sign of the largest-magnitude value
    for (int j = 0; j < kQK; ++j) {
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    }
    const float d = max / -8;
    const float id = d != 0 ? 1 / d : 0;
    out[b].d = Fp32ToFp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = std::min(15, static_cast<int>(x[j] * id + 8.5f));
      const int hi = std::min(15, static_cast<int>(x[j + kQK / 2] * id + 8.5f));
      out[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void QuantizeQ6_K(const float* x, BlockQ6_K* out, int64_t n) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK) {
    BlockQ6_K& blk = out[b];
    float sub_scale[16];
    float max_scale = 0;
    for (int g = 0; g < 16; ++g) {
      float amax = 0;
      for (int j = 0; j < 16; ++j) amax = std::max(amax, std::fabs(x[16 * g + j]));
      sub_scale[g] = amax / 31;
      max_scale = std::max(max_scale, sub_scale[g]);
    }
    const float d = max_scale / 127;
    blk.d = Fp32ToFp16(d);
    const float d16 = Fp16ToFp32(blk.d);
    std::memset(blk.ql, 0, sizeof(blk.ql));
    std::memset(blk.qh, 0, sizeof(blk.qh));
    for (int g = 0; g < 16; ++g) {
      const int sc = d16 != 0 ? std::min(127, NearestInt(sub_scale[g] / d16)) : 0;
      blk.scales[g] = static_cast<int8_t>(sc);
    }
    for (int e = 0; e < kQKK; ++e) {
      const float step = d16 * blk.scales[e / 16];
      const int v = step != 0 ? std::clamp(NearestInt(x[e] / step), -32, 31) : 0;
      const int q = v + 32;  // 0..63
      const int h = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
      uint8_t& low = blk.ql[64 * h + l + 32 * (quarter & 1)];
      low |= static_cast<uint8_t>((q & 0xF) << (quarter < 2 ? 0 : 4));
      blk.qh[32 * h + l] |= static_cast<uint8_t>((q >> 4) << (2 * quarter));
    }
  }
}

// Q4_K / Q5_K with `levels` = 15 / 31: per 32-value sub-block, x ~ sc*d*q - m*dmin with an
// offset m*dmin = -min(0, min x); 6-bit scales and offsets under fp16 super-scales. A plain
// min/max choice (ggml searches for the RMSE-optimal one); the layout is exact.
template <typename Block>
void QuantizeQ4_KFamily(const float* x, Block* out, int64_t n, int levels) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK) {
    Block& blk = out[b];
    float scale[8], offset[8], max_scale = 0, max_offset = 0;
    for (int s = 0; s < 8; ++s) {
      float lo = 0, hi = 0;
      for (int j = 0; j < 32; ++j) lo = std::min(lo, x[32 * s + j]), hi = std::max(hi, x[32 * s + j]);
      scale[s] = (hi - lo) / levels;
      offset[s] = -lo;
      max_scale = std::max(max_scale, scale[s]);
      max_offset = std::max(max_offset, offset[s]);
    }
    blk.d = Fp32ToFp16(max_scale / 63);
    blk.dmin = Fp32ToFp16(max_offset / 63);
    const float d = Fp16ToFp32(blk.d), dmin = Fp16ToFp32(blk.dmin);
    int sc[8], m[8];
    for (int s = 0; s < 8; ++s) {
      sc[s] = d > 0 ? std::clamp(NearestInt(scale[s] / d), 0, 63) : 0;
      m[s] = dmin > 0 ? std::clamp(NearestInt(offset[s] / dmin), 0, 63) : 0;
    }
    for (int s = 0; s < 4; ++s) {
      blk.scales[s] = static_cast<uint8_t>(sc[s] | ((sc[s + 4] >> 4) << 6));
      blk.scales[s + 4] = static_cast<uint8_t>(m[s] | ((m[s + 4] >> 4) << 6));
      blk.scales[s + 8] = static_cast<uint8_t>((sc[s + 4] & 0xF) | ((m[s + 4] & 0xF) << 4));
    }
    std::memset(blk.qs, 0, sizeof(blk.qs));
    if constexpr (sizeof(Block) == sizeof(BlockQ5_K)) std::memset(blk.qh, 0, sizeof(blk.qh));
    for (int e = 0; e < kQKK; ++e) {
      const int s = e / 32, c = e / 64;
      const float step = d * sc[s];
      const int q = step > 0 ? std::clamp(NearestInt((x[e] + dmin * m[s]) / step), 0, levels) : 0;
      blk.qs[32 * c + e % 32] |= static_cast<uint8_t>((q & 0xF) << (s % 2 == 0 ? 0 : 4));
      if constexpr (sizeof(Block) == sizeof(BlockQ5_K)) {
        blk.qh[e % 32] |= static_cast<uint8_t>((q >> 4) << (2 * c + s % 2));
      }
    }
  }
}

void DequantizeQ8_0(const BlockQ8_0* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float d = Fp16ToFp32(in[b].d);
    for (int j = 0; j < kQK; ++j) *y++ = in[b].qs[j] * d;
  }
}

void DequantizeQ4_0(const BlockQ4_0* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, y += kQK) {
    const float d = Fp16ToFp32(in[b].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = ((in[b].qs[j] & 0xF) - 8) * d;
      y[j + kQK / 2] = ((in[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void DequantizeQ4_K(const BlockQ4_K* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQKK; ++b, y += kQKK) {
    const float d = Fp16ToFp32(in[b].d), dmin = Fp16ToFp32(in[b].dmin);
    for (int e = 0; e < kQKK; ++e) {
      int sc, m;
      KScaleMin(e / 32, in[b].scales, &sc, &m);
      y[e] = d * sc * Q4_KQuant(in[b], e) - dmin * m;
    }
  }
}

void DequantizeQ5_K(const BlockQ5_K* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQKK; ++b, y += kQKK) {
    const float d = Fp16ToFp32(in[b].d), dmin = Fp16ToFp32(in[b].dmin);
    for (int e = 0; e < kQKK; ++e) {
      int sc, m;
      KScaleMin(e / 32, in[b].scales, &sc, &m);
      y[e] = d * sc * Q5_KQuant(in[b], e) - dmin * m;
    }
  }
}

void DequantizeQ6_K(const BlockQ6_K* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQKK; ++b, y += kQKK) {
    const float d = Fp16ToFp32(in[b].d);
    for (int e = 0; e < kQKK; ++e) y[e] = d * in[b].scales[e / 16] * Q6_KQuant(in[b], e);
  }
}

}  // namespace

bool CanQuantize(DType type) {
  switch (type) {
    case DType::kF32: case DType::kF16: case DType::kBF16:
    case DType::kQ8_0: case DType::kQ4_0: case DType::kQ4_K: case DType::kQ5_K: case DType::kQ6_K:
      return true;
    default:
      return false;
  }
}

void QuantizeRow(DType type, const float* x, void* out, int64_t n) {
  LFM_CHECK(n % Info(type).block_elems == 0, "{} values for {}", n, DTypeName(type));
  switch (type) {
    case DType::kF32:
      std::memcpy(out, x, n * sizeof(float));
      return;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) static_cast<uint16_t*>(out)[i] = Fp32ToFp16(x[i]);
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) static_cast<uint16_t*>(out)[i] = Fp32ToBf16(x[i]);
      return;
    case DType::kQ8_0:
      return QuantizeQ8_0(x, static_cast<BlockQ8_0*>(out), n);
    case DType::kQ4_0:
      return QuantizeQ4_0(x, static_cast<BlockQ4_0*>(out), n);
    case DType::kQ4_K:
      return QuantizeQ4_KFamily(x, static_cast<BlockQ4_K*>(out), n, 15);
    case DType::kQ5_K:
      return QuantizeQ4_KFamily(x, static_cast<BlockQ5_K*>(out), n, 31);
    case DType::kQ6_K:
      return QuantizeQ6_K(x, static_cast<BlockQ6_K*>(out), n);
    default:
      LFM_CHECK(false, "cannot quantize to {}", DTypeName(type));
  }
}

bool CanDequantize(DType type) {
  switch (type) {
    case DType::kF32: case DType::kF16: case DType::kBF16: case DType::kQ8_0:
    case DType::kQ4_0: case DType::kQ4_K: case DType::kQ5_K: case DType::kQ6_K:
      return true;
    default:
      return false;
  }
}

void DequantizeRow(DType type, const void* in, float* y, int64_t n) {
  LFM_CHECK(n % Info(type).block_elems == 0, "{} values for {}", n, DTypeName(type));
  switch (type) {
    case DType::kF32:
      std::memcpy(y, in, n * sizeof(float));
      return;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) y[i] = Fp16ToFp32(static_cast<const uint16_t*>(in)[i]);
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) y[i] = Bf16ToFp32(static_cast<const uint16_t*>(in)[i]);
      return;
    case DType::kQ8_0:
      return DequantizeQ8_0(static_cast<const BlockQ8_0*>(in), y, n);
    case DType::kQ4_0:
      return DequantizeQ4_0(static_cast<const BlockQ4_0*>(in), y, n);
    case DType::kQ4_K:
      return DequantizeQ4_K(static_cast<const BlockQ4_K*>(in), y, n);
    case DType::kQ5_K:
      return DequantizeQ5_K(static_cast<const BlockQ5_K*>(in), y, n);
    case DType::kQ6_K:
      return DequantizeQ6_K(static_cast<const BlockQ6_K*>(in), y, n);
    default:
      LFM_CHECK(false, "cannot dequantize {}", DTypeName(type));
  }
}

}  // namespace lfm::kernels
