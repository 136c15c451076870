// Metrics and aggregation against lm-eval's formulas; the Python numbers were computed with
// CPython 3.11 running the same expressions as lm_eval/api/metrics.py (shown beside each).
#include "evals/scoring/metrics.h"

#include <gtest/gtest.h>

namespace lfm::evals {
namespace {

using nlohmann::json;

TEST(MetricsTest, ExactMatchWithGsm8kIgnoreRules) {
  auto metric = ExactMatch::Make(json::parse(R"j({"metric": "exact_match", "aggregation": "mean",
      "higher_is_better": true, "ignore_case": true, "ignore_punctuation": false,
      "regexes_to_ignore": [",", "\\$", "(?s).*#### ", "\\.$"]})j"));
  ASSERT_TRUE(metric.ok()) << metric.status().message();
  EXPECT_EQ(metric->Normalize("Work.\nMore work\n#### 1,250."), "1250");
  EXPECT_TRUE(metric->Matches("$1,250", "steps\n#### 1250"));
  EXPECT_FALSE(metric->Matches("7.50", "#### 7.5"));
  EXPECT_FALSE(metric->Matches("[invalid]", "#### 3"));
}

TEST(MetricsTest, ExactMatchOptions) {
  auto plain = ExactMatch::Make(json::object());
  EXPECT_FALSE(plain->Matches("Yes", "yes"));
  auto options = ExactMatch::Make({{"ignore_case", true}, {"ignore_punctuation", true}});
  EXPECT_TRUE(options->Matches("Yes!", "yes"));
  EXPECT_FALSE(options->Matches("Yes ", "yes"));  // whitespace is not punctuation
  auto numbers = ExactMatch::Make({{"ignore_numbers", true}});
  EXPECT_TRUE(numbers->Matches("a1", "a2"));
  auto bad = ExactMatch::Make({{"ignore_cases", true}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("did you mean 'ignore_case'"), std::string::npos);
}

TEST(MetricsTest, AccAndAccNorm) {
  // lls [-1, -2, -4], choice lengths [1, 10, 40]: raw argmax 0, normalised argmax 2 (-0.1).
  const std::vector<double> lls = {-1, -2, -4};
  const std::vector<double> lengths = {1, 10, 40};
  EXPECT_TRUE(AccCorrect(lls, 0));
  EXPECT_FALSE(AccCorrect(lls, 2));
  EXPECT_TRUE(AccNormCorrect(lls, lengths, 2));
  EXPECT_FALSE(AccNormCorrect(lls, lengths, 0));
  EXPECT_EQ(ArgMax({-1, -1, -2}), 0u);    // numpy.argmax: the first of equal maxima
  EXPECT_EQ(ChoiceLength(" café"), 5.0);  // characters, not bytes
}

TEST(MetricsTest, MeanAndStandardError) {
  // mean([1,0,1,1]) == 0.75; sample_stddev / sqrt(4) == 0.25
  auto summary = Aggregate("mean", {1, 0, 1, 1});
  ASSERT_TRUE(summary.ok());
  EXPECT_DOUBLE_EQ(summary->value, 0.75);
  ASSERT_TRUE(summary->stderr_value.has_value());
  EXPECT_DOUBLE_EQ(*summary->stderr_value, 0.25);
  EXPECT_EQ(summary->n, 4u);
  // One sample: lm-eval prints "N/A".
  EXPECT_FALSE(Aggregate("mean", {1})->stderr_value.has_value());
  // mean_stderr([0.1,0.5,0.9,0.3,0.7,0.2,0.8]) == 0.11751393027860063
  EXPECT_NEAR(MeanStderr({0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8}), 0.11751393027860063, 1e-15);
}

TEST(MetricsTest, PythonRandomMatchesCPython) {
  // random.Random(0).random(), Random(1), Random(42); the third draw of Random(7).
  PythonRandom zero(0), one(1), answer(42), seven(7);
  EXPECT_EQ(PyRandomDouble(zero), 0.8444218515250481);
  EXPECT_EQ(PyRandomDouble(one), 0.13436424411240122);
  EXPECT_EQ(PyRandomDouble(answer), 0.6394267984578837);
  PyRandomDouble(seven);
  PyRandomDouble(seven);
  EXPECT_EQ(PyRandomDouble(seven), 0.6509344730398537);
}

TEST(MetricsTest, BootstrapStderrMatchesLmEval) {
  // bootstrap_stderr(median, xs, iters=2000) with lm-eval's seeding == 0.2885700544723414
  // (bit-identical resamples; the sum of squares may round differently in the last bits).
  const std::vector<double> xs = {0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8};
  auto summary = Aggregate("median", xs, 2000);
  ASSERT_TRUE(summary.ok());
  EXPECT_DOUBLE_EQ(summary->value, 0.3);  // lm-eval's median: xs[n // 2], unsorted
  ASSERT_TRUE(summary->stderr_value.has_value());
  EXPECT_NEAR(*summary->stderr_value, 0.2885700544723414, 1e-12);
}

TEST(MetricsTest, UnknownAggregationIsAnError) {
  auto summary = Aggregate("meen", {1, 2});
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("did you mean 'mean'"), std::string::npos);
  EXPECT_FALSE(Aggregate("mean", {}).ok());
}

}  // namespace
}  // namespace lfm::evals
