#include "engine/tensor_list.h"

#include <fmt/format.h>

namespace lfm::engine {

std::vector<TensorSpec> ExpectedTensors(const Lfm2Config& c) {
  const int64_t D = c.d_model, V = c.n_vocab, L = c.conv_kernel;
  std::vector<TensorSpec> out;
  using S = TensorSlot;
  auto add = [&](std::string name, std::vector<int64_t> ne, TensorRole role, int layer,
                 TensorSlot slot) {
    out.push_back({std::move(name), std::move(ne), role, layer, slot});
  };
  add("token_embd.weight", {D, V}, TensorRole::kEmbedding, -1, S::kTokenEmbd);
  for (int l = 0; l < c.n_layers; ++l) {
    auto name = [l](const char* suffix) { return fmt::format("blk.{}.{}", l, suffix); };
    add(name("attn_norm.weight"), {D}, TensorRole::kNorm, l, S::kAttnNorm);
    if (c.layer_kind(l) == LayerKind::kConv) {
      add(name("shortconv.conv.weight"), {L, D}, TensorRole::kConvKernel, l, S::kConvKernel);
      add(name("shortconv.in_proj.weight"), {D, 3 * D}, TensorRole::kProjection, l, S::kConvInProj);
      add(name("shortconv.out_proj.weight"), {D, D}, TensorRole::kProjection, l, S::kConvOutProj);
    } else {
      const int64_t q = int64_t{c.n_heads} * c.head_dim, kv = int64_t{c.kv_heads(l)} * c.head_dim;
      add(name("attn_q.weight"), {D, q}, TensorRole::kProjection, l, S::kAttnQ);
      add(name("attn_k.weight"), {D, kv}, TensorRole::kProjection, l, S::kAttnK);
      add(name("attn_v.weight"), {D, kv}, TensorRole::kProjection, l, S::kAttnV);
      add(name("attn_output.weight"), {q, D}, TensorRole::kProjection, l, S::kAttnOutput);
      add(name("attn_q_norm.weight"), {c.head_dim}, TensorRole::kNorm, l, S::kAttnQNorm);
      add(name("attn_k_norm.weight"), {c.head_dim}, TensorRole::kNorm, l, S::kAttnKNorm);
    }
    add(name("ffn_norm.weight"), {D}, TensorRole::kNorm, l, S::kFfnNorm);
    if (!c.is_moe(l)) {
      const int64_t F = c.ffn_dim;
      add(name("ffn_gate.weight"), {D, F}, TensorRole::kProjection, l, S::kFfnGate);
      add(name("ffn_up.weight"), {D, F}, TensorRole::kProjection, l, S::kFfnUp);
      add(name("ffn_down.weight"), {F, D}, TensorRole::kProjection, l, S::kFfnDown);
    } else {
      const int64_t F = c.expert_ffn_dim, E = c.n_experts;
      add(name("ffn_gate_inp.weight"), {D, E}, TensorRole::kRouter, l, S::kRouter);
      add(name("ffn_gate_exps.weight"), {D, F, E}, TensorRole::kExpertStack, l, S::kGateExps);
      add(name("ffn_up_exps.weight"), {D, F, E}, TensorRole::kExpertStack, l, S::kUpExps);
      add(name("ffn_down_exps.weight"), {F, D, E}, TensorRole::kExpertStack, l, S::kDownExps);
      add(name("exp_probs_b.bias"), {E}, TensorRole::kExpertBias, l, S::kExpertBias);
    }
  }
  add("token_embd_norm.weight", {D}, TensorRole::kNorm, -1, S::kFinalNorm);
  return out;
}

}  // namespace lfm::engine
