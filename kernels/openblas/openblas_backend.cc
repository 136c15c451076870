#include "kernels/openblas/openblas_backend.h"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "base/check.h"
#include "kernels/quant/quantize.h"

namespace lfm::kernels {
namespace {

// f32 values per dequantized panel. One token (sgemv) reads each panel value once: 64 Ki floats
// (256 KB) stay in a core's L2 cache between the dequantizer writing them and sgemv reading
// them. Several tokens (sgemm) reuse each panel value n times and want wide panels to keep
// sgemm efficient (a 9-row panel of a 7168-wide matrix ran at half speed): 1 Mi floats (4 MB).
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

// y[t, i] = panel[i] · x[t] for i < rows, t < n. panel: [rows, cols], x: [n, cols], y rows
// `ldy` apart.
void PanelProduct(const float* panel, int64_t rows, int64_t cols, const float* x, int64_t n,
                  float* y, int64_t ldy) {
  if (n == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.0f, panel, cols, x, 1, 0.0f, y, 1);
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, cols, 1.0f, x, cols, panel, cols,
                0.0f, y, ldy);
  }
}

std::string_view ParallelName(int parallel) {
  switch (parallel) {
    case 0:
      return "sequential";
    case 1:
      return "pthreads";
    case 2:
      return "OpenMP";
  }
  return "unknown threading";
}

class OpenBlasBackend : public Backend {
 public:
  explicit OpenBlasBackend(ThreadPool* pool)
      : pool_(pool), threads_(pool ? pool->num_threads() : 1), panel_(threads_), tmp_(threads_) {
    openblas_set_num_threads(1);
  }

  std::string_view Name() const override { return "openblas"; }

  std::string Describe() const override {
    return fmt::format(
        "openblas ({}; {} build, set to 1 thread per call): f32 panels (256 KB for one token, "
        "4 MB for more) dequantized on the fly by each of {} engine threads",
        openblas_get_config(), ParallelName(openblas_get_parallel()), threads_);
  }

  bool Supports(DType type) const override { return CanDequantize(type); }

