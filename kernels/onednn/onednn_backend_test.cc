// The onednn backend against the reference backend in every weight format this CPU runs, plus
// what is particular to it: the packed-weight cache, and int8 inputs at the extremes where the
// 16-bit pair sums of AVX2 int8 kernels would saturate.
#include "kernels/onednn/onednn_backend.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/backend_checks.h"
#include "kernels/reference/reference_backend.h"
#include "kernels/test_weights.h"

namespace lfm::kernels {
namespace {

// NMSE tolerances against the reference, which rounds activations to 8-bit blocks (q8_0/q8_K)
// before quantized products, as llama.cpp does.
// - f32 (dequantized panels, as openblas), bf16: the gap is that rounding (observed <= 5e-5 on
// Linear and <= 3e-4 through the
//   MoE's three products, whose SiLU·mul hidden is rounded too) plus, for bf16, rounding both
//   operands to 8-bit mantissas (NMSE ~1e-6). 5e-4 / 1e-3 also bound ggml's 5e-4 for mul_mat.
// - s8: weights requantized to 7 bits per output row (step amax/63; a Gaussian row of 512 has
//   amax ~3σ, so NMSE ~ 9/(12·63²) ~ 2e-4) and activations to 8 bits per token (~5e-5):
//   observed <= 4e-4 on Linear and <= 1.1e-3 through the MoE, hence 1e-3 / 3e-3.
struct Tolerance {
  double linear, moe;
};
Tolerance ToleranceFor(OneDnnFormat format) {
  return format == OneDnnFormat::kS8 ? Tolerance{1e-3, 3e-3} : Tolerance{5e-4, 1e-3};
}

// Formats oneDNN can run here: s8 and f32 on any x86-64 oneDNN supports, bf16 with native bf16.
std::vector<OneDnnFormat> RunnableFormats() {
  std::vector<OneDnnFormat> formats;
  for (OneDnnFormat f : {OneDnnFormat::kBf16, OneDnnFormat::kS8, OneDnnFormat::kF32}) {
    if (MakeOneDnnBackend(nullptr, f).ok()) formats.push_back(f);
  }
  return formats;
}

TEST(OneDnnBackendTest, MatchesReferenceInEveryFormat) {
  ThreadPool pool(2);
  const std::vector<OneDnnFormat> formats = RunnableFormats();
  ASSERT_GE(formats.size(), 2u) << "s8 and f32 run on every x86-64 CPU oneDNN supports";
  for (OneDnnFormat format : formats) {
    const std::unique_ptr<Backend> backend = MakeOneDnnBackend(&pool, format).value();
    SCOPED_TRACE(backend->Describe());
    testing::ExpectMatchesReference(*backend, ToleranceFor(format).linear,
                                    ToleranceFor(format).moe);
  }
}

// The checks above fail on a wrong result: 128 wrong weights in one of 97 rows, or one token's
// slot sent to the wrong expert.
TEST(OneDnnBackendTest, ChecksCatchAWrongResult) {
  ThreadPool pool(2);
  const std::unique_ptr<Backend> reference = MakeReferenceBackend(nullptr);
  for (OneDnnFormat format : RunnableFormats()) {
    const std::unique_ptr<Backend> backend = MakeOneDnnBackend(&pool, format).value();
    std::mt19937 rng(3);
    EXPECT_GT(testing::LinearNmse(*backend, *reference, DType::kQ4_0, 97, 512, 64, rng, true),
              ToleranceFor(format).linear);
    const testing::TestExperts experts(DType::kQ4_0, 8, 256, 256, rng);
    EXPECT_GT(
        testing::MoeNmse(*backend, *reference, experts, 2, 7, testing::Routing::kRandom, rng, true),
        ToleranceFor(format).moe);
  }
}

// The default is f32 on dequantized panels (the file's model); s8 says it re-quantizes.
TEST(OneDnnBackendTest, DescribesTheFormatItComputesIn) {
  const std::unique_ptr<Backend> f32 = MakeOneDnnBackend(nullptr).value();
  EXPECT_EQ(f32->Name(), "onednn");
  const std::string text = f32->Describe();
  EXPECT_NE(text.find("onednn 2."), std::string::npos) << text;
  EXPECT_NE(text.find("sgemm"), std::string::npos) << text;
  EXPECT_NE(text.find("f32 panels"), std::string::npos) << text;
  const std::unique_ptr<Backend> s8 = MakeOneDnnBackend(nullptr, OneDnnFormat::kS8).value();
  EXPECT_EQ(s8->Name(), "onednn-s8");
  const std::string s8_text = s8->Describe();
  EXPECT_NE(s8_text.find(": s8 weights"), std::string::npos) << s8_text;
  EXPECT_NE(s8_text.find("(OpenMP 1) on row slices across 1 engine threads"), std::string::npos)
      << s8_text;
}

// Weights are packed once per address; new bytes at the same address are noticed and repacked.
TEST(OneDnnBackendTest, RepacksWeightsRewrittenInPlace) {
  const std::unique_ptr<Backend> backend = MakeOneDnnBackend(nullptr, OneDnnFormat::kS8).value();
  const std::unique_ptr<Backend> reference = MakeReferenceBackend(nullptr);
  std::mt19937 rng(5);
  const int64_t rows = 64, cols = 256, n = 3;
  std::vector<uint8_t> w = testing::RandomWeights(DType::kQ8_0, rows, cols, rng);
  std::vector<float> x(n * cols, 0.5f), y(n * rows), ref(n * rows);
  const WeightView view{w.data(), DType::kQ8_0, rows, cols};
  for (int round = 0; round < 2; ++round) {
    backend->Linear(view, x.data(), n, y.data());
    reference->Linear(view, x.data(), n, ref.data());
    EXPECT_LT(testing::Nmse(y.data(), ref.data(), n * rows), ToleranceFor(OneDnnFormat::kS8).linear)
        << "round " << round;
    const std::vector<uint8_t> other = testing::RandomWeights(DType::kQ8_0, rows, cols, rng);
    std::copy(other.begin(), other.end(), w.begin());
  }
}

// Every u8·s8 pair at its largest: all-±1 weights against all-+1 and all--1 activations, so
// the 7-bit weights (63) meet 255 and 1 after the zero point. Such rows are exactly
// representable, so the result must be exact; a saturating int16 pair sum would be off by ~half.
TEST(OneDnnBackendTest, Int8ExtremesAreExact) {
  ThreadPool pool(2);
  const std::unique_ptr<Backend> backend = MakeOneDnnBackend(&pool, OneDnnFormat::kS8).value();
  const int64_t rows = 3, cols = 512, n = 2;
  std::vector<float> w(rows * cols), x(n * cols), y(n * rows);
  for (int64_t c = 0; c < cols; ++c) {
    w[c] = 1.0f;          // row 0: all +1
    w[cols + c] = -1.0f;  // row 1: all -1
    w[2 * cols + c] = c % 2 ? 1.0f : -1.0f;
    x[c] = 1.0f;          // token 0: all +1
    x[cols + c] = -1.0f;  // token 1: all -1
  }
  backend->Linear({w.data(), DType::kF32, rows, cols}, x.data(), n, y.data());
  const float expected[] = {512, -512, 0, -512, 512, 0};
  for (int i = 0; i < n * rows; ++i) EXPECT_NEAR(y[i], expected[i], 1e-3) << "output " << i;
}

}  // namespace
}  // namespace lfm::kernels
