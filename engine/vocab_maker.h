// A synthetic byte-level BPE vocabulary for generated models: the LFM2 special tokens, the 256
// byte tokens, merges learned from a small built-in English text, then filler merges until the
// requested size. Deterministic: the same size always gives the same vocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lfm::engine {

struct ByteLevelVocab {
  std::vector<std::string> tokens;  // in the byte-level alphabet (byte_unicode.h)
  std::vector<int32_t> types;       // 1 normal, 3 control (GGUF token_type values)
  std::vector<std::string> merges;  // "left right", rank = index
};

// The LFM2 special tokens occupy ids 0..13 (docs/model.md §5.3); n_vocab must be >= 270.
ByteLevelVocab MakeByteLevelVocab(int n_vocab);

// The chat template written into generated files (ChatML-like, docs/model.md §5.5).
const char* Lfm2ChatTemplate();

}  // namespace lfm::engine
