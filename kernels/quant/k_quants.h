// Element access for the K-quant formats (docs/model.md §4.1-4.2), shared by dequantization
// and dot products so the bit layouts live in one place.
#pragma once

#include "kernels/quant/blocks.h"

namespace lfm::kernels {

// The 6-bit (scale, min) pair of sub-block s (0..7) of a Q4_K/Q5_K block.
inline void KScaleMin(int s, const uint8_t* q, int* sc, int* m) {
  if (s < 4) {
    *sc = q[s] & 63;
    *m = q[s + 4] & 63;
  } else {
    *sc = (q[s + 4] & 0xF) | ((q[s - 4] >> 6) << 4);
    *m = (q[s + 4] >> 4) | ((q[s] >> 6) << 4);
  }
}

// Unsigned 4-bit quant (0..15) of element e (0..255): sub-block e/32, chunk e/64.
inline int Q4_KQuant(const BlockQ4_K& b, int e) {
  const uint8_t byte = b.qs[32 * (e / 64) + e % 32];
  return (e / 32) % 2 == 0 ? (byte & 0xF) : (byte >> 4);
}

// Unsigned 5-bit quant (0..31) of element e: the Q4_K nibble plus bit (2c + s%2) of qh[e%32].
inline int Q5_KQuant(const BlockQ5_K& b, int e) {
  const int s = e / 32, c = e / 64;
  const uint8_t byte = b.qs[32 * c + e % 32];
  const int low = s % 2 == 0 ? (byte & 0xF) : (byte >> 4);
  return low + 16 * ((b.qh[e % 32] >> (2 * c + s % 2)) & 1);
}

// Signed 6-bit quant (-32..31) of element e; its scale is scales[e / 16].
inline int Q6_KQuant(const BlockQ6_K& b, int e) {
  const int h = e / 128, r = e % 128, q = r / 32, l = r % 32;
  const uint8_t low_byte = b.ql[64 * h + l + 32 * (q & 1)];
  const int low4 = q < 2 ? (low_byte & 0xF) : (low_byte >> 4);
  const int high2 = (b.qh[32 * h + l] >> (2 * q)) & 3;
  return (low4 | (high2 << 4)) - 32;
}

}  // namespace lfm::kernels
