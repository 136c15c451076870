#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/check.h"

namespace lfm::engine {
namespace {

// Ranks candidates: larger logit first, lower id on ties. A total order, so every selection
// below is the same on every platform.
bool Before(const TokenLogit& a, const TokenLogit& b) {
  return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
}

// Keeps the candidates ranked at or before `last` (their id order is kept).
void KeepThrough(TokenLogit last, std::vector<TokenLogit>& c) {
  std::erase_if(c, [&](const TokenLogit& x) { return Before(last, x); });
}

float MaxLogit(const std::vector<TokenLogit>& c) {
  return std::min_element(c.begin(), c.end(), Before)->logit;
}

// `c` is still indexed by id here.
void Penalize(const SamplerOptions& o, std::span<const int32_t> recent,
              std::vector<TokenLogit>& c) {
  if (o.repeat_penalty == 1.0f || o.repeat_last_n == 0) return;
  const size_t n = o.repeat_last_n < 0
                       ? recent.size()
                       : std::min(recent.size(), static_cast<size_t>(o.repeat_last_n));
  std::vector<int32_t> window(recent.end() - n, recent.end());
  std::sort(window.begin(), window.end());
  window.erase(std::unique(window.begin(), window.end()), window.end());
  for (int32_t id : window) {
    LFM_CHECK(id >= 0 && static_cast<size_t>(id) < c.size(),
              "recent token {} outside the {} logits", id, c.size());
    float& logit = c[id].logit;
    logit = logit <= 0 ? logit * o.repeat_penalty : logit / o.repeat_penalty;
  }
}

// `order` is scratch: positions into `c`.
void TopK(int k, std::vector<TokenLogit>& c, std::vector<int32_t>& order) {
  if (k <= 0 || static_cast<size_t>(k) >= c.size()) return;
  order.resize(c.size());
  std::iota(order.begin(), order.end(), 0);
  std::nth_element(order.begin(), order.begin() + (k - 1), order.end(),
                   [&](int32_t a, int32_t b) { return Before(c[a], c[b]); });
  KeepThrough(c[order[k - 1]], c);
}

// exp(logit - max logit) of each candidate into `weights`; returns their sum.
double Weights(const std::vector<TokenLogit>& c, std::vector<float>& weights) {
  const float max_logit = MaxLogit(c);
  weights.resize(c.size());
  double sum = 0;
  for (size_t i = 0; i < c.size(); ++i) sum += weights[i] = std::exp(c[i].logit - max_logit);
  return sum;
}

// Keeps the fewest best-ranked candidates whose softmax mass reaches p. The cut is found by a
// binary search over ranks with nth_element (expected linear time, no full sort).
void TopP(float p, std::vector<TokenLogit>& c, std::vector<int32_t>& order,
          std::vector<float>& weights) {
  if (p >= 1.0f || c.size() <= 1) return;
  const double need = p * Weights(c, weights);
  order.resize(c.size());
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](int32_t a, int32_t b) { return Before(c[a], c[b]); };
  // order[0, lo) are the lo best (mass `above` < need), order[lo, hi] the ranks lo..hi, and the
  // cut's rank is in [lo, hi].
  size_t lo = 0, hi = order.size() - 1;
  double above = 0;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    std::nth_element(order.begin() + lo, order.begin() + mid, order.begin() + hi + 1, before);
    double mass = above;
    for (size_t i = lo; i <= mid; ++i) mass += weights[order[i]];
    if (mass >= need) {
      hi = mid;
    } else {
      above = mass;
      lo = mid + 1;
    }
  }
  KeepThrough(c[order[lo]], c);  // [lo, hi] is now the one position of rank lo
}

void MinP(float p, std::vector<TokenLogit>& c) {
  if (p <= 0.0f) return;
  const float threshold = MaxLogit(c) + std::log(p);
  std::erase_if(c, [&](const TokenLogit& x) { return x.logit < threshold; });
}

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Status Sampler::Validate(const SamplerOptions& o) {
  auto bad = [](std::string_view what, double got) {
    return Error(StatusCode::kInvalidArgument, "{} (got {})", what, got);
  };
  if (!(o.temperature >= 0)) return bad("temperature must be >= 0 (0 = greedy)", o.temperature);
  if (o.top_k < 0) return bad("top-k must be >= 0 (0 = off)", o.top_k);
  if (!(o.top_p > 0 && o.top_p <= 1)) return bad("top-p must be in (0, 1] (1 = off)", o.top_p);
  if (!(o.min_p >= 0 && o.min_p <= 1)) return bad("min-p must be in [0, 1] (0 = off)", o.min_p);
  if (!(o.repeat_penalty > 0)) return bad("repeat penalty must be > 0 (1 = off)", o.repeat_penalty);
  if (o.repeat_last_n < -1) return bad("repeat-last-n must be >= -1 (-1 = all)", o.repeat_last_n);
  return OkStatus();
}

Sampler::Sampler(const SamplerOptions& options) : options_(options) {
  const Status valid = Validate(options);
  LFM_CHECK(valid.ok(), "{}", valid.message());
  uint64_t x = options.seed;
  for (uint64_t& s : state_) s = SplitMix64(x);
}

double Sampler::NextUniform() {
  const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = Rotl(state_[3], 45);
  return static_cast<double>(result >> 11) * 0x1.0p-53;
}

void Sampler::Filter(std::span<const float> logits, std::span<const int32_t> recent_tokens) {
  LFM_CHECK(!logits.empty(), "no logits");
  candidates_.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) candidates_[i] = {static_cast<int32_t>(i), logits[i]};
  Penalize(options_, recent_tokens, candidates_);
  if (options_.temperature <= 0) {
    candidates_ = {*std::min_element(candidates_.begin(), candidates_.end(), Before)};
  } else {
    TopK(options_.top_k, candidates_, order_);
    TopP(options_.top_p, candidates_, order_, weights_);
    MinP(options_.min_p, candidates_);
    for (TokenLogit& x : candidates_) x.logit /= options_.temperature;
  }
  weights_sum_ = Weights(candidates_, weights_);
}

std::vector<TokenProbability> Sampler::Distribution(std::span<const float> logits,
                                                    std::span<const int32_t> recent_tokens) {
  Filter(logits, recent_tokens);
  std::vector<TokenProbability> out(candidates_.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = {candidates_[i].id, static_cast<float>(weights_[i] / weights_sum_)};
  }
  return out;
}

int32_t Sampler::Sample(std::span<const float> logits, std::span<const int32_t> recent_tokens) {
  Filter(logits, recent_tokens);
  if (candidates_.size() == 1) return candidates_[0].id;
  const double target = NextUniform() * weights_sum_;
  double cumulative = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    cumulative += weights_[i];
    if (cumulative > target) return candidates_[i].id;
  }
  return candidates_.back().id;  // rounding left the target a hair above the sum
}

}  // namespace lfm::engine
