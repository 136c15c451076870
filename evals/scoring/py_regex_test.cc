// PyRegex must behave like Python's `re` for the calls the scorers make; expected values are
// what CPython 3.11 returns for the same call (noted beside each).
#include "evals/scoring/py_regex.h"

#include <gtest/gtest.h>

namespace lfm::evals {
namespace {

TEST(PyRegexTest, FindAllReturnsGroupOneOrWholeMatch) {
  // re.findall(r"#### (\-?[0-9\.\,]+)", "#### 12 and #### -3.5") == ['12', '-3.5']
  auto one_group = MustCompile("#### (\\-?[0-9\\.\\,]+)");
  EXPECT_EQ(one_group.FindAllStrings("#### 12 and #### -3.5"),
            (std::vector<std::string>{"12", "-3.5"}));
  // re.findall(r"\d+", "a1b22") == ['1', '22']
  EXPECT_EQ(MustCompile("\\d+").FindAllStrings("a1b22"), (std::vector<std::string>{"1", "22"}));
}

TEST(PyRegexTest, UnmatchedGroupsAreEmpty) {
  // re.findall(r"(a)|(b)", "ab") == [('a', ''), ('', 'b')]
  auto regex = MustCompile("(a)|(b)");
  const std::string text = "ab";
  const auto matches = regex.FindAll(text);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].Group(text, 1), "a");
  EXPECT_EQ(matches[0].Group(text, 2), "");
  EXPECT_EQ(matches[1].Group(text, 2), "b");
}

TEST(PyRegexTest, EmptyMatchesFollowPython37) {
  // re.sub("x*", "-", "abxd") == '-a-b--d-'
  EXPECT_EQ(MustCompile("x*").Sub("abxd", "-"), "-a-b--d-");
  // re.split(r"\b", "a b") == ['', 'a', ' ', 'b', '']
  EXPECT_EQ(MustCompile("\\b").Split("a b"), (std::vector<std::string>{"", "a", " ", "b", ""}));
}

TEST(PyRegexTest, SplitInsertsGroups) {
  // re.split(r"(-)", "a-b") == ['a', '-', 'b'];  re.split(r"\s?\*\*\*\s?", "a *** b") == ['a', 'b']
  EXPECT_EQ(MustCompile("(-)").Split("a-b"), (std::vector<std::string>{"a", "-", "b"}));
  EXPECT_EQ(MustCompile("\\s?\\*\\*\\*\\s?").Split("a *** b"),
            (std::vector<std::string>{"a", "b"}));
}

TEST(PyRegexTest, TemplatesExpandGroups) {
  // re.sub(r"(\w+) (\w+)", r"\2 \1", "hello world") == 'world hello'
  EXPECT_EQ(MustCompile("(\\w+) (\\w+)").Sub("hello world", "\\2 \\1"), "world hello");
  // re.sub(r"[?!]", r" \g<0> ", "a?b") == 'a ? b'
  EXPECT_EQ(MustCompile("[?!]").Sub("a?b", " \\g<0> "), "a ? b");
  EXPECT_EQ(MustCompile("(?P<x>a)").Sub("ab", "[\\g<x>]"), "[a]b");
}

TEST(PyRegexTest, UnicodeWordsAndCaseFolding) {
  // re.findall(r"\w+", "naïve café") == ['naïve', 'café']
  EXPECT_EQ(MustCompile("\\w+").FindAllStrings("naïve café"),
            (std::vector<std::string>{"naïve", "café"}));
  // re.search("ÉTÉ", "un été", re.IGNORECASE) matches
  EXPECT_TRUE(MustCompile("ÉTÉ", PyRegex::kIgnoreCase).Search("un été").has_value());
  EXPECT_FALSE(MustCompile("ÉTÉ").Search("un été").has_value());
}

TEST(PyRegexTest, DollarMatchesBeforeFinalNewline) {
  // re.sub(r"\.$", "", "7.\n") == '7\n'  (Python's $ also matches before a final newline)
  EXPECT_EQ(MustCompile("\\.$").Sub("7.\n", ""), "7\n");
  // re.findall(r"^-.*$", "- a\nb\n- c", re.M) == ['- a', '- c']
  EXPECT_EQ(MustCompile("^-.*$", PyRegex::kMultiline).FindAllStrings("- a\nb\n- c"),
            (std::vector<std::string>{"- a", "- c"}));
}

TEST(PyRegexTest, BadPatternIsAnError) {
  auto regex = PyRegex::Compile("(unclosed");  // Python: "missing ), unterminated subpattern"
  ASSERT_FALSE(regex.ok());
  EXPECT_NE(regex.status().message().find("(unclosed"), std::string::npos);
  // Possessive quantifiers are valid in Python 3.11 (the reference's version) and in PCRE2.
  EXPECT_TRUE(PyRegex::Compile("c++").ok());
}

TEST(PyRegexTest, EscapeQuotesMetacharacters) {
  EXPECT_EQ(RegexEscape("1+1=2?"), "1\\+1=2\\?");
  EXPECT_TRUE(MustCompile(RegexEscape("(A) $5")).Search("pick (A) $5 now").has_value());
}

}  // namespace
}  // namespace lfm::evals
