#include "benchmarks/fidelity.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "base/check.h"

namespace lfm::bench {
namespace {

// log-softmax of one row of logits.
std::vector<double> LogSoftmax(std::span<const float> row) {
  const double max = *std::max_element(row.begin(), row.end());
  double sum = 0;
  for (float v : row) sum += std::exp(v - max);
  const double log_sum = std::log(sum);
  std::vector<double> out(row.size());
  for (size_t i = 0; i < row.size(); ++i) out[i] = row[i] - max - log_sum;
  return out;
}

}  // namespace

std::vector<int32_t> FidelityPrompt(int n_vocab) {
  std::mt19937 rng(0x5eed);
  std::uniform_int_distribution<int32_t> id(0, n_vocab - 1);
  std::vector<int32_t> prompt(kFidelityTokens);
  for (int32_t& t : prompt) t = id(rng);
  return prompt;
}

StatusOr<std::vector<float>> PromptLogits(engine::Engine& engine,
                                          const std::vector<int32_t>& prompt) {
  std::unique_ptr<engine::Sequence> seq = engine.NewSequence();
  std::vector<float> logits;
  LFM_RETURN_IF_ERROR(engine.Prefill(*seq, prompt, &logits, /*all_positions=*/true));
  return logits;
}

results::Fidelity CompareLogits(std::span<const float> reference, std::span<const float> logits,
                                int n_vocab) {
  LFM_CHECK(n_vocab > 0 && reference.size() == logits.size() && reference.size() % n_vocab == 0,
            "logits of {} and {} values are not [n, {}]", reference.size(), logits.size(), n_vocab);
  results::Fidelity f;
  f.tokens = static_cast<int>(reference.size() / n_vocab);
  int agree = 0;
  for (int p = 0; p < f.tokens; ++p) {
    const std::vector<double> r = LogSoftmax(reference.subspan(size_t(p) * n_vocab, n_vocab));
    const std::vector<double> b = LogSoftmax(logits.subspan(size_t(p) * n_vocab, n_vocab));
    double kl = 0;
    for (int v = 0; v < n_vocab; ++v) {
      kl += std::exp(r[v]) * (r[v] - b[v]);
      f.max_abs_logprob_diff = std::max(f.max_abs_logprob_diff, std::fabs(r[v] - b[v]));
    }
    f.mean_kl += std::max(kl, 0.0) / f.tokens;
    const auto top_reference = std::max_element(r.begin(), r.end()) - r.begin();
    const auto top_backend = std::max_element(b.begin(), b.end()) - b.begin();
    agree += top_reference == top_backend;
  }
  f.top1_agreement = f.tokens > 0 ? double(agree) / f.tokens : 0;
  return f;
}

}  // namespace lfm::bench
