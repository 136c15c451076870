#include "kernels/naive/naive_backend.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/moe_routing.h"
#include "kernels/quant/quantize.h"

namespace lfm::kernels {
namespace {

// GPU MoE kernels pad each expert's token group to a tile of the GEMM (16 rows here, a
// typical tensor-core M tile), so one launch shape serves every expert.
constexpr int64_t kTile = 16;
constexpr int64_t kRowsPerTask = 32;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// An f32 dot product the compiler vectorizes, cloned for AVX2+FMA and baseline x86-64 and
// picked at load time, so the baseline is as fast as a plain f32 loop can honestly be.
__attribute__((target_clones("arch=haswell", "default"))) float DotF32(const float* a,
                                                                       const float* b, int64_t n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

class NaiveBackend : public Backend {
 public:
  explicit NaiveBackend(ThreadPool* pool) : pool_(pool) {}

  std::string_view Name() const override { return "naive"; }

  bool Supports(DType type) const override { return CanDequantize(type); }

  void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) override {
    Dequantize(w, weights_);
    MatMul(weights_.data(), w.rows, w.cols, x, n_tokens, y);
  }

  void Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) override {
    const int64_t D = w.d_model, F = w.d_ffn;
    std::fill(out, out + r.n_tokens * D, 0.0f);
    groups_.Group(w.n_experts, r);
    for (int e : groups_.active) {
      // Permute: the (token, slot) pairs routed to e, padded with zero rows to the tile.
      const int64_t* pairs = groups_.order.data() + groups_.begin[e];
      const int64_t n = groups_.size(e);
      const int64_t padded = CeilDiv(n, kTile) * kTile;
      xs_.assign(padded * D, 0.0f);
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(&xs_[i * D], x + pairs[i] / r.n_used * D, D * sizeof(float));
      }
      // One GEMM per expert matrix on dequantized f32 weights.
      gate_.resize(padded * F);
      up_.resize(padded * F);
      down_.resize(padded * D);
      Dequantize(w.Gate(e), weights_);
      MatMul(weights_.data(), F, D, xs_.data(), padded, gate_.data());
      Dequantize(w.Up(e), weights_);
      MatMul(weights_.data(), F, D, xs_.data(), padded, up_.data());
      for (int64_t i = 0; i < padded * F; ++i) gate_[i] = Silu(gate_[i]) * up_[i];
      Dequantize(w.Down(e), weights_);
      MatMul(weights_.data(), D, F, gate_.data(), padded, down_.data());
      // Unpermute with a weighted scatter-add (expert order, as a GPU kernel would).
      for (int64_t i = 0; i < n; ++i) {
        const float weight = r.weights[pairs[i]];
        float* o = out + pairs[i] / r.n_used * D;
        for (int64_t d = 0; d < D; ++d) o[d] += weight * down_[i * D + d];
      }
    }
  }

 private:
  // The whole matrix as f32 [rows, cols], rows split over the pool.
  void Dequantize(const WeightView& w, std::vector<float>& out) {
    out.resize(w.rows * w.cols);
    RunTasks(CeilDiv(w.rows, kRowsPerTask), [&](int64_t task) {
      const int64_t r1 = std::min(w.rows, (task + 1) * kRowsPerTask);
      for (int64_t r = task * kRowsPerTask; r < r1; ++r)
        DequantizeRow(w.type, w.row(r), &out[r * w.cols], w.cols);
    });
  }

  // y[t, r] = W[r] . x[t]: W [rows, cols], x [n, cols], y [n, rows]. Tasks own row blocks;
  // a W row stays in L1 while it meets every token.
  void MatMul(const float* W, int64_t rows, int64_t cols, const float* x, int64_t n, float* y) {
    RunTasks(CeilDiv(rows, kRowsPerTask), [&](int64_t task) {
      const int64_t r1 = std::min(rows, (task + 1) * kRowsPerTask);
      for (int64_t r = task * kRowsPerTask; r < r1; ++r) {
        for (int64_t t = 0; t < n; ++t) y[t * rows + r] = DotF32(W + r * cols, x + t * cols, cols);
      }
    });
  }

  template <typename Fn>
  void RunTasks(int64_t n, Fn&& fn) {
    if (pool_) {
      pool_->Run(n, [&](int64_t task, int) { fn(task); });
    } else {
      for (int64_t task = 0; task < n; ++task) fn(task);
    }
  }

  ThreadPool* pool_;
  std::vector<float> weights_, xs_, gate_, up_, down_;
  ExpertGroups groups_;
};

}  // namespace

std::unique_ptr<Backend> MakeNaiveBackend(ThreadPool* pool) {
  return std::make_unique<NaiveBackend>(pool);
}

}  // namespace lfm::kernels
