#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "kernels/ops.h"
#include "kernels/quant/fp16.h"

namespace lfm::kernels {
namespace {

constexpr double kU = FLT_EPSILON / 2;         // unit roundoff of f32
constexpr double kU16 = 1.0 / 2048;            // unit roundoff of f16 (normal range)
constexpr double kMinSub16 = 1.0 / (1 << 24);  // smallest f16 subnormal

// A KV cache of 3 KV heads x n_keys positions; the kernel reads head 1 of it, so a wrong
// stride or head offset reads other data.
struct Cache {
  int head_dim;
  std::vector<uint16_t> k, v;  // [n_keys, 3 * head_dim]
  KvHeadF16 Head() const { return {k.data() + head_dim, v.data() + head_dim, 3 * head_dim}; }
};

// Values in f16. `exact`: multiples of 1/8 in [-1, 1], so that every K·q sum below is exact in
// f32 whatever its order; else normal(0, 1).
template <class Gen>
std::vector<float> Draw(int64_t n, bool exact, Gen& rng) {
  std::normal_distribution<float> normal(0, 1);
  std::uniform_int_distribution<int> eighths(-8, 8);
  std::vector<float> x(n);
  for (float& e : x) e = exact ? eighths(rng) / 8.0f : normal(rng);
  return x;
}

template <class Gen>
Cache MakeCache(int head_dim, int64_t n_keys, bool exact_keys, Gen& rng) {
  Cache c{head_dim, {}, {}};
  for (float e : Draw(n_keys * 3 * head_dim, exact_keys, rng)) c.k.push_back(Fp32ToFp16(e));
  for (float e : Draw(n_keys * 3 * head_dim, false, rng)) c.v.push_back(Fp32ToFp16(e));
  return c;
}

float KeyAt(const KvHeadF16& kv, int64_t j, int d) { return Fp16ToFp32(kv.k[j * kv.stride + d]); }
float ValueAt(const KvHeadF16& kv, int64_t j, int d) { return Fp16ToFp32(kv.v[j * kv.stride + d]); }

struct Shape {
  int group, head_dim;
  int64_t n_keys;
};

// One call's inputs for a shape: the cache, `group` query heads and the usual 1/sqrt(head_dim).
struct Inputs {
  Cache cache;
  std::vector<float> q;  // [group, head_dim]
  float scale;
  KvHeadF16 kv() const { return cache.Head(); }
};

// `exact`: keys and queries drawn as multiples of 1/8 (Draw); values are always normal.
template <class Gen>
Inputs MakeInputs(const Shape& s, bool exact, Gen& rng) {
  Cache cache = MakeCache(s.head_dim, s.n_keys, exact, rng);
  std::vector<float> q = Draw(int64_t{s.group} * s.head_dim, exact, rng);
  return {std::move(cache), std::move(q), 1.0f / std::sqrt(static_cast<float>(s.head_dim))};
}

std::vector<Shape> Shapes() {
  std::vector<Shape> shapes;
  for (int head_dim : {8, 24, 64, 128}) {  // 24: one 16-dim and one 8-dim value pass
    for (int group : {1, 3, 4, 5, 8}) {
      for (int64_t n_keys : {1, 7, 8, 9, 63, 64, 65, 300})
        shapes.push_back({group, head_dim, n_keys});
    }
  }
  return shapes;
}

std::string Name(const Shape& s) {
  return "group " + std::to_string(s.group) + " head_dim " + std::to_string(s.head_dim) +
         " n_keys " + std::to_string(s.n_keys);
}

// K·q: both bodies round q to f16 identically. A product of two f16 values is exact in f32, so
// a score differs from the exact dot product only by its f32 additions: any summation tree of
// n = head_dim terms (the scalar loop, the AVX2 lanes plus their reduction) errs by at most
// gamma(n - 1) * sum|q_d k_d| with gamma(m) = m u / (1 - m u), u = FLT_EPSILON / 2. Two orders
// therefore differ by at most 2 gamma(n - 1) sum|q_d k_d|, about (n - 1) FLT_EPSILON
// sum|q_d k_d|; times `scale`, plus one rounding of the product by scale in each body
// (FLT_EPSILON |s| together).
TEST(AttentionTest, Avx2ScoresMatchScalarWithinTheReorderingBound) {
  std::mt19937 rng(11);
  for (const Shape& s : Shapes()) {
    if (!HasSimdAttention(s.head_dim)) GTEST_SKIP() << "no AVX2 + FMA + F16C";
    const Inputs in = MakeInputs(s, false, rng);
    const KvHeadF16 kv = in.kv();
    const std::vector<float>& q = in.q;
    const float scale = in.scale;
    std::vector<float> q16_scalar(q.size()), q16_simd(q.size());
    std::vector<float> s_scalar(s.group * s.n_keys), s_simd(s.group * s.n_keys);
    internal::KqScoresScalar(q.data(), s.group, s.head_dim, kv, s.n_keys, scale, q16_scalar.data(),
                             s_scalar.data());
    internal::KqScoresAvx2(q.data(), s.group, s.head_dim, kv, s.n_keys, scale, q16_simd.data(),
                           s_simd.data());
    ASSERT_EQ(q16_simd, q16_scalar) << Name(s);  // both round q to f16 the same way
    const double gamma = (s.head_dim - 1) * kU / (1 - (s.head_dim - 1) * kU);
    for (int h = 0; h < s.group; ++h) {
      for (int64_t j = 0; j < s.n_keys; ++j) {
        double abs_sum = 0;
        for (int d = 0; d < s.head_dim; ++d) {
          abs_sum += std::fabs(q16_scalar[h * s.head_dim + d] * KeyAt(kv, j, d));
        }
        const double a = s_scalar[h * s.n_keys + j], b = s_simd[h * s.n_keys + j];
        const double bound = 2 * gamma * abs_sum * scale;
        ASSERT_LE(std::fabs(a - b), bound + FLT_EPSILON * (std::fabs(a) + bound))
            << Name(s) << " head " << h << " key " << j;
      }
    }
  }
}

// With keys and queries that are multiples of 1/8 in [-1, 1], every partial K·q sum is a
// multiple of 1/64 below 2^8 and so exact in f32: the scores agree bit for bit whatever the
// summation order. Then the AVX2 body may not differ at all from the formula written out here
// with its softmax (SoftmaxAvx2, checked against Softmax below): p rounded to f16 by
// Fp32ToFp16, exact f16 x f16 products, V·p summed over the keys in order.
TEST(AttentionTest, Avx2EqualsTheFormulaBitForBitWhenTheScoresAreExact) {
  std::mt19937 rng(12);
  for (const Shape& s : Shapes()) {
    if (!HasSimdAttention(s.head_dim)) GTEST_SKIP() << "no AVX2 + FMA + F16C";
    const Inputs in = MakeInputs(s, true, rng);
    const KvHeadF16 kv = in.kv();
    const std::vector<float>& q = in.q;
    const float scale = in.scale;
    std::vector<float> q16(q.size()), p(s.group * s.n_keys), expected(q.size(), 0.0f);
    internal::KqScoresScalar(q.data(), s.group, s.head_dim, kv, s.n_keys, scale, q16.data(),
                             p.data());
    for (int h = 0; h < s.group; ++h) {
      internal::SoftmaxAvx2(p.data() + h * s.n_keys, s.n_keys);
      for (int64_t j = 0; j < s.n_keys; ++j) {
        const float p16 = Fp16ToFp32(Fp32ToFp16(p[h * s.n_keys + j]));
        for (int d = 0; d < s.head_dim; ++d)
          expected[h * s.head_dim + d] += p16 * ValueAt(kv, j, d);
      }
    }
    std::vector<float> scratch(internal::ScratchFloats(s.group, s.head_dim, s.n_keys));
    std::vector<float> out(q.size(), NAN);
    internal::AttendKvGroupAvx2(q.data(), s.group, s.head_dim, kv, s.n_keys, scale, scratch.data(),
                                out.data());
    ASSERT_EQ(out, expected) << Name(s);
  }
}

// The exp of SoftmaxAvx2 against e^x in double on a grid over [-87, 0] (the range softmax
// feeds it), and at its edges.
TEST(AttentionTest, ExpNonPositiveIsWithinTwoFltEpsilonOfExp) {
  if (!HasSimdAttention(8)) GTEST_SKIP() << "no AVX2 + FMA + F16C";
  std::vector<float> x;
  for (int i = 0; i <= 870000; ++i) x.push_back(-i / 10000.0f);
  for (float edge : {-0.0f, -1e-30f, -87.0f, -87.5f, -1000.0f, -INFINITY, NAN}) x.push_back(edge);
  std::vector<float> y(x.size());
  internal::ExpNonPositiveAvx2(x.data(), x.size(), y.data());
  for (size_t i = 0; i + 7 < x.size(); ++i) {
    const double e = std::exp(static_cast<double>(x[i]));
    ASSERT_LE(std::fabs(y[i] - e), 2 * FLT_EPSILON * e) << "x = " << x[i];
  }
  EXPECT_EQ(y[x.size() - 7], 1.0f);  // -0: exactly 1, so a softmax of equal scores is uniform
  const float e87 = y[x.size() - 5];
  EXPECT_NEAR(e87, std::exp(-87.0), 2 * FLT_EPSILON * std::exp(-87.0));
  EXPECT_EQ(y[x.size() - 4], e87);  // below -87: e^-87
  EXPECT_EQ(y[x.size() - 3], e87);
  EXPECT_EQ(y[x.size() - 2], e87);
  EXPECT_TRUE(std::isnan(y[x.size() - 1]));
}

// SoftmaxAvx2 against Softmax. Each is within (2 eps_exp + 2u) p_j of the exact softmax: exp
// errs by eps_exp in the numerator and at most that in the (double) sum, 1/sum and the product
// round once each; the subtraction of the max is the same float operation in both. eps_exp is
// FLT_EPSILON for glibc's expf (under 1 ulp) and 2 FLT_EPSILON for ExpNonPositive, so the two
// differ by at most 8 FLT_EPSILON p_j, plus e^-87 / sum where ExpNonPositive stops.
TEST(AttentionTest, SoftmaxAvx2MatchesSoftmaxWithinTheExpBound) {
  if (!HasSimdAttention(8)) GTEST_SKIP() << "no AVX2 + FMA + F16C";
  std::mt19937 rng(15);
  for (float spread : {1.0f, 30.0f}) {  // 30: some scores more than 87 below the max
    std::normal_distribution<float> normal(0, spread);
    for (int64_t n : {1, 7, 8, 9, 63, 64, 65, 300}) {
      std::vector<float> x(n);
      for (float& e : x) e = normal(rng);
      std::vector<float> a = x, b = x;
      Softmax(a.data(), n);
      internal::SoftmaxAvx2(b.data(), n);
      for (int64_t j = 0; j < n; ++j) {
        ASSERT_LE(std::fabs(a[j] - b[j]), 8 * FLT_EPSILON * a[j] + 1.7e-38)
            << "spread " << spread << " n " << n << " j " << j;
      }
    }
  }
}

// On general data the scores of the two bodies differ within the bound above, which moves the
// probabilities before their f16 rounding and can move a rounded p by up to one f16 step. The
// bound per output: against the exact softmax p_j (computed here in double from the f16 inputs),
// each body's f32 probability errs relatively by at most
//   delta_j = e_j + e_max + max_i e_i + 10u,   e_j = |score error| + u |s_j - max| (subtraction)
// where 10u is exp's error in p_j and in the sum (at most 2 FLT_EPSILON = 4u each, see
// ExpNonPositive) and one rounding each of 1/sum and the product (the double sum adds nothing at
// first order), with the score error of one body gamma(n - 1) scale sum|q_d k_d| + u |s_j|.
// Rounding to f16 adds kU16 p (or half a subnormal step), and V·p summed in f32 over n_keys terms
// errs by gamma(n_keys) sum_j p16_j |v_jd|. Two bodies differ by at most twice the sum over j of
// (delta_j p_j + kU16 (1 + delta_j) p_j + kMinSub16 / 2) |v_jd| + gamma(n_keys) p16_j |v_jd|.
TEST(AttentionTest, Avx2OutputsMatchScalarWithinTheDerivedBound) {
  std::mt19937 rng(13);
  for (const Shape& s : Shapes()) {
    if (!HasSimdAttention(s.head_dim)) GTEST_SKIP() << "no AVX2 + FMA + F16C";
    const Inputs in = MakeInputs(s, false, rng);
    const KvHeadF16 kv = in.kv();
    const std::vector<float>& q = in.q;
    const float scale = in.scale;
    std::vector<float> scratch(internal::ScratchFloats(s.group, s.head_dim, s.n_keys));
    std::vector<float> out_scalar(q.size()), out_simd(q.size(), NAN);
    internal::AttendKvGroupScalar(q.data(), s.group, s.head_dim, kv, s.n_keys, scale,
                                  scratch.data(), out_scalar.data());
    internal::AttendKvGroupAvx2(q.data(), s.group, s.head_dim, kv, s.n_keys, scale, scratch.data(),
                                out_simd.data());
    const double gamma_k = (s.head_dim - 1) * kU / (1 - (s.head_dim - 1) * kU);
    const double gamma_v = s.n_keys * kU / (1 - s.n_keys * kU);
    for (int h = 0; h < s.group; ++h) {
      // The exact scores and softmax of this head, and each score's error bound.
      std::vector<double> exact(s.n_keys), err(s.n_keys), p(s.n_keys);
      for (int64_t j = 0; j < s.n_keys; ++j) {
        double dot = 0, abs_sum = 0;
        for (int d = 0; d < s.head_dim; ++d) {
          const double qd = Fp16ToFp32(Fp32ToFp16(q[h * s.head_dim + d]));
          dot += qd * KeyAt(kv, j, d);
          abs_sum += std::fabs(qd * KeyAt(kv, j, d));
        }
        exact[j] = dot * scale;
        err[j] = gamma_k * abs_sum * scale + kU * std::fabs(exact[j]);
      }
      const int64_t arg_max = std::max_element(exact.begin(), exact.end()) - exact.begin();
      double sum = 0, e_max = 0;
      for (int64_t j = 0; j < s.n_keys; ++j) {
        p[j] = std::exp(exact[j] - exact[arg_max]);
        sum += p[j];
        err[j] += err[arg_max] + kU * (exact[arg_max] - exact[j]);
      }
      for (int64_t j = 0; j < s.n_keys; ++j) {
        p[j] /= sum;
        e_max = std::max(e_max, err[j]);
      }
      for (int d = 0; d < s.head_dim; ++d) {
        double bound = 0;
        for (int64_t j = 0; j < s.n_keys; ++j) {
          const double delta = err[j] + e_max + 10 * kU;
          const double p16 = p[j] * (1 + delta) * (1 + kU16) + kMinSub16 / 2;
          bound +=
              (2 * (delta * p[j] + kU16 * (1 + delta) * p[j] + kMinSub16 / 2) + gamma_v * p16) *
              std::fabs(ValueAt(kv, j, d));
        }
        const int i = h * s.head_dim + d;
        ASSERT_LE(std::fabs(out_simd[i] - out_scalar[i]), bound)
            << Name(s) << " head " << h << " dim " << d;
      }
    }
  }
}

// AttendKvGroup runs the body HasSimdAttention names, and a scratch vector reused across calls
// of different sizes leaves no trace.
TEST(AttentionTest, AttendKvGroupDispatchesAndReusesScratch) {
  std::mt19937 rng(14);
  std::vector<float> scratch;
  for (int64_t n_keys : {300, 9, 64}) {
    const int group = 4, head_dim = 64;
    const Cache cache = MakeCache(head_dim, n_keys, false, rng);
    const std::vector<float> q = Draw(group * head_dim, false, rng);
    std::vector<float> own(internal::ScratchFloats(group, head_dim, n_keys));
    std::vector<float> out(q.size()), expected(q.size());
    AttendKvGroup(q.data(), group, head_dim, cache.Head(), n_keys, 0.125f, scratch, out.data());
    if (HasSimdAttention(head_dim)) {
      internal::AttendKvGroupAvx2(q.data(), group, head_dim, cache.Head(), n_keys, 0.125f,
                                  own.data(), expected.data());
    } else {
      internal::AttendKvGroupScalar(q.data(), group, head_dim, cache.Head(), n_keys, 0.125f,
                                    own.data(), expected.data());
    }
    EXPECT_EQ(out, expected) << n_keys;
  }
}

// The scalar body against attention computed by hand for two keys.
TEST(AttentionTest, ScalarBodyByHand) {
  const int head_dim = 2;
  // Head 1 of the 3-head cache holds key 0 = (1, 0), key 1 = (0, 1); values (1, 2), (3, 4).
  Cache cache{head_dim, std::vector<uint16_t>(2 * 3 * head_dim),
              std::vector<uint16_t>(2 * 3 * head_dim)};
  const float keys[2][2] = {{1, 0}, {0, 1}}, values[2][2] = {{1, 2}, {3, 4}};
  for (int j = 0; j < 2; ++j) {
    for (int d = 0; d < head_dim; ++d) {
      cache.k[j * 3 * head_dim + head_dim + d] = Fp32ToFp16(keys[j][d]);
      cache.v[j * 3 * head_dim + head_dim + d] = Fp32ToFp16(values[j][d]);
    }
  }
  const float q[2] = {std::log(3.0f), 0};  // scores ln 3, 0: p = (3/4, 1/4) before rounding
  std::vector<float> scratch(internal::ScratchFloats(1, head_dim, 2));
  float out[2];
  internal::AttendKvGroupScalar(q, 1, head_dim, cache.Head(), 2, 1.0f, scratch.data(), out);
  // ln 3 rounds to f16 1.0986328125, so p0 = 3.0000615/4.0000615 = 0.7500038, which rounds to
  // f16 0.75 (step 2^-11 there); p1 = 0.2499962 rounds to 0.25.
  EXPECT_FLOAT_EQ(out[0], 0.75f * 1 + 0.25f * 3);
  EXPECT_FLOAT_EQ(out[1], 0.75f * 2 + 0.25f * 4);
}

}  // namespace
}  // namespace lfm::kernels
