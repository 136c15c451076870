// Sequence: everything one token stream carries from one forward call to the next: the KV
// cache of each attention layer, the last L-1 conv inputs of each conv layer, and its length
// (the position of the next token). See docs/model.md §2.8.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/config.h"

namespace lfm::engine {

// One layer's part of the state; only the member for the layer's kind is used.
struct LayerState {
  // Conv layers: the last L-1 gate vectors B⊙x, oldest first. [L-1, D], f32 as in llama.cpp.
  std::vector<float> conv;
  // Attention layers: keys (after QK-norm and RoPE) and values of every position so far,
  // stored in f16 as llama.cpp's default KV cache stores them. [length, Hkv * hd] each.
  std::vector<uint16_t> k;
  std::vector<uint16_t> v;
};

// Not thread-safe; one forward call at a time per sequence. Sequences are independent: any
// number may share one Engine.
class Sequence {
 public:
  Sequence(const Lfm2Config& config, int max_context);

  // Tokens processed so far; the next token's position.
  int64_t length() const { return length_; }
  // The most tokens this sequence may hold.
  int max_context() const { return max_context_; }

  // An exact copy: continuing both with the same tokens gives the same logits.
  std::unique_ptr<Sequence> Fork() const { return std::make_unique<Sequence>(*this); }
  // Back to the empty sequence (length 0, conv state zero, KV cache empty).
  void Reset();

  // For the forward pass: the per-layer state, and the count of tokens appended to it.
  LayerState& layer(int l) { return layers_[l]; }
  void Advance(int64_t n_tokens) { length_ += n_tokens; }

 private:
  std::vector<LayerState> layers_;
  int64_t length_ = 0;
  int max_context_;
};

}  // namespace lfm::engine
