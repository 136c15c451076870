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

bool AccNormCorrect(const std::vector<double>& loglikelihoods,
                    const std::vector<double>& lengths, size_t gold) {
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
    PyRandom rng(static_cast<uint32_t>(i));
    for (int r = 0; r < chunk; ++r) {
      for (auto& x : sample) x = xs[rng.Below(xs.size())];
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
    summary.stderr_value = it->second.bootstrap
                               ? BootstrapStderr(it->second.fn, xs, bootstrap_iters)
                               : MeanStderr(xs);
  }
  return summary;
}

// MT19937 as in CPython's _randommodule.c (init_genrand, init_by_array, genrand_uint32).
PyRandom::PyRandom(uint32_t seed) {
  state_[0] = 19650218u;
  for (uint32_t i = 1; i < 624; ++i) {
    state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + i;
  }
  // init_by_array with the one-word key [seed] (Python splits an int seed into 32-bit words).
  uint32_t i = 1;
  for (int k = 624; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525u)) + seed;
    if (++i >= 624) {
      state_[0] = state_[623];
      i = 1;
    }
  }
  for (int k = 623; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941u)) - i;
    if (++i >= 624) {
      state_[0] = state_[623];
      i = 1;
    }
  }
  state_[0] = 0x80000000u;
}

uint32_t PyRandom::Next() {
  if (index_ >= 624) {
    for (int k = 0; k < 624; ++k) {
      const uint32_t y = (state_[k] & 0x80000000u) | (state_[(k + 1) % 624] & 0x7fffffffu);
      state_[k] = state_[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    index_ = 0;
  }
  uint32_t y = state_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

double PyRandom::Random() {
  const uint32_t a = Next() >> 5;
  const uint32_t b = Next() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

}  // namespace lfm::evals
