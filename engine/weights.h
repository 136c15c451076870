// Lfm2Weights: every tensor of an LFM2 / LFM2-MoE GGUF as a named view into the file's mmap
// (nothing is copied), bound from the one tensor list (engine/tensor_list.h) with each
// tensor's presence, shape and type checked against the config.
#pragma once

#include <functional>
#include <vector>

#include "base/status.h"
#include "engine/config.h"
#include "engine/gguf.h"
#include "kernels/backend.h"
#include "kernels/ops.h"

namespace lfm::engine {

// One layer's tensors; only those of the layer's operator (conv or attention) and FFN kind
// (dense or MoE) are bound, the others stay empty. Shapes are [rows, cols] = [out, in].
struct LayerWeights {
  const float* attn_norm = nullptr;  // [D] operator norm
  const float* ffn_norm = nullptr;   // [D]

  // Short convolution.
  const float* conv_kernel = nullptr;  // [D, L]: channel c's L taps, oldest input first
  kernels::WeightView conv_in_proj;    // [3D, D]: rows B | C | x
  kernels::WeightView conv_out_proj;   // [D, D]

  // Attention.
  kernels::WeightView attn_q;          // [H*hd, D]
  kernels::WeightView attn_k;          // [Hkv*hd, D]
  kernels::WeightView attn_v;          // [Hkv*hd, D]
  kernels::WeightView attn_output;     // [D, H*hd]
  const float* attn_q_norm = nullptr;  // [hd], shared by every head
  const float* attn_k_norm = nullptr;  // [hd]

  // Dense SwiGLU FFN.
  kernels::WeightView ffn_gate;  // [F, D]
  kernels::WeightView ffn_up;    // [F, D]
  kernels::WeightView ffn_down;  // [D, F]

  // MoE FFN.
  kernels::WeightView router;          // [E, D], f32
  const float* expert_bias = nullptr;  // [E], used for expert selection only
  kernels::MoeWeights experts;         // E stacks of [F_exp, D] / [D, F_exp]
};

struct Lfm2Weights {
  kernels::WeightView token_embd;     // [V, D]
  kernels::WeightView output;         // [V, D]: output.weight if the file has it, else token_embd
  const float* final_norm = nullptr;  // [D]: token_embd_norm.weight (alias output_norm.weight)
  std::vector<LayerWeights> layers;

  // Binds the tensors of ExpectedTensors(config) in `file`, which must outlive the result.
  // A missing tensor, a wrong shape or an unsupported type is an error naming the file and the
  // tensor. Types: f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K; norms, conv kernels, router
  // and expert bias must be f32 (llama.cpp's converter always writes them so).
  static StatusOr<Lfm2Weights> Bind(const GgufFile& file, const Lfm2Config& config);

  // Calls fn(w, slice_rows) for every weight matrix the backends multiply by, once each: the
  // output head (the token embedding when tied; the embedding's lookups use token_embd) and
  // every layer's matrices, expert stacks whole with slice_rows = one expert's rows (else the
  // matrix's rows). fn may replace w with a backend's prepared view (Backend::Prepare).
  void ForEachMatrix(const std::function<void(kernels::WeightView& w, int64_t slice_rows)>& fn);
};

}  // namespace lfm::engine
