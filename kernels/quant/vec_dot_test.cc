#include "kernels/quant/vec_dot.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/quant/blocks.h"
#include "kernels/quant/fp16.h"
#include "kernels/quant/quantize.h"

namespace lfm::kernels {
namespace {

TEST(VecDotTest, Q4_0TimesQ8_0ByHand) {
  BlockQ4_0 w;
  w.d = Fp32ToFp16(0.5f);
  std::memset(w.qs, 0x99, sizeof(w.qs));  // every nibble 9: every weight is (9 - 8) * 0.5
  BlockQ8_0 a;
  a.d = Fp32ToFp16(0.25f);
  for (int j = 0; j < 32; ++j) a.qs[j] = static_cast<int8_t>(j - 16);
  // isum = sum_j (j - 16) = 496 - 512 = -16; result = -16 * 0.5 * 0.25.
  EXPECT_EQ(VecDot(DType::kQ4_0, &w, &a, 32), -2.0f);
}

TEST(VecDotTest, Q8_0TimesQ8_0ByHand) {
  BlockQ8_0 w, a;
  w.d = Fp32ToFp16(2.0f);
  a.d = Fp32ToFp16(0.5f);
  for (int j = 0; j < 32; ++j) w.qs[j] = static_cast<int8_t>(j % 2 == 0 ? 3 : -1), a.qs[j] = 2;
  // isum = 16 * (3 * 2) + 16 * (-1 * 2) = 64; result = 64 * 2 * 0.5.
  EXPECT_EQ(VecDot(DType::kQ8_0, &w, &a, 32), 64.0f);
}

TEST(VecDotTest, Q4_KTimesQ8_KByHand) {
  BlockQ4_K w{};
  w.d = Fp32ToFp16(1.0f);
  w.dmin = Fp32ToFp16(0.5f);
  // Sub-blocks 0..3: scale s+1, min 2 (plain 6-bit fields). Sub-blocks 4..7: scale 5, min 1,
  // stored in the low/high nibbles of scales[8..11] (the upper 2 bits stay 0).
  for (int s = 0; s < 4; ++s) w.scales[s] = static_cast<uint8_t>(s + 1), w.scales[s + 4] = 2;
  for (int s = 4; s < 8; ++s) w.scales[s + 4] = static_cast<uint8_t>(5 | (1 << 4));
  std::memset(w.qs, 0x33, sizeof(w.qs));  // every quant 3
  BlockQ8_K a{};
  a.d = 1.0f;
  for (int e = 0; e < 256; ++e) a.qs[e] = 1;
  for (int g = 0; g < 16; ++g) a.bsums[g] = 16;
  // Per sub-block: d*sc*3*32 - dmin*m*32. Scales 1+2+3+4+4*5 = 30 -> 30*96 = 2880;
  // mins 4*2 + 4*1 = 12 -> 0.5 * 12 * 32 = 192.
  EXPECT_EQ(VecDot(DType::kQ4_K, &w, &a, 256), 2880.0f - 192.0f);
  std::vector<float> y(256);
  DequantizeRow(DType::kQ4_K, &w, y.data(), 256);
  EXPECT_EQ(y[0], 1.0f * 1 * 3 - 0.5f * 2);    // sub-block 0
  EXPECT_EQ(y[255], 1.0f * 5 * 3 - 0.5f * 1);  // sub-block 7
}

TEST(VecDotTest, Q6_KTimesQ8_KByHand) {
  BlockQ6_K w{};
  w.d = Fp32ToFp16(0.5f);
  for (int g = 0; g < 16; ++g) w.scales[g] = static_cast<int8_t>(g % 2 == 0 ? 2 : -1);
  // Every quant 33 - 32 = 1: low nibble 1 (ql low and high nibbles), high bits 2 (qh = 0b10 per quarter).
  std::memset(w.ql, 0x11, sizeof(w.ql));
  std::memset(w.qh, 0xAA, sizeof(w.qh));
  BlockQ8_K a{};
  a.d = 2.0f;
  for (int e = 0; e < 256; ++e) a.qs[e] = 3;
  // Per group of 16: scale * 16 * (1 * 3); scales sum to 8 * 2 + 8 * -1 = 8; total 8 * 48 * 0.5 * 2.
  EXPECT_EQ(VecDot(DType::kQ6_K, &w, &a, 256), 384.0f);
}

TEST(QuantizeActivationsTest, Q8_0RoundsHalfToEvenWithScaleAmaxOver127) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;  // amax: id = 1
  x[1] = 2.5f;    // tie: rounds to 2
  x[2] = 3.5f;    // tie: rounds to 4
  x[3] = -1.5f;   // tie: rounds to -2
  BlockQ8_0 a;
  QuantizeActivations(DType::kQ8_0, x.data(), &a, 32);
  EXPECT_EQ(Fp16ToFp32(a.d), 1.0f);
  EXPECT_EQ(a.qs[0], 127);
  EXPECT_EQ(a.qs[1], 2);
  EXPECT_EQ(a.qs[2], 4);
  EXPECT_EQ(a.qs[3], -2);
}

TEST(QuantizeActivationsTest, Q8_KKeepsSignOfLargestAndSumsGroups) {
  std::vector<float> x(256, 0.5f);
  x[7] = -2.0f;  // largest magnitude is negative: iscale = -127 / -2 > 0
  BlockQ8_K a;
  QuantizeActivations(DType::kQ8_K, x.data(), &a, 256);
  EXPECT_EQ(a.qs[7], -127);
  EXPECT_EQ(a.qs[0], 32);  // rint(63.5 * 0.5 = 31.75) = 32
  EXPECT_FLOAT_EQ(a.d, 2.0f / 127.0f);
  EXPECT_EQ(a.bsums[0], 15 * 32 - 127);
  EXPECT_EQ(a.bsums[1], 16 * 32);
}

// For every type, the integer dot must equal the float dot of the dequantized operands up to
// float rounding: this ties the dot kernels to the (bit-exact) dequantizers.
TEST(VecDotTest, MatchesDotOfDequantizedOperands) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> normal(0, 1);
  const int n = 512;
  std::vector<float> x(n);
  for (float& v : x) v = normal(rng);
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0,
                     DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    std::vector<uint8_t> w(RowBytes(type, n));
    if (CanQuantize(type)) {
      std::vector<float> wf(n);
      for (float& v : wf) v = normal(rng);
      QuantizeRow(type, wf.data(), w.data(), n);
    } else {
      // Random bytes are valid K-quant blocks once the fp16 super-scales are set to sane values.
      for (uint8_t& b : w) b = static_cast<uint8_t>(byte(rng));
      const int block = Info(type).block_bytes;
      for (int off = 0; off < static_cast<int>(w.size()); off += block) {
        const uint16_t d = Fp32ToFp16(0.01f), dmin = Fp32ToFp16(0.02f);
        if (type == DType::kQ6_K) {
          std::memcpy(&w[off + 208], &d, 2);
        } else {
          std::memcpy(&w[off], &d, 2);
          std::memcpy(&w[off + 2], &dmin, 2);
        }
      }
    }
    const DType act_type = VecDotType(type);
    std::vector<uint8_t> act(RowBytes(act_type, n));
    QuantizeActivations(act_type, x.data(), act.data(), n);
    std::vector<float> wd(n), ad(n);
    DequantizeRow(type, w.data(), wd.data(), n);
    if (act_type == DType::kQ8_K) {
      const auto* blocks = reinterpret_cast<const BlockQ8_K*>(act.data());
      for (int i = 0; i < n; ++i) ad[i] = blocks[i / 256].d * blocks[i / 256].qs[i % 256];
    } else {
      DequantizeRow(act_type, act.data(), ad.data(), n);
    }
    double expected = 0, magnitude = 0;
    for (int i = 0; i < n; ++i) expected += double(wd[i]) * ad[i], magnitude += std::fabs(double(wd[i]) * ad[i]);
    const float got = VecDot(type, w.data(), act.data(), n);
    // Float accumulation over n products: relative error a few ulps of the summed magnitude.
    EXPECT_NEAR(got, expected, 1e-5 * magnitude) << DTypeName(type);
    // A one-unit change in one activation quant must move the result (the check can fail).
    if (act_type == DType::kQ8_0 || act_type == DType::kQ8_K) {
      std::vector<uint8_t> bumped = act;
      bumped[act_type == DType::kQ8_0 ? 2 : 4] ^= 0x10;
      EXPECT_NE(VecDot(type, w.data(), bumped.data(), n), got) << DTypeName(type);
    }
  }
}

}  // namespace
}  // namespace lfm::kernels
