#include "kernels/cpu/gemm.h"

#include "base/check.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels::cpu {

bool HasSimdGemm(DType type) { return DetectCpuFeatures().avx2 && internal::Avx2Supports(type); }

bool UsesQ8Sums(const WeightView& w, int64_t n_tokens) {
  const CpuFeatures& f = DetectCpuFeatures();
  return w.layout != WeightLayout::kStored ||
         (f.avx2 && (w.type == DType::kQ4_0 || w.type == DType::kQ8_0) &&
          (n_tokens >= internal::kPanelMinTokens || f.avx512_vnni));
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

WeightLayout InterleavedLayout(const WeightView& w, int64_t slice_rows) {
  const CpuFeatures& f = DetectCpuFeatures();
  const WeightLayout layout = f.avx512_vnni ? WeightLayout::kCpuRows16
                              : f.avx2      ? WeightLayout::kCpuRows8
                                            : WeightLayout::kStored;
  const bool whole_groups = layout != WeightLayout::kStored && slice_rows > 0 &&
                            slice_rows % GroupRows(layout) == 0 && w.rows % slice_rows == 0;
  const bool interleaves = (w.type == DType::kQ4_0 || w.type == DType::kQ8_0) &&
                           w.layout == WeightLayout::kStored && whole_groups;
  return interleaves ? layout : WeightLayout::kStored;
}

int64_t GroupRows(WeightLayout layout) {
  switch (layout) {
    case WeightLayout::kCpuRows16: return kRows16;
    case WeightLayout::kCpuRows8: return kRows8;
    case WeightLayout::kStored: break;
  }
  return 1;
}

void Interleave(const WeightView& w, WeightLayout layout, int64_t group_begin, int64_t group_end,
                uint8_t* out) {
  LFM_CHECK(layout != WeightLayout::kStored && InterleavedLayout(w, GroupRows(layout)) == layout,
            "{} [{}, {}] cannot be interleaved here", DTypeName(w.type), w.rows, w.cols);
  if (layout == WeightLayout::kCpuRows16) {
    internal::InterleaveRows16Avx512(w, group_begin, group_end, out);
  } else {
    internal::InterleaveRows8Avx2(w, group_begin, group_end, out);
  }
}

void GemmRows(const WeightView& w, int64_t row_begin, int64_t row_end, const uint8_t* acts,
              int64_t act_row_bytes, int64_t n_tokens, float* y, int64_t y_stride,
              const Q8SumsView* sums) {
  if (UsesQ8Sums(w, n_tokens)) {
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
    // The interleaved layouts are made only where their kernels run (InterleavedLayout).
    if (w.layout == WeightLayout::kCpuRows16) {
      internal::GemmRows16Avx512Vnni(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y,
                                     y_stride, view);
    } else if (w.layout == WeightLayout::kCpuRows8) {
      internal::GemmRows8Avx2(w, row_begin, row_end, acts, act_row_bytes, n_tokens, y, y_stride,
                              view);
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
