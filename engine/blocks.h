// The blocks of an LFM2 layer (docs/model.md §2.3-2.6), one per file, each a short function
// over kernels ops. Every matrix product goes through BlockContext, i.e. through the backend.
// Engine-internal: used by model.cc only.
#pragma once

#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "engine/config.h"
#include "engine/op_times.h"
#include "engine/sequence.h"
#include "engine/weights.h"
#include "kernels/backend.h"

namespace lfm::engine {

// What every block needs. Weights whose type `backend` does not support go to `fallback`
// (the reference backend).
struct BlockContext {
  const Lfm2Config& config;
  kernels::Backend& backend;
  kernels::Backend& fallback;
  ThreadPool& pool;
  OpTimes* times;  // where block time is added (router and experts are timed inside MoeFfn)

  // y = W · x per token. x: [n_tokens, w.cols], y: [n_tokens, w.rows].
  void Linear(const kernels::WeightView& w, const float* x, int64_t n_tokens, float* y) const;
  // out = the routed experts' weighted sum. x, out: [routing.n_tokens, D].
  void Moe(const kernels::MoeWeights& w, const float* x, const kernels::MoeRouting& routing,
           float* out) const;
};

// Rows [begin, begin + n) of a forward step belong to `seq`: they are its next n tokens, at
// positions seq->length(), seq->length() + 1, ... A prefill is one segment of n rows, a batched
// decode step B segments of one row each. Linear layers and the MoE run over all rows of the
// step together; the short conv and attention run per segment on its sequence's state.
struct Segment {
  Sequence* seq;
  int64_t begin;
  int64_t n;
};

// Gated short convolution of layer `layer`, each segment continuing its sequence's conv state
// ([L-1, D], updated). u: [n, D] operator-normed inputs of all segments; out: [n, D].
void ConvBlock(const BlockContext& ctx, const LayerWeights& w, int layer,
               std::span<const Segment> segments, const float* u, int64_t n, float* out);

// GQA attention of layer `layer` with QK-norm and NEOX RoPE; each segment's tokens attend to
// their sequence's K/V cache, to which their own K/V are appended. u: [n, D]; out: [n, D].
void AttentionBlock(const BlockContext& ctx, const LayerWeights& w, int layer,
                    std::span<const Segment> segments, const float* u, int64_t n, float* out);

// SwiGLU FFN. v: [n, D] ffn-normed inputs; out: [n, D].
void DenseFfn(const BlockContext& ctx, const LayerWeights& w, const float* v, int64_t n,
              float* out);

// Sparse MoE FFN: sigmoid router, bias for selection only, normalized top-k weights.
// Adds the number of tokens routed to each expert to expert_tokens[E].
// v: [n, D]; out: [n, D].
void MoeFfn(const BlockContext& ctx, const LayerWeights& w, const float* v, int64_t n, float* out,
            int64_t* expert_tokens);

}  // namespace lfm::engine
