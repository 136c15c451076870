// The `naive` backend: a GPU-style MoE ported straight to a CPU, the baseline the custom CPU MoE
// is measured against. Tokens are permuted by expert, each expert's group is padded to a
// multiple of a fixed tile, the expert's weights are dequantized to f32, one f32 GEMM runs per
// expert over its padded group, then results are unpermuted with a weighted scatter-add. Dense
// layers dequantize their weight and run a plain f32 matmul. Simple and honest, not sabotaged:
// the GEMMs are cache-blocked and multithreaded.
#pragma once

#include <memory>

#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// `pool` (may be null: single-threaded) must outlive the backend.
std::unique_ptr<Backend> MakeNaiveBackend(ThreadPool* pool);

}  // namespace lfm::kernels
