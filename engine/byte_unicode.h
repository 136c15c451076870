// The GPT-2 byte-level alphabet: each byte maps to one printable Unicode code point, so BPE
// vocabularies store arbitrary bytes as text (space is "Ġ" U+0120, newline "Ċ" U+010A).
#pragma once

#include <cstdint>
#include <string>

namespace lfm::engine {

// The code point that stands for `byte`.
char32_t ByteToCodepoint(uint8_t byte);
// The byte a code point stands for, or -1 when it is not in the alphabet.
int CodepointToByte(char32_t cp);
// UTF-8 text of the code points standing for each byte of `bytes`.
std::string BytesToVocabText(const std::string& bytes);

// Appends the UTF-8 encoding of `cp`.
void AppendUtf8(char32_t cp, std::string& out);

}  // namespace lfm::engine
