#include "evals/scoring/ifeval/multi_if_checkers.h"

#include <utf8proc.h>

#include "evals/scoring/ifeval/langdetect.h"
#include "evals/scoring/ifeval/punkt.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

using Result = StatusOr<std::unique_ptr<Instruction>>;

bool In(char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }

// _CHINESE_CHARS_PATTERN, _JAPANESE_CHARS_PATTERN, _KOREAN_CHARS_PATTERN.
bool IsChineseJapaneseKorean(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF);
}

// count_words_chinese_japanese's non_alphanumeric_patterns character class, deleted first.
constexpr std::u32string_view kStrippedPunctuation =
    U"\\.!?．/_,{}<>:;$%^&*(+\"'—！，。？、`~@#￥…（）：；《》“”()[]»〔〕-「」";

bool IsPictographic(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->boundclass ==
         UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC;
}
bool IsRegionalIndicator(char32_t c) { return c >= 0x1F1E6 && c <= 0x1F1FF; }
// What may follow an emoji inside one sequence: variation selectors, skin tones, the keycap
// mark, tag characters.
bool IsEmojiExtender(char32_t c) {
  return c == 0xFE0F || c == 0xFE0E || (c >= 0x1F3FB && c <= 0x1F3FF) || c == 0x20E3 ||
         (c >= 0xE0020 && c <= 0xE007F);
}

// The length of the emoji sequence starting at text[i], 0 when none does.
size_t EmojiLength(const std::u32string& text, size_t i) {
  const auto at = [&](size_t k) { return k < text.size() ? text[k] : 0; };
  size_t j = i;
  if (IsRegionalIndicator(at(j))) return IsRegionalIndicator(at(j + 1)) ? 2 : 1;  // a flag
  if (at(j) >= U'0' && at(j) <= U'9') {  // keycap: digit, optional VS16, U+20E3
    if (at(j + 1) == 0x20E3) return 2;
    return at(j + 1) == 0xFE0F && at(j + 2) == 0x20E3 ? 3 : 0;
  }
  if (!IsPictographic(at(j))) return 0;
  for (;;) {
    ++j;
    while (IsEmojiExtender(at(j))) ++j;
    if (at(j) != 0x200D || !IsPictographic(at(j + 1))) return j - i;  // ZWJ joins the next
    ++j;
  }
}

// Python's str.splitlines() line boundaries ("\r\n" is one).
bool IsLineBoundary(char32_t c) { return In(c, U"\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"); }

std::vector<std::u32string> SplitLines(const std::u32string& text) {
  std::vector<std::u32string> lines;
  std::u32string line;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsLineBoundary(text[i])) {
      line.push_back(text[i]);
      continue;
    }
    if (text[i] == U'\r' && i + 1 < text.size() && text[i + 1] == U'\n') ++i;
    lines.push_back(std::move(line));
    line.clear();
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

bool IsChineseJapanese(const std::string& language) {
  return language == "zh-cn" || language == "zh-tw" || language == "ja";
}

// langdetect.detect(value), "en" where it raises (the checkers' except branch).
std::string DetectedLanguage(const LangDetect& detector, std::string_view text) {
  return detector.Detect(text).value_or("en");
}

}  // namespace

size_t CountWordsChineseJapanese(std::string_view text) {
  std::u32string kept;
  size_t emoji = 0;
  for (char32_t c : DecodeUtf8(text)) {
    if (!In(c, kStrippedPunctuation)) kept.push_back(c);
  }
  std::u32string rest;  // emoji removed, CJK characters replaced by a space
  size_t cjk = 0;
  for (size_t i = 0; i < kept.size();) {
    if (const size_t n = EmojiLength(kept, i); n > 0) {
      ++emoji;
      i += n;
      continue;
    }
    const bool is_cjk = IsChineseJapaneseKorean(kept[i]);
    cjk += is_cjk;
    rest.push_back(is_cjk ? U' ' : kept[i]);
    ++i;
  }
  return PySplitWhitespace(EncodeUtf8(rest)).size() + cjk + emoji;
}

size_t CountSentencesChineseJapanese(std::string_view text) {
  // re.findall(r"[^!?。\.\!\?\！\？\．\n]+[!?。\.\!\?\！\？\．\n]?", line.strip()): one match
  // per run of non-terminators.
  constexpr std::u32string_view kEnds = U"!?。.！？．\n";
  size_t count = 0;
  for (const std::u32string& line : SplitLines(DecodeUtf8(text))) {
    bool in_run = false;
    for (char32_t c : DecodeUtf8(PyStrip(EncodeUtf8(line)))) {
      const bool is_end = In(c, kEnds);
      count += !is_end && !in_run;
      in_run = !is_end;
    }
  }
  return count;
}

size_t CountSentencesHindi(std::string_view text) {
  // re.split(r'(?<=[।!?])\s*', text), then the pieces with a non-space character.
  size_t count = 0;
  bool piece_has_text = false;
  for (char32_t c : DecodeUtf8(text)) {
    piece_has_text = piece_has_text || !PyIsSpace(c);
    if (In(c, U"।!?")) {
      count += piece_has_text;
      piece_has_text = false;
    }
  }
  return count + piece_has_text;
}

size_t MultiIfCountWords(std::string_view text, const std::string& language) {
  if (IsChineseJapanese(language)) return CountWordsChineseJapanese(text);
  static const PyRegex word = MustCompile("\\w+");  // RegexpTokenizer(r"\w+")
  return word.FindAll(text).size();
}

size_t MultiIfCountSentences(std::string_view text, const std::string& language) {
  if (language == "hi") return CountSentencesHindi(text);
  if (IsChineseJapanese(language)) return CountSentencesChineseJapanese(text);
  return CountSentences(text);
}

void AddMultiIfInstructions(InstructionRegistry& registry) {
  registry["length_constraints:number_words"] = [](const Kwargs& kwargs) -> Result {
    LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_words", "relation"}));
    LFM_ASSIGN_OR_RETURN(double threshold, kwargs.Number("num_words"));
    LFM_ASSIGN_OR_RETURN(Relation relation, ParseRelation(kwargs, "relation"));
    LFM_ASSIGN_OR_RETURN(const LangDetect* detector, LangDetect::Default());
    return Check([=](std::string_view value) {
      const size_t words = MultiIfCountWords(value, DetectedLanguage(*detector, value));
      return Compare(static_cast<double>(words), relation, threshold);
    });
  };
  registry["length_constraints:number_sentences"] = [](const Kwargs& kwargs) -> Result {
    LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_sentences", "relation"}));
    LFM_ASSIGN_OR_RETURN(double threshold, kwargs.Number("num_sentences"));
    LFM_ASSIGN_OR_RETURN(Relation relation, ParseRelation(kwargs, "relation"));
    LFM_ASSIGN_OR_RETURN(const LangDetect* detector, LangDetect::Default());
    return Check([=](std::string_view value) {
      const size_t sentences = MultiIfCountSentences(value, DetectedLanguage(*detector, value));
      return Compare(static_cast<double>(sentences), relation, threshold);
    });
  };
}

}  // namespace lfm::evals::ifeval
