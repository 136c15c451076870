// Named per-sample metrics and their aggregation, as lm-evaluation-harness computes them
// (lm_eval/api/metrics.py and the multiple_choice branch of ConfigurableTask.process_results):
//   exact_match(prediction, reference) with ignore_case / ignore_punctuation / ignore_numbers /
//     regexes_to_ignore;
//   acc / acc_norm for log-likelihood multiple choice;
//   aggregations "mean", "median", "nanmean" with lm-eval's standard error: the sample standard
//     error of the mean for "mean", a bootstrap (lm-eval's seeding, so the same resamples) for
//     the others.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evals/python_random.h"
#include "evals/scoring/py_regex.h"

namespace lfm::evals {

// lm-eval's exact_match (ported there from HF evaluate): each regex in regexes_to_ignore is
// deleted from both strings (in order), then lower-casing, then ASCII punctuation
// (string.punctuation) and digits are removed when asked, then the strings are compared.
class ExactMatch {
 public:
  // `config`: an lm-eval metric_list entry; the keys metric, aggregation and higher_is_better
  // are accepted and ignored.
  static StatusOr<ExactMatch> Make(const nlohmann::json& config);

  // Both sides go through the same normalisation.
  std::string Normalize(std::string_view text) const;
  bool Matches(std::string_view prediction, std::string_view reference) const {
    return Normalize(prediction) == Normalize(reference);
  }

 private:
  std::vector<PyRegex> regexes_to_ignore_;
  bool ignore_case_ = false;
  bool ignore_punctuation_ = false;
  bool ignore_numbers_ = false;
};

// Index of the first largest value (numpy.argmax); `values` must be non-empty.
size_t ArgMax(const std::vector<double>& values);
// acc: the choice with the largest summed log-likelihood is `gold`.
bool AccCorrect(const std::vector<double>& loglikelihoods, size_t gold);
// acc_norm: the largest log-likelihood / length is `gold`. lm-eval divides by len(choice) in
// characters of the choice text (without the target delimiter); ChoiceLength computes that.
bool AccNormCorrect(const std::vector<double>& loglikelihoods, const std::vector<double>& lengths,
                    size_t gold);
double ChoiceLength(std::string_view choice);

// One aggregated metric.
struct MetricSummary {
  double value = 0;
  std::optional<double> stderr_value;  // none when n < 2 or the aggregation has none ("N/A")
  size_t n = 0;
};

// lm-eval's formulas.
double Mean(const std::vector<double>& xs);
double SampleStddev(const std::vector<double>& xs);  // n - 1 in the denominator
double MeanStderr(const std::vector<double>& xs);    // SampleStddev / sqrt(n)
// lm-eval's bootstrap_stderr: iters // min(1000, iters) chunks, chunk i drawn with Python's
// random.Random(i).choices(xs, k=len(xs)), then the sample stddev of the replicates.
double BootstrapStderr(const std::function<double(const std::vector<double>&)>& statistic,
                       const std::vector<double>& xs, int iters);

// Aggregates per-sample values with a named aggregation ("mean", "median" — lm-eval's, which
// is xs[n/2] of the unsorted list —, "nanmean"). `bootstrap_iters` as lm-eval's
// --bootstrap_iters (default 100000; 0 = no standard error).
StatusOr<MetricSummary> Aggregate(std::string_view aggregation, const std::vector<double>& xs,
                                  int bootstrap_iters = 100000);
std::vector<std::string> AggregationNames();

// Python's random.random() on a PythonRandom (evals/python_random.h): two 32-bit draws make one
// 53-bit double, as CPython's genrand_res53.
double PyRandomDouble(PythonRandom& rng);

}  // namespace lfm::evals
