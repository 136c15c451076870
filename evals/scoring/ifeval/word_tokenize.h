// nltk.word_tokenize (nltk 3.8): Punkt sentences (punkt.h), then NLTKWordTokenizer — the
// Treebank-style regex rewrites for quotes, punctuation, brackets, dashes and English
// contractions — on each sentence. IFEval's change_case:capital_word_frequency counts its
// all-capital tokens. It inherits punkt.h's differences (sentence ends only move the final
// period of a sentence into its own token; they never change which tokens are all capitals).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lfm::evals::ifeval {

std::vector<std::string> WordTokenize(std::string_view text);

}  // namespace lfm::evals::ifeval
