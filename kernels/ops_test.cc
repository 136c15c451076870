#include "kernels/ops.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/quant/quantize.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels {
namespace {

TEST(OpsTest, RmsNormByHand) {
  const float x[4] = {1, -2, 3, -4};  // mean square 7.5
  const float w[4] = {1, 1, 2, 0.5f};
  float y[4];
  RmsNorm(x, w, 4, 0.5f, y);  // scale 1/sqrt(8) exactly
  const float s = 1 / std::sqrt(8.0f);
  EXPECT_FLOAT_EQ(y[0], 1 * s);
  EXPECT_FLOAT_EQ(y[2], 3 * s * 2);
  EXPECT_FLOAT_EQ(y[3], -4 * s * 0.5f);
}

TEST(OpsTest, RopeNeoxRotatesHalfPairsByTheClosedFormAngle) {
  const int heads = 2, dim = 8;
  std::vector<float> x(heads * dim), orig;
  for (int i = 0; i < heads * dim; ++i) x[i] = 0.1f * (i + 1);
  orig = x;
  RopeNeox(x.data(), heads, dim, 0, 10000.0f);
  EXPECT_EQ(x, orig);  // position 0 is the identity
  RopeNeox(x.data(), heads, dim, 7, 10000.0f);
  for (int h = 0; h < heads; ++h) {
    for (int m = 0; m < dim / 2; ++m) {
      const double angle = 7 * std::pow(10000.0, -2.0 * m / dim);
      const double a = orig[h * dim + m], b = orig[h * dim + m + dim / 2];
      // Angles by repeated float multiplication (as ggml) differ from pow() in the last bits.
      EXPECT_NEAR(x[h * dim + m], a * std::cos(angle) - b * std::sin(angle), 1e-5);
      EXPECT_NEAR(x[h * dim + m + dim / 2], a * std::sin(angle) + b * std::cos(angle), 1e-5);
    }
  }
}

TEST(OpsTest, SoftmaxIsNormalizedAndStableForLargeInputs) {
  std::vector<float> x = {1000, 1001, 999};
  Softmax(x.data(), 3);
  EXPECT_NEAR(x[0] + x[1] + x[2], 1.0f, 1e-6);
  EXPECT_NEAR(x[1] / x[0], std::exp(1.0f), 1e-4);
}

TEST(OpsTest, LinearReferenceF32IsExactMatVec) {
  const int rows = 3, cols = 4, tokens = 2;
  const float w[rows * cols] = {1, 2, 3, 4, 0, -1, 0, 1, 0.5f, 0.5f, 0.5f, 0.5f};
  const float x[tokens * cols] = {1, 1, 1, 1, 1, 0, -1, 2};
  float y[tokens * rows];
  LinearReference({w, DType::kF32, rows, cols}, x, tokens, y, nullptr);
  const float expected[tokens * rows] = {10, 0, 2, 6, 2, 1};
  for (int i = 0; i < tokens * rows; ++i) EXPECT_EQ(y[i], expected[i]) << i;
}

TEST(OpsTest, LinearReferenceQuantizedEqualsPerRowVecDotWithAndWithoutPool) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 1);
  const int rows = 37, cols = 256, tokens = 3;
  std::vector<float> wf(rows * cols), x(tokens * cols);
  for (float& v : wf) v = normal(rng);
  for (float& v : x) v = normal(rng);
  for (DType type : {DType::kQ4_0, DType::kQ8_0, DType::kQ6_K, DType::kF16}) {
    std::vector<uint8_t> w(RowBytes(type, cols) * rows);
    for (int r = 0; r < rows; ++r) QuantizeRow(type, &wf[r * cols], &w[r * RowBytes(type, cols)], cols);
    const WeightView view{w.data(), type, rows, cols};
    std::vector<float> y1(tokens * rows), y2(tokens * rows);
    LinearReference(view, x.data(), tokens, y1.data(), nullptr);
    ThreadPool pool(2);
    LinearReference(view, x.data(), tokens, y2.data(), &pool);
    EXPECT_EQ(y1, y2) << DTypeName(type);
    std::vector<uint8_t> act(RowBytes(VecDotType(type), cols));
    QuantizeActivations(VecDotType(type), &x[2 * cols], act.data(), cols);
    EXPECT_EQ(y1[2 * rows + 5], VecDot(type, view.row(5), act.data(), cols)) << DTypeName(type);
  }
}

}  // namespace
}  // namespace lfm::kernels
