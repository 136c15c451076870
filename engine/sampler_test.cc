#include "engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

namespace lfm::engine {
namespace {

using Ids = std::vector<int32_t>;

// id -> probability of the distribution Sample draws from.
std::map<int32_t, float> Dist(const SamplerOptions& o, const std::vector<float>& logits,
                              const Ids& recent = {}) {
  std::map<int32_t, float> out;
  Sampler sampler(o);
  for (const TokenProbability& t : sampler.Distribution(logits, recent)) out[t.id] = t.p;
  return out;
}

std::vector<float> LogitsOf(const std::vector<double>& probabilities) {
  std::vector<float> logits;
  for (double p : probabilities) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

// Probabilities are compared to 1e-6: they are float results of a double softmax.
constexpr float kTol = 1e-6f;

TEST(SamplerTest, GreedyIsTheLargestLogitLowestIdOnTies) {
  Sampler greedy({});
  EXPECT_EQ(greedy.Sample(std::vector<float>{0.1f, 3.0f, -2.0f, 2.9f}, {}), 1);
  EXPECT_EQ(greedy.Sample(std::vector<float>{1.0f, 5.0f, 5.0f}, {}), 1);
  EXPECT_EQ(Dist({}, {1.0f, 5.0f, 2.0f}), (std::map<int32_t, float>{{1, 1.0f}}));
}

TEST(SamplerTest, TopKOneIsGreedy) {
  Sampler s({.temperature = 1.5f, .top_k = 1, .seed = 3});
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(s.Sample(std::vector<float>{0.5f, 0.2f, 0.6f, 0.59f}, {}), 2);
}

TEST(SamplerTest, TopKKeepsTheKLargestRenormalized) {
  // p = 0.4, 0.3, 0.2, 0.1; top-2 leaves 0.4 / 0.7 and 0.3 / 0.7.
  const auto d = Dist({.temperature = 1, .top_k = 2}, LogitsOf({0.4, 0.3, 0.2, 0.1}));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NEAR(d.at(0), 4.0 / 7, kTol);
  EXPECT_NEAR(d.at(1), 3.0 / 7, kTol);
}

TEST(SamplerTest, TopPKeepsTheSmallestSetReachingP) {
  const std::vector<float> logits = LogitsOf({0.15, 0.5, 0.05, 0.3});
  EXPECT_EQ(Dist({.temperature = 1, .top_p = 0.75f}, logits).size(), 2u);  // 0.5 + 0.3
  const auto d = Dist({.temperature = 1, .top_p = 0.85f}, logits);         // 0.5 + 0.3 + 0.15
  ASSERT_EQ(d.size(), 3u);
  EXPECT_NEAR(d.at(0), 0.15 / 0.95, kTol);
  EXPECT_FALSE(d.count(2));
  // After top-k the shares are renormalized: top-2 gives 0.5/0.8 = 0.625 >= 0.6 alone.
  EXPECT_EQ(Dist({.temperature = 1, .top_k = 2, .top_p = 0.6f}, logits).size(), 1u);
}

// The cut by rank selection keeps exactly the set a full sort and running sum would keep.
TEST(SamplerTest, TopPMatchesAFullSort) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 2);
  for (float p : {0.05f, 0.3f, 0.5f, 0.9f, 0.99f}) {
    std::vector<float> logits(3000);
    for (float& l : logits) l = std::round(normal(rng) * 4) / 4;  // ties on purpose
    Ids order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return logits[a] != logits[b] ? logits[a] > logits[b] : a < b; });
    double total = 0, cumulative = 0;
    for (float l : logits) total += std::exp(l);
    std::set<int32_t> expected;
    for (int id : order) {
      expected.insert(id);
      cumulative += std::exp(logits[id]);
      if (cumulative >= p * total) break;
    }
    std::set<int32_t> kept;
    for (const auto& [id, prob] : Dist({.temperature = 1, .top_p = p}, logits)) kept.insert(id);
    EXPECT_EQ(kept, expected) << "top-p " << p;
  }
}

TEST(SamplerTest, MinPDropsTokensBelowAShareOfTheBest) {
  // Shares of the best: 1, 0.6, 0.4, 0.55. min-p 0.5 keeps ids 0, 1 and 3.
  const auto d = Dist({.temperature = 1, .min_p = 0.5f}, LogitsOf({1, 0.6, 0.4, 0.55}));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_FALSE(d.count(2));
  EXPECT_NEAR(d.at(3), 0.55 / 2.15, kTol);
  // The cut uses the logits before temperature: at T = 2 the share 0.3 would become
  // sqrt(0.3) = 0.55 > 0.5, yet the token is still dropped.
  EXPECT_EQ(Dist({.temperature = 2, .min_p = 0.5f}, LogitsOf({1, 0.3})).size(), 1u);
}

TEST(SamplerTest, TemperatureScalesTheLogits) {
  const auto d = Dist({.temperature = 2}, {0.0f, 2.0f});  // softmax(0, 1)
  EXPECT_NEAR(d.at(1), 1 / (1 + std::exp(-1.0)), kTol);
}

