// The common frame of the f32-GEMM library backends (openblas, onednn): weights stay in their
// stored type and are dequantized on the fly, a bounded panel of rows at a time, into per-thread
// f32 scratch; each panel is then multiplied by the library's f32 GEMM. So these backends
// compute the model in the file (f32 sums over its dequantized weights), and a subclass supplies
// only the library call.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/backend.h"
#include "kernels/moe_routing.h"

namespace lfm::kernels {

class PanelBackend : public Backend {
 public:
  // `pool` (may be null: one thread; must outlive the backend) runs the panels, each pool thread
  // dequantizing one panel and calling Product on it.
  explicit PanelBackend(ThreadPool* pool);

  bool Supports(DType type) const override;
  void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) override;
  // The pairs grouped by expert and each expert's rows of x gathered; then panels of every used
  // expert's gate+up (fused with SiLU·mul) in one parallel pass and panels of the down matrices
  // in a second; then each token's slots summed in order (moe_routing.h).
  void Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) override;

 protected:
  // y[t, i] = panel[i] · x[t] for i < rows, t < n. panel: [rows, cols], x: [n, cols], y rows
  // `ldy` apart. Called on several pool threads at once.
  virtual void Product(const float* panel, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t ldy) = 0;
  int threads() const { return threads_; }

 private:
  void Run(int64_t n_tasks, const std::function<void(int64_t, int)>& fn);
  // tasks_: (expert, first row) for every panel of `panel_rows` rows of `rows`, over the
  // experts that have tokens.
  void ExpertPanels(int64_t rows, int64_t panel_rows);

  ThreadPool* pool_;
  const int threads_;
  std::vector<std::vector<float>> panel_, tmp_;  // per thread: dequantized panels, gate/up results
  ExpertGroups groups_;
  std::vector<std::pair<int, int64_t>> tasks_;
  std::vector<float> xs_, hidden_, ys_;
};

}  // namespace lfm::kernels
