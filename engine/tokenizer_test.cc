#include "engine/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "base/check.h"
#include "engine/byte_unicode.h"
#include "engine/test_vocab.h"
#include "tests/test_support.h"

namespace lfm::engine {
namespace {

using ::lfm::engine::testing::ByteVocab;
using ::lfm::engine::testing::WriteTokenizerGguf;
using Ids = std::vector<int32_t>;

Tokenizer Load(const std::string& path) {
  auto file = GgufFile::Open(path);
  LFM_CHECK(file.ok(), "{}", file.status().message());
  auto tokenizer = Tokenizer::FromGguf(**file);
  LFM_CHECK(tokenizer.ok(), "{}", tokenizer.status().message());
  return std::move(tokenizer).value();
}

Status LoadError(const std::string& path) {
  auto file = GgufFile::Open(path);
  LFM_CHECK(file.ok(), "{}", file.status().message());
  return Tokenizer::FromGguf(**file).status();
}

// Ids of `tokens` in a ByteVocab: byte b is 14 + b, the extra tokens follow from 270.
int32_t Byte(char c) { return 14 + static_cast<uint8_t>(c); }

// ---------------------------------------------------------------------------------------------
// Against llama.cpp's ids (../shared/testdata/tokenizer, see its README).

struct Case {
  std::string text;
  Ids ids;
};

std::vector<Case> ReadReferenceCases(const std::string& shared) {
  std::ifstream texts(shared + "/testdata/tokenizer/texts.jsonl");
  std::ifstream ids(shared + "/testdata/tokenizer/tok-4096-q4_0.ids.jsonl");
  std::vector<Case> cases;
  for (std::string t, i; std::getline(texts, t) && std::getline(ids, i);) {
    const auto text = nlohmann::json::parse(t), expected = nlohmann::json::parse(i);
    LFM_CHECK(text["text"] == expected["text"], "the two files are out of step");
    cases.push_back({text["text"], expected["ids"].get<Ids>()});
  }
  return cases;
}

// Texts whose ids differ from llama.cpp's, as messages.
std::vector<std::string> Mismatches(const Tokenizer& tok, const std::vector<Case>& cases) {
  std::vector<std::string> out;
  for (const Case& c : cases) {
    const Ids ids = tok.Encode(c.text, /*add_bos=*/false, /*parse_special=*/true);
    if (ids != c.ids) {
      out.push_back(fmt::format("{}: got [{}], llama.cpp [{}]", nlohmann::json(c.text).dump(),
                                fmt::join(ids, ","), fmt::join(c.ids, ",")));
    }
  }
  return out;
}

TEST(TokenizerReferenceTest, EveryTextGivesLlamaCppIds) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::vector<Case> cases = ReadReferenceCases(shared);
  ASSERT_EQ(cases.size(), 60u);
  const Tokenizer tok = Load(shared + "/testdata/models/tok-4096-q4_0.gguf");
  EXPECT_EQ(tok.n_vocab(), 4096);
  for (const std::string& m : Mismatches(tok, cases)) ADD_FAILURE() << m;
}

// The check above has teeth: one merge at another rank changes some text's ids ("thedon't").
TEST(TokenizerReferenceTest, AWrongMergeRankIsCaught) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::string source = shared + "/testdata/models/tok-4096-q4_0.gguf";
  auto file = GgufFile::Open(source);
  ASSERT_TRUE(file.ok());
  std::vector<std::string> merges = *(*file)->GetStringArray("tokenizer.ggml.merges");
  ASSERT_EQ(merges[2], "h e");
  std::rotate(merges.begin() + 2, merges.begin() + 3, merges.end());  // "h e" becomes the last
  ByteLevelVocab vocab{*(*file)->GetStringArray("tokenizer.ggml.tokens"), {}, merges};
  const std::vector<int64_t> types = *(*file)->GetIntArray("tokenizer.ggml.token_type");
  vocab.types.assign(types.begin(), types.end());
  const Tokenizer tok = Load(WriteTokenizerGguf(vocab));
  EXPECT_FALSE(Mismatches(tok, ReadReferenceCases(shared)).empty());
}

// ---------------------------------------------------------------------------------------------
// The algorithm on small hand-made vocabularies.

TEST(TokenizerTest, MergesLowestRankFirstAndLeftmostOnTies) {
  // "b c" outranks "a b": "abc" -> a + bc. The whole piece "abc" is no token.
  const Tokenizer tok =
      Load(WriteTokenizerGguf(ByteVocab({"bc", "ab", "aa"}, {"b c", "a b", "a a"})));
  EXPECT_EQ(tok.Encode("abc", false, false), (Ids{Byte('a'), 270}));
  EXPECT_EQ(tok.Encode("abd", false, false), (Ids{271, Byte('d')}));
  // Equal ranks: the leftmost pair merges first.
  EXPECT_EQ(tok.Encode("aaa", false, false), (Ids{272, Byte('a')}));
}

