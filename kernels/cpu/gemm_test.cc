#include "kernels/cpu/gemm.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/cpu/cpu_features.h"
#include "kernels/quant/quantize.h"
#include "kernels/quant/vec_dot.h"
#include "kernels/test_weights.h"

namespace lfm::kernels::cpu {
namespace {

struct Shape {
  int64_t rows, cols, tokens;
};

// GemmRows against the scalar reference dot products for every type and awkward shapes
// (1..9 tokens around the 4-token tile, rows not a multiple of the 64-row block or of the
// 2- and 4-row tiles (1, 2 and 3 rows left over), a row range that starts mid-matrix).
TEST(GemmTest, MatchesReferenceDotProducts) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0, 1);
  const Shape shapes[] = {{1, 256, 1}, {37, 256, 2}, {70, 512, 3}, {5, 256, 4}, {65, 256, 5}, {3, 512, 9}, {8, 256, 1}};
  for (DType type : testing::kAllWeightTypes) {
    for (const Shape& s : shapes) {
      const std::vector<uint8_t> w = testing::RandomWeights(type, s.rows, s.cols, rng);
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
