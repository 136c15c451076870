// Byte layouts of the ggml block formats used by LFM2 GGUF files (docs/model.md §4).
// All fields little-endian; fp16 fields hold IEEE binary16 bits.
#pragma once

#include <cstdint>

namespace lfm::kernels {

constexpr int kQK = 32;    // values per Q4_0 / Q8_0 block
constexpr int kQKK = 256;  // values per K-quant super-block

struct BlockQ4_0 {
  uint16_t d;          // scale
  uint8_t qs[kQK / 2];  // byte j: value j in the low nibble, value j+16 in the high nibble
};
static_assert(sizeof(BlockQ4_0) == 18);

struct BlockQ8_0 {
  uint16_t d;       // scale
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34);

struct BlockQ4_K {
  uint16_t d;            // super-scale of the sub-block scales
  uint16_t dmin;         // super-scale of the sub-block mins
  uint8_t scales[12];    // 8 six-bit scales + 8 six-bit mins
  uint8_t qs[kQKK / 2];  // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 144);

struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQKK / 8];  // 5th bits
  uint8_t qs[kQKK / 2];  // low 4 bits
};
static_assert(sizeof(BlockQ5_K) == 176);

struct BlockQ6_K {
  uint8_t ql[kQKK / 2];      // low 4 bits
  uint8_t qh[kQKK / 4];      // high 2 bits
  int8_t scales[kQKK / 16];  // one signed scale per 16 values
  uint16_t d;                // super-scale: note it comes last
};
static_assert(sizeof(BlockQ6_K) == 210);

struct BlockQ8_K {
  float d;
  int8_t qs[kQKK];
  int16_t bsums[kQKK / 16];  // sum of each group of 16 qs
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace lfm::kernels
