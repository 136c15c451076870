#include "kernels/panel_backend.h"

#include <algorithm>

#include "kernels/quant/quantize.h"

namespace lfm::kernels {
namespace {

// f32 values per dequantized panel. One token (a matrix-vector product) reads each panel value
// once: 64 Ki floats (256 KB) stay in a core's L2 cache between the dequantizer writing them
// and the product reading them. Several tokens reuse each panel value n times and want wide
// panels to keep the GEMM efficient (a 9-row panel of a 7168-wide matrix ran OpenBLAS at half
// speed): 1 Mi floats (4 MB).
int64_t PanelRows(int64_t cols, int64_t n_tokens) {
  const int64_t panel_floats = n_tokens == 1 ? 64 * 1024 : 1024 * 1024;
  return std::max<int64_t>(1, panel_floats / cols);
}

// Rows [first, first + count) of w as f32: out [count, w.cols].
void DequantizeRows(const WeightView& w, int64_t first, int64_t count, float* out) {
  for (int64_t r = 0; r < count; ++r) {
    DequantizeRow(w.type, w.row(first + r), out + r * w.cols, w.cols);
  }
}

float* Scratch(std::vector<std::vector<float>>& per_thread, int thread, int64_t n) {
  std::vector<float>& v = per_thread[thread];
  if (static_cast<int64_t>(v.size()) < n) v.resize(n);
  return v.data();
}

}  // namespace

PanelBackend::PanelBackend(ThreadPool* pool)
    : pool_(pool), threads_(pool ? pool->num_threads() : 1), panel_(threads_), tmp_(threads_) {}

bool PanelBackend::Supports(DType type) const { return CanDequantize(type); }

void PanelBackend::Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) {
  const int64_t rows = PanelRows(w.cols, n_tokens);
  Run((w.rows + rows - 1) / rows, [&](int64_t panel, int thread) {
    const int64_t first = panel * rows, count = std::min(rows, w.rows - first);
    float* buf = Scratch(panel_, thread, count * w.cols);
    DequantizeRows(w, first, count, buf);
    Product(buf, count, w.cols, x, n_tokens, y + first, w.rows);
  });
}

void PanelBackend::Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) {
  const int64_t D = w.d_model, F = w.d_ffn, n_pairs = r.n_tokens * r.n_used;
  const ExpertGroups& g = groups_;
  groups_.Group(w.n_experts, r);
  xs_.resize(n_pairs * D);  // [n_pairs, D] in grouped order
  GatherPairRows(r, g, 0, n_pairs, x, D, xs_.data());
  hidden_.resize(n_pairs * F);  // [n_pairs, F]
  ys_.resize(n_pairs * D);      // [n_pairs, D]

  // Gate and up panels of the same rows share a task so SiLU·mul runs on fresh results.
  const int64_t gu_rows = std::max<int64_t>(1, PanelRows(D, r.n_tokens) / 2);
  ExpertPanels(F, gu_rows);
  Run(static_cast<int64_t>(tasks_.size()), [&](int64_t task, int thread) {
    const auto [e, first] = tasks_[task];
    const int64_t count = std::min(gu_rows, F - first), n = g.size(e);
    float* panels = Scratch(panel_, thread, 2 * count * D);  // [2, count, D]
    float* gu = Scratch(tmp_, thread, 2 * n * count);        // [2, n, count]
    DequantizeRows(w.Gate(e), first, count, panels);
    DequantizeRows(w.Up(e), first, count, panels + count * D);
    const float* xe = xs_.data() + g.begin[e] * D;
    Product(panels, count, D, xe, n, gu, count);
    Product(panels + count * D, count, D, xe, n, gu + n * count, count);
    for (int64_t i = 0; i < n; ++i) {
      float* h = hidden_.data() + (g.begin[e] + i) * F + first;
      for (int64_t j = 0; j < count; ++j) h[j] = Silu(gu[i * count + j]) * gu[(n + i) * count + j];
    }
  });

  const int64_t down_rows = PanelRows(F, r.n_tokens);
  ExpertPanels(D, down_rows);
  Run(static_cast<int64_t>(tasks_.size()), [&](int64_t task, int thread) {
    const auto [e, first] = tasks_[task];
    const int64_t count = std::min(down_rows, D - first);
    float* panel = Scratch(panel_, thread, count * F);
    DequantizeRows(w.Down(e), first, count, panel);
    Product(panel, count, F, hidden_.data() + g.begin[e] * F, g.size(e),
            ys_.data() + g.begin[e] * D + first, D);
  });

  SumExpertOutputs(r, g, ys_.data(), D, out);
}

void PanelBackend::Run(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
  if (pool_) {
    pool_->Run(n_tasks, fn);
  } else {
    for (int64_t task = 0; task < n_tasks; ++task) fn(task, 0);
  }
}

void PanelBackend::ExpertPanels(int64_t rows, int64_t panel_rows) {
  tasks_.clear();
  for (int e : groups_.active) {
    for (int64_t first = 0; first < rows; first += panel_rows) tasks_.emplace_back(e, first);
  }
}

}  // namespace lfm::kernels
