// The `cpu` backend: the custom CPU MoE. Works on the stored (quantized) weights directly with
// integer SIMD dot products against activations quantized per block (as llama.cpp does),
// gate+up fused with SiLU, experts processed expert-major (each expert's weights streamed once
// for all its tokens), no padding and no dequantized copies, all work on the shared ThreadPool.
#pragma once

#include <memory>

#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// `pool` (may be null: single-threaded) must outlive the backend.
std::unique_ptr<Backend> MakeCpuBackend(ThreadPool* pool);

}  // namespace lfm::kernels
