#include "evals/scoring/metrics.h"

#include <cmath>
#include <map>

#include "evals/scoring/config.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals {

StatusOr<ExactMatch> ExactMatch::Make(const nlohmann::json& config) {
  const std::string what = "metric 'exact_match'";
  LFM_RETURN_IF_ERROR(CheckKeys(config, what,
                                {"metric", "aggregation", "higher_is_better", "ignore_case",
                                 "ignore_punctuation", "ignore_numbers", "regexes_to_ignore"}));
  ExactMatch metric;
  LFM_ASSIGN_OR_RETURN(metric.ignore_case_, GetBool(config, what, "ignore_case", false));
  LFM_ASSIGN_OR_RETURN(metric.ignore_punctuation_,
                       GetBool(config, what, "ignore_punctuation", false));
  LFM_ASSIGN_OR_RETURN(metric.ignore_numbers_, GetBool(config, what, "ignore_numbers", false));
  LFM_ASSIGN_OR_RETURN(auto patterns, GetStringList(config, what, "regexes_to_ignore"));
  for (const auto& pattern : patterns) {
    LFM_ASSIGN_OR_RETURN(PyRegex regex, PyRegex::Compile(pattern));
    metric.regexes_to_ignore_.push_back(std::move(regex));
  }
  return metric;
}

std::string ExactMatch::Normalize(std::string_view text) const {
  std::string out(text);
  for (const auto& regex : regexes_to_ignore_) out = regex.Sub(out, "");
  if (ignore_case_) out = PyLower(out);  // numpy.char.lower is str.lower per element
  if (ignore_punctuation_ || ignore_numbers_) {
    static constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    std::string kept;
    for (char c : out) {
      if (ignore_punctuation_ && kPunctuation.find(c) != std::string_view::npos) continue;
      if (ignore_numbers_ && c >= '0' && c <= '9') continue;
      kept += c;
    }
    out = std::move(kept);
  }
  return out;
}

size_t ArgMax(const std::vector<double>& values) {
  size_t best = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}

bool AccCorrect(const std::vector<double>& loglikelihoods, size_t gold) {
  return !loglikelihoods.empty() && ArgMax(loglikelihoods) == gold;
}

bool AccNormCorrect(const std::vector<double>& loglikelihoods, const std::vector<double>& lengths,
                    size_t gold) {
  if (loglikelihoods.empty() || lengths.size() != loglikelihoods.size()) return false;
  std::vector<double> normalized(loglikelihoods.size());
  for (size_t i = 0; i < normalized.size(); ++i) normalized[i] = loglikelihoods[i] / lengths[i];
  return ArgMax(normalized) == gold;
}

double ChoiceLength(std::string_view choice) { return static_cast<double>(PyLen(choice)); }

double Mean(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;  // Python's sum(): left to right
  return sum / static_cast<double>(xs.size());
}

double SampleStddev(const std::vector<double>& xs) {
  const double mu = Mean(xs);
  double sum = 0;
  for (double x : xs) sum += (x - mu) * (x - mu);
  return std::sqrt(sum / static_cast<double>(xs.size() - 1));
}

double MeanStderr(const std::vector<double>& xs) {
  return SampleStddev(xs) / std::sqrt(static_cast<double>(xs.size()));
}

double BootstrapStderr(const std::function<double(const std::vector<double>&)>& statistic,
                       const std::vector<double>& xs, int iters) {
  const int chunk = std::min(1000, iters);
  std::vector<double> replicates;
  std::vector<double> sample(xs.size());
  for (int i = 0; i < iters / chunk; ++i) {
    PythonRandom rng(static_cast<uint64_t>(i));
    const double n = static_cast<double>(xs.size());
    for (int r = 0; r < chunk; ++r) {
      // random.choices(xs, k=len(xs)): xs[floor(random() * n)] each
      for (auto& x : sample) x = xs[static_cast<size_t>(PyRandomDouble(rng) * n)];
      replicates.push_back(statistic(sample));
    }
  }
  return SampleStddev(replicates);
}

namespace {

double MedianAgg(const std::vector<double>& xs) { return xs[xs.size() / 2]; }

double NanMeanAgg(const std::vector<double>& xs) {
  double sum = 0;
  size_t n = 0;
  for (double x : xs) {
    if (std::isnan(x)) continue;
    sum += x;
    ++n;
  }
  return n ? sum / static_cast<double>(n) : std::nan("");
}

struct AggregationDef {
  double (*fn)(const std::vector<double>&);
  bool bootstrap;  // lm-eval's "bootstrappable" list; otherwise the closed form
};

const std::map<std::string, AggregationDef>& Aggregations() {
  static const auto* table = new std::map<std::string, AggregationDef>{
      {"mean", {Mean, false}}, {"median", {MedianAgg, true}}, {"nanmean", {NanMeanAgg, true}}};
  return *table;
}

}  // namespace

std::vector<std::string> AggregationNames() {
  std::vector<std::string> names;
  for (const auto& [name, def] : Aggregations()) names.push_back(name);
  return names;
}

StatusOr<MetricSummary> Aggregate(std::string_view aggregation, const std::vector<double>& xs,
                                  int bootstrap_iters) {
  const auto it = Aggregations().find(std::string(aggregation));
  if (it == Aggregations().end()) {
    return Error(StatusCode::kInvalidArgument, "unknown aggregation '{}'{}; aggregations: {}",
                 aggregation, DidYouMean(aggregation, AggregationNames()),
                 fmt::join(AggregationNames(), ", "));
  }
  if (xs.empty()) {
    return Error(StatusCode::kInvalidArgument, "aggregation '{}' of no samples", aggregation);
  }
  MetricSummary summary;
  summary.n = xs.size();
  summary.value = it->second.fn(xs);
  // lm-eval reports "N/A" for one sample and when --bootstrap_iters is 0.
  if (xs.size() > 1 && bootstrap_iters > 0) {
    summary.stderr_value =
        it->second.bootstrap ? BootstrapStderr(it->second.fn, xs, bootstrap_iters) : MeanStderr(xs);
  }
  return summary;
}

double PyRandomDouble(PythonRandom& rng) {
  const uint64_t a = rng.GetRandBits(32) >> 5;
  const uint64_t b = rng.GetRandBits(32) >> 6;
  return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) *
         (1.0 / 9007199254740992.0);
}

}  // namespace lfm::evals
