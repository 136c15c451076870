#include "engine/pre_tokenizer.h"

#include <gtest/gtest.h>

namespace lfm::engine {
namespace {

using Pieces = std::vector<std::string>;

Pieces Split(std::string_view text) {
  static const PreTokenizer pre = std::move(PreTokenizer::Create("lfm2")).value();
  std::vector<std::string_view> views;
  pre.Split(text, views);
  return Pieces(views.begin(), views.end());
}

// Each expectation is worked out by hand from the pattern's alternatives, in order.
TEST(PreTokenizerTest, SplitsLikeTheLfm2Pattern) {
  EXPECT_EQ(Split(""), Pieces{});
  EXPECT_EQ(Split("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(Split("I'm here, don't"), (Pieces{"I", "'m", " here", ",", " don", "'t"}));
  EXPECT_EQ(Split("'S 'Ll"), (Pieces{"'S", " '", "Ll"}));  // contractions only right after '
  EXPECT_EQ(Split("1234567"), (Pieces{"123", "456", "7"}));
  EXPECT_EQ(Split("a  b"), (Pieces{"a", " ", " b"}));  // \s+(?!\S) leaves one space to " b"
  EXPECT_EQ(Split("end   "), (Pieces{"end", "   "}));
  EXPECT_EQ(Split("a \n\n b"), (Pieces{"a", " \n\n", " b"}));
  EXPECT_EQ(Split("x\r\ny"), (Pieces{"x", "\r\n", "y"}));
  EXPECT_EQ(Split("?!\n\nok"), (Pieces{"?!\n\n", "ok"}));
  EXPECT_EQ(Split(" ?!"), (Pieces{" ?!"}));
  EXPECT_EQ(Split("e\u0301x"), (Pieces{"e", "\u0301x"}));  // a combining mark is no letter
  EXPECT_EQ(Split("日本語テキスト"), (Pieces{"日本語テキスト"}));
  EXPECT_EQ(Split("x😀😀y"), (Pieces{"x", "😀😀", "y"}));
  EXPECT_EQ(Split("٣٤٥٦"), (Pieces{"٣٤٥", "٦"}));  // \p{N} is every script's digits
  // Unicode 15 letters and digits (CJK Ext. H, Kawi digits) count as such, as in llama.cpp.
  EXPECT_EQ(Split("a\U00031350b \U00011F50\U00011F51\U00011F52\U00011F53"),
            (Pieces{"a\U00031350b", " ", "\U00011F50\U00011F51\U00011F52", "\U00011F53"}));
}

TEST(PreTokenizerTest, WhiteSpaceIsUnicodeWhiteSpace) {
  // U+0085 (NEL) is White_Space, as in llama.cpp; U+180E is not (PCRE2's own \s counts it).
  EXPECT_EQ(Split("a\u0085\u0085b"), (Pieces{"a", "\u0085", "\u0085b"}));
  EXPECT_EQ(Split("a\u3000\u3000b"), (Pieces{"a", "\u3000", "\u3000b"}));
  EXPECT_EQ(Split("a\u00a0\u00a0"), (Pieces{"a", "\u00a0\u00a0"}));
  EXPECT_EQ(Split("a\u180e\u180eb"), (Pieces{"a", "\u180e\u180e", "b"}));
}

TEST(PreTokenizerTest, InvalidUtf8SplitsAsReplacementCharacters) {
  // Each invalid byte acts as U+FFFD (a symbol) but the pieces keep the raw bytes.
  EXPECT_EQ(Split("ab\xff\xfe"
                  "cd"),
            (Pieces{"ab", "\xff\xfe", "cd"}));
  EXPECT_EQ(Split("a\xff"
                  "b"),
            (Pieces{"a",
                    "\xff"
                    "b"}));
  EXPECT_EQ(Split("\xe3\x81"), (Pieces{"\xe3\x81"}));  // truncated sequence
  EXPECT_EQ(Split("x \xc0\x80 1"), (Pieces{"x", " \xc0\x80", " ", "1"}));
}

TEST(PreTokenizerTest, OnlyLfm2IsSupported) {
  const auto other = PreTokenizer::Create("llama-bpe");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().message(),
            "pre-tokenizer 'llama-bpe' is not supported (supported: lfm2)");
}

TEST(Utf8Test, SequenceLengthRejectsEveryMalformedForm) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("é", 0), 2u);
  EXPECT_EQ(Utf8SequenceLength("語", 0), 3u);
  EXPECT_EQ(Utf8SequenceLength("😀", 0), 4u);
  EXPECT_EQ(Utf8SequenceLength("\x80", 0), 0u);              // stray continuation
  EXPECT_EQ(Utf8SequenceLength("\xc0\x80", 0), 0u);          // overlong NUL
  EXPECT_EQ(Utf8SequenceLength("\xe0\x80\x80", 0), 0u);      // overlong
  EXPECT_EQ(Utf8SequenceLength("\xed\xa0\x80", 0), 0u);      // surrogate U+D800
  EXPECT_EQ(Utf8SequenceLength("\xf0\x80\x80\x80", 0), 0u);  // overlong
  EXPECT_EQ(Utf8SequenceLength("\xf4\x90\x80\x80", 0), 0u);  // U+110000
  EXPECT_EQ(Utf8SequenceLength("\xf5\x80\x80\x80", 0), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xe3\x81", 0), 0u);          // truncated
  EXPECT_EQ(Utf8SequenceLength("\xf4\x8f\xbf\xbf", 0), 4u);  // U+10FFFF
}

}  // namespace
}  // namespace lfm::engine
