// Statistics for repeated measurements: location and spread, a rank test, and a bootstrap
// interval. The regression gate and the results tables use these; all are deterministic.
#pragma once

#include <cstdint>
#include <vector>

namespace lfm::results {

// Each function LFM_CHECKs that its input is non-empty (callers decide what "no data" shows).
double Median(std::vector<double> x);
double Mean(const std::vector<double>& x);
// Sample standard deviation (divides by n - 1); 0 for a single value.
double StdDev(const std::vector<double>& x);
// Median absolute deviation from the median, unscaled (multiply by 1.4826 to estimate the
// standard deviation of normal data).
double Mad(const std::vector<double>& x);
// The p-th percentile, p in [0, 100], interpolating linearly between order statistics (numpy's
// default "linear" method).
double Percentile(std::vector<double> x, double p);

// Mann-Whitney U test of "a and b come from the same distribution", two-sided.
struct MannWhitneyResult {
  double u = 0;        // U of `a`: pairs (a_i, b_j) with a_i > b_j, ties counting 1/2
  double p_value = 1;  // two-sided
  bool exact = false;  // true: exact distribution; false: normal approximation
};
// Exact null distribution when there are no ties and both samples have at most
// kMannWhitneyExactMax values; otherwise the normal approximation with tie correction and a
// 0.5 continuity correction (as scipy.stats.mannwhitneyu's "exact" and "asymptotic" methods).
inline constexpr int kMannWhitneyExactMax = 50;
MannWhitneyResult MannWhitneyU(const std::vector<double>& a, const std::vector<double>& b);

// Percentile bootstrap interval of median(numerator) / median(denominator): each of
// `resamples` rounds redraws both samples with replacement (seeded, platform-independent RNG).
struct RatioInterval {
  double ratio = 0;  // of the observed medians
  double low = 0;
  double high = 0;
};
RatioInterval BootstrapMedianRatio(const std::vector<double>& numerator,
                                   const std::vector<double>& denominator, double confidence = 0.95,
                                   int resamples = 10000, uint64_t seed = 1);

}  // namespace lfm::results
