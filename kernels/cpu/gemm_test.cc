#include "kernels/cpu/gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/fp16.h"
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
  const Shape shapes[] = {{1, 256, 1},  {37, 256, 2}, {70, 512, 3}, {5, 256, 4},
                          {65, 256, 5}, {3, 512, 9},  {8, 256, 1}};
  for (DType type : testing::kAllWeightTypes) {
    for (const Shape& s : shapes) {
      const std::vector<uint8_t> w = testing::RandomWeights(type, s.rows, s.cols, rng);
      const WeightView view{w.data(), type, s.rows, s.cols};
      const DType act_type = VecDotType(type);
      const int64_t act_bytes = RowBytes(act_type, s.cols);
      std::vector<float> x(s.tokens * s.cols);
      for (float& v : x) v = normal(rng);
      std::vector<uint8_t> acts(s.tokens * act_bytes);
      for (int64_t t = 0; t < s.tokens; ++t)
        QuantizeActivations(act_type, &x[t * s.cols], &acts[t * act_bytes], s.cols);
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
              << DTypeName(type) << " rows=" << s.rows << " tokens=" << s.tokens << " r=" << r
              << " t=" << t;
        }
      }
    }
    if (DetectCpuFeatures().avx2) {
      EXPECT_TRUE(HasSimdGemm(type)) << DTypeName(type);
    }
  }
}

using PanelFn = bool (*)(const WeightView&, int64_t, int64_t, const uint8_t*, int64_t, int64_t,
                         float*, int64_t, const Q8SumsView&);

// The Q4_0 / Q8_0 kernels that take Q8Sums and this CPU can run: name, entry point, and the
// token counts it handles (the decode kernel takes fewer than kPanelMinTokens).
struct SumsKernel {
  const char* name;
  PanelFn fn;
  int64_t min_tokens, max_tokens;
};
std::vector<SumsKernel> SumsKernels() {
  std::vector<SumsKernel> kernels;
  const CpuFeatures& f = DetectCpuFeatures();
  if (f.avx2) kernels.push_back({"avx2 panel", internal::GemmPanelAvx2, 1, 1 << 20});
  if (f.avx512_vnni) {
    kernels.push_back({"avx512_vnni panel", internal::GemmPanelAvx512Vnni, 1, 1 << 20});
    kernels.push_back({"avx512_vnni decode", internal::GemmFewTokensAvx512Vnni, 1,
                       internal::kPanelMinTokens - 1});
  }
  return kernels;
}

// Fills y [tokens, stride] with `kernel` over rows [first, rows) and checks every output
// against the scalar reference dot product, and that nothing outside the range was written.
void CheckPanel(PanelFn panel_fn, DType type, const std::vector<uint8_t>& w, int64_t rows,
                int64_t cols, const std::vector<float>& x, int64_t tokens, int64_t first) {
  const WeightView view{w.data(), type, rows, cols};
  const int64_t act_bytes = RowBytes(DType::kQ8_0, cols);
  std::vector<uint8_t> acts(tokens * act_bytes);
  for (int64_t t = 0; t < tokens; ++t)
    QuantizeActivations(DType::kQ8_0, &x[t * cols], &acts[t * act_bytes], cols);
  const int64_t stride = rows + 5;
  std::vector<float> y(tokens * stride, -7.0f);
  Q8Sums sums;
  ResizeQ8Sums(tokens, cols / kQK, sums);
  ComputeQ8Sums(acts.data(), act_bytes, 0, tokens, cols / kQK, sums);
  const Q8SumsView sums_view = sums.View(0);
  ASSERT_TRUE(
      panel_fn(view, first, rows, acts.data(), act_bytes, tokens, y.data(), stride, sums_view));
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < stride; ++r) {
      const float got = y[t * stride + r];
      if (r < first || r >= rows) {
        ASSERT_EQ(got, -7.0f) << "wrote outside rows [" << first << ", " << rows << ") at r=" << r
                              << " t=" << t;
        continue;
      }
      const float expected = VecDot(type, view.row(r), &acts[t * act_bytes], cols);
      ASSERT_NEAR(got, expected, 2e-5 * (std::fabs(expected) + std::sqrt(cols)))
          << DTypeName(type) << " rows=" << rows << " cols=" << cols << " tokens=" << tokens
          << " first=" << first << " r=" << r << " t=" << t;
    }
  }
}

