#include "kernels/registry.h"

#include <fmt/format.h>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/exact/exact_backend.h"
#include "kernels/naive/naive_backend.h"
#include "kernels/reference/reference_backend.h"
#if LFM_HAVE_ONEDNN
#include "kernels/onednn/onednn_backend.h"
#endif
#if LFM_HAVE_OPENBLAS
#include "kernels/openblas/openblas_backend.h"
#endif

namespace lfm::kernels {

std::vector<std::string> CompiledBackends() {
  std::vector<std::string> names = {"reference", "naive", "cpu"};
#if LFM_HAVE_ONEDNN
  names.push_back("onednn");
  names.push_back("onednn-s8");
#endif
#if LFM_HAVE_OPENBLAS
  names.push_back("openblas");
#endif
  return names;
}

StatusOr<std::unique_ptr<Backend>> MakeBackend(std::string_view name, ThreadPool* pool) {
  if (name == "reference") return MakeReferenceBackend(pool);
  if (name == "naive") return MakeNaiveBackend(pool);
  if (name == "cpu") return MakeCpuBackend(pool);
  if (name == "exact") return MakeExactBackend(pool);
#if LFM_HAVE_ONEDNN
  if (name == "onednn") return MakeOneDnnBackend(pool, OneDnnFormat::kF32);
  if (name == "onednn-s8") return MakeOneDnnBackend(pool, OneDnnFormat::kS8);
#endif
#if LFM_HAVE_OPENBLAS
  if (name == "openblas") return MakeOpenBlasBackend(pool);
#endif
  return Error(StatusCode::kInvalidArgument, "unknown backend '{}' (this build has: {})", name,
               fmt::join(CompiledBackends(), ", "));
}

}  // namespace lfm::kernels
