#include "evals/scoring/py_str.h"

#include <utf8proc.h>

namespace lfm::evals {

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t pos = 0;
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  while (pos < size) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(bytes + pos, size - pos, &cp);
    if (n <= 0) {
      out.push_back(U'\uFFFD');
      ++pos;
    } else {
      out.push_back(static_cast<char32_t>(cp));
      pos += n;
    }
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  utf8proc_uint8_t buffer[4];
  for (char32_t c : text) {
    const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buffer);
    out.append(reinterpret_cast<const char*>(buffer), n);
  }
  return out;
}

bool PyIsSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool PyCharIsUpper(char32_t c) {
  if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_LU) return true;
  return (c >= 0x2160 && c <= 0x216F) || (c >= 0x24B6 && c <= 0x24CF);
}

bool PyCharIsLower(char32_t c) {
  if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_LL) return true;
  return c == 0xAA || c == 0xBA || (c >= 0x2170 && c <= 0x217F) || (c >= 0x24D0 && c <= 0x24E9);
}

bool PyCharIsTitle(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_LT;
}

bool PyIsUpper(std::string_view text) {
  bool cased = false;
  for (char32_t c : DecodeUtf8(text)) {
    if (PyCharIsLower(c) || PyCharIsTitle(c)) return false;
    cased = cased || PyCharIsUpper(c);
  }
  return cased;
}

bool PyIsLower(std::string_view text) {
  bool cased = false;
  for (char32_t c : DecodeUtf8(text)) {
    if (PyCharIsUpper(c) || PyCharIsTitle(c)) return false;
    cased = cased || PyCharIsLower(c);
  }
  return cased;
}

bool PyIsDigit(std::string_view text) {
  if (text.empty()) return false;
  for (char32_t c : DecodeUtf8(text)) {
    const bool superscript =
        c == 0xB9 || c == 0xB2 || c == 0xB3 || c == 0x2070 || (c >= 0x2074 && c <= 0x2079);
    if (!superscript &&
        utf8proc_category(static_cast<utf8proc_int32_t>(c)) != UTF8PROC_CATEGORY_ND) {
      return false;
    }
  }
  return true;
}

std::string PyLower(std::string_view text) {
  std::u32string chars = DecodeUtf8(text);
  for (char32_t& c : chars) c = static_cast<char32_t>(utf8proc_tolower(static_cast<int32_t>(c)));
  return EncodeUtf8(chars);
}

namespace {

// Byte offset just past the leading whitespace / of the trailing whitespace.
size_t LeadingSpaceEnd(std::string_view text) {
  const std::u32string chars = DecodeUtf8(text);
  size_t bytes = 0;
  for (char32_t c : chars) {
    if (!PyIsSpace(c)) break;
    bytes += EncodeUtf8(std::u32string_view(&c, 1)).size();
  }
  return bytes;
}

size_t TrailingSpaceBegin(std::string_view text) {
  const std::u32string chars = DecodeUtf8(text);
  size_t end = text.size();
  for (auto it = chars.rbegin(); it != chars.rend() && PyIsSpace(*it); ++it) {
    end -= EncodeUtf8(std::u32string_view(&*it, 1)).size();
  }
  return end;
}

}  // namespace

std::string PyLStrip(std::string_view text) {
  return std::string(text.substr(LeadingSpaceEnd(text)));
}

std::string PyRStrip(std::string_view text) {
  return std::string(text.substr(0, TrailingSpaceBegin(text)));
}

std::string PyStrip(std::string_view text) { return PyLStrip(PyRStrip(text)); }

std::string PyLStrip(std::string_view text, std::string_view chars) {
  const size_t begin = text.find_first_not_of(chars);
  return begin == std::string_view::npos ? "" : std::string(text.substr(begin));
}

std::string PyRStrip(std::string_view text, std::string_view chars) {
  const size_t last = text.find_last_not_of(chars);
  return last == std::string_view::npos ? "" : std::string(text.substr(0, last + 1));
}

std::string PyStrip(std::string_view text, std::string_view chars) {
  return PyLStrip(PyRStrip(text, chars), chars);
}

std::vector<std::string> PySplitWhitespace(std::string_view text) {
  std::vector<std::string> out;
  std::u32string current;
  for (char32_t c : DecodeUtf8(text)) {
    if (PyIsSpace(c)) {
      if (!current.empty()) out.push_back(EncodeUtf8(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(EncodeUtf8(current));
  return out;
}

std::vector<std::string> PySplit(std::string_view text, std::string_view sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t hit = text.find(sep, start);
    if (hit == std::string_view::npos) break;
    out.emplace_back(text.substr(start, hit - start));
    start = hit + sep.size();
  }
  out.emplace_back(text.substr(start));
  return out;
}

std::string PyJoin(const std::vector<std::string>& pieces, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i) out += sep;
    out += pieces[i];
  }
  return out;
}

std::string PyReplace(std::string_view text, std::string_view from, std::string_view to) {
  return PyJoin(PySplit(text, from), to);
}

size_t PyLen(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace lfm::evals
