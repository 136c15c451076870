#include "kernels/reference/reference_backend.h"

#include <vector>

#include "base/check.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels {
namespace {

class ReferenceBackend : public Backend {
 public:
  explicit ReferenceBackend(ThreadPool* pool) : pool_(pool) {}

  std::string_view Name() const override { return "reference"; }

  bool Supports(DType type) const override { return CanVecDot(type); }

  void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) override {
    LinearReference(w, x, n_tokens, y, pool_);
  }

  // Expert by expert: gather the (token, slot) pairs routed to the expert, run its three
  // matrices on them, and keep each pair's result; then sum each token's slots in order.
  void Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) override {
    const int64_t D = w.d_model, F = w.d_ffn, n_pairs = r.n_tokens * r.n_used;
    pair_out_.resize(n_pairs * D);  // [n_tokens, n_used, D]
    for (int e = 0; e < w.n_experts; ++e) {
      pairs_.clear();
      for (int64_t p = 0; p < n_pairs; ++p) {
        LFM_CHECK(r.experts[p] >= 0 && r.experts[p] < w.n_experts, "expert id {}", r.experts[p]);
        if (r.experts[p] == e) pairs_.push_back(p);
      }
      const int64_t n = static_cast<int64_t>(pairs_.size());
      if (n == 0) continue;
      xs_.resize(n * D);    // [n, D]
      gate_.resize(n * F);  // [n, F]
      up_.resize(n * F);    // [n, F]
      down_.resize(n * D);  // [n, D]
      for (int64_t i = 0; i < n; ++i) {
        const float* row = x + (pairs_[i] / r.n_used) * D;
        std::copy(row, row + D, xs_.data() + i * D);
      }
      LinearReference(w.Gate(e), xs_.data(), n, gate_.data(), pool_);
      LinearReference(w.Up(e), xs_.data(), n, up_.data(), pool_);
      for (int64_t j = 0; j < n * F; ++j) gate_[j] = Silu(gate_[j]) * up_[j];
      LinearReference(w.Down(e), gate_.data(), n, down_.data(), pool_);
      for (int64_t i = 0; i < n; ++i) {
        std::copy(down_.data() + i * D, down_.data() + (i + 1) * D,
                  pair_out_.data() + pairs_[i] * D);
      }
    }
    for (int64_t t = 0; t < r.n_tokens; ++t) {
      float* o = out + t * D;
      for (int j = 0; j < r.n_used; ++j) {
        const float weight = r.weights[t * r.n_used + j];
        const float* y = pair_out_.data() + (t * r.n_used + j) * D;
        for (int64_t d = 0; d < D; ++d) o[d] = j == 0 ? weight * y[d] : o[d] + weight * y[d];
      }
    }
  }

 private:
  ThreadPool* pool_;
  std::vector<int64_t> pairs_;  // indices t * n_used + j routed to the current expert
  std::vector<float> xs_, gate_, up_, down_, pair_out_;
};

}  // namespace

std::unique_ptr<Backend> MakeReferenceBackend(ThreadPool* pool) {
  return std::make_unique<ReferenceBackend>(pool);
}

}  // namespace lfm::kernels
