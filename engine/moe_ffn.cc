// The sparse MoE FFN (docs/model.md §2.6). The engine routes, the backend computes:
//   s = sigmoid(router · v); experts = top-k of s + bias (the bias only chooses);
//   weights = s of the chosen experts / their sum; out = Σ weight · expert(v).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "engine/blocks.h"

namespace lfm::engine {
namespace {

// llama.cpp clamps the weight sum from below by the smallest normal f16 instead of adding an
// epsilon (docs/model.md §2.6); both are negligible for sums of sigmoids.
constexpr float kMinWeightSum = 6.103515625e-5f;

// Chooses token t's experts into experts[k] / weights[k] from its router logits[E].
void Route(const float* logits, const float* bias, int n_experts, int k, int32_t* experts,
           float* weights) {
  std::vector<float> score(n_experts), biased(n_experts);
  for (int e = 0; e < n_experts; ++e) {
    score[e] = 1.0f / (1.0f + std::exp(-logits[e]));
    biased[e] = score[e] + bias[e];
  }
  std::vector<int32_t> order(n_experts);
  std::iota(order.begin(), order.end(), 0);
  // Highest biased score first; ties keep the lower expert id.
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
    return biased[a] > biased[b] || (biased[a] == biased[b] && a < b);
  });
  double sum = 0;
  for (int j = 0; j < k; ++j) {
    experts[j] = order[j];
    weights[j] = score[order[j]];
    sum += weights[j];
  }
  const float denominator = std::max(static_cast<float>(sum), kMinWeightSum);
  for (int j = 0; j < k; ++j) weights[j] /= denominator;
}

}  // namespace

void MoeFfn(const BlockContext& ctx, const LayerWeights& w, const float* v, int64_t n, float* out,
            int64_t* expert_tokens) {
  const int E = ctx.config.n_experts, k = ctx.config.n_experts_used;
  std::vector<float> logits(n * E);  // [n, E]
  std::vector<int32_t> experts(n * k);  // [n, k]
  std::vector<float> weights(n * k);    // [n, k]
  {
    OpTimer timer(ctx.times, Op::kRouter);
    ctx.Linear(w.router, v, n, logits.data());
    for (int64_t t = 0; t < n; ++t) {
      Route(logits.data() + t * E, w.expert_bias, E, k, experts.data() + t * k,
            weights.data() + t * k);
    }
    for (int32_t e : experts) ++expert_tokens[e];
  }
  OpTimer timer(ctx.times, Op::kExperts);
  const kernels::MoeRouting routing{n, k, experts.data(), weights.data()};
  ctx.Moe(w.experts, v, routing, out);
}

}  // namespace lfm::engine
