// What IFBench's checkers (allenai/IFBench db69a6f, ifbench/instructions.py) take from Python's
// standard library and from their third-party packages, for the two checker files:
// string.punctuation handling, the csv module's reader, NFKD-to-ASCII folding, and the parts of
// syllapy, emoji, NLTK's English stop words and NLTK's POS tagger the checks use. Where a
// package's data is not available here the substitute and its difference are stated below.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lfm::evals::ifeval {

// string.punctuation.
inline constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
// ''.join(string.punctuation) + ' ', the strip set the checkers use most.
inline constexpr std::string_view kPunctuationSpace = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ";

// text.translate(str.maketrans('', '', string.punctuation)).
std::string RemovePunctuation(std::string_view text);

// list(csv.reader(io.StringIO(text), delimiter=delimiter)) with the excel dialect (quote '"',
// doubled quotes, lines split after '\n', a blank line giving an empty row). Fails where the
// csv module raises csv.Error (a '\r' followed by more text on the same line).
StatusOr<std::vector<std::vector<std::string>>> CsvRows(std::string_view text, char delimiter);

// unicodedata.normalize('NFKD', text).encode('ASCII', 'ignore').decode('ASCII').
std::string AsciiFold(std::string_view text);

// syllapy.count(word) (syllapy 0.7.2) without its 6,391-word exception list (data.csv, not
// packaged for Debian): strip, lower, strip punctuation, 0 for an empty word or one with a
// digit, hyphenated compounds as the sum of their parts, then syllapy's vowel-group rule. Words
// whose listed count differs from the rule are counted by the rule here.
int SyllableCount(std::string_view word);

// emoji.is_emoji(c) for one character (emoji 2.14): here, the Unicode Extended_Pictographic
// property (utf8proc) plus the skin-tone modifiers, which the emoji package also lists.
// Unassigned Extended_Pictographic code points (which the package does not list) differ.
bool IsEmoji(char32_t c);

// `lower_word in nltk.corpus.stopwords.words('english')` for a \w+ token (no apostrophes:
// the list's contractions can never match one).
bool IsEnglishStopWord(std::string_view lower_word);

// 'VB' in nltk.pos_tag([first, ...])[0][1], approximated: NLTK's averaged-perceptron tagger
// model (nltk_data) is not available, so the first token counts as a verb when its lower-case
// form is a common English verb (base form, -s, -ed or -ing form) that is not also a common
// determiner, pronoun or noun start. This is the one IFBench checker that is not exact.
bool StartsWithVerb(const std::vector<std::string>& tokens);

}  // namespace lfm::evals::ifeval
