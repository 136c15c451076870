// Python `str` semantics over UTF-8 std::string: the whitespace, case and digit predicates and
// the strip/split/lower helpers the reference scorers (IFEval, lm-eval filters, MATH
// normalisation) call, so ports of their checks read like the originals and agree with them.
// Case data comes from utf8proc; where it differs from CPython's tables is noted at each helper.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lfm::evals {

// UTF-8 <-> code points. Invalid bytes decode to U+FFFD (input JSON is already valid UTF-8).
std::u32string DecodeUtf8(std::string_view text);
std::string EncodeUtf8(std::u32string_view text);

// str.isspace() for one code point.
bool PyIsSpace(char32_t c);
// Per-character case classes as CPython defines them: the Unicode Uppercase / Lowercase
// properties (general category Lu / Ll plus the Other_Uppercase / Other_Lowercase ranges that
// matter in practice: Roman numerals and circled letters, ª, º) and titlecase Lt.
bool PyCharIsUpper(char32_t c);
bool PyCharIsLower(char32_t c);
bool PyCharIsTitle(char32_t c);
// str.isupper() / str.islower(): at least one cased character, none of the other case.
bool PyIsUpper(std::string_view text);
bool PyIsLower(std::string_view text);
// str.isdigit(): non-empty and every character a decimal digit (category Nd) or one of the
// superscript digits ¹²³⁰⁴-⁹. (CPython also counts other "Digit"-typed No characters such as
// circled digits; those never occur in numeric answers.)
bool PyIsDigit(std::string_view text);
// str.lower() using utf8proc's simple (one-to-one) lowercase mapping; CPython's full mapping
// differs only for U+0130 (İ -> "i̇"), which becomes plain "i" here.
std::string PyLower(std::string_view text);

// str.strip() / lstrip() / rstrip() with no argument: Unicode whitespace.
std::string PyStrip(std::string_view text);
std::string PyLStrip(std::string_view text);
std::string PyRStrip(std::string_view text);
// The same with an explicit set of ASCII characters (str.strip('*')).
std::string PyStrip(std::string_view text, std::string_view chars);
std::string PyLStrip(std::string_view text, std::string_view chars);
std::string PyRStrip(std::string_view text, std::string_view chars);

// str.split() with no argument: runs of Unicode whitespace, no empty pieces.
std::vector<std::string> PySplitWhitespace(std::string_view text);
// str.split(sep) for a non-empty separator: keeps empty pieces.
std::vector<std::string> PySplit(std::string_view text, std::string_view sep);
// sep.join(pieces).
std::string PyJoin(const std::vector<std::string>& pieces, std::string_view sep);
// str.replace(from, to) for a non-empty `from`.
std::string PyReplace(std::string_view text, std::string_view from, std::string_view to);
// Number of code points (len(str)).
size_t PyLen(std::string_view text);

}  // namespace lfm::evals
