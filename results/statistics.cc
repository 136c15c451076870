#include "results/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/check.h"

namespace lfm::results {
namespace {

// SplitMix64: a tiny generator whose output is the same on every platform (std::
// distributions are not), so a seeded bootstrap gives the same interval everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by multiply-shift (bias below 2^-40 for the sizes used here).
  size_t Below(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// P(U >= u) for the exact null distribution of U with sample sizes n1, n2 (no ties): U is the
// rank sum of the first sample minus n1(n1+1)/2, and under the null every n1-subset of the
// ranks 1..n1+n2 is equally likely. counts[k][s] = number of k-subsets of the ranks seen so far
// with rank sum s (kept as doubles: C(100, 50) ~ 1e29 fits with 1e-16 relative error).
double ExactUpperTail(int n1, int n2, double u) {
  const int n = n1 + n2;
  const int max_sum = n1 * n;
  std::vector<std::vector<double>> counts(n1 + 1, std::vector<double>(max_sum + 1, 0.0));
  counts[0][0] = 1;
  for (int rank = 1; rank <= n; ++rank) {
    for (int k = std::min(rank, n1); k >= 1; --k) {
      for (int s = max_sum; s >= rank; --s) counts[k][s] += counts[k - 1][s - rank];
    }
  }
  const int offset = n1 * (n1 + 1) / 2;
  double total = 0, tail = 0;
  for (int s = offset; s <= max_sum; ++s) {
    total += counts[n1][s];
    if (s - offset >= u) tail += counts[n1][s];
  }
  return tail / total;
}

double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

}  // namespace

double Median(std::vector<double> x) { return Percentile(std::move(x), 50); }

double Mean(const std::vector<double>& x) {
  LFM_CHECK(!x.empty(), "Mean of no values");
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

double StdDev(const std::vector<double>& x) {
  LFM_CHECK(!x.empty(), "StdDev of no values");
  if (x.size() < 2) return 0;
  const double mean = Mean(x);
  double sum = 0;
  for (double v : x) sum += (v - mean) * (v - mean);
  return std::sqrt(sum / static_cast<double>(x.size() - 1));
}

double Mad(const std::vector<double>& x) {
  const double median = Median(x);
  std::vector<double> deviations;
  deviations.reserve(x.size());
  for (double v : x) deviations.push_back(std::fabs(v - median));
  return Median(std::move(deviations));
}

double Percentile(std::vector<double> x, double p) {
  LFM_CHECK(!x.empty(), "Percentile of no values");
  LFM_CHECK(p >= 0 && p <= 100, "percentile {} outside [0, 100]", p);
  std::sort(x.begin(), x.end());
  const double h = (static_cast<double>(x.size()) - 1) * p / 100;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= x.size()) return x.back();
  return x[lo] + (h - static_cast<double>(lo)) * (x[lo + 1] - x[lo]);
}

MannWhitneyResult MannWhitneyU(const std::vector<double>& a, const std::vector<double>& b) {
  LFM_CHECK(!a.empty() && !b.empty(), "MannWhitneyU needs two non-empty samples");
  const int n1 = static_cast<int>(a.size());
  const int n2 = static_cast<int>(b.size());
  const int n = n1 + n2;
  // Average ranks of the pooled sample; tie groups of size t add t^3 - t to the correction.
  std::vector<std::pair<double, int>> pooled;  // (value, 1 if from a)
  for (double v : a) pooled.emplace_back(v, 1);
  for (double v : b) pooled.emplace_back(v, 0);
  std::sort(pooled.begin(), pooled.end());
  double rank_sum_a = 0, tie_term = 0;
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double average_rank = (i + 1 + j) / 2.0;  // ranks i+1 .. j
    for (int k = i; k < j; ++k) rank_sum_a += pooled[k].second * average_rank;
    const double t = j - i;
    tie_term += t * t * t - t;
    i = j;
  }
  MannWhitneyResult result;
  result.u = rank_sum_a - n1 * (n1 + 1) / 2.0;
  const double big_u = std::max(result.u, static_cast<double>(n1) * n2 - result.u);
  if (tie_term == 0 && n1 <= kMannWhitneyExactMax && n2 <= kMannWhitneyExactMax) {
    result.exact = true;
    result.p_value = std::min(1.0, 2 * ExactUpperTail(n1, n2, big_u));
    return result;
  }
  const double mean = static_cast<double>(n1) * n2 / 2;
  const double variance =
      static_cast<double>(n1) * n2 / 12 * ((n + 1) - tie_term / (static_cast<double>(n) * (n - 1)));
  if (variance <= 0) {  // every value equal: no evidence of a difference
    result.p_value = 1;
    return result;
  }
  const double z = (big_u - mean - 0.5) / std::sqrt(variance);
  result.p_value = std::clamp(2 * NormalUpperTail(z), 0.0, 1.0);
  return result;
}

RatioInterval BootstrapMedianRatio(const std::vector<double>& numerator,
                                   const std::vector<double>& denominator, double confidence,
                                   int resamples, uint64_t seed) {
  LFM_CHECK(!numerator.empty() && !denominator.empty(), "bootstrap of an empty sample");
  LFM_CHECK(confidence > 0 && confidence < 1 && resamples > 0, "bad bootstrap settings");
  SplitMix64 rng(seed);
  std::vector<double> ratios, num(numerator.size()), den(denominator.size());
  ratios.reserve(resamples);
  for (int r = 0; r < resamples; ++r) {
    for (double& v : num) v = numerator[rng.Below(numerator.size())];
    for (double& v : den) v = denominator[rng.Below(denominator.size())];
    ratios.push_back(Median(num) / Median(den));
  }
  RatioInterval interval;
  interval.ratio = Median(numerator) / Median(denominator);
  interval.low = Percentile(ratios, 50 * (1 - confidence));
  interval.high = Percentile(ratios, 50 * (1 + confidence));
  return interval;
}

}  // namespace lfm::results
