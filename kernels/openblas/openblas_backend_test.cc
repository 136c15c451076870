// The openblas backend against the reference backend: the common sweep, shapes that cut its
// dequantized panels at awkward places, one thread and several, and that its checks can fail.
#include "kernels/openblas/openblas_backend.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "kernels/backend_checks.h"
#include "kernels/reference/reference_backend.h"

namespace lfm::kernels {
namespace {

// NMSE tolerances against the reference. The weights are dequantized exactly, so the gap is the
// reference's rounding of activations to 8-bit blocks (q8_0/q8_K) before quantized products
// (f16/bf16 for f16/bf16 weights): observed <= 5e-5 on Linear and <= 3e-4 through the MoE's
// three products, whose SiLU·mul hidden is rounded too. ggml allows 5e-4 for mul_mat.
constexpr double kLinearTolerance = 5e-4;
constexpr double kMoeTolerance = 1e-3;

TEST(OpenBlasBackendTest, MatchesReference) {
  ThreadPool pool(2);
  const std::unique_ptr<Backend> backend = MakeOpenBlasBackend(&pool);
  testing::ExpectMatchesReference(*backend, kLinearTolerance, kMoeTolerance);
}

// Panels hold 64 Ki floats for one token and 1 Mi floats for more. One token: 2048 columns give
// 32-row panels (97 rows: the last has 1 row), 7168 columns 9-row panels, experts with D = 512,
// F = 768 64-row gate/up and 85-row down panels. Seven tokens: 512-row panels for 600 rows,
// 146-row panels for 150 rows, experts with D = 2048, F = 768 256-row gate/up and 1365-row down
// panels. Run on the engine pool and without one.
TEST(OpenBlasBackendTest, MatchesReferenceAcrossPanelBoundaries) {
  struct Case {
    int64_t tokens, rows_2048, rows_7168, expert_d;
  };
  ThreadPool pool(2);
  const std::unique_ptr<Backend> reference = MakeReferenceBackend(nullptr);
  std::mt19937 rng(9);
  for (ThreadPool* p : {&pool, static_cast<ThreadPool*>(nullptr)}) {
    const std::unique_ptr<Backend> backend = MakeOpenBlasBackend(p);
    for (const Case& c : {Case{1, 97, 20, 512}, Case{7, 600, 150, 2048}}) {
      EXPECT_LT(
          testing::LinearNmse(*backend, *reference, DType::kQ4_0, c.rows_2048, 2048, c.tokens, rng),
          kLinearTolerance);
      EXPECT_LT(
          testing::LinearNmse(*backend, *reference, DType::kQ6_K, c.rows_7168, 7168, c.tokens, rng),
          kLinearTolerance);
      const testing::TestExperts experts(DType::kQ4_0, 2, c.expert_d, 768, rng);
      EXPECT_LT(testing::MoeNmse(*backend, *reference, experts, 2, c.tokens,
                                 testing::Routing::kRandom, rng),
                kMoeTolerance);
    }
  }
}

// The checks above fail on a wrong result: 128 wrong weights in one of 97 rows, or one token's
// slot sent to the wrong expert.
TEST(OpenBlasBackendTest, ChecksCatchAWrongResult) {
  ThreadPool pool(2);
  const std::unique_ptr<Backend> backend = MakeOpenBlasBackend(&pool);
  const std::unique_ptr<Backend> reference = MakeReferenceBackend(nullptr);
  std::mt19937 rng(3);
  EXPECT_GT(testing::LinearNmse(*backend, *reference, DType::kQ4_0, 97, 512, 64, rng, true),
            kLinearTolerance);
  const testing::TestExperts experts(DType::kQ4_0, 8, 256, 256, rng);
  EXPECT_GT(
      testing::MoeNmse(*backend, *reference, experts, 2, 7, testing::Routing::kRandom, rng, true),
      kMoeTolerance);
}

TEST(OpenBlasBackendTest, DescribesItsThreading) {
  ThreadPool pool(2);
  const std::string text = MakeOpenBlasBackend(&pool)->Describe();
  EXPECT_NE(text.find("OpenBLAS 0."), std::string::npos) << text;
  EXPECT_NE(text.find("set to 1 thread per call"), std::string::npos) << text;
  EXPECT_NE(text.find("2 engine threads"), std::string::npos) << text;
}

}  // namespace
}  // namespace lfm::kernels