// The Q8Sums kernels (8-row panels x 6-token tiles, 16-row panels x 8-token tiles, 4-row
// decode tiles): every token tail around one and two tiles, row counts below, at and around
// each tile height with ranges starting mid-panel, one block and many blocks per row.
TEST(GemmTest, SumsKernelsMatchReferenceDotProducts) {
  if (SumsKernels().empty()) GTEST_SKIP() << "no AVX2 on this CPU: these kernels are not used";
  std::mt19937 rng(12);
  std::normal_distribution<float> normal(0, 1);
  struct Shape3 {
    int64_t rows, cols, first;
  };
  const Shape3 shapes[] = {{1, 32, 0},   {3, 64, 0},   {5, 64, 1},   {7, 64, 0},
                           {8, 96, 0},   {9, 256, 0},  {16, 64, 0},  {17, 96, 1},
                           {23, 256, 3}, {70, 512, 5}, {40, 2048, 8}};
  for (const SumsKernel& k : SumsKernels()) {
    SCOPED_TRACE(k.name);
    for (DType type : {DType::kQ4_0, DType::kQ8_0}) {
      for (const Shape3& s : shapes) {
        const std::vector<uint8_t> w = testing::RandomWeights(type, s.rows, s.cols, rng);
        for (int64_t tokens : {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 40}) {
          if (tokens < k.min_tokens || tokens > k.max_tokens) continue;
          std::vector<float> x(tokens * s.cols);
          for (float& v : x) v = normal(rng);
          CheckPanel(k.fn, type, w, s.rows, s.cols, x, tokens, s.first);
        }
      }
    }
  }
}

// Extreme quants: every Q4_0 nibble 15 (value 7) or 0 (value -8), every Q8_0 quant -127 or
// 127, against activations that quantize to all +127 or all -127: the largest integer sums the
// kernels accumulate (the AVX2 panel's Q4_0 int16 block sums reach 16 * 15 * 127 = 30480).
TEST(GemmTest, SumsKernelsExactAtExtremeQuants) {
  if (SumsKernels().empty()) GTEST_SKIP() << "no AVX2 on this CPU: these kernels are not used";
  const int64_t rows = 9, cols = 256;
  for (const SumsKernel& k : SumsKernels()) {
    SCOPED_TRACE(k.name);
    const int64_t tokens = std::min<int64_t>(7, k.max_tokens);
    for (DType type : {DType::kQ4_0, DType::kQ8_0}) {
      for (int sign : {1, -1}) {
        // Blocks written directly (any bit pattern is a valid block): scale 1, quants all at
        // one extreme, even rows the largest value, odd rows the smallest.
        const DTypeInfo info = Info(type);
        std::vector<uint8_t> w(rows * RowBytes(type, cols));
        for (size_t off = 0; off < w.size(); off += info.block_bytes) {
          const int64_t r = static_cast<int64_t>(off) / RowBytes(type, cols);
          const uint16_t one = Fp32ToFp16(1.0f);
          std::memcpy(&w[off], &one, 2);
          const uint8_t q =
              type == DType::kQ4_0 ? (r % 2 == 0 ? 0xFF : 0x00) : (r % 2 == 0 ? 0x7F : 0x81);
          std::memset(&w[off + 2], q, info.block_bytes - 2);
        }
        std::vector<float> x(tokens * cols);
        for (int64_t i = 0; i < tokens * cols; ++i) {
          x[i] = sign * (1.0f + static_cast<float>(i % 3) * 1e-7f);
        }
        CheckPanel(k.fn, type, w, rows, cols, x, tokens, 0);
      }
    }
  }
}

// GemmRows on `view` (either layout) over rows [first, rows) into y [tokens, rows].
std::vector<float> RunGemm(const WeightView& view, const std::vector<uint8_t>& acts,
                           int64_t act_bytes, int64_t tokens, int64_t first) {
  std::vector<float> y(tokens * view.rows, -7.0f);
  GemmRows(view, first, view.rows, acts.data(), act_bytes, tokens, y.data(), view.rows);
  return y;
}

