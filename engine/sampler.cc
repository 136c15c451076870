#include "engine/sampler.h"

#include <algorithm>
#include <cmath>

#include "base/check.h"

namespace lfm::engine {
namespace {

struct Candidate {
  int32_t id;
  float logit;
};

// Ranks candidates: larger logit first, lower id on ties. A total order, so every selection
// below is the same on every platform.
bool Before(const Candidate& a, const Candidate& b) {
  return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
}

// Keeps the candidates ranked at or before `last` (their id order is kept).
void KeepThrough(Candidate last, std::vector<Candidate>& c) {
  std::erase_if(c, [&](const Candidate& x) { return Before(last, x); });
}

void Penalize(const SamplerOptions& o, std::span<const int32_t> recent, std::vector<Candidate>& c) {
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
    float& logit = c[id].logit;  // c is still indexed by id here
    logit = logit <= 0 ? logit * o.repeat_penalty : logit / o.repeat_penalty;
  }
}

void TopK(int k, std::vector<Candidate>& c) {
  if (k <= 0 || static_cast<size_t>(k) >= c.size()) return;
  std::vector<Candidate> ranked = c;
  std::nth_element(ranked.begin(), ranked.begin() + (k - 1), ranked.end(), Before);
  KeepThrough(ranked[k - 1], c);
}

// exp(logit - max logit) of each candidate, and their sum.
std::vector<double> Exps(const std::vector<Candidate>& c, double& sum) {
  float max_logit = -INFINITY;
  for (const Candidate& x : c) max_logit = std::max(max_logit, x.logit);
  std::vector<double> e(c.size());
  sum = 0;
  for (size_t i = 0; i < c.size(); ++i)
    sum += e[i] = std::exp(static_cast<double>(c[i].logit) - max_logit);
  return e;
}

void TopP(float p, std::vector<Candidate>& c) {
  if (p >= 1.0f || c.size() <= 1) return;
  double sum = 0;
  Exps(c, sum);
  const float max_logit = std::min_element(c.begin(), c.end(), Before)->logit;
  std::vector<Candidate> ranked = c;
  // Sort only as much of the ranking as the cut needs: most of the mass is in a few tokens.
  for (size_t sorted = std::min<size_t>(64, ranked.size());;
       sorted = std::min(ranked.size(), sorted * 8)) {
    std::partial_sort(ranked.begin(), ranked.begin() + sorted, ranked.end(), Before);
    double cumulative = 0;
    for (size_t i = 0; i < sorted; ++i) {
      cumulative += std::exp(static_cast<double>(ranked[i].logit) - max_logit) / sum;
      if (cumulative >= p || i + 1 == ranked.size()) return KeepThrough(ranked[i], c);
    }
  }
}

void MinP(float p, std::vector<Candidate>& c) {
  if (p <= 0.0f) return;
  const float max_logit = std::min_element(c.begin(), c.end(), Before)->logit;
  const float threshold = max_logit + std::log(p);
  std::erase_if(c, [&](const Candidate& x) { return x.logit < threshold; });
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

std::vector<TokenProbability> Sampler::Distribution(std::span<const float> logits,
                                                    std::span<const int32_t> recent_tokens) const {
  LFM_CHECK(!logits.empty(), "no logits");
  std::vector<Candidate> c(logits.size());  // [n_vocab] in id order
  for (size_t i = 0; i < logits.size(); ++i) c[i] = {static_cast<int32_t>(i), logits[i]};
  Penalize(options_, recent_tokens, c);
  if (options_.temperature <= 0) {
    return {{std::min_element(c.begin(), c.end(), Before)->id, 1.0f}};
  }
  TopK(options_.top_k, c);
  TopP(options_.top_p, c);
  MinP(options_.min_p, c);
  for (Candidate& x : c) x.logit /= options_.temperature;
  double sum = 0;
  const std::vector<double> e = Exps(c, sum);
  std::vector<TokenProbability> out(c.size());
  for (size_t i = 0; i < c.size(); ++i) out[i] = {c[i].id, static_cast<float>(e[i] / sum)};
  return out;
}

int32_t Sampler::Sample(std::span<const float> logits, std::span<const int32_t> recent_tokens) {
  const std::vector<TokenProbability> dist = Distribution(logits, recent_tokens);
  if (dist.size() == 1) return dist[0].id;
  double total = 0;
  for (const TokenProbability& t : dist) total += t.p;
  const double target = NextUniform() * total;
  double cumulative = 0;
  for (const TokenProbability& t : dist) {
    cumulative += t.p;
    if (cumulative > target) return t.id;
  }
  return dist.back().id;  // rounding left target a hair above the sum
}

}  // namespace lfm::engine
