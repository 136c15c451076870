// The kernel backend interface: the engine runs every linear layer and every MoE expert
// computation through one Backend, chosen by name at run time (MakeBackend in registry.h).
// A backend sees weight views, activations and routing arrays; it knows nothing of models,
// tokens or files. Routing (which experts, with what weights) is decided by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kernels/dtype.h"
#include "kernels/ops.h"

namespace lfm::kernels {

// The experts of one MoE layer, each stored as a GGUF stack ne = {cols, rows, n_experts}:
// expert e computes down_e · (silu(gate_e · x) ⊙ (up_e · x)).
struct MoeWeights {
  int n_experts = 0;
  int64_t d_model = 0;  // D: each expert's input and output width
  int64_t d_ffn = 0;    // F: each expert's hidden width
  WeightView gate;      // [n_experts * d_ffn, d_model]
  WeightView up;        // [n_experts * d_ffn, d_model]
  WeightView down;      // [n_experts * d_model, d_ffn]

  // One expert's matrix out of a stack: rows [e * rows_per_expert, (e + 1) * rows_per_expert).
  // In a backend's own layout too (Backend::Prepare keeps each expert's byte offset).
  static WeightView Slice(const WeightView& stack, int n_experts, int e) {
    WeightView slice = stack;
    slice.rows = stack.rows / n_experts;
    slice.data = static_cast<const uint8_t*>(stack.data) + e * slice.rows * stack.row_bytes();
    return slice;
  }
  WeightView Gate(int e) const { return Slice(gate, n_experts, e); }
  WeightView Up(int e) const { return Slice(up, n_experts, e); }
  WeightView Down(int e) const { return Slice(down, n_experts, e); }
};

// Which experts each token uses and with what weight, as the engine's router chose them.
struct MoeRouting {
  int64_t n_tokens = 0;
  int n_used = 0;                    // k: experts per token
  const int32_t* experts = nullptr;  // [n_tokens, n_used], each in [0, n_experts)
  const float* weights = nullptr;    // [n_tokens, n_used]
};

// Implementations may keep scratch memory: one call at a time per Backend object.
class Backend {
 public:
  virtual ~Backend() = default;

  // The name MakeBackend knows it by ("reference", ...).
  virtual std::string_view Name() const = 0;
  // One line on how this backend computes on this machine when that is chosen at run time
  // (weight format, library version, threads), for the engine to record with every result so
  // that no such choice is silent. Defaults to the name.
  virtual std::string Describe() const { return std::string(Name()); }
  // Whether Linear and Moe accept weights of `type`. The engine sends weights of other types
  // to the reference backend and says so once.
  virtual bool Supports(DType type) const = 0;

  // Called by the engine once per weight matrix at load, before any Linear or Moe with it. A
  // backend whose kernels read a layout of their own copies `w` (stored layout) into memory it
  // owns and returns the view of that copy: same type, rows, cols and byte size, and every
  // slice of `slice_rows` rows (one expert of a stack: MoeWeights::Slice) at the same byte
  // offset as in `w`. The caller uses that view in place of `w` from then on, with this backend
  // only, and may release `w`'s memory. The default keeps the stored layout and returns `w`.
  virtual WeightView Prepare(const WeightView& w, int64_t slice_rows) {
    (void)slice_rows;
    return w;
  }

  // y[t] = W · x[t] for t < n_tokens. x: [n_tokens, w.cols], y: [n_tokens, w.rows].
  virtual void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) = 0;

  // out[t] = Σ_{j < n_used} routing.weights[t, j] · expert_{routing.experts[t, j]}(x[t]),
  // summed in slot order j = 0, 1, ... as llama.cpp sums them.
  // x: [n_tokens, d_model], out: [n_tokens, d_model] (overwritten).
  virtual void Moe(const MoeWeights& w, const float* x, const MoeRouting& routing, float* out) = 0;
};

}  // namespace lfm::kernels