// Q6_K x Q8_K activations for 1..9 tokens (one and two 4-token passes and the tails) and rows of
// 1, 4 and 7 blocks against VecDot: the AVX-512 kernel keeps the reference's integer block sums
// and float steps, so every output must be the same float. Random weights, and extreme ones: every quant 0 or 63 with
// scales -128 / 127 against activations of -127 / 127 (the largest block sums, in int32).
TEST(GemmTest, Q6_KAvx512BitIdenticalToReference) {
  if (!DetectCpuFeatures().avx512_vnni) GTEST_SKIP() << "no AVX-512 VNNI: the kernel is not used";
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0, 1);
  const int64_t rows = 21;
  for (int64_t cols : {256, 1024, 1792}) {  // 1, 4 and 7 blocks: the kernel goes 4 at a time
    std::vector<uint8_t> random = testing::RandomWeights(DType::kQ6_K, rows, cols, rng);
    std::vector<uint8_t> extreme = random;
    auto* blocks = reinterpret_cast<BlockQ6_K*>(extreme.data());
    for (int64_t b = 0; b < rows * cols / kQKK; ++b) {
      const uint8_t bits = b % 2 ? 0xFF : 0x00;  // all quants 63 (value 31) or 0 (value -32)
      std::memset(blocks[b].ql, bits, sizeof(blocks[b].ql));
      std::memset(blocks[b].qh, bits, sizeof(blocks[b].qh));
      for (int g = 0; g < kQKK / 16; ++g) blocks[b].scales[g] = g % 3 ? 127 : -128;
    }
    const int64_t act_bytes = RowBytes(DType::kQ8_K, cols);
    for (const std::vector<uint8_t>* w : {&random, &extreme}) {
      const WeightView view{w->data(), DType::kQ6_K, rows, cols};
      for (int64_t tokens = 1; tokens <= 9; ++tokens) {
        std::vector<float> x(tokens * cols);
        for (int64_t i = 0; i < tokens * cols; ++i) {
          x[i] = w == &extreme ? (i % 5 ? 1.0f : -1.0f) : normal(rng);
        }
        std::vector<uint8_t> acts(tokens * act_bytes);
        for (int64_t t = 0; t < tokens; ++t)
          QuantizeActivations(DType::kQ8_K, &x[t * cols], &acts[t * act_bytes], cols);
        std::vector<float> y(tokens * rows, -7.0f);
        internal::GemmRowsQ6_KAvx512Vnni(view, 2, rows, acts.data(), act_bytes, tokens, y.data(),
                                         rows);
        for (int64_t t = 0; t < tokens; ++t) {
          for (int64_t r = 0; r < rows; ++r) {
            const float expected =
                r < 2 ? -7.0f : VecDot(DType::kQ6_K, view.row(r), &acts[t * act_bytes], cols);
            ASSERT_EQ(y[t * rows + r], expected)
                << (w == &extreme ? "extreme" : "random") << " cols=" << cols
                << " tokens=" << tokens << " r=" << r << " t=" << t;
          }
        }
      }
    }
  }
}

// QuantizeQ8_0 writes QuantizeActivations's bytes: random rows at several magnitudes (down to
// f16-subnormal scales), exact ties (amax 127 makes the factor 1, so x.5 rounds half to even), a
// zero block and negative zeros.
TEST(GemmTest, QuantizeQ8_0GivesTheReferenceBytes) {
  std::mt19937 rng(21);
  std::normal_distribution<float> normal(0, 1);
  const int64_t n = 32 * 40;
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t block = i / 32;
    x[i] = normal(rng) * std::pow(10.0f, static_cast<float>(block % 12) - 8);
  }
  for (int j = 0; j < 32; ++j) x[32 * 3 + j] = j == 0 ? 127.0f : -63.5f + j;  // ties
  for (int j = 0; j < 32; ++j) x[32 * 5 + j] = j % 2 ? 0.0f : -0.0f;          // zeros
  const int64_t bytes = RowBytes(DType::kQ8_0, n);
  std::vector<uint8_t> expected(bytes), got(bytes, 0xAB);
  QuantizeActivations(DType::kQ8_0, x.data(), expected.data(), n);
  QuantizeQ8_0(x.data(), n, got.data());
  for (int64_t i = 0; i < bytes; ++i) ASSERT_EQ(got[i], expected[i]) << "byte " << i;
}

// The panel kernel for the stored layout this CPU runs: the reference the interleaved layouts
// must match bit for bit.
PanelFn StoredPanelKernel() {
  return DetectCpuFeatures().avx512_vnni ? internal::GemmPanelAvx512Vnni : internal::GemmPanelAvx2;
}

