#include "kernels/reference/reference_backend.h"

#include <vector>

#include "kernels/moe_routing.h"
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

  // Expert by expert: gather the tokens routed to the expert, run its three matrices on them,
  // and keep each pair's result; then sum each token's slots in order (moe_routing.h).
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
      LinearReference(w.Gate(e), xs_.data(), n, gate_.data(), pool_);
      LinearReference(w.Up(e), xs_.data(), n, up_.data(), pool_);
      for (int64_t j = 0; j < n * F; ++j) gate_[j] = Silu(gate_[j]) * up_[j];
      LinearReference(w.Down(e), gate_.data(), n, pair_out_.data() + first * D, pool_);
    }
    SumExpertOutputs(r, groups_, pair_out_.data(), D, out);
  }

 private:
  ThreadPool* pool_;
  ExpertGroups groups_;
  std::vector<float> xs_, gate_, up_, pair_out_;
};

}  // namespace

std::unique_ptr<Backend> MakeReferenceBackend(ThreadPool* pool) {
  return std::make_unique<ReferenceBackend>(pool);
}

}  // namespace lfm::kernels
