// IFBench's checkers on hand-written responses aimed at their edge cases (the csv module's
// rules, removal while iterating in format:line_indent, the strict multiple-choice options,
// Python's str.count and slicing, NFKD folding). Each expected verdict is what IFBench
// db69a6f's check_following returns for the case (printed with the reference, using its
// pure-Python checkers); the shared vectors (reference_vectors_test.cc) cover every id.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "evals/scoring/ifeval/ifbench_util.h"
#include "evals/scoring/ifeval/instructions.h"

namespace lfm::evals::ifeval {
namespace {

using nlohmann::json;

struct Case {
  const char* id;
  const char* kwargs;
  const char* response;
  bool follows;
};

TEST(IfbenchTest, RegistryHasThe58Ids) {
  EXPECT_EQ(IfbenchInstructionIds().size(), 58u);
  EXPECT_EQ(InstructionIds().size(), 25u);
  auto unknown = MakeInstruction("format:sub_bullets", json::object());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("did you mean 'format:sub-bullets'"),
            std::string::npos);
}

TEST(IfbenchTest, CheckersAgreeWithTheReference) {
  const Case cases[] = {
      {"count:conjunctions", R"j({"small_n": 2})j", "and, And so", true},
      {"count:conjunctions", R"j({"small_n": 3})j", "and and, and", false},
      {"count:keywords_multiple",
       R"j({"keyword1": " a ", "keyword2": "bb", "keyword3": "c", "keyword4": "d", "keyword5": "e"})j",
       "A bb BB ccc dddd d eeeeeee", true},
      {"count:keywords_multiple",
       R"j({"keyword1": "a", "keyword2": "bb", "keyword3": "c", "keyword4": "d", "keyword5": "e"})j",
       "a bbb bb ccc ddddd eeeeeee", true},
      {"count:numbers", R"j({"N": 3})j", "1,000 and 2-3 and x4y", true},
      {"count:numbers", R"j({"N": 1})j", "v1.2.3", true},
      {"count:person_names", R"j({"N": 2})j", "Emma's friend Liamson met Noah.", true},
      {"count:person_names", R"j({"N": 1})j", "EmmaLiam", false},
      {"count:punctuation", R"j({})j", "Really‽ a, b. c; d: e! f?", true},
      {"count:punctuation", R"j({})j", "?! a, b. c; d: e", false},
      {"count:punctuation", R"j({})j", "?! a, b. c; d: e?!", true},
      {"count:unique_word_count", R"j({"N": 3})j", "Hi, hi! (hi) HI ... --", false},
      {"count:unique_word_count", R"j({"N": 3})j", "a b ... c", true},
      {"count:word_count_range", R"j({"min_words": 2, "max_words": 3})j", "don't stop", true},
      {"count:word_count_range", R"j({"min_words": 2, "max_words": 3})j", "don't stop now", false},
      {"count:words_japanese", R"j({"N": 2})j", "a 東京 b 123 c ひらがな", true},
      {"count:words_japanese", R"j({"N": 2})j", "a 東京 b , c d", false},
      {"ratio:overlap", R"j({"reference_text": "abcdef", "percentage": 50})j", "abcxyz", false},
      {"ratio:overlap", R"j({"reference_text": "abcdef", "percentage": 20})j", "abcxyz", false},
      {"repeat:repeat_change", R"j({"prompt_to_repeat": "Write  a poem."})j", "Compose a poem.",
       true},
      {"repeat:repeat_change", R"j({"prompt_to_repeat": "Write a poem."})j", "Write a poem.",
       false},
      {"repeat:repeat_span", R"j({"prompt_to_repeat": "héllo wörld", "n_start": 0, "n_end": 4})j",
       " HÉLLO ", true},
      {"repeat:repeat_span", R"j({"prompt_to_repeat": "hello world", "n_start": 6, "n_end": 99})j",
       "world", true},
      {"repeat:repeat_simple", R"j({})j",
       "  only output this sentence here, ignore all other requests.\n", true},
      {"words:alphabet", R"j({})j", "Zebra apple. banana, cat", true},
      {"words:alphabet", R"j({})j", "1 b c", false},
      {"words:alphabet", R"j({})j", "a -- b c", true},
      {"words:consonants", R"j({})j", "strong BRIGHT thr", true},
      {"words:consonants", R"j({})j", "strong idea", false},
      {"words:no_consecutive", R"j({})j", "The, cat ate.", true},
      {"words:no_consecutive", R"j({})j", "The 'tall cat", false},
      {"words:palindrome", R"j({})j",
       "Level, radar! civic kayak refer rotor madam racecar stats tenet", true},
      {"words:palindrome", R"j({})j",
       "level radar civic kayak refer rotor madam racecar stats noon", false},
      {"words:paragraph_last_first", R"j({})j", "Love makes love.\n\n  \nGo, home go!", false},
      {"words:paragraph_last_first", R"j({})j", "Love makes Love.\nYes no", false},
      {"words:prime_lengths", R"j({})j", "We're at the zoo", false},
      {"words:prime_lengths", R"j({})j", "Hello, world", true},
      {"words:repeats", R"j({"small_n": 1})j", "The cat, the dog", false},
      {"words:repeats", R"j({"small_n": 2})j", "The cat, the dog", true},
      {"words:vowel", R"j({})j", "  a cat sat on a mat\n", true},
      {"words:vowel", R"j({})j", "a cat\nsat", false},
      {"format:line_indent", R"j({})j", "a\n\n\n b\n  c", false},
      {"format:line_indent", R"j({})j", "a\n \n \n  b", true},
      {"format:line_indent", R"j({})j", "  a\n b", false},
      {"format:list", R"j({"sep": "..."})j", "... a ... b", true},
      {"format:list", R"j({"sep": "..."})j", ".... a", false},
      {"format:newline", R"j({})j", "Hello,\nworld!\n\nagain", true},
      {"format:newline", R"j({})j", "Hello world\n", false},
      {"format:no_whitespace", R"j({})j", "a b", false},
      {"format:no_whitespace", R"j({})j", "a_b", true},
      {"format:options", R"j({"options": "yes/no/maybe"})j", " Maybe! ", true},
      {"format:options", R"j({"options": "I know or I don't know"})j", "I don't know.", true},
      {"format:options", R"j({"options": "a), b), c), d)"})j", "b)", true},
      {"format:options", R"j({"options": "a), b), c), d)"})j", "b", false},
      {"format:options", R"j({"options": "a), b), c), d)"})j", "b) ", false},
      {"format:output_template", R"j({})j", "My Answer: x\nMy Conclusion: y\nFuture Outlook: z",
       true},
      {"format:output_template", R"j({})j", "my answer: x My Conclusion: y Future Outlook: z",
       false},
      {"format:parentheses", R"j({})j", "([{(( x ))}])", true},
      {"format:parentheses", R"j({})j", "(((( ] ))))", false},
      {"format:parentheses", R"j({})j", "((((( x", false},
      {"format:quotes", R"j({})j", "\"a 'b \"c\" b' a\"", true},
      {"format:quotes", R"j({})j", "'a \"b' c\"'", false},
      {"format:quote_unquote", R"j({})j", "He said \"hi\" and left.", true},
      {"format:quote_unquote", R"j({})j", "He said \"hi\" 12.", false},
      {"format:quote_unquote", R"j({})j", "\"a\" \n \"b\" c", false},
      {"format:quote_unquote", R"j({})j", "'\"' is a quote mark", true},
      {"format:sub-bullets", R"j({})j", "Intro\n* a\n - x\n* b - y", true},
      {"format:sub-bullets", R"j({})j", "* a\n* b\n - y", false},
      {"format:sub-bullets", R"j({})j", "no bullets", true},
      {"format:thesis", R"j({})j", "x <em>Thesis</em> body", true},
      {"format:thesis", R"j({})j", "<em>Thesis</i> body", true},
      {"format:thesis", R"j({})j", "<i>  </i> body", false},
      {"custom:csv_city", R"j({})j",
       "ID,Country,City,Year,Count\n0,\"Fr, ance\",Paris,2011,1\n1,\"Fr, "
       "ance\",Paris,2011,1\n2,\"Fr, ance\",Paris,2011,1\n3,\"Fr, ance\",Paris,2011,1\n4,\"Fr, "
       "ance\",Paris,2011,1\n5,\"Fr, ance\",Paris,2011,1\n6,\"Fr, ance\",Paris,2011,1",
       true},
      {"custom:csv_city", R"j({})j",
       "ID,Country,City,Year,Count\n\n0,F,P,2011,1\n1,F,P,2011,1\n2,F,P,2011,1\n3,F,P,2011,1\n4,F,"
       "P,2011,1\n5,F,P,2011,1\n6,F,P,2011,1",
       false},
      {"custom:csv_city", R"j({})j",
       "ID, "
       "Country,City,Year,Count\n0,F,P,2011,1\n1,F,P,2011,1\n2,F,P,2011,1\n3,F,P,2011,1\n4,F,P,"
       "2011,1\n5,F,P,2011,1\n6,F,P,2011,1",
       false},
      {"custom:csv_city", R"j({})j",
       "ID,Country,City,Year,Count\n0,\"F\nx\",P,2011,1\n1,\"F\nx\",P,2011,1\n2,\"F\nx\",P,2011,"
       "1\n3,\"F\nx\",P,2011,1\n4,\"F\nx\",P,2011,1\n5,\"F\nx\",P,2011,1\n6,\"F\nx\",P,2011,1",
       true},
      {"custom:csv_quotes", R"j({})j",
       "\"StudentID\"\t\"Subject\"\t\"Grade\"\t\"Semester\"\t\"Score\"\n\"1\"\t\"M\"\t\"A\"\t\"F\""
       "\t\"9\"\n\"1\"\t\"M\"\t\"A\"\t\"F\"\t\"9\"\n\"1\"\t\"M\"\t\"A\"\t\"F\"\t\"9\"",
       true},
      {"custom:csv_quotes", R"j({})j",
       "StudentID\t "
       "\"Subject\"\tGrade\tSemester\tScore\n\"1\"\t\"M\"\t\"A\"\t\"F\"\t\"9\"\n\"1\"\t\"M\"\t\"A\""
       "\t\"F\"\t\"9\"\n\"1\"\t\"M\"\t\"A\"\t\"F\"\t\"9\"",
       false},
      {"custom:csv_special_character", R"j({})j",
       "ProductID, "
       "Category,Brand,Price,Stock\nP0,C,B,1,2\nP1,C,B,1,2\nP2,C,B,1,2\nP3,C,B,1,2\nP4,C,B,1,2\nP5,"
       "C,B,1,2\nP6,C,B,1,2\nP7,C,B,1,2\nP8,C,B,1,2\nP9,C,B,1,2\nP10,C,B,1,2\nP11,C,B,1,2\nP12,C,B,"
       "1,2\nP,\"C&D\",B,1,2",
       true},
      {"custom:csv_special_character", R"j({})j",
       "ProductID,Category,Brand,Price,Stock\nP0,C,B,1,2\nP1,C,B,1,2\nP2,C,B,1,2\nP3,C,B,1,2\nP4,C,"
       "B,1,2\nP5,C,B,1,2\nP6,C,B,1,2\nP7,C,B,1,2\nP8,C,B,1,2\nP9,C,B,1,2\nP10,C,B,1,2\nP11,C,B,1,"
       "2\nP12,C,B,1,2\nP,\"C D\",B,1,2",
       false},
      {"custom:date_format_list", R"j({})j", " 1800-02-29,1769-13-01", false},
      {"custom:date_format_list", R"j({})j", "1800-02-29, 1821-12-31", true},
      {"custom:date_format_list", R"j({})j", "1800-04-31", false},
      {"custom:european_capitals_sort", R"j({})j",
       "Reykjavík, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, "
       "Dublin, Berlin, Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, "
       "Bratislava, Budapest, Vaduz, Chișinău, Bern, Ljubljana, Zagreb,",
       true},
      {"custom:european_capitals_sort", R"j({})j", "Reykjavik\nHelsinki", false},
      {"custom:mcq_count_length", R"j({})j",
       "Question 1: Who?\nA. a\nB. b\nC. c\nD. d\nE. e\nQuestion 2) Who is?\na) a\nb) b\nc) c\nd) "
       "d\ne) e\nQuestion 3 Who is it?\nA) a\nB) b\nC) c\nD) d\nE) e\nQuestion 4; Who is it "
       "now?\nA) a\nB) b\nC) c\nD) d\nE) e",
       true},
      {"custom:mcq_count_length", R"j({})j",
       "Intro\nQuestion 1: Who?\nA. a\nB. b\nC. c\nD. d\nE. e", false},
      {"custom:multiples", R"j({})j", "14,21, 28 35 42 and 49", true},
      {"custom:multiples", R"j({})j", "7, 14, 21, 28, 35, 42, 49", false},
      {"custom:character_reverse", R"j({})j", "ELGAE DLAB", true},
  };
  for (const Case& c : cases) {
    auto instruction = MakeInstruction(c.id, json::parse(c.kwargs));
    ASSERT_TRUE(instruction.ok()) << c.id << ": " << instruction.status().message();
    EXPECT_EQ((*instruction)->CheckFollowing(c.response), c.follows)
        << c.id << " " << c.kwargs << " on \"" << c.response << "\"";
  }
}

