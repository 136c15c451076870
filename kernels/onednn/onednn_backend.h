// The oneDNN backend: every linear layer and every MoE expert as a oneDNN matmul primitive on
// weights repacked once (at first use) into the layout and element type oneDNN prefers on this
// CPU. Built only when libdnnl was found (registry.cc is the one place that knows).
#pragma once

#include <memory>

#include "base/status.h"
#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// The element type weights are repacked to; activations are converted to match.
//   kBf16: bf16 weights and activations, f32 accumulation (CPUs with native bf16: avx512_bf16,
//          AMX). Rounds both operands to 8-bit mantissas.
//   kS8:   s8 weights with one f32 scale per output row, times u8 activations with one scale per
//          token (zero point 128), s32 accumulation. Without VNNI, oneDNN's AVX2 int8 kernels sum
//          u8·s8 pairs in saturating 16-bit lanes, so weights keep 7 bits (|q| <= 63) there.
//   kF32:  f32 weights and activations (4 bytes per weight: small models only).
//   kAuto: kBf16 where the CPU has native bf16, else kS8, else kF32 (whatever oneDNN can run).
enum class OneDnnFormat { kAuto, kBf16, kS8, kF32 };

// Threads: `pool` (may be null: one thread; must outlive the backend) runs everything. Each
// matrix is packed as 2 row slices per pool thread, and each pool thread runs oneDNN on its
// slices single-threaded (OpenMP, the threading of Debian's libdnnl, set to 1 per caller), so the
// work runs on exactly pool->num_threads() threads with no OpenMP team spinning beside the pool.
// kUnimplemented when oneDNN has no matmul for the requested format on this CPU.
StatusOr<std::unique_ptr<Backend>> MakeOneDnnBackend(ThreadPool* pool,
                                                     OneDnnFormat format = OneDnnFormat::kAuto);

}  // namespace lfm::kernels
