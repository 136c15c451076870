// Writes a few small valid GGUF files as the fuzzer's starting corpus: metadata of every value
// type, string arrays, alignment, and tensors of several types.
#include <cstdio>
#include <string>

#include "engine/gguf.h"

using lfm::engine::GgufValue;
using lfm::engine::GgufWriter;
using lfm::kernels::DType;

static int Write(const std::string& path, int variant) {
  auto writer = GgufWriter::Create(path, variant == 2 ? 64 : 32);
  if (!writer.ok()) return 1;
  GgufWriter& w = **writer;
  w.AddMetadata("general.architecture", GgufValue::String("lfm2moe"));
  if (variant == 2) w.AddMetadata("general.alignment", GgufValue::U32(64));
  w.AddMetadata("lfm2moe.block_count", GgufValue::U32(2));
  w.AddMetadata("lfm2moe.rope.freq_base", GgufValue::F32(1e6f));
  w.AddMetadata("lfm2moe.flag", GgufValue::Bool(true));
  w.AddMetadata("lfm2moe.attention.head_count_kv", GgufValue::I32Array({0, 2}));
  w.AddMetadata("tokenizer.ggml.tokens", GgufValue::StringArray({"a", "b", "<|im_end|>"}));
  const int n_tensors = variant == 0 ? 1 : 3;
  const DType types[] = {DType::kF32, DType::kQ8_0, DType::kQ4_0};
  for (int i = 0; i < n_tensors; ++i) w.AddTensor("t" + std::to_string(i), {32, 2}, types[i]);
  std::string zeros(4096, '\0');
  for (int i = 0; i < n_tensors; ++i) {
    if (!w.WriteTensorData(zeros.data(), lfm::kernels::RowBytes(types[i], 32) * 2).ok()) return 1;
  }
  return w.Finish().ok() ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  for (int v = 0; v < 3; ++v) {
    if (Write(std::string(argv[1]) + "/seed" + std::to_string(v) + ".gguf", v) != 0) return 1;
  }
  return 0;
}
