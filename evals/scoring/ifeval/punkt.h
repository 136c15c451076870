// English sentence splitting in the manner of NLTK's Punkt tokenizer (Kiss & Strunk 2006, as in
// nltk 3.8 `nltk.tokenize.punkt`), which IFEval's length_constraints:number_sentences counts
// with and nltk.word_tokenize runs first. The algorithm — period-context matching, the word
// tokenizer, first-pass annotation, the collocation / orthographic / initial / number
// heuristics of the second pass, boundary realignment — follows nltk. The trained English
// parameters (nltk's english.pickle) are not available here, so they are replaced:
//  - abbreviations: a fixed list of common English abbreviations (titles, months, Latin, units,
//    US states, corporate suffixes) instead of the ~150 learned types;
//  - orthographic context: common lower-case English words are taken to occur lower case
//    mid-sentence and capitalised at sentence starts; every other word has no recorded context;
//  - no collocations, no separate frequent-sentence-starter list.
// So results can differ from NLTK only after a period that ends an abbreviation, an initial,
// a number or an ellipsis, when the abbreviation list or the word's recorded context differ
// from the trained model (e.g. an abbreviation the model learned that is not listed here).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lfm::evals::ifeval {

// The sentences of `text` (nltk's PunktSentenceTokenizer.tokenize with realign_boundaries).
std::vector<std::string> SentTokenize(std::string_view text);
// len(SentTokenize(text)).
size_t CountSentences(std::string_view text);

}  // namespace lfm::evals::ifeval
