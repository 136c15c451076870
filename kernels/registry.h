// The kernel backends this build contains, by name. The only place that knows which optional
// backends were compiled in.
#pragma once

#include <string>
#include <vector>

namespace lfm::kernels {

// Names of the compiled backends, in a fixed order.
std::vector<std::string> CompiledBackends();

}  // namespace lfm::kernels