// The interleaved layout made at load (kCpuRows16 with AVX-512 VNNI, kCpuRows8 with AVX2) gives
// bit-identical results to the stored layout through this CPU's panel kernel (which packs the
// same rows per call and does the same float steps), for decode and prefill token counts and
// for one expert's slice of a stack; and the same bytes left in the stored order (only the
// layout tag set) do not, so the check can fail.
TEST(GemmTest, InterleavedLayoutBitIdenticalToPanelKernel) {
  if (!DetectCpuFeatures().avx2) GTEST_SKIP() << "no AVX2: no layout is made";
  std::mt19937 rng(13);
  std::normal_distribution<float> normal(0, 1);
  const int64_t rows = 48, cols = 256, experts = 3, slice_rows = rows / experts;
  for (DType type : {DType::kQ4_0, DType::kQ8_0}) {
    const std::vector<uint8_t> w = testing::RandomWeights(type, rows, cols, rng);
    const WeightView stored{w.data(), type, rows, cols};
    WeightView interleaved = stored;
    interleaved.layout = InterleavedLayout(stored, slice_rows);
    ASSERT_NE(interleaved.layout, WeightLayout::kStored);
    EXPECT_EQ(interleaved.layout, DetectCpuFeatures().avx512_vnni ? WeightLayout::kCpuRows16
                                                                  : WeightLayout::kCpuRows8);
    const int64_t group = GroupRows(interleaved.layout);
    std::vector<uint8_t> packed(w.size());
    Interleave(stored, interleaved.layout, 0, rows / group, packed.data());
    interleaved.data = packed.data();
    WeightView mislabelled = stored;  // stored bytes read as the new layout
    mislabelled.layout = interleaved.layout;
    for (int64_t tokens : {1, 2, 3, 4, 6, 7, 8, 9, 17}) {
      const int64_t act_bytes = RowBytes(DType::kQ8_0, cols);
      std::vector<uint8_t> acts(tokens * act_bytes);
      for (int64_t t = 0; t < tokens; ++t) {
        std::vector<float> x(cols);
        for (float& v : x) v = normal(rng);
        QuantizeActivations(DType::kQ8_0, x.data(), &acts[t * act_bytes], cols);
      }
      Q8Sums sums;
      ResizeQ8Sums(tokens, cols / kQK, sums);
      ComputeQ8Sums(acts.data(), act_bytes, 0, tokens, cols / kQK, sums);
      std::vector<float> expected(tokens * rows, -7.0f);
      StoredPanelKernel()(stored, group, rows, acts.data(), act_bytes, tokens, expected.data(),
                          rows, sums.View(0));
      const std::vector<float> got = RunGemm(interleaved, acts, act_bytes, tokens, group);
      // memcmp: bit-identical, -0.0 and NaN patterns included.
      EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0)
          << DTypeName(type) << " tokens=" << tokens;
      EXPECT_NE(RunGemm(mislabelled, acts, act_bytes, tokens, group), expected)
          << DTypeName(type) << " tokens=" << tokens;
      // The last expert's slice of the stack, as MoeWeights::Slice cuts it.
      const WeightView slice = MoeWeights::Slice(interleaved, experts, experts - 1);
      ASSERT_EQ(slice.layout, interleaved.layout);
      const std::vector<float> slice_y = RunGemm(slice, acts, act_bytes, tokens, 0);
      for (int64_t t = 0; t < tokens; ++t) {
        EXPECT_EQ(std::memcmp(&slice_y[t * slice_rows],
                              &expected[t * rows + (experts - 1) * slice_rows],
                              slice_rows * sizeof(float)),
                  0)
            << DTypeName(type) << " slice, tokens=" << tokens << " t=" << t;
      }
    }
  }
}

// Only Q4_0 / Q8_0 matrices of whole group-sized slices are interleaved.
TEST(GemmTest, InterleavedLayoutOnlyForWholeGroups) {
  if (!DetectCpuFeatures().avx2) GTEST_SKIP() << "no AVX2: no layout is made";
  const WeightView q4{nullptr, DType::kQ4_0, 64, 256};
  const WeightLayout layout = InterleavedLayout(q4, 32);
  ASSERT_NE(layout, WeightLayout::kStored);
  const int64_t group = GroupRows(layout);
  EXPECT_EQ(InterleavedLayout(q4, group / 2), WeightLayout::kStored);  // slices split groups
  EXPECT_EQ(InterleavedLayout(q4, 48), WeightLayout::kStored);  // slices do not tile the rows
  EXPECT_EQ(InterleavedLayout({nullptr, DType::kQ6_K, 64, 256}, 64), WeightLayout::kStored);
  const int64_t odd = 5 * group / 2;  // not whole groups
  EXPECT_EQ(InterleavedLayout({nullptr, DType::kQ4_0, odd, 256}, odd), WeightLayout::kStored);
  WeightView already = q4;
  already.layout = layout;
  EXPECT_EQ(InterleavedLayout(already, 32), WeightLayout::kStored);
}

