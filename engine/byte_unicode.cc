#include "engine/byte_unicode.h"

#include <array>

namespace lfm::engine {
namespace {

// Printable bytes stand for themselves; the others (control characters, space, 127..160, 173)
// take code points 256, 257, ... in increasing byte order.
bool StandsForItself(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

const std::array<char32_t, 256>& ByteTable() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) t[b] = StandsForItself(b) ? static_cast<char32_t>(b) : next++;
    return t;
  }();
  return table;
}

}  // namespace

char32_t ByteToCodepoint(uint8_t byte) { return ByteTable()[byte]; }

int CodepointToByte(char32_t cp) {
  if (cp < 256) return StandsForItself(static_cast<int>(cp)) ? static_cast<int>(cp) : -1;
  static const std::array<int16_t, 256> reverse = [] {
    std::array<int16_t, 256> r{};
    r.fill(-1);
    for (int b = 0; b < 256; ++b) {
      if (ByteTable()[b] >= 256) r[ByteTable()[b] - 256] = static_cast<int16_t>(b);
    }
    return r;
  }();
  return cp < 512 ? reverse[cp - 256] : -1;
}

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string BytesToVocabText(const std::string& bytes) {
  std::string out;
  for (unsigned char b : bytes) AppendUtf8(ByteToCodepoint(b), out);
  return out;
}

}  // namespace lfm::engine
