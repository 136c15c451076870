// Sentence and word tokenization against NLTK 3.8's outputs for the same text (its documented
// examples and the cases IFEval responses hit: abbreviations, initials, numbers, quotes).
#include "evals/scoring/ifeval/punkt.h"

#include <gtest/gtest.h>

#include "evals/scoring/ifeval/word_tokenize.h"

namespace lfm::evals::ifeval {
namespace {

using Strings = std::vector<std::string>;

TEST(PunktTest, NltkDocstringExample) {
  // punkt.py's module docstring: three sentences, "Mr." and "S." are not boundaries.
  const std::string text =
      "Punkt knows that the periods in Mr. Smith and Johann S. Bach\ndo not mark sentence "
      "boundaries.  And sometimes sentences\ncan start with non-capitalized words.  i is a good "
      "variable\nname.";
  EXPECT_EQ(SentTokenize(text),
            (Strings{"Punkt knows that the periods in Mr. Smith and Johann S. Bach\ndo not mark "
                     "sentence boundaries.",
                     "And sometimes sentences\ncan start with non-capitalized words.",
                     "i is a good variable\nname."}));
}

TEST(PunktTest, RealignsClosingQuotesAndBrackets) {
  // From the same docstring: closing punctuation after ?, ! or . stays with its sentence.
  EXPECT_EQ(SentTokenize("(How does it deal with this parenthesis?)  \"It should be part of the "
                         "previous sentence.\" \"(And the same with this one.)\""),
            (Strings{"(How does it deal with this parenthesis?)",
                     "\"It should be part of the previous sentence.\"",
                     "\"(And the same with this one.)\""}));
}

TEST(PunktTest, Counts) {
  EXPECT_EQ(CountSentences("It rained. We stayed in."), 2u);
  EXPECT_EQ(CountSentences("Mrs. Brown visited St. Louis in Jan. last year."), 1u);
  EXPECT_EQ(CountSentences("Wow! Really? Yes."), 3u);
  EXPECT_EQ(CountSentences("It costs 5. then we go."), 1u);  // number before a lower-case word
  EXPECT_EQ(CountSentences("We met in 2020. The rest is history."), 2u);
  EXPECT_EQ(CountSentences("Wait... what happened"), 1u);
  EXPECT_EQ(CountSentences("No period at the end"), 1u);
  EXPECT_EQ(CountSentences("   "), 0u);
  EXPECT_EQ(CountSentences(""), 0u);
  EXPECT_EQ(CountSentences("e.g. this one. And that."), 2u);
}

TEST(WordTokenizeTest, NltkDocstringExample) {
  // nltk.word_tokenize's documented example.
  EXPECT_EQ(WordTokenize("Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them."
                         "\n\nThanks."),
            (Strings{"Good", "muffins", "cost", "$", "3.88", "in", "New", "York", ".", "Please",
                     "buy", "me", "two", "of", "them", ".", "Thanks", "."}));
}

TEST(WordTokenizeTest, ContractionsQuotesAndBrackets) {
  EXPECT_EQ(WordTokenize("I can't go, DON'T ask."),
            (Strings{"I", "ca", "n't", "go", ",", "DO", "N'T", "ask", "."}));
  EXPECT_EQ(WordTokenize("The FBI's (new) \"rule\""),
            (Strings{"The", "FBI", "'s", "(", "new", ")", "``", "rule", "''"}));
  EXPECT_EQ(WordTokenize("cannot"), (Strings{"can", "not"}));
}

}  // namespace
}  // namespace lfm::evals::ifeval
