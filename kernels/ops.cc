#include "kernels/ops.h"

#include <algorithm>
#include <vector>

#include "base/check.h"
#include "kernels/quant/quantize.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels {

void LinearReference(const WeightView& w, const float* x, int64_t n_tokens, float* y,
                     ThreadPool* pool) {
  LFM_CHECK(CanVecDot(w.type), "no dot product for {}", DTypeName(w.type));
  LFM_CHECK(w.layout == WeightLayout::kStored, "a backend's own weight layout");
  const DType act_type = VecDotType(w.type);
  const int64_t act_bytes = RowBytes(act_type, w.cols);
  // Every token's activations are converted once, then shared by all rows.
  std::vector<uint8_t> acts(n_tokens * act_bytes);  // [n_tokens, act_bytes]
  for (int64_t t = 0; t < n_tokens; ++t) {
    QuantizeActivations(act_type, x + t * w.cols, acts.data() + t * act_bytes, w.cols);
  }
  auto rows = [&](int64_t begin, int64_t end, int) {
    for (int64_t t = 0; t < n_tokens; ++t) {
      const uint8_t* act = acts.data() + t * act_bytes;
      for (int64_t r = begin; r < end; ++r) y[t * w.rows + r] = VecDot(w.type, w.row(r), act, w.cols);
    }
  };
  if (pool) {
    pool->ParallelFor(w.rows, rows);
  } else {
    rows(0, w.rows, 0);
  }
}

void DequantizeWeightRow(const WeightView& w, int64_t row, float* out) {
  LFM_CHECK(row >= 0 && row < w.rows, "row {} of {}", row, w.rows);
  LFM_CHECK(w.layout == WeightLayout::kStored, "a backend's own weight layout");
  DequantizeRow(w.type, w.row(row), out, w.cols);
}

void RmsNorm(const float* x, const float* weight, int64_t n, float eps, float* y) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / n);
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

void RopeNeox(float* x, int n_heads, int head_dim, int64_t pos, float base) {
  const int half = head_dim / 2;
  const float theta_scale = std::pow(base, -2.0f / head_dim);
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    float theta = static_cast<float>(pos);
    for (int m = 0; m < half; ++m) {
      const float c = std::cos(theta), s = std::sin(theta);
      const float a = v[m], b = v[m + half];
      v[m] = a * c - b * s;
      v[m + half] = a * s + b * c;
      theta *= theta_scale;
    }
  }
}

void Softmax(float* x, int64_t n) {
  const float max = *std::max_element(x, x + n);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace lfm::kernels
