#include "kernels/moe_routing.h"

#include "base/check.h"

namespace lfm::kernels {

void ExpertGroups::Group(int n_experts, const MoeRouting& r) {
  const int64_t n_pairs = r.n_tokens * r.n_used;
  begin.assign(n_experts + 1, 0);
  for (int64_t p = 0; p < n_pairs; ++p) {
    LFM_CHECK(r.experts[p] >= 0 && r.experts[p] < n_experts, "expert id {}", r.experts[p]);
    ++begin[r.experts[p] + 1];
  }
  active.clear();
  for (int e = 0; e < n_experts; ++e) {
    if (begin[e + 1] > 0) active.push_back(e);
    begin[e + 1] += begin[e];
  }
  order.resize(n_pairs);
  position.resize(n_pairs);
  std::vector<int64_t> next(begin.begin(), begin.end() - 1);
  for (int64_t p = 0; p < n_pairs; ++p) {
    position[p] = next[r.experts[p]]++;
    order[position[p]] = p;
  }
}

void SumExpertOutputs(const MoeRouting& r, const ExpertGroups& groups, const float* ys, int64_t d,
                      float* out) {
  for (int64_t t = 0; t < r.n_tokens; ++t) {
    float* o = out + t * d;
    for (int j = 0; j < r.n_used; ++j) {
      const float weight = r.weights[t * r.n_used + j];
      const float* y = ys + groups.position[t * r.n_used + j] * d;
      for (int64_t i = 0; i < d; ++i) o[i] = j == 0 ? weight * y[i] : o[i] + weight * y[i];
    }
  }
}

}  // namespace lfm::kernels
