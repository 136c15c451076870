// Language identification for IFEval's language:response_language and change_case:english_*
// checks. The official checker calls langdetect 1.0.9 (a Java-port n-gram model); the
// well-kept Debian substitute used here is Google's CLD2 (libcld2). Both report ISO 639-1 codes;
// CLD2's few differing codes are mapped to langdetect's (iw -> he, zh -> zh-cn,
// zh-Hant -> zh-tw). Where results can differ: very short or mixed-language responses (the two
// models can name different languages, and CLD2 may answer "unknown" where langdetect always
// names one), and langdetect's randomised sampling, which can flip between close languages
// from run to run. langdetect raises (and IFEval then counts the instruction as followed) when
// the text has no letters at all; that case is reproduced exactly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lfm::evals::ifeval {

// The detected language code ("en", "it", "he" ...; "un" when CLD2 cannot tell), or nullopt
// when langdetect would raise LangDetectException (no letter in the text).
std::optional<std::string> DetectLanguage(std::string_view text);

}  // namespace lfm::evals::ifeval