  void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) override {
    const int64_t rows = PanelRows(w.cols, n_tokens);
    Run((w.rows + rows - 1) / rows, [&](int64_t panel, int thread) {
      const int64_t first = panel * rows, count = std::min(rows, w.rows - first);
      float* buf = Scratch(panel_, thread, count * w.cols);
      DequantizeRows(w, first, count, buf);
      PanelProduct(buf, count, w.cols, x, n_tokens, y + first, w.rows);
    });
  }

  // The (token, slot) pairs grouped by expert, each expert's rows of x gathered; then panels of
  // every used expert's gate+up (fused with SiLU·mul) in one parallel pass and panels of the
  // down matrices in a second; then each token's slots summed in order, as the reference does.
  void Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) override {
    const int64_t D = w.d_model, F = w.d_ffn, n_pairs = r.n_tokens * r.n_used;
    GroupByExpert(w.n_experts, r);
    xs_.resize(n_pairs * D);  // [n_pairs, D] in expert order
    for (int64_t i = 0; i < n_pairs; ++i) {
      const float* row = x + (order_[i] / r.n_used) * D;
      std::copy(row, row + D, xs_.data() + i * D);
    }
    hidden_.resize(n_pairs * F);  // [n_pairs, F]
    ys_.resize(n_pairs * D);      // [n_pairs, D]

    // Gate and up panels of the same rows share a task so SiLU·mul runs on fresh results.
    const int64_t gu_rows = std::max<int64_t>(1, PanelRows(D, r.n_tokens) / 2);
    ExpertPanels(w.n_experts, F, gu_rows);
    Run(static_cast<int64_t>(tasks_.size()), [&](int64_t task, int thread) {
      const auto [e, first] = tasks_[task];
      const int64_t count = std::min(gu_rows, F - first), n = offsets_[e + 1] - offsets_[e];
      float* panels = Scratch(panel_, thread, 2 * count * D);  // [2, count, D]
      float* gu = Scratch(tmp_, thread, 2 * n * count);        // [2, n, count]
      DequantizeRows(w.Gate(e), first, count, panels);
      DequantizeRows(w.Up(e), first, count, panels + count * D);
      const float* xe = xs_.data() + offsets_[e] * D;
      PanelProduct(panels, count, D, xe, n, gu, count);
      PanelProduct(panels + count * D, count, D, xe, n, gu + n * count, count);
      for (int64_t i = 0; i < n; ++i) {
        float* h = hidden_.data() + (offsets_[e] + i) * F + first;
        for (int64_t j = 0; j < count; ++j)
          h[j] = Silu(gu[i * count + j]) * gu[(n + i) * count + j];
      }
    });

    const int64_t down_rows = PanelRows(F, r.n_tokens);
    ExpertPanels(w.n_experts, D, down_rows);
    Run(static_cast<int64_t>(tasks_.size()), [&](int64_t task, int thread) {
      const auto [e, first] = tasks_[task];
      const int64_t count = std::min(down_rows, D - first), n = offsets_[e + 1] - offsets_[e];
      float* panel = Scratch(panel_, thread, count * F);
      DequantizeRows(w.Down(e), first, count, panel);
      PanelProduct(panel, count, F, hidden_.data() + offsets_[e] * F, n,
                   ys_.data() + offsets_[e] * D + first, D);
    });

    for (int64_t t = 0; t < r.n_tokens; ++t) {
      float* o = out + t * D;
      for (int j = 0; j < r.n_used; ++j) {
        const float weight = r.weights[t * r.n_used + j];
        const float* y = ys_.data() + position_[t * r.n_used + j] * D;
        for (int64_t d = 0; d < D; ++d) o[d] = j == 0 ? weight * y[d] : o[d] + weight * y[d];
      }
    }
  }

 private:
  void Run(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
    if (pool_) {
      pool_->Run(n_tasks, fn);
    } else {
      for (int64_t task = 0; task < n_tasks; ++task) fn(task, 0);
    }
  }

  static float* Scratch(std::vector<std::vector<float>>& per_thread, int thread, int64_t n) {
    std::vector<float>& v = per_thread[thread];
    if (static_cast<int64_t>(v.size()) < n) v.resize(n);
    return v.data();
  }

  // order_: pair indices t * n_used + j sorted by expert (stable), offsets_[e] where expert
  // e's pairs start in it, position_: the inverse of order_.
  void GroupByExpert(int n_experts, const MoeRouting& r) {
    const int64_t n_pairs = r.n_tokens * r.n_used;
    offsets_.assign(n_experts + 1, 0);
    for (int64_t p = 0; p < n_pairs; ++p) {
      LFM_CHECK(r.experts[p] >= 0 && r.experts[p] < n_experts, "expert id {}", r.experts[p]);
      ++offsets_[r.experts[p] + 1];
    }
    for (int e = 0; e < n_experts; ++e) offsets_[e + 1] += offsets_[e];
    order_.resize(n_pairs);
    position_.resize(n_pairs);
    std::vector<int64_t> next(offsets_.begin(), offsets_.end() - 1);
    for (int64_t p = 0; p < n_pairs; ++p) {
      position_[p] = next[r.experts[p]]++;
      order_[position_[p]] = p;
    }
  }

  // tasks_: (expert, first row) for every panel of `panel_rows` rows of `rows`, over the
  // experts that have tokens.
  void ExpertPanels(int n_experts, int64_t rows, int64_t panel_rows) {
    tasks_.clear();
    for (int e = 0; e < n_experts; ++e) {
      if (offsets_[e + 1] == offsets_[e]) continue;
      for (int64_t first = 0; first < rows; first += panel_rows) tasks_.emplace_back(e, first);
    }
  }

  ThreadPool* pool_;
  const int threads_;
  std::vector<std::vector<float>> panel_, tmp_;  // per thread: dequantized panels, gate/up results
  std::vector<int64_t> offsets_, order_, position_;
  std::vector<std::pair<int, int64_t>> tasks_;
  std::vector<float> xs_, hidden_, ys_;
};

}  // namespace

std::unique_ptr<Backend> MakeOpenBlasBackend(ThreadPool* pool) {
  return std::make_unique<OpenBlasBackend>(pool);
}

}  // namespace lfm::kernels
