// Tensor element types, numbered as ggml numbers them (the ids stored in GGUF tensor infos),
// with their block geometry. Blocked types pack `block_elems` values into `block_bytes`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lfm::kernels {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kBF16 = 30,
};

struct DTypeInfo {
  DType type;
  std::string_view name;  // as ggml prints it: "f32", "q4_0", "q6_K", ...
  int block_elems;        // values per block (1 for plain floats)
  int block_bytes;        // bytes per block
};

// The row of the type table, or nullopt for an id this build does not know.
std::optional<DTypeInfo> FindDType(uint32_t id);
std::optional<DTypeInfo> FindDTypeByName(std::string_view name);
DTypeInfo Info(DType type);
inline std::string_view DTypeName(DType type) { return Info(type).name; }

// Bytes of `n` consecutive values; n must be a multiple of the block size.
inline int64_t RowBytes(DType type, int64_t n) {
  const DTypeInfo info = Info(type);
  return n / info.block_elems * info.block_bytes;
}

}  // namespace lfm::kernels
