// What the processor can execute, read once from CPUID (and XGETBV for OS support), so SIMD
// paths are chosen at run time rather than at compile time.
#pragma once

#include <string>

namespace lfm::kernels {

struct CpuFeatures {
  bool avx2 = false;  // with FMA and F16C
  bool avx512 = false;  // F, BW, VL (and the OS saves ZMM state)
  bool avx512_vnni = false;
  bool avx_vnni = false;
};

const CpuFeatures& DetectCpuFeatures();

// The ISA flags present, e.g. "avx2 fma f16c", as recorded with results.
std::string CpuFeatureString(const CpuFeatures& f);

}  // namespace lfm::kernels