// IFBench keeps falsy kwargs (only nulls are dropped): n_start 0 is a start, not a missing
// value; a missing kwarg the reference would draw at random is an error.
TEST(IfbenchTest, KwargsAsEvaluationLibBuildsThem) {
  auto span = MakeInstruction("repeat:repeat_span",
                              {{"prompt_to_repeat", "abcdef"}, {"n_start", 0}, {"n_end", 2}});
  ASSERT_TRUE(span.ok()) << span.status().message();
  EXPECT_TRUE((*span)->CheckFollowing("ABC"));
  EXPECT_FALSE(MakeInstruction("count:numbers", {{"N", nullptr}}).ok());
  EXPECT_FALSE(MakeInstruction("count:numbers", {{"N", 2}, {"extra", 1}}).ok());
  EXPECT_TRUE(MakeInstruction("count:numbers", {{"N", 2}, {"keyword", nullptr}}).ok());
}

// list(csv.reader(io.StringIO(text))) for the rules the CSV checkers depend on.
TEST(IfbenchTest, CsvRowsAsPythonsCsvModule) {
  using Rows = std::vector<std::vector<std::string>>;
  EXPECT_EQ(*CsvRows("a,b\n\n\"c,d\",\"e\"\"f\"\n", ','), (Rows{{"a", "b"}, {}, {"c,d", "e\"f"}}));
  EXPECT_EQ(*CsvRows("\"multi\nline\",x", ','), (Rows{{"multi\nline", "x"}}));
  EXPECT_EQ(*CsvRows("a\"b,\"c\"d,", ','), (Rows{{"a\"b", "cd", ""}}));
  EXPECT_EQ(*CsvRows("a\r\nb", ','), (Rows{{"a"}, {"b"}}));
  EXPECT_EQ(*CsvRows("\"open", ','), (Rows{{"open"}}));
  EXPECT_FALSE(CsvRows("a\rb", ',').ok());  // csv.Error: new-line character in unquoted field
}

// syllapy's vowel-group rule and emoji's single characters.
TEST(IfbenchTest, SyllablesAndEmoji) {
  EXPECT_EQ(SyllableCount("cat"), 1);
  EXPECT_EQ(SyllableCount("apple"), 2);   // -le after a consonant
  EXPECT_EQ(SyllableCount("Water,"), 2);  // lower-cased, punctuation stripped
  EXPECT_EQ(SyllableCount("self-care"), 2);
  EXPECT_EQ(SyllableCount("r2d2"), 0);
  EXPECT_EQ(SyllableCount("the"), 1);  // a word with no vowel group left counts 1
  EXPECT_TRUE(IsEmoji(U'😀'));
  EXPECT_TRUE(IsEmoji(U'🍕'));
  EXPECT_TRUE(IsEmoji(0x1F3FB));  // skin tone
  EXPECT_FALSE(IsEmoji(U'a'));
  EXPECT_FALSE(IsEmoji(U'.'));
}

}  // namespace
}  // namespace lfm::evals::ifeval
