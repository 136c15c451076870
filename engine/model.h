// Lfm2Model: the LFM2 / LFM2-MoE forward pass (docs/model.md §2.1) over bound weights:
// embedding, then per layer a pre-normed operator (short conv or attention) and a pre-normed
// FFN (dense or MoE), each added to the residual stream; final norm; tied output head.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "engine/blocks.h"
#include "engine/config.h"
#include "engine/op_times.h"
#include "engine/sequence.h"
#include "engine/weights.h"
#include "kernels/backend.h"

namespace lfm::engine {

class Lfm2Model {
 public:
  // Everything passed in must outlive the model. Weights of types `backend` does not support
  // run on `fallback` (the reference backend).
  Lfm2Model(const Lfm2Config& config, const Lfm2Weights& weights, kernels::Backend& backend,
            kernels::Backend& fallback, ThreadPool& pool);

  // Runs one step of `tokens` (valid ids), split into `segments` that cover its rows in order,
  // each appended to its own sequence (distinct sequences, each with room for its rows).
  // Writes the logits of every row ([n_tokens, V]) when all_positions, else those of each
  // segment's last row ([n_segments, V]).
  void Forward(std::span<const Segment> segments, std::span<const int32_t> tokens,
               bool all_positions, float* logits);

  // Tokens routed to each expert since construction or ResetExpertLoad: [n_layers][E]
  // (empty rows for dense layers).
  const std::vector<std::vector<int64_t>>& expert_tokens() const { return expert_tokens_; }
  void ResetExpertLoad();

  // Forward-pass time by op since construction or ResetOpTimes.
  const OpTimes& op_times() const { return op_times_; }
  void ResetOpTimes() { op_times_.Reset(); }

 private:
  const Lfm2Config& config_;
  const Lfm2Weights& weights_;
  kernels::Backend& backend_;
  kernels::Backend& fallback_;
  ThreadPool& pool_;
  std::vector<std::vector<int64_t>> expert_tokens_;
  OpTimes op_times_;
};

}  // namespace lfm::engine
