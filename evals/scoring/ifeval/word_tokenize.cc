#include "evals/scoring/ifeval/word_tokenize.h"

#include <utility>

#include "evals/scoring/ifeval/punkt.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

using Rule = std::pair<PyRegex, std::string>;

std::vector<Rule> Compile(const std::vector<std::pair<const char*, const char*>>& specs) {
  std::vector<Rule> rules;
  for (const auto& [pattern, replacement] : specs) {
    rules.emplace_back(MustCompile(pattern), replacement);
  }
  return rules;
}

// NLTKWordTokenizer's rule groups in the order tokenize() applies them.
struct Rules {
  std::vector<Rule> starting_quotes = Compile({
      {"([«“‘„]|[`]+)", " \\1 "},
      {"^\"", "``"},
      {"(``)", " \\1 "},
      {"([ \\(\\[{<])(\"|'{2})", "\\1 `` "},
      {"(?i)(')(?!re|ve|ll|m|t|s|d|n)(\\w)\\b", "\\1 \\2"},
  });
  std::vector<Rule> punctuation = Compile({
      {"([^\\.])(\\.)([\\]\\)}>\"'»”’ ]*)\\s*$", "\\1 \\2 \\3 "},
      {"([:,])([^\\d])", " \\1 \\2"},
      {"([:,])$", " \\1 "},
      {"\\.{2,}", " \\g<0> "},
      {"[;@#$%&]", " \\g<0> "},
      {"([^\\.])(\\.)([\\]\\)}>\"']*)\\s*$", "\\1 \\2\\3 "},
      {"[?!]", " \\g<0> "},
      {"([^'])' ", "\\1 ' "},
      {"[*]", " \\g<0> "},
  });
  std::vector<Rule> brackets_and_dashes = Compile({
      {"[\\]\\[\\(\\)\\{\\}\\<\\>]", " \\g<0> "},
      {"--", " -- "},
  });
  std::vector<Rule> ending_quotes = Compile({
      {"([»”’])", " \\1 "},
      {"''", " '' "},
      {"\"", " '' "},
      {"([^' ])('[sS]|'[mM]|'[dD]|') ", "\\1 \\2 "},
      {"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "\\1 \\2 "},
  });
  std::vector<Rule> contractions = Compile({
      {"(?i)\\b(can)(?#X)(not)\\b", " \\1 \\2 "},
      {"(?i)\\b(d)(?#X)('ye)\\b", " \\1 \\2 "},
      {"(?i)\\b(gim)(?#X)(me)\\b", " \\1 \\2 "},
      {"(?i)\\b(gon)(?#X)(na)\\b", " \\1 \\2 "},
      {"(?i)\\b(got)(?#X)(ta)\\b", " \\1 \\2 "},
      {"(?i)\\b(lem)(?#X)(me)\\b", " \\1 \\2 "},
      {"(?i)\\b(more)(?#X)('n)\\b", " \\1 \\2 "},
      {"(?i)\\b(wan)(?#X)(na)(?=\\s)", " \\1 \\2 "},
      {"(?i) ('t)(?#X)(is)\\b", " \\1 \\2 "},
      {"(?i) ('t)(?#X)(was)\\b", " \\1 \\2 "},
  });
};

const Rules& TheRules() {
  static const Rules* rules = new Rules();
  return *rules;
}

std::string Apply(const std::vector<Rule>& rules, std::string text) {
  for (const auto& [regex, replacement] : rules) text = regex.Sub(text, replacement);
  return text;
}

std::vector<std::string> TokenizeSentence(std::string_view sentence) {
  const Rules& rules = TheRules();
  std::string text = Apply(rules.starting_quotes, std::string(sentence));
  text = Apply(rules.punctuation, std::move(text));
  text = Apply(rules.brackets_and_dashes, std::move(text));
  text = " " + text + " ";
  text = Apply(rules.ending_quotes, std::move(text));
  text = Apply(rules.contractions, std::move(text));
  return PySplitWhitespace(text);
}

}  // namespace

std::vector<std::string> WordTokenize(std::string_view text) {
  std::vector<std::string> tokens;
  for (const auto& sentence : SentTokenize(text)) {
    for (auto& token : TokenizeSentence(sentence)) tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace lfm::evals::ifeval
