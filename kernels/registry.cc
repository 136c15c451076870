#include "kernels/registry.h"

#include <fmt/format.h>

#include "kernels/reference/reference_backend.h"

namespace lfm::kernels {

std::vector<std::string> CompiledBackends() {
  std::vector<std::string> names = {"reference"};
  return names;
}

StatusOr<std::unique_ptr<Backend>> MakeBackend(std::string_view name, ThreadPool* pool) {
  if (name == "reference") return MakeReferenceBackend(pool);
  return Error(StatusCode::kInvalidArgument, "unknown backend '{}' (this build has: {})", name,
               fmt::join(CompiledBackends(), ", "));
}

}  // namespace lfm::kernels
