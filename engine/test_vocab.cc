#include "engine/test_vocab.h"

#include <gtest/gtest.h>

#include <atomic>

#include "engine/byte_unicode.h"
#include "tests/test_support.h"

namespace lfm::engine::testing {

ByteLevelVocab ByteVocab(const std::vector<std::string>& tokens,
                         const std::vector<std::string>& merges) {
  ByteLevelVocab v = MakeByteLevelVocab(270);  // exactly the specials and the byte tokens
  for (const std::string& t : tokens) {
    v.tokens.push_back(BytesToVocabText(t));
    v.types.push_back(1);
  }
  for (const std::string& m : merges) {
    const size_t space = m.find(' ', 1);
    v.merges.push_back(BytesToVocabText(m.substr(0, space)) + " " +
                       BytesToVocabText(m.substr(space + 1)));
  }
  return v;
}

std::string WriteTokenizerGguf(const ByteLevelVocab& vocab,
                               const std::map<std::string, std::optional<GgufValue>>& overrides) {
  std::map<std::string, std::optional<GgufValue>> kv = {
      {"tokenizer.ggml.model", GgufValue::String("gpt2")},
      {"tokenizer.ggml.pre", GgufValue::String("lfm2")},
      {"tokenizer.ggml.tokens", GgufValue::StringArray(vocab.tokens)},
      {"tokenizer.ggml.token_type", GgufValue::I32Array(vocab.types)},
      {"tokenizer.ggml.merges", GgufValue::StringArray(vocab.merges)},
      {"tokenizer.ggml.bos_token_id", GgufValue::U32(1)},
      {"tokenizer.ggml.eos_token_id", GgufValue::U32(7)},
      {"tokenizer.ggml.add_bos_token", GgufValue::Bool(true)},
  };
  for (const auto& [key, value] : overrides) kv[key] = value;
  static std::atomic<int> counter{0};
  const std::string path = fmt::format("{}/vocab{}.gguf", lfm::testing::TempDir(), counter++);
  auto writer = GgufWriter::Create(path);
  EXPECT_TRUE(writer.ok()) << writer.status().message();
  for (auto& [key, value] : kv) {
    if (value) (*writer)->AddMetadata(key, *value);
  }
  const Status finished = (*writer)->Finish();
  EXPECT_TRUE(finished.ok()) << finished.message();
  return path;
}

}  // namespace lfm::engine::testing
