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

// Names of the compiled backends, the kernel strategies to compare, in a fixed order. What each
// computes: `naive`, `openblas`, `onednn` the model in the file in f32 (dequantized weights
// times f32 activations); `reference`, `cpu` llama.cpp's numerics (activations rounded to the
// weights' block format before each product); `onednn-s8` a re-quantized model (s8 weights
// per row, u8 activations per token; onednn_backend.h).
std::vector<std::string> CompiledBackends();

// The backend called `name`: one of CompiledBackends(), or `exact`, the slow float64 oracle of
// fidelity tests (exact/exact_backend.h), which is no strategy to compare and so not listed.
// Computes on `pool` (may be null; must outlive the backend).
// An unknown or unbuilt name is kInvalidArgument listing the compiled backends.
StatusOr<std::unique_ptr<Backend>> MakeBackend(std::string_view name, ThreadPool* pool);

}  // namespace lfm::kernels
