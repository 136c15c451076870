// The decode roofline: how fast this machine streams memory (a STREAM-like read) and how many
// weight bytes one decoded token reads, hence the most tokens/s a memory-bound decode can reach.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "results/result_store.h"

namespace lfm::bench {

// Read bandwidth in bytes/s: `threads` threads each sum their slice of a `bytes` buffer (far
// larger than the last-level cache) with wide loads; the best of `reps` passes after a warm-up.
double MeasureReadBandwidth(int64_t bytes, int threads, int reps);

// Weight bytes one decoded token reads from a model file: every matrix the backends multiply
// by, the expert stacks counted for n_used of n_experts experts, the output head, one row of
// the token embedding; f32 norms and conv kernels included. Errors name the file.
struct DecodeBytes {
  int64_t dense = 0;    // attention, conv, dense FFN and router matrices, output head, norms
  int64_t experts = 0;  // the n_used experts of every MoE layer
  int n_experts = 0, n_used = 0;
  int64_t total() const { return dense + experts; }
  // Expected bytes of one decode step of n_seqs tokens (perf's tg<N> x<B>) when each token
  // picks its experts uniformly and independently: every expert of a layer is read once if
  // any token picked it, E·(1 - (1 - k/E)^B) of them on average (21 of 32 for B = 8, k = 4).
  double PerStep(int n_seqs) const;
};
StatusOr<DecodeBytes> DecodeBytesPerToken(const std::string& model_path);

// For `perf`: one line per decode row of run `run_id`: its median tokens/s as a fraction of
// the roofline (read bandwidth measured now at the row's thread count / DecodeBytesPerToken
// of the run's model; for tg<N> x<B> rows, B tokens per DecodeBytes::PerStep(B)). Empty when the run has no decode rows.
StatusOr<std::string> RooflineReport(results::ResultStore& store, int64_t run_id,
                                     const std::string& model_path);

}  // namespace lfm::bench