TEST(TokenizerTest, IgnoreMergesTakesAWholePieceThatIsAToken) {
  // BPE alone would give a + bc ("b c" first, and no "a bc" merge); "abc" is a token, so the
  // piece "abc" is that token (llama.cpp's ignore_merges for lfm2).
  const Tokenizer tok =
      Load(WriteTokenizerGguf(ByteVocab({"bc", "ab", "abc"}, {"b c", "a b", "ab c"})));
  EXPECT_EQ(tok.Encode("abc", false, false), (Ids{272}));
  EXPECT_EQ(tok.Encode("abcb", false, false), (Ids{Byte('a'), 270, Byte('b')}));
}

TEST(TokenizerTest, MergeResultMissingFromTheVocabularyFallsBackToBytes) {
  const Tokenizer tok = Load(WriteTokenizerGguf(ByteVocab({}, {"x y"})));
  EXPECT_EQ(tok.Encode("xy", false, false), (Ids{Byte('x'), Byte('y')}));
}

TEST(TokenizerTest, PreTokenizerPiecesAreEncodedSeparately) {
  // "a b" merges within "ab" but never across the pieces "a" and " b".
  const Tokenizer tok = Load(WriteTokenizerGguf(ByteVocab({"ab", " b"}, {"a b", "  b"})));
  EXPECT_EQ(tok.Encode("ab", false, false), (Ids{270}));
  EXPECT_EQ(tok.Encode("a b", false, false), (Ids{Byte('a'), 271}));
}

TEST(TokenizerTest, SpecialTokensAreAtomicLongestFirst) {
  ByteLevelVocab v = ByteVocab();
  v.tokens.push_back("<|im_end|>x");  // 270, longer than <|im_end|> (7)
  v.types.push_back(3);
  v.tokens.push_back("@user@");  // 271, user-defined: matched even without special parsing
  v.types.push_back(4);
  const Tokenizer tok = Load(WriteTokenizerGguf(v));
  EXPECT_EQ(tok.Encode("<|im_start|>hi<|im_end|>", false, true), (Ids{6, Byte('h'), Byte('i'), 7}));
  EXPECT_EQ(tok.Encode("<|im_end|>x<|im_end|>", false, true), (Ids{270, 7}));
  EXPECT_EQ(tok.Encode("<|im_end|><|im_end|>", false, true), (Ids{7, 7}));
  // Without special parsing control text is plain text; user-defined tokens still match.
  const Ids plain = tok.Encode("<|im_end|>", false, false);
  EXPECT_EQ(plain.size(), 10u);
  EXPECT_EQ(tok.Encode("a@user@b", false, false), (Ids{Byte('a'), 271, Byte('b')}));
}

TEST(TokenizerTest, BosFollowsTheFile) {
  const ByteLevelVocab v = ByteVocab();
  const Tokenizer tok = Load(WriteTokenizerGguf(v));
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 7);
  EXPECT_EQ(tok.Encode("a", true, true), (Ids{1, Byte('a')}));
  EXPECT_EQ(tok.Encode("a", false, true), (Ids{Byte('a')}));
  EXPECT_EQ(tok.Encode("", true, true), (Ids{1}));
  EXPECT_EQ(tok.Encode("", false, true), (Ids{}));
  // A BOS in the text stays: asking for BOS as well gives two (llama.cpp only warns).
  EXPECT_EQ(tok.Encode("<|startoftext|>a", true, true), (Ids{1, 1, Byte('a')}));
  const Tokenizer no_bos =
      Load(WriteTokenizerGguf(v, {{"tokenizer.ggml.add_bos_token", GgufValue::Bool(false)}}));
  EXPECT_EQ(no_bos.Encode("a", true, true), (Ids{Byte('a')}));
  const Tokenizer eos =
      Load(WriteTokenizerGguf(v, {{"tokenizer.ggml.add_eos_token", GgufValue::Bool(true)}}));
  EXPECT_EQ(eos.Encode("a", true, true), (Ids{1, Byte('a'), 7}));
}

TEST(TokenizerTest, DecodeRendersBytesAndHidesControlTokens) {
  const Tokenizer tok = Load(WriteTokenizerGguf(ByteVocab({" hi"}, {"  h", " h i"})));
  const Ids ids = {1, 6, 270, Byte('\n'), 7};
  EXPECT_EQ(tok.Decode(ids), " hi\n");
  EXPECT_EQ(tok.Decode(ids, /*render_special=*/true), "<|startoftext|><|im_start|> hi\n<|im_end|>");
  EXPECT_EQ(tok.TokenText(Byte('\xff')), "\xff");
}

TEST(TokenizerTest, EndOfGeneration) {
  const Tokenizer tok = Load(WriteTokenizerGguf(ByteVocab()));
  EXPECT_TRUE(tok.IsEog(7));   // <|im_end|>, also EOS
  EXPECT_TRUE(tok.IsEog(2));   // <|endoftext|>
  EXPECT_FALSE(tok.IsEog(1));  // BOS
  EXPECT_FALSE(tok.IsEog(6));
  EXPECT_FALSE(tok.IsEog(Byte('a')));
}

