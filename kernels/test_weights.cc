#include "kernels/test_weights.h"

#include "kernels/quant/quantize.h"

namespace lfm::kernels::testing {

std::vector<uint8_t> RandomWeights(DType type, int64_t rows, int64_t cols, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<uint8_t> w(RowBytes(type, cols) * rows);
  std::vector<float> row(cols);
  for (int64_t r = 0; r < rows; ++r) {
    for (float& v : row) v = normal(rng);
    QuantizeRow(type, row.data(), w.data() + r * RowBytes(type, cols), cols);
  }
  return w;
}

double Nmse(const float* a, const float* b, int64_t n) {
  double err = 0, ref = 0;
  for (int64_t i = 0; i < n; ++i) {
    err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    ref += double(b[i]) * b[i];
  }
  return ref > 0 ? err / ref : err;
}

}  // namespace lfm::kernels::testing