TEST(SamplerTest, RepeatPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  // Penalty 2 on tokens 0 and 1: 2 -> 1 and -2 -> -4; token 2 keeps 1.5 and wins.
  Sampler s({.repeat_penalty = 2});
  EXPECT_EQ(s.Sample(std::vector<float>{2.0f, -2.0f, 1.5f}, Ids{0, 1, 0}), 2);
  // A negative logit gets more negative (dividing would have raised -1 to -0.5 and kept it first).
  EXPECT_EQ(s.Sample(std::vector<float>{-1.0f, -1.5f}, Ids{0}), 1);
  // Once per distinct token: logits (2, 0) -> (1, 0), however often 0 repeats.
  const auto d = Dist({.temperature = 1, .repeat_penalty = 2}, {2.0f, 0.0f}, Ids{0, 0, 0});
  EXPECT_NEAR(d.at(0), 1 / (1 + std::exp(-1.0)), kTol);
}

TEST(SamplerTest, RepeatPenaltyLooksOnlyAtTheLastN) {
  const std::vector<float> logits = {2.0f, 1.5f, 0.0f};
  EXPECT_EQ(Sampler({.repeat_penalty = 2, .repeat_last_n = 1}).Sample(logits, Ids{0, 2}), 0);
  EXPECT_EQ(Sampler({.repeat_penalty = 2, .repeat_last_n = 2}).Sample(logits, Ids{0, 2}), 1);
  EXPECT_EQ(Sampler({.repeat_penalty = 2, .repeat_last_n = -1}).Sample(logits, Ids{0, 2, 2, 2}), 1);
  EXPECT_EQ(Sampler({.repeat_penalty = 2, .repeat_last_n = 0}).Sample(logits, Ids{0}), 0);
}

// Pearson's chi-square statistic of `counts` against `probabilities`.
double ChiSquare(const std::vector<int>& counts, const std::vector<double>& probabilities, int n) {
  double chi2 = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = n * probabilities[i];
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  return chi2;
}

std::vector<double> Softmax(const std::vector<float>& logits, double temperature) {
  std::vector<double> p;
  double sum = 0;
  for (float l : logits) sum += std::exp(l / temperature);
  for (float l : logits) p.push_back(std::exp(l / temperature) / sum);
  return p;
}

TEST(SamplerTest, DrawsFollowTheTemperatureSoftmax) {
  const std::vector<float> logits = {1.0f, 0.5f, 0.0f, -0.5f, -1.0f, 2.0f};
  constexpr int kDraws = 20000;
  Sampler s({.temperature = 0.7f, .seed = 42});
  std::vector<int> counts(logits.size());
  for (int i = 0; i < kDraws; ++i) counts[s.Sample(logits, {})]++;
  // 5 degrees of freedom: chi-square exceeds 20.5 with probability 0.001 when the draws do follow
  // the softmax (the seed is fixed, so the test is deterministic).
  EXPECT_LT(ChiSquare(counts, Softmax(logits, 0.7), kDraws), 20.5);
  // The same counts are far from the softmax at another temperature: the check discriminates.
  EXPECT_GT(ChiSquare(counts, Softmax(logits, 1.0), kDraws), 200);
}

TEST(SamplerTest, SameSeedSameTokens) {
  const std::vector<float> logits = {0.3f, 0.1f, 0.2f, 0.25f, 0.0f};
  auto draws = [&](uint64_t seed) {
    Sampler s({.temperature = 1, .seed = seed});
    Ids out;
    for (int i = 0; i < 100; ++i) out.push_back(s.Sample(logits, {}));
    return out;
  };
  EXPECT_EQ(draws(7), draws(7));
  EXPECT_NE(draws(7), draws(8));
  // The generator itself is pinned (xoshiro256** seeded by splitmix64): a change to it, or a
  // platform-dependent step, changes these first draws for seed 7.
  const Ids first = draws(7);
  EXPECT_EQ(Ids(first.begin(), first.begin() + 16),
            (Ids{3, 1, 4, 4, 4, 4, 0, 0, 1, 0, 2, 3, 4, 4, 2, 2}));
}

TEST(SamplerTest, ValidateNamesTheBadOption) {
  EXPECT_EQ(Sampler::Validate({.temperature = -1}).message(),
            "temperature must be >= 0 (0 = greedy) (got -1)");
  EXPECT_FALSE(Sampler::Validate({.top_k = -1}).ok());
  EXPECT_FALSE(Sampler::Validate({.top_p = 0}).ok());
  EXPECT_FALSE(Sampler::Validate({.top_p = 1.5f}).ok());
  EXPECT_FALSE(Sampler::Validate({.min_p = -0.1f}).ok());
  EXPECT_FALSE(Sampler::Validate({.repeat_penalty = 0}).ok());
  EXPECT_FALSE(Sampler::Validate({.repeat_last_n = -2}).ok());
  EXPECT_FALSE(Sampler::Validate({.temperature = NAN}).ok());
  EXPECT_TRUE(Sampler::Validate({.temperature = 0.3f,
                                 .top_k = 40,
                                 .top_p = 0.9f,
                                 .min_p = 0.15f,
                                 .repeat_penalty = 1.05f})
                  .ok());
}

}  // namespace
}  // namespace lfm::engine
