#include "engine/pre_tokenizer.h"

#include <fmt/format.h>

#include <string>

#include "base/check.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace lfm::engine {
namespace {

// Unicode White_Space as a character-class body (llama.cpp's `unicode_set_whitespace`).
constexpr std::string_view kWhiteSpace =
    R"(\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// Letters and numbers assigned in Unicode 15.0 and 15.1: PCRE2 10.42's tables (Unicode 14) call
// them unassigned, llama.cpp's know them. Found by classifying every code point with both
// (tokenizer_peer_test.mjs, probe vocabulary); a newer PCRE2 simply has them already.
constexpr std::string_view kNewLetters =
    R"(\x{1123F}-\x{11240}\x{11F02}\x{11F04}-\x{11F10}\x{11F12}-\x{11F33}\x{1342F})"
    R"(\x{13441}-\x{13446}\x{1B132}\x{1B155}\x{1DF25}-\x{1DF2A}\x{1E030}-\x{1E06D})"
    R"(\x{1E4D0}-\x{1E4EB}\x{2B739}\x{2EBF0}-\x{2EE5D}\x{31350}-\x{323AF})";
constexpr std::string_view kNewNumbers =
    R"(\x{11F50}-\x{11F59}\x{1D2C0}-\x{1D2D3}\x{1E4F0}-\x{1E4F9})";

// {S}, {L}, {N}: class bodies of White_Space, letters and numbers.
std::string Lfm2Pattern() {
  return fmt::format(R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]))"  // contractions
                     R"(|[^\r\n{L}{N}]?[{L}]+)"                                      // words
                     R"(|[{N}]{{1,3}})"                                              // <= 3 digits
                     R"(| ?[^{S}{L}{N}]+[\r\n]*)"                                    // punctuation
                     R"(|[{S}]*[\r\n]+)"                                             // line breaks
                     R"(|[{S}]+(?![^{S}]))"                                          // trailing
                     R"(|[{S}]+)",                                                   // spaces
                     fmt::arg("S", kWhiteSpace),
                     fmt::arg("L", fmt::format(R"(\p{{L}}{})", kNewLetters)),
                     fmt::arg("N", fmt::format(R"(\p{{N}}{})", kNewNumbers)));
}

constexpr char kReplacementCharacter[] = "\xEF\xBF\xBD";  // U+FFFD

bool IsContinuation(std::string_view text, size_t pos) {
  return pos < text.size() && (static_cast<uint8_t>(text[pos]) & 0xC0) == 0x80;
}

}  // namespace

size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  const uint8_t c0 = static_cast<uint8_t>(text[pos]);
  if (c0 < 0x80) return 1;
  if (c0 < 0xC2) return 0;  // continuation byte, or the lead of an overlong 2-byte form
  if (c0 < 0xE0) return IsContinuation(text, pos + 1) ? 2 : 0;
  const size_t len = c0 < 0xF0 ? 3 : c0 < 0xF5 ? 4 : 0;
  if (len == 0) return 0;
  for (size_t i = 1; i < len; ++i) {
    if (!IsContinuation(text, pos + i)) return 0;
  }
  const uint8_t c1 = static_cast<uint8_t>(text[pos + 1]);
  if (c0 == 0xE0 && c1 < 0xA0) return 0;   // overlong
  if (c0 == 0xED && c1 >= 0xA0) return 0;  // surrogate
  if (c0 == 0xF0 && c1 < 0x90) return 0;   // overlong
  if (c0 == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
  return len;
}

StatusOr<PreTokenizer> PreTokenizer::Create(std::string_view name) {
  if (name != "lfm2") {
    return Error(StatusCode::kUnimplemented,
                 "pre-tokenizer '{}' is not supported (supported: lfm2)", name);
  }
  const std::string pattern = Lfm2Pattern();
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return Error(StatusCode::kInternal, "pre-tokenizer pattern does not compile at {}: {}",
                 error_offset, reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // without JIT support PCRE2 interprets instead
  return PreTokenizer(std::shared_ptr<const pcre2_code>(
      code, [](const pcre2_code* c) { pcre2_code_free(const_cast<pcre2_code*>(c)); }));
}

void PreTokenizer::SplitValid(std::string_view text, std::vector<std::string_view>& pieces) const {
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> match(
      pcre2_match_data_create_from_pattern(code_.get(), nullptr), pcre2_match_data_free);
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  for (size_t pos = 0; pos < text.size();) {
    const int rc = pcre2_match(code_.get(), subject, text.size(), pos,
                               PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK, match.get(), nullptr);
    LFM_CHECK(rc > 0 || rc == PCRE2_ERROR_NOMATCH, "pre-tokenizer match failed: PCRE2 error {}",
              rc);
    // The alternatives cover every code point, so a match always starts here; like llama.cpp,
    // a position nothing matched would become a one-code-point piece.
    const size_t end = rc > 0 ? ovector[1] : pos + Utf8SequenceLength(text, pos);
    pieces.push_back(text.substr(pos, end - pos));
    pos = end;
  }
}

void PreTokenizer::Split(std::string_view text, std::vector<std::string_view>& pieces) const {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t len = Utf8SequenceLength(text, pos);
    if (len == 0) break;
    pos += len;
  }
  if (pos == text.size()) return SplitValid(text, pieces);

  // Split a copy where each invalid byte is U+FFFD, then map the pieces back to the raw bytes.
  std::string clean;
  std::vector<size_t> source;  // [clean.size() + 1]: offset in `text` of each clean byte
  for (pos = 0; pos < text.size();) {
    const size_t len = Utf8SequenceLength(text, pos);
    const std::string_view unit = len ? text.substr(pos, len) : kReplacementCharacter;
    clean.append(unit);
    source.insert(source.end(), unit.size(), pos);
    pos += len ? len : 1;
  }
  source.push_back(text.size());
  std::vector<std::string_view> clean_pieces;
  SplitValid(clean, clean_pieces);
  for (std::string_view piece : clean_pieces) {
    const size_t begin = piece.data() - clean.data();
    const size_t end = begin + piece.size();
    pieces.push_back(text.substr(source[begin], source[end] - source[begin]));
  }
}

}  // namespace lfm::engine