// The cpu backend's Prepare: Q4_0 / Q8_0 matrices and expert stacks come back in this CPU's
// interleaved layout, and prefill through them (Linear and Moe, whose experts are slices of the
// prepared stacks) is bit-identical to prefill on the stored weights, which packs the same
// rows per call. Other types come back unchanged.
TEST(GemmTest, CpuBackendPreparedWeightsGiveTheSameResults) {
  if (!DetectCpuFeatures().avx2) GTEST_SKIP() << "no AVX2: no layout is made";
  std::mt19937 rng(14);
  std::normal_distribution<float> normal(0, 1);
  const int64_t D = 64, F = 32, tokens = 12;
  const int E = 4;
  std::vector<float> x(tokens * D);
  for (float& v : x) v = normal(rng);
  std::vector<int32_t> experts(tokens * 2);
  std::vector<float> route_weights(tokens * 2);
  for (int64_t t = 0; t < tokens; ++t) {  // two distinct experts per token, uneven load
    experts[2 * t] = static_cast<int32_t>(t % 3);
    experts[2 * t + 1] = 3;
    route_weights[2 * t] = 0.25f + 0.01f * t, route_weights[2 * t + 1] = 0.5f;
  }
  const MoeRouting routing{tokens, 2, experts.data(), route_weights.data()};
  for (DType type : {DType::kQ4_0, DType::kQ8_0}) {
    auto backend = MakeCpuBackend(nullptr);
    const std::vector<uint8_t> lin = testing::RandomWeights(type, 48, D, rng);
    const std::vector<uint8_t> gate = testing::RandomWeights(type, E * F, D, rng);
    const std::vector<uint8_t> up = testing::RandomWeights(type, E * F, D, rng);
    const std::vector<uint8_t> down = testing::RandomWeights(type, E * D, F, rng);
    const WeightView linear{lin.data(), type, 48, D};
    MoeWeights stored{E, D, F, {gate.data(), type, E * F, D}, {up.data(), type, E * F, D},
                      {down.data(), type, E * D, F}};
    const WeightView prepared_linear = backend->Prepare(linear, linear.rows);
    MoeWeights prepared = stored;
    prepared.gate = backend->Prepare(stored.gate, F);
    prepared.up = backend->Prepare(stored.up, F);
    prepared.down = backend->Prepare(stored.down, D);
    for (const WeightView& w : {prepared_linear, prepared.gate, prepared.up, prepared.down}) {
      ASSERT_NE(w.layout, WeightLayout::kStored) << DTypeName(type);
      ASSERT_NE(w.data, nullptr);
    }
    std::vector<float> y_stored(tokens * 48), y_prepared(tokens * 48);
    backend->Linear(linear, x.data(), tokens, y_stored.data());
    backend->Linear(prepared_linear, x.data(), tokens, y_prepared.data());
    EXPECT_EQ(y_prepared, y_stored) << DTypeName(type) << " Linear";
    std::vector<float> moe_stored(tokens * D), moe_prepared(tokens * D);
    backend->Moe(stored, x.data(), routing, moe_stored.data());
    backend->Moe(prepared, x.data(), routing, moe_prepared.data());
    EXPECT_EQ(moe_prepared, moe_stored) << DTypeName(type) << " Moe";
  }
}

// Matrices the cpu backend does not interleave (here Q6_K; Q4_0 too without AVX2) are
// copied as they are stored, into its own memory: same bytes, same results, and the caller may
// release the original.
TEST(GemmTest, CpuBackendCopiesOtherMatricesAsStored) {
  std::mt19937 rng(15);
  auto backend = MakeCpuBackend(nullptr);
  const int64_t rows = 16, cols = 256, tokens = 3;
  std::vector<uint8_t> k = testing::RandomWeights(DType::kQ6_K, rows, cols, rng);
  const WeightView q6{k.data(), DType::kQ6_K, rows, cols};
  const WeightView copy = backend->Prepare(q6, rows);
  ASSERT_NE(copy.data, q6.data);
  EXPECT_EQ(copy.layout, WeightLayout::kStored);
  EXPECT_EQ(std::memcmp(copy.data, k.data(), k.size()), 0);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> x(tokens * cols);
  for (float& v : x) v = normal(rng);
  std::vector<float> y_stored(tokens * rows), y_copy(tokens * rows);
  backend->Linear(q6, x.data(), tokens, y_stored.data());
  std::fill(k.begin(), k.end(), 0);  // released: the copy must not read it
  backend->Linear(copy, x.data(), tokens, y_copy.data());
  EXPECT_EQ(y_copy, y_stored);
}

}  // namespace
}  // namespace lfm::kernels::cpu
