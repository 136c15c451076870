// Statistics against published values (scipy.stats documentation, DolphinDB's reference
// example, numpy's percentile definition) and hand-computed cases.
#include "results/statistics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lfm::results {
namespace {

TEST(StatisticsTest, LocationAndSpread) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Mean({1, 2, 3, 4}), 2.5);
  // Sample sd of 2,4,4,4,5,5,7,9: sum of squares 32 over n-1 = 7.
  EXPECT_DOUBLE_EQ(StdDev({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7));
  EXPECT_DOUBLE_EQ(StdDev({5}), 0);
  // MAD of 1,1,2,2,4,6,9: median 2, deviations 1,1,0,0,2,4,7 -> 1.
  EXPECT_DOUBLE_EQ(Mad({1, 1, 2, 2, 4, 6, 9}), 1);
}

TEST(StatisticsTest, PercentileMatchesNumpyLinear) {
  // numpy.percentile([15, 20, 35, 40, 50], p): 40 -> 29.0, 25 -> 20.0, 90 -> 46.0.
  const std::vector<double> x = {50, 15, 40, 20, 35};
  EXPECT_DOUBLE_EQ(Percentile(x, 40), 29);
  EXPECT_DOUBLE_EQ(Percentile(x, 25), 20);
  EXPECT_DOUBLE_EQ(Percentile(x, 90), 46);
  EXPECT_DOUBLE_EQ(Percentile(x, 0), 15);
  EXPECT_DOUBLE_EQ(Percentile(x, 100), 50);
}

// scipy.stats.mannwhitneyu docstring example (Shier 2004): males vs females, no ties.
// Exact: U1 = 17, p = 0.1111111111111111 (= 14/126). The normal approximation with continuity
// correction (scipy method="asymptotic") is 0.11134688653314041: our rule uses it only with
// ties or large samples, so it is checked through the tied case below.
TEST(StatisticsTest, MannWhitneyExactMatchesScipy) {
  const auto r = MannWhitneyU({19, 22, 16, 29, 24}, {20, 11, 17, 12});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 17);
  EXPECT_NEAR(r.p_value, 0.1111111111111111, 1e-12);
  // Swapping the samples gives U2 = 3 and the same two-sided p.
  const auto swapped = MannWhitneyU({20, 11, 17, 12}, {19, 22, 16, 29, 24});
  EXPECT_DOUBLE_EQ(swapped.u, 3);
  EXPECT_NEAR(swapped.p_value, r.p_value, 1e-12);
  // Complete separation of 3 vs 3: only 2 of C(6,3) = 20 orderings are as extreme: p = 0.1.
  EXPECT_NEAR(MannWhitneyU({1, 2, 3}, {4, 5, 6}).p_value, 0.1, 1e-12);
}

// R's wilcox.test(x, y, exact=FALSE) (continuity and tie corrections), as tabulated in scipy's
// test_mannwhitneyu.py test_tie_correct: x = 1..4 against y = 1..5 nudged by 0.01 so that some
// values tie. Expected U of x and two-sided p, to the 13 digits R printed.
TEST(StatisticsTest, MannWhitneyTiesMatchR) {
  const std::vector<double> x = {1, 2, 3, 4};
  struct Case {
    std::vector<double> y;
    double u, p;
  };
  const Case cases[] = {
      {{1, 1.99, 3, 3.99, 5}, 9, 0.9017048037317}, {{1, 2, 2.99, 4, 5}, 8.5, 0.804080657472},
      {{1, 2, 3, 4, 5}, 8, 0.7086240584439},       {{1, 2, 3.01, 4, 5}, 7.5, 0.6197963884941},
      {{1, 2.01, 3, 4.01, 5}, 7, 0.5368784563079},
  };
  for (const Case& c : cases) {
    const auto r = MannWhitneyU(x, c.y);
    EXPECT_FALSE(r.exact);
    EXPECT_DOUBLE_EQ(r.u, c.u);
    EXPECT_NEAR(r.p_value, c.p, 1e-12) << "U = " << c.u;
  }
}

// scipy's test_basic case, checked there against R: 3 vs 13 values without ties. Exact
// two-sided p = 0.7035714285714 (our rule picks exact here); U of x = 16.
TEST(StatisticsTest, MannWhitneyExactMatchesR) {
  const std::vector<double> x = {210.052110, 110.190630, 307.918612};
  const std::vector<double> y = {436.08811482466416, 416.37397329768191, 179.96975939463582,
                                 197.8118754228619,  34.038757281225756, 138.54220550921517,
                                 128.7769351470246,  265.92721427951852, 275.6617533155341,
                                 592.34083395416258, 448.73177590617018, 300.61495185038905,
                                 187.97508449019588};
  const auto r = MannWhitneyU(x, y);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 16);
  EXPECT_NEAR(r.p_value, 0.7035714285714, 1e-12);
}

TEST(StatisticsTest, MannWhitneyLargeSamplesUseNormal) {
  // 60 vs 60 values with no ties: beyond kMannWhitneyExactMax, so the normal approximation.
  // Interleaved values a = 0,2,4,..; b = 1,3,5,...: U = sum over a_i of #b below = 1770,
  // mean 1800, sd sqrt(60*60*121/12) = 190.526: z = (1800 - 1770 - 0.5) / 190.526 = 0.15483,
  // p = 2 * (1 - Phi(0.15483)) = 0.87696.
  std::vector<double> a, b;
  for (int i = 0; i < 60; ++i) {
    a.push_back(2 * i);
    b.push_back(2 * i + 1);
  }
  const auto r = MannWhitneyU(a, b);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 1770);
  EXPECT_NEAR(r.p_value, 0.87696, 1e-5);
  // A clear shift is significant.
  for (double& v : b) v += 200;
  EXPECT_LT(MannWhitneyU(a, b).p_value, 1e-10);
}

TEST(StatisticsTest, MannWhitneyAllEqualIsNotSignificant) {
  EXPECT_DOUBLE_EQ(MannWhitneyU({1, 1, 1}, {1, 1}).p_value, 1);
}

TEST(StatisticsTest, BootstrapIsSeededAndCoversTheRatio) {
  const std::vector<double> base = {100, 101, 99, 100.5, 99.5, 100.2, 99.8};
  std::vector<double> slower;
  for (double v : base) slower.push_back(v * 0.8);
  const auto a = BootstrapMedianRatio(slower, base, 0.95, 2000, 7);
  const auto b = BootstrapMedianRatio(slower, base, 0.95, 2000, 7);
  EXPECT_DOUBLE_EQ(a.low, b.low);  // same seed, same interval
  EXPECT_DOUBLE_EQ(a.high, b.high);
  EXPECT_DOUBLE_EQ(a.ratio, 0.8);
  EXPECT_LE(a.low, 0.8);
  EXPECT_GE(a.high, 0.8);
  // The spread of the samples (+-1%) bounds the interval well inside [0.78, 0.82].
  EXPECT_GT(a.low, 0.78);
  EXPECT_LT(a.high, 0.82);
  // A different seed moves the interval a little, not the observed ratio.
  const auto c = BootstrapMedianRatio(slower, base, 0.95, 2000, 8);
  EXPECT_DOUBLE_EQ(c.ratio, a.ratio);
}

}  // namespace
}  // namespace lfm::results
