// The OpenBLAS backend: weights stay in their stored type and are dequantized on the fly, a
// panel of rows at a time into bounded f32 scratch, each panel then multiplied by
// cblas_sgemm (several tokens) or cblas_sgemv (one token). Built only when OpenBLAS was found
// (registry.cc is the one place that knows).
#pragma once

#include <memory>

#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// Threads: the engine's pool (may be null: one thread; must outlive the backend) runs the
// panels, each thread dequantizing its panel and calling OpenBLAS on it, and OpenBLAS itself
// is set to one thread per call (openblas_set_num_threads(1), a process-wide setting). So the
// work runs on exactly pool->num_threads() threads, with no second pool of OpenBLAS threads
// spinning while the engine's pool dequantizes.
std::unique_ptr<Backend> MakeOpenBlasBackend(ThreadPool* pool);

}  // namespace lfm::kernels
