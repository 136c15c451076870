// libFuzzer entry point: the GGUF reader must reject or accept any byte string without crashing
// or reading out of bounds, and an accepted file's tensors must lie inside it.
#include <cstdint>
#include <cstdlib>

#include "engine/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = lfm::engine::GgufFile::Parse("fuzz.gguf", data, size);
  if (!file.ok()) return 0;
  for (const auto& t : (*file)->tensors()) {
    const uint8_t* begin = (*file)->TensorData(t);
    if (begin < data || begin + t.nbytes > data + size) std::abort();
    volatile uint8_t sink = t.nbytes > 0 ? begin[t.nbytes - 1] : 0;
    (void)sink;
  }
  for (const auto& [key, value] : (*file)->metadata()) (void)(*file)->GetInt(key);
  return 0;
}
