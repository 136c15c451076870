// Test helper: random weights of any supported type, for comparing kernels with the reference.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/dtype.h"

namespace lfm::kernels::testing {

// `rows` rows of `cols` values of `type`, quantized from standard normal values.
std::vector<uint8_t> RandomWeights(DType type, int64_t rows, int64_t cols, std::mt19937& rng);

// Normalized mean squared error sum((a - b)^2) / sum(b^2), b the reference.
double Nmse(const float* a, const float* b, int64_t n);

// Every type the reference backend computes with.
inline constexpr DType kAllWeightTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16,
                                            DType::kQ8_0, DType::kQ4_0, DType::kQ4_K,
                                            DType::kQ5_K, DType::kQ6_K};

}  // namespace lfm::kernels::testing
