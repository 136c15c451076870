#include "kernels/registry.h"

namespace lfm::kernels {

std::vector<std::string> CompiledBackends() {
  std::vector<std::string> names = {"reference"};
  return names;
}

}  // namespace lfm::kernels
