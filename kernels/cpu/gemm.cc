#include "kernels/cpu/gemm.h"

#include "base/check.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels::cpu {

bool HasSimdGemm(DType type) { return DetectCpuFeatures().avx2 && internal::Avx2Supports(type); }

const char* GemmIsa(DType type) { return HasSimdGemm(type) ? "avx2" : "scalar"; }

bool UsesQ8Sums(DType type, int64_t n_tokens) {
  const CpuFeatures& f = DetectCpuFeatures();
  return f.avx2 && (type == DType::kQ4_0 || type == DType::kQ8_0) &&
         (n_tokens >= internal::kPanelMinTokens || f.avx512_vnni);
}

void ResizeQ8Sums(int64_t n_tokens, int64_t nb, Q8Sums& out) {
  out.n_tokens = n_tokens;
  out.d.resize(n_tokens * nb);
  out.sum.resize(n_tokens * nb);
}

void ComputeQ8Sums(const uint8_t* acts, int64_t act_row_bytes, int64_t t_begin, int64_t t_end,
                   int64_t nb, Q8Sums& out) {
  LFM_CHECK(DetectCpuFeatures().avx2, "ComputeQ8Sums needs AVX2");
  internal::ComputeQ8SumsAvx2(acts, act_row_bytes, t_begin, t_end, nb, out);
}

void QuantizeQ8_0(const float* x, int64_t n, uint8_t* out) {
  if (DetectCpuFeatures().avx2) {
    internal::QuantizeQ8_0Avx2(x, n, out);
  } else {
    QuantizeActivations(DType::kQ8_0, x, out, n);
  }
}

bool CanInterleaveRows16(const WeightView& w, int64_t slice_rows) {
  return DetectCpuFeatures().avx512_vnni && (w.type == DType::kQ4_0 || w.type == DType::kQ8_0) &&
         w.layout == WeightLayout::kStored && slice_rows > 0 && slice_rows % kRows16 == 0 &&
         w.rows % slice_rows == 0;
}

void InterleaveRows16(const WeightView& w, int64_t group_begin, int64_t group_end, uint8_t* out) {
  LFM_CHECK(CanInterleaveRows16(w, kRows16), "{} [{}, {}] cannot be interleaved here",
            DTypeName(w.type), w.rows, w.cols);
  internal::InterleaveRows16Avx512(w, group_begin, group_end, out);
}

void GemmRows(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
              int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
              const Q8SumsView* sums) {
  const bool rows16 = w.layout == WeightLayout::kCpuRows16;
  LFM_CHECK(rows16 || w.layout == WeightLayout::kStored, "unknown weight layout");
  if (rows16 || UsesQ8Sums(w.type, n_tokens)) {
    thread_local Q8Sums own;
    Q8SumsView view;
    if (sums != nullptr) {
      view = *sums;
    } else {
      const int64_t nb = w.cols / kQK;
      ResizeQ8Sums(n_tokens, nb, own);
      ComputeQ8Sums(acts, act_row_bytes, 0, n_tokens, nb, own);
      view = own.View(0);
    }
    if (rows16) {  // made only where AVX-512 VNNI runs (CanInterleaveRows16)
      internal::GemmRows16Avx512Vnni(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y,
                                     y_stride, view);
    } else if (n_tokens < internal::kPanelMinTokens) {  // only with AVX-512 VNNI (UsesQ8Sums)
      internal::GemmFewTokensAvx512Vnni(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y,
                                        y_stride, view);
    } else if (DetectCpuFeatures().avx512_vnni) {
      internal::GemmPanelAvx512Vnni(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y,
                                    y_stride, view);
    } else {
      internal::GemmPanelAvx2(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride,
                              view);
    }
    return;
  }
  if (w.type == DType::kQ6_K && DetectCpuFeatures().avx512_vnni) {
    internal::GemmRowsQ6_KAvx512Vnni(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y,
                                     y_stride);
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
