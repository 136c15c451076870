#include "kernels/cpu/gemm.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/cpu/cpu_features.h"
#include "kernels/quant/fp16.h"
#include "kernels/quant/quantize.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels::cpu {
namespace {

// Random weights of `type`: quantized from normals where a quantizer exists, else random
// K-quant bytes with sane super-scales.
std::vector<uint8_t> RandomWeights(DType type, int64_t rows, int64_t cols, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<uint8_t> w(RowBytes(type, cols) * rows);
  if (CanQuantize(type)) {
    std::vector<float> row(cols);
    for (int64_t r = 0; r < rows; ++r) {
      for (float& v : row) v = normal(rng);
      QuantizeRow(type, row.data(), w.data() + r * RowBytes(type, cols), cols);
    }
    return w;
  }
  std::uniform_int_distribution<int> byte(0, 255);
  for (uint8_t& b : w) b = static_cast<uint8_t>(byte(rng));
  const uint16_t d = Fp32ToFp16(0.01f), dmin = Fp32ToFp16(0.02f);
  const int block = Info(type).block_bytes;
  for (size_t off = 0; off < w.size(); off += block) {
    std::memcpy(&w[off + (type == DType::kQ6_K ? 208 : 0)], &d, 2);
    if (type != DType::kQ6_K) std::memcpy(&w[off + 2], &dmin, 2);
  }
  return w;
}

struct Shape {
  int64_t rows, cols, tokens;
};

// GemmRows against the scalar reference dot products for every type and awkward shapes
// (1..9 tokens around the 4-token tile, rows not a multiple of the 64-row block, a row range
// that starts mid-matrix).
TEST(GemmTest, MatchesReferenceDotProducts) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0, 1);
  const Shape shapes[] = {{1, 256, 1}, {37, 256, 2}, {70, 512, 3}, {5, 256, 4}, {65, 256, 5}, {3, 512, 9}};
  for (DType type : {DType::kQ4_0, DType::kQ8_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                     DType::kF32, DType::kF16, DType::kBF16}) {
    for (const Shape& s : shapes) {
      const std::vector<uint8_t> w = RandomWeights(type, s.rows, s.cols, rng);
      const WeightView view{w.data(), type, s.rows, s.cols};
      const DType act_type = VecDotType(type);
      const int64_t act_bytes = RowBytes(act_type, s.cols);
      std::vector<float> x(s.tokens * s.cols);
      for (float& v : x) v = normal(rng);
      std::vector<uint8_t> acts(s.tokens * act_bytes);
      for (int64_t t = 0; t < s.tokens; ++t) QuantizeActivations(act_type, &x[t * s.cols], &acts[t * act_bytes], s.cols);
      const int64_t stride = s.rows + 3;  // y rows padded: the stride must be honoured
      std::vector<float> y(s.tokens * stride, -7.0f);
      const int64_t first = s.rows > 2 ? 1 : 0;
      GemmRows(view, first, s.rows, acts.data(), act_bytes, s.tokens, y.data(), stride);
      for (int64_t t = 0; t < s.tokens; ++t) {
        EXPECT_EQ(y[t * stride + s.rows], -7.0f) << "wrote past the row range";
        if (first == 1) {
          EXPECT_EQ(y[t * stride], -7.0f) << "wrote before the row range";
        }
        for (int64_t r = first; r < s.rows; ++r) {
          const float expected = VecDot(type, view.row(r), &acts[t * act_bytes], s.cols);
          // Same integer block sums, different float summation order: a few ulps of the
          // dot's magnitude (bounded by sqrt(cols) * typical term size here).
          EXPECT_NEAR(y[t * stride + r], expected, 2e-5 * (std::fabs(expected) + std::sqrt(s.cols)))
              << DTypeName(type) << " rows=" << s.rows << " tokens=" << s.tokens << " r=" << r << " t=" << t;
        }
      }
    }
    if (DetectCpuFeatures().avx2) {
      EXPECT_TRUE(HasSimdGemm(type)) << DTypeName(type);
    }
  }
}

}  // namespace
}  // namespace lfm::kernels::cpu
