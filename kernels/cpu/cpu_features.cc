#include "kernels/cpu/cpu_features.h"

#include <cpuid.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lfm::kernels {
namespace {

uint64_t Xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures Detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27), fma = c & (1u << 12), f16c = c & (1u << 29),
             avx = c & (1u << 28);
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = Xgetbv0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6, zmm_state = (xcr0 & 0xE6) == 0xE6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = ymm_state && (b & (1u << 5)) && fma && f16c;
  const bool avx512f = b & (1u << 16), avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  f.avx512 = f.avx2 && zmm_state && avx512f && avx512bw && avx512vl;
  f.avx512_vnni = f.avx512 && (c & (1u << 11));
  unsigned a1, b1, c1, d1;
  if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) f.avx_vnni = f.avx2 && (a1 & (1u << 4));
  return f;
}

// LFM_CPU_ISA=avx2 or scalar runs the kernels of a smaller machine here (to measure them, and to
// test their paths end to end on a bigger one); unset or avx512: everything detected.
CpuFeatures Capped(CpuFeatures f) {
  const char* cap = std::getenv("LFM_CPU_ISA");
  if (cap == nullptr || std::strcmp(cap, "avx512") == 0) return f;
  if (std::strcmp(cap, "avx2") == 0) {
    f.avx512 = f.avx512_vnni = false;
  } else if (std::strcmp(cap, "scalar") == 0) {
    f = CpuFeatures{};
  } else {
    std::fprintf(stderr, "lfmbench: LFM_CPU_ISA=%s: expected avx512, avx2 or scalar\n", cap);
    std::exit(2);
  }
  return f;
}

}  // namespace

const CpuFeatures& DetectCpuFeatures() {
  static const CpuFeatures features = Capped(Detect());
  return features;
}

std::string CpuFeatureString(const CpuFeatures& f) {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += s.empty() ? name : std::string(" ") + name;
  };
  add(f.avx2, "avx2 fma f16c");
  add(f.avx512, "avx512f avx512bw avx512vl");
  add(f.avx512_vnni, "avx512_vnni");
  add(f.avx_vnni, "avx_vnni");
  return s.empty() ? "scalar" : s;
}

}  // namespace lfm::kernels
