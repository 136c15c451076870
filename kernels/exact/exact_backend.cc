#include "kernels/exact/exact_backend.h"

#include <cmath>
#include <vector>

#include "kernels/moe_routing.h"
#include "kernels/quant/quantize.h"

namespace lfm::kernels {
namespace {

// y[t, r] = W[r] · x[t] in double for t < n: W [rows, cols] in its stored type, x [n, cols]
// (double), y [n, rows] (double). Rows are split over `pool`.
void LinearExact(const WeightView& w, const double* x, int64_t n, double* y, ThreadPool* pool) {
  auto rows = [&](int64_t begin, int64_t end, int) {
    std::vector<float> row(w.cols);
    for (int64_t r = begin; r < end; ++r) {
      DequantizeRow(w.type, w.row(r), row.data(), w.cols);
      for (int64_t t = 0; t < n; ++t) {
        const double* xt = x + t * w.cols;
        double sum = 0;
        for (int64_t c = 0; c < w.cols; ++c) sum += static_cast<double>(row[c]) * xt[c];
        y[t * w.rows + r] = sum;
      }
    }
  };
  if (pool) {
    pool->ParallelFor(w.rows, rows);
  } else {
    rows(0, w.rows, 0);
  }
}

class ExactBackend : public Backend {
 public:
  explicit ExactBackend(ThreadPool* pool) : pool_(pool) {}

  std::string_view Name() const override { return "exact"; }

  bool Supports(DType type) const override { return CanDequantize(type); }

  void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) override {
    xs_.assign(x, x + n_tokens * w.cols);
    ys_.resize(n_tokens * w.rows);
    LinearExact(w, xs_.data(), n_tokens, ys_.data(), pool_);
    for (int64_t i = 0; i < n_tokens * w.rows; ++i) y[i] = static_cast<float>(ys_[i]);
  }

  // Expert by expert over its group of tokens, all in double; then each token's slots summed
  // in double with its routing weights.
  void Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) override {
    const int64_t D = w.d_model, F = w.d_ffn, n_pairs = r.n_tokens * r.n_used;
    groups_.Group(w.n_experts, r);
    pair_out_.resize(n_pairs * D);  // [n_pairs, D] in grouped order
    for (int e : groups_.active) {
      const int64_t n = groups_.size(e), first = groups_.begin[e];
      xs_.resize(n * D);    // [n, D]
      gate_.resize(n * F);  // [n, F]
      up_.resize(n * F);    // [n, F]
      GatherPairRows(r, groups_, first, first + n, x, D, xs_.data());
      LinearExact(w.Gate(e), xs_.data(), n, gate_.data(), pool_);
      LinearExact(w.Up(e), xs_.data(), n, up_.data(), pool_);
      for (int64_t j = 0; j < n * F; ++j)
        gate_[j] = gate_[j] / (1.0 + std::exp(-gate_[j])) * up_[j];
      LinearExact(w.Down(e), gate_.data(), n, pair_out_.data() + first * D, pool_);
    }
    for (int64_t t = 0; t < r.n_tokens; ++t) {
      for (int64_t d = 0; d < D; ++d) {
        double sum = 0;
        for (int j = 0; j < r.n_used; ++j) {
          const int64_t p = t * r.n_used + j;
          sum += static_cast<double>(r.weights[p]) * pair_out_[groups_.position[p] * D + d];
        }
        out[t * D + d] = static_cast<float>(sum);
      }
    }
  }

 private:
  ThreadPool* pool_;
  ExpertGroups groups_;
  std::vector<double> xs_, ys_, gate_, up_, pair_out_;
};

}  // namespace

std::unique_ptr<Backend> MakeExactBackend(ThreadPool* pool) {
  return std::make_unique<ExactBackend>(pool);
}

}  // namespace lfm::kernels
