// Multi-IF's own copy of the IFEval checkers (facebookresearch/Multi-IF ifeval.py) differs from
// lm-eval's in two: length_constraints:number_words and length_constraints:number_sentences
// first run langdetect on the response (langdetect.detect, no seed set: this port uses seed 0;
// a detection error means "en") and then count by the detected language:
//   words:     "zh-cn", "zh-tw", "ja": count_words_chinese_japanese — strip its list of Latin and
//              CJK punctuation, count emoji, then every Han / kana / Hangul character is one word
//              and each remaining whitespace-separated run one more; otherwise RegexpTokenizer(\w+)
//   sentences: "zh-cn", "zh-tw", "ja": split_chinese_japanese — per line (str.splitlines), the
//              stripped line's runs of text each ended by at most one of ! ? 。 . ！ ？ ．;
//              "hi": pieces after each । ! ? that hold a non-space; otherwise Punkt (punkt.h).
// "th" (pythainlp's dictionary word and CRF sentence tokenizers) is not ported: a reply
// langdetect calls Thai is counted as any other language is. None of the official file's
// languages (English, Chinese, French, Hindi, Italian, Portuguese, Russian, Spanish) is Thai.
// Emoji: the emoji package's list is approximated by Unicode's Extended_Pictographic property
// plus regional-indicator pairs; a sequence (modifiers, VS16, ZWJ joins, keycap) counts once.
#pragma once

#include <string>
#include <string_view>

#include "evals/scoring/ifeval/instructions_internal.h"

namespace lfm::evals::ifeval {

// count_words_chinese_japanese(text).
size_t CountWordsChineseJapanese(std::string_view text);
// len(list(split_chinese_japanese(text))).
size_t CountSentencesChineseJapanese(std::string_view text);
// count_hindi_num_sentences(text).
size_t CountSentencesHindi(std::string_view text);
// Multi-IF's word and sentence counts for `language`, a langdetect code ("en" when detection
// failed).
size_t MultiIfCountWords(std::string_view text, const std::string& language);
size_t MultiIfCountSentences(std::string_view text, const std::string& language);

// The two Multi-IF checkers, replacing IFEval's of the same ids in `registry`.
void AddMultiIfInstructions(InstructionRegistry& registry);

}  // namespace lfm::evals::ifeval
