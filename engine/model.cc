#include "engine/model.h"

#include <chrono>

#include "base/check.h"
#include "engine/blocks.h"
#include "kernels/ops.h"

namespace lfm::engine {
namespace {

// x: [n, D] -> y: [n, D], each row normalized with `weight`.
void RmsNormRows(const float* x, const float* weight, int64_t n, int64_t D, float eps, float* y) {
  for (int64_t i = 0; i < n; ++i) kernels::RmsNorm(x + i * D, weight, D, eps, y + i * D);
}

void AddTo(float* h, const float* y, int64_t count) {
  for (int64_t j = 0; j < count; ++j) h[j] += y[j];
}

// Seconds in every op but kOther.
double NamedSeconds(const OpTimes& t) {
  double sum = 0;
  for (int op = 0; op < kNumOps; ++op) sum += op == static_cast<int>(Op::kOther) ? 0 : t.seconds[op];
  return sum;
}

}  // namespace

void BlockContext::Linear(const kernels::WeightView& w, const float* x, int64_t n_tokens,
                          float* y) const {
  (backend.Supports(w.type) ? backend : fallback).Linear(w, x, n_tokens, y);
}

void BlockContext::Moe(const kernels::MoeWeights& w, const float* x,
                       const kernels::MoeRouting& routing, float* out) const {
  const bool supported =
      backend.Supports(w.gate.type) && backend.Supports(w.up.type) && backend.Supports(w.down.type);
  (supported ? backend : fallback).Moe(w, x, routing, out);
}

Lfm2Model::Lfm2Model(const Lfm2Config& config, const Lfm2Weights& weights,
                     kernels::Backend& backend, kernels::Backend& fallback, ThreadPool& pool)
    : config_(config), weights_(weights), backend_(backend), fallback_(fallback), pool_(pool) {
  ResetExpertLoad();
}

void Lfm2Model::ResetExpertLoad() {
  expert_tokens_.assign(config_.n_layers, {});
  for (int l = 0; l < config_.n_layers; ++l) {
    if (config_.is_moe(l)) expert_tokens_[l].assign(config_.n_experts, 0);
  }
}

void Lfm2Model::Forward(std::span<const Segment> segments, std::span<const int32_t> tokens,
                        bool all_positions, float* logits) {
  const int64_t n = static_cast<int64_t>(tokens.size()), D = config_.d_model;
  const float eps = config_.norm_eps;
  int64_t covered = 0;
  for (const Segment& s : segments) {
    LFM_CHECK(s.begin == covered && s.n > 0 && s.seq->length() + s.n <= s.seq->max_context(),
              "segment of {} rows at row {} after {} tokens", s.n, s.begin, s.seq->length());
    covered += s.n;
  }
  LFM_CHECK(n > 0 && covered == n, "{} segment rows for {} tokens", covered, n);
  const BlockContext ctx{config_, backend_, fallback_, pool_, &op_times_};
  const double named_before = NamedSeconds(op_times_);
  const auto start = std::chrono::steady_clock::now();

  std::vector<float> h(n * D);  // [n, D] residual stream
  for (int64_t i = 0; i < n; ++i) {
    LFM_CHECK(tokens[i] >= 0 && tokens[i] < config_.n_vocab, "token id {}", tokens[i]);
    kernels::DequantizeWeightRow(weights_.token_embd, tokens[i], h.data() + i * D);
  }
  std::vector<float> normed(n * D), block_out(n * D);  // [n, D] each
  for (int l = 0; l < config_.n_layers; ++l) {
    const LayerWeights& w = weights_.layers[l];

    RmsNormRows(h.data(), w.attn_norm, n, D, eps, normed.data());
    if (config_.layer_kind(l) == LayerKind::kConv) {
      OpTimer timer(&op_times_, Op::kConv);
      ConvBlock(ctx, w, l, segments, normed.data(), n, block_out.data());
    } else {
      OpTimer timer(&op_times_, Op::kAttention);
      AttentionBlock(ctx, w, l, segments, normed.data(), n, block_out.data());
    }
    AddTo(h.data(), block_out.data(), n * D);

    RmsNormRows(h.data(), w.ffn_norm, n, D, eps, normed.data());
    if (config_.is_moe(l)) {
      MoeFfn(ctx, w, normed.data(), n, block_out.data(), expert_tokens_[l].data());
    } else {
      OpTimer timer(&op_times_, Op::kDenseFfn);
      DenseFfn(ctx, w, normed.data(), n, block_out.data());
    }
    AddTo(h.data(), block_out.data(), n * D);
  }
  for (const Segment& s : segments) s.seq->Advance(s.n);

  // Final norm and output head, for every row or each segment's last.
  int64_t n_out = 0;
  for (const Segment& s : segments) {
    const int64_t first = all_positions ? s.begin : s.begin + s.n - 1, count = s.begin + s.n - first;
    RmsNormRows(h.data() + first * D, weights_.final_norm, count, D, eps, normed.data() + n_out * D);
    n_out += count;
  }
  {
    OpTimer timer(&op_times_, Op::kOutputHead);
    ctx.Linear(weights_.output, normed.data(), n_out, logits);
  }
  // Everything not inside a named op: embedding, norms, residual adds.
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  op_times_[Op::kOther] += total - (NamedSeconds(op_times_) - named_before);
}

}  // namespace lfm::engine
