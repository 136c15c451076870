// The kernel backends this build contains, by name. The only place that knows which optional
// backends were compiled in.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// Names of the compiled backends, in a fixed order.
std::vector<std::string> CompiledBackends();

// The backend called `name`, computing on `pool` (may be null; must outlive the backend).
// An unknown or unbuilt name is kInvalidArgument listing the compiled backends.
StatusOr<std::unique_ptr<Backend>> MakeBackend(std::string_view name, ThreadPool* pool);

}  // namespace lfm::kernels
