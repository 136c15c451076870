#include "kernels/cpu/gemm.h"

#include "kernels/cpu/cpu_features.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels::cpu {

bool HasSimdGemm(DType type) { return DetectCpuFeatures().avx2 && internal::Avx2Supports(type); }

const char* GemmIsa(DType type) { return HasSimdGemm(type) ? "avx2" : "scalar"; }

void GemmRows(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
              int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride) {
  if (HasSimdGemm(w.type) && n_tokens >= internal::kPanelMinTokens &&
      internal::GemmPanelAvx2(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride)) {
    return;
  }
  if (HasSimdGemm(w.type) &&
      internal::GemmRowsAvx2(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride)) {
    return;
  }
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t r = row_begin; r < row_end; ++r) {
      y[t * y_stride + r] = VecDot(w.type, w.row(r), acts + t * act_row_bytes, w.cols);
    }
  }
}

}  // namespace lfm::kernels::cpu
