// The reference backend: every linear layer and expert through LinearReference (kernels/ops.h),
// written for clarity, not speed. It is the oracle the other backends are tested against.
#pragma once

#include <memory>

#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// `pool` (may be null: single-threaded) must outlive the backend.
std::unique_ptr<Backend> MakeReferenceBackend(ThreadPool* pool);

}  // namespace lfm::kernels
