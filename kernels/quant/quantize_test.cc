#include "kernels/quant/quantize.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/quant/blocks.h"
#include "kernels/quant/fp16.h"

namespace lfm::kernels {
namespace {

// The compiler's _Float16 conversion (IEEE round-to-nearest-even) is the oracle.
TEST(Fp16Test, MatchesCompilerConversionForEveryHalfAndManyFloats) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    _Float16 f16;
    const uint16_t bits = static_cast<uint16_t>(h);
    std::memcpy(&f16, &bits, 2);
    const float expected = static_cast<float>(f16);
    const float got = Fp16ToFp32(bits);
    if (std::isnan(expected)) {
      ASSERT_TRUE(std::isnan(got));
    } else {
      ASSERT_EQ(FloatBits(got), FloatBits(expected)) << h;
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000000; ++i) {
    const float f = BitsFloat(rng());
    if (std::isnan(f)) continue;
    const _Float16 f16 = static_cast<_Float16>(f);
    uint16_t expected;
    std::memcpy(&expected, &f16, 2);
    ASSERT_EQ(Fp32ToFp16(f), expected) << f;
  }
}

TEST(Bf16Test, RoundsToNearestEven) {
  EXPECT_EQ(Fp32ToBf16(1.0f), 0x3F80);
  EXPECT_EQ(Fp32ToBf16(BitsFloat(0x3F808000)), 0x3F80);  // tie, even stays
  EXPECT_EQ(Fp32ToBf16(BitsFloat(0x3F818000)), 0x3F82);  // tie, odd rounds up
  EXPECT_EQ(Fp32ToBf16(BitsFloat(0x3F808001)), 0x3F81);
  EXPECT_EQ(Bf16ToFp32(0xC040), -3.0f);
}

TEST(QuantizeTest, Q4_0BlockByHand) {
  // Values -8..7 step 1 twice, scaled by 0.5: max-magnitude value is -4 -> d = 0.5.
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = 0.5f * ((j % 16) - 8);
  BlockQ4_0 block;
  QuantizeRow(DType::kQ4_0, x.data(), &block, 32);
  EXPECT_EQ(Fp16ToFp32(block.d), 0.5f);
  EXPECT_EQ(block.qs[0], 0x00);   // -8 + 8 = 0 in both nibbles
  EXPECT_EQ(block.qs[15], 0xFF);  // 7 + 8 = 15
  std::vector<float> y(32);
  DequantizeRow(DType::kQ4_0, &block, y.data(), 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], x[j]) << j;
}

TEST(QuantizeTest, Q8_0BlockByHand) {
  std::vector<float> x(32, 0.0f);
  x[0] = 1.27f;
  x[5] = -0.5f;
  BlockQ8_0 block;
  QuantizeRow(DType::kQ8_0, x.data(), &block, 32);
  EXPECT_EQ(block.d, Fp32ToFp16(0.01f));
  EXPECT_EQ(block.qs[0], 127);
  EXPECT_EQ(block.qs[5], -50);
}

TEST(QuantizeTest, RoundTripErrorWithinFormatResolution) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0, 1);
  const int n = 1024;
  std::vector<float> x(n), y(n);
  for (float& v : x) v = normal(rng);
  // Worst-case error per value relative to the block's max magnitude, from each format's step.
  const struct { DType type; float rel_tol; } cases[] = {
      {DType::kF16, 1e-3f}, {DType::kBF16, 8e-3f}, {DType::kQ8_0, 1.0f / 127},
      {DType::kQ4_0, 1.0f / 8}, {DType::kQ6_K, 1.0f / 31 + 1.0f / 127},
      // K-quants: half a step of (range / levels) plus the 6-bit rounding of scale and offset.
      {DType::kQ4_K, 2.0f / 15 / 2 + 2.0f / 63}, {DType::kQ5_K, 2.0f / 31 / 2 + 2.0f / 63}};
  for (const auto& c : cases) {
    std::vector<uint8_t> buf(RowBytes(c.type, n));
    QuantizeRow(c.type, x.data(), buf.data(), n);
    DequantizeRow(c.type, buf.data(), y.data(), n);
    float amax = 0;
    for (float v : x) amax = std::max(amax, std::fabs(v));
    for (int i = 0; i < n; ++i) {
      ASSERT_LE(std::fabs(y[i] - x[i]), c.rel_tol * amax) << DTypeName(c.type) << " at " << i;
    }
  }
}

}  // namespace
}  // namespace lfm::kernels
