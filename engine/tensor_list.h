// The one list of every tensor an LFM2 / LFM2-MoE GGUF holds for a given config, with GGUF
// names and shapes exactly as llama.cpp's converter writes them (docs/model.md §3.3).
// The model generator writes this list; weight binding checks files against it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/config.h"

namespace lfm::engine {

enum class TensorRole {
  kEmbedding,     // token_embd: [V, D], also the tied output head
  kNorm,          // RMSNorm weights (F32 always)
  kConvKernel,    // shortconv.conv: {L, D} (F32 always)
  kProjection,    // a 2-D weight matrix (quantized with the file type)
  kRouter,        // ffn_gate_inp: {D, E} (F32 always)
  kExpertBias,    // exp_probs_b.bias: {E} (F32 always)
  kExpertStack,   // ffn_{gate,up,down}_exps: {in, out, E} (quantized with the file type)
};

// Which field of the bound weights (engine/weights.h) a tensor fills.
enum class TensorSlot {
  kTokenEmbd, kFinalNorm,
  kAttnNorm, kFfnNorm,
  kConvKernel, kConvInProj, kConvOutProj,
  kAttnQ, kAttnK, kAttnV, kAttnOutput, kAttnQNorm, kAttnKNorm,
  kFfnGate, kFfnUp, kFfnDown,
  kRouter, kExpertBias, kGateExps, kUpExps, kDownExps,
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> ne;  // GGUF order: ne[0] innermost (the input dimension of a weight)
  TensorRole role;
  int layer;                // -1 for model-level tensors
  TensorSlot slot;

  // Whether the converter keeps this tensor in F32 whatever the file type.
  bool always_f32() const {
    return role == TensorRole::kNorm || role == TensorRole::kConvKernel ||
           role == TensorRole::kRouter || role == TensorRole::kExpertBias;
  }
};

// In the order llama.cpp's converter writes them: token_embd, then each layer, then the final
// norm (token_embd_norm).
std::vector<TensorSpec> ExpectedTensors(const Lfm2Config& config);

}  // namespace lfm::engine
