#include "kernels/dtype.h"

#include "base/check.h"

namespace lfm::kernels {
namespace {

constexpr DTypeInfo kTypes[] = {
    {DType::kF32, "f32", 1, 4},       {DType::kF16, "f16", 1, 2},
    {DType::kQ4_0, "q4_0", 32, 18},   {DType::kQ4_1, "q4_1", 32, 20},
    {DType::kQ5_0, "q5_0", 32, 22},   {DType::kQ5_1, "q5_1", 32, 24},
    {DType::kQ8_0, "q8_0", 32, 34},   {DType::kQ8_1, "q8_1", 32, 36},
    {DType::kQ2_K, "q2_K", 256, 84},  {DType::kQ3_K, "q3_K", 256, 110},
    {DType::kQ4_K, "q4_K", 256, 144}, {DType::kQ5_K, "q5_K", 256, 176},
    {DType::kQ6_K, "q6_K", 256, 210}, {DType::kQ8_K, "q8_K", 256, 292},
    {DType::kBF16, "bf16", 1, 2},
};

}  // namespace

std::optional<DTypeInfo> FindDType(uint32_t id) {
  for (const DTypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == id) return info;
  }
  return std::nullopt;
}

std::optional<DTypeInfo> FindDTypeByName(std::string_view name) {
  for (const DTypeInfo& info : kTypes) {
    if (info.name == name) return info;
  }
  return std::nullopt;
}

DTypeInfo Info(DType type) {
  std::optional<DTypeInfo> info = FindDType(static_cast<uint32_t>(type));
  LFM_CHECK(info.has_value(), "dtype id {}", static_cast<uint32_t>(type));
  return *info;
}

}  // namespace lfm::kernels
