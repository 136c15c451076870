// The pre-tokenizer of byte-level BPE: splits text into the pieces that BPE then encodes one by
// one (docs/model.md §5.2). Only the `lfm2` split is implemented, with PCRE2.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "base/status.h"

struct pcre2_real_code_8;  // pcre2.h stays out of this header

namespace lfm::engine {

class PreTokenizer {
 public:
  // The pre-tokenizer that `tokenizer.ggml.pre` names; only "lfm2" is supported (LFM2 and
  // LFM2.5 files both carry it). Any other name is an error naming it.
  static StatusOr<PreTokenizer> Create(std::string_view name);

  // Appends to `pieces` the consecutive pieces of `text` (views into it; together they cover
  // `text` exactly, in order). The split is llama.cpp's LLAMA3 pattern:
  //   (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|
  //   \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  // with \s spelled out as Unicode White_Space (llama.cpp's set; PCRE2's \s adds U+180E), and
  // \p{L}, \p{N} completed with the Unicode 15.0/15.1 letters and numbers that PCRE2 10.42 lacks:
  // every code point is classed as llama.cpp v0.4.0 classes it (checked over all of them). Bytes
  // that are not valid UTF-8 split as U+FFFD would (llama.cpp replaces each such byte by U+FFFD);
  // their pieces keep the raw bytes. Thread-safe.
  void Split(std::string_view text, std::vector<std::string_view>& pieces) const;

 private:
  explicit PreTokenizer(std::shared_ptr<const pcre2_real_code_8> code) : code_(std::move(code)) {}
  void SplitValid(std::string_view text, std::vector<std::string_view>& pieces) const;

  std::shared_ptr<const pcre2_real_code_8> code_;
};

// Length of the well-formed UTF-8 sequence starting at text[pos], or 0 when the byte there does
// not start one (stray continuation byte, overlong form, surrogate, > U+10FFFF, truncation).
size_t Utf8SequenceLength(std::string_view text, size_t pos);

}  // namespace lfm::engine
