// Tokenizer-only GGUF files for tests: tokenizer.ggml.* metadata and no tensors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/gguf.h"
#include "engine/vocab_maker.h"

namespace lfm::engine::testing {

// The LFM2 special tokens (ids 0..13, control), the 256 byte tokens (ids 14..269), then
// `tokens` (normal, given as bytes) with `merges` ("left right", given as bytes, rank = index).
ByteLevelVocab ByteVocab(const std::vector<std::string>& tokens = {},
                         const std::vector<std::string>& merges = {});

// Writes `vocab` to a fresh file under testing::TempDir() with model "gpt2", pre "lfm2", bos 1,
// eos 7, add_bos true; `overrides` replaces keys (nullopt removes one). Returns the path.
std::string WriteTokenizerGguf(
    const ByteLevelVocab& vocab,
    const std::map<std::string, std::optional<GgufValue>>& overrides = {});

}  // namespace lfm::engine::testing
