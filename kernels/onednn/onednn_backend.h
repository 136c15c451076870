// The oneDNN backends. `onednn` computes the model in the file: weights dequantized on the fly
// into bounded f32 panels, each multiplied by oneDNN's f32 GEMM (dnnl_sgemm), as `openblas` does
// with OpenBLAS (panel_backend.h). `onednn-s8` is a different, faster model: every linear layer
// and expert as a oneDNN int8 matmul primitive on weights re-quantized once (at first use) to s8
// per output row, against activations quantized to u8 per token. Built only when libdnnl was
// found (registry.cc is the one place that knows).
#pragma once

#include <memory>

#include "base/status.h"
#include "base/thread_pool.h"
#include "kernels/backend.h"

namespace lfm::kernels {

// The element type oneDNN multiplies in.
//   kF32:  backend `onednn`: f32 panels of the dequantized weights times f32 activations; the
//          file's model up to f32 summation order, like `naive` and `openblas`.
//   kS8:   backend `onednn-s8`: s8 weights with one f32 scale per output row, times u8
//          activations with one scale per token (zero point 128), s32 accumulation. Without VNNI,
//          oneDNN's AVX2 int8 kernels sum u8·s8 pairs in saturating 16-bit lanes, so weights keep
//          7 bits (|q| <= 63) there: a relative weight error of up to 1/126 of the row's largest
//          value, which changes the model (engine/backend_logits_test.cc states by how much).
//   kBf16: bf16 weights and activations repacked once, f32 accumulation (CPUs with native bf16:
//          avx512_bf16, AMX); rounds both operands to 8-bit mantissas. Not registered: tests only.
enum class OneDnnFormat { kF32, kS8, kBf16 };

// Threads: `pool` (may be null: one thread; must outlive the backend) runs everything. kF32 splits
// each matrix into panels as `openblas` does; kS8/kBf16 pack each matrix as 2 row slices per pool
// thread. Each pool thread runs oneDNN single-threaded (OpenMP, the threading of Debian's
// libdnnl, set to 1 per caller), so the work runs on exactly pool->num_threads() threads with no
// OpenMP team spinning beside the pool. kUnimplemented when oneDNN has no matmul for the
// requested format on this CPU.
StatusOr<std::unique_ptr<Backend>> MakeOneDnnBackend(ThreadPool* pool,
                                                     OneDnnFormat format = OneDnnFormat::kF32);

}  // namespace lfm::kernels
