#include "kernels/openblas/openblas_backend.h"

#include <cblas.h>
#include <fmt/format.h>

#include "kernels/panel_backend.h"

namespace lfm::kernels {
namespace {

std::string_view ParallelName(int parallel) {
  switch (parallel) {
    case 0:
      return "sequential";
    case 1:
      return "pthreads";
    case 2:
      return "OpenMP";
  }
  return "unknown threading";
}

class OpenBlasBackend : public PanelBackend {
 public:
  explicit OpenBlasBackend(ThreadPool* pool) : PanelBackend(pool) { openblas_set_num_threads(1); }

  std::string_view Name() const override { return "openblas"; }

  std::string Describe() const override {
    return fmt::format(
        "openblas ({}; {} build, set to 1 thread per call): f32 panels (256 KB for one token, "
        "4 MB for more) dequantized on the fly by each of {} engine threads",
        openblas_get_config(), ParallelName(openblas_get_parallel()), threads());
  }

 private:
  void Product(const float* panel, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
               int64_t ldy) override {
    if (n == 1) {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.0f, panel, cols, x, 1, 0.0f, y, 1);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, cols, 1.0f, x, cols, panel,
                  cols, 0.0f, y, ldy);
    }
  }
};

}  // namespace

std::unique_ptr<Backend> MakeOpenBlasBackend(ThreadPool* pool) {
  return std::make_unique<OpenBlasBackend>(pool);
}

}  // namespace lfm::kernels
