// `lfmbench model make`: writes an LFM2 / LFM2-MoE GGUF with the real tensor layout and
// metadata (as llama.cpp's converter and quantizer write them) and seeded pseudo-random weights.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "engine/config.h"
#include "kernels/dtype.h"

namespace lfm::engine {

struct MakeModelOptions {
  std::string preset = "tiny";  // see ModelPresets()
  std::string arch = "lfm2moe";  // "lfm2moe" or "lfm2" (dense)
  kernels::DType type = kernels::DType::kF32;  // f32, f16, bf16, q8_0 or q4_0
  uint64_t seed = 1;
  std::string output;
  bool show_progress = true;
};

// Preset names valid for `arch`.
std::vector<std::string> ModelPresets(const std::string& arch);
// The config a preset describes. Errors list the valid presets.
StatusOr<Lfm2Config> PresetConfig(const std::string& preset, const std::string& arch);

// The type a tensor is stored in for a file of `file_type`: F32 for norms, conv kernels, router
// and expert bias; Q6_K for the tied embedding of a q4_0 file (as llama-quantize does); else
// the file type.
kernels::DType StoredType(const struct TensorSpec& spec, kernels::DType file_type);

// Writes the model. Memory stays bounded (weights are generated and written in chunks).
Status MakeModel(const MakeModelOptions& options, ThreadPool& pool);

}  // namespace lfm::engine
