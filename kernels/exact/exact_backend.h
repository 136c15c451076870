// The `exact` backend: the model in the file computed as exactly as a program can, as the oracle
// other backends' fidelity is measured against. Every weight row is dequantized to f32 (exactly:
// each stored value is a scale times a small integer, both representable), activations are used
// as they are (no rounding to the weights' block format, unlike `reference`, which follows
// llama.cpp), and every dot product, SiLU·mul and routing-weighted sum runs in double. Slow by
// design; not listed among the kernel strategies (registry.h) and never a default.
#pragma once

#include <memory>

#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// `pool` (may be null: single-threaded) must outlive the backend.
std::unique_ptr<Backend> MakeExactBackend(ThreadPool* pool);

}  // namespace lfm::kernels