// ---------------------------------------------------------------------------------------------
// Round trips.

// Random valid UTF-8 drawn from the characters that stress the pre-tokenizer.
std::string RandomUtf8(std::mt19937& rng, int n) {
  static const std::vector<std::pair<char32_t, char32_t>> kRanges = {
      {'a', 'z'},
      {'A', 'Z'},
      {'0', '9'},
      {' ', ' '},
      {' ', ' '},
      {'\n', '\n'},
      {'\r', '\r'},
      {'\t', '\t'},
      {'!', '/'},
      {'\'', '\''},
      {0x80, 0x7FF},
      {0x300, 0x36F} /* combining */,
      {0x85, 0x85},
      {0xA0, 0xA0},
      {0x2000, 0x200D},
      {0x3000, 0x3000},
      {0x4E00, 0x9FFF},
      {0xAC00, 0xD7A3},
      {0x0600, 0x06FF},
      {0x1F600, 0x1F64F} /* emoji */,
      {0x1F1E6, 0x1F1FF} /* regional indicators */,
      {0xE000, 0xF8FF},
      {0x10000, 0x10FFFF}};
  std::string s;
  for (int i = 0; i < n; ++i) {
    const auto& [lo, hi] = kRanges[rng() % kRanges.size()];
    const char32_t cp = lo + rng() % (hi - lo + 1);
    AppendUtf8(cp, s);
  }
  return s;
}

TEST(TokenizerRoundTripTest, RandomTextAndBytesComeBackExactly) {
  const Tokenizer tok = Load(WriteTokenizerGguf(MakeByteLevelVocab(2048)));
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    const std::string text = RandomUtf8(rng, 1 + rng() % 40);
    EXPECT_EQ(tok.Decode(tok.Encode(text, false, false)), text) << nlohmann::json(text).dump();
    EXPECT_EQ(tok.Decode(tok.Encode(text, false, true), true), text) << nlohmann::json(text).dump();
  }
  for (int i = 0; i < 300; ++i) {  // arbitrary bytes, mostly invalid UTF-8
    std::string bytes(1 + rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    EXPECT_EQ(tok.Decode(tok.Encode(bytes, false, false)), bytes);
  }
  const std::string digits_and_breaks = "1234567 89\r\n\r\n  \t 12\n\n\n'S'll x\r";
  EXPECT_EQ(tok.Decode(tok.Encode(digits_and_breaks, false, false)), digits_and_breaks);
}

TEST(TokenizerRoundTripTest, SpecialTokensRoundTripWhenRendered) {
  const Tokenizer tok = Load(WriteTokenizerGguf(MakeByteLevelVocab(512)));
  const std::string text =
      "<|startoftext|><|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n";
  const Ids ids = tok.Encode(text, false, true);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(tok.Decode(ids, true), text);
  EXPECT_EQ(tok.Decode(ids), "user\nHi!\nassistant\n");
}

// ---------------------------------------------------------------------------------------------
// Bad files.

TEST(TokenizerErrorTest, NamesTheFileAndTheProblem) {
  const ByteLevelVocab v = ByteVocab();
  auto expect_error = [](const std::string& path, const std::string& needle) {
    const Status s = LoadError(path);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  expect_error(WriteTokenizerGguf(v, {{"tokenizer.ggml.model", GgufValue::String("llama")}}),
               "tokenizer.ggml.model is 'llama': only 'gpt2' (byte-level BPE) is supported");
  expect_error(WriteTokenizerGguf(v, {{"tokenizer.ggml.model", std::nullopt}}),
               "'tokenizer.ggml.model' is missing");
  expect_error(WriteTokenizerGguf(v, {{"tokenizer.ggml.pre", GgufValue::String("qwen2")}}),
               "tokenizer.ggml.pre: pre-tokenizer 'qwen2' is not supported (supported: lfm2)");
  expect_error(WriteTokenizerGguf(v, {{"tokenizer.ggml.bos_token_id", GgufValue::U32(270)}}),
               "tokenizer.ggml.bos_token_id is 270, outside the vocabulary of 270");
  expect_error(WriteTokenizerGguf(v, {{"tokenizer.ggml.merges", GgufValue::StringArray({"ab"})}}),
               "tokenizer.ggml.merges[0] is 'ab', not 'left right'");
  ByteLevelVocab duplicate = ByteVocab({"a"});
  expect_error(WriteTokenizerGguf(duplicate), "tokens 111 and 270 are both 'a'");
  ByteLevelVocab no_byte = ByteVocab();
  no_byte.tokens[14 + 'z'] = "zz";
  expect_error(WriteTokenizerGguf(no_byte), "no token for byte 0x7a");
}

}  // namespace
}  // namespace lfm::engine
