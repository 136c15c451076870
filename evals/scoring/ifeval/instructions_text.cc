// IFEval checkers about words, letters, sentences, language and case: keywords:*, language:*,
// length_constraints:*, punctuation:no_comma, change_case:*. Each mirrors the official
// check_following line by line; comments name the Python expression where it is not obvious.
#include <map>

#include "evals/scoring/ifeval/instructions_internal.h"
#include "evals/scoring/ifeval/langdetect.h"
#include "evals/scoring/ifeval/punkt.h"
#include "evals/scoring/ifeval/word_tokenize.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

using Result = StatusOr<std::unique_ptr<Instruction>>;

// re.compile(pattern, flags) for a pattern built from kwargs, with the instruction in the error.
StatusOr<std::shared_ptr<const PyRegex>> KwargRegex(const Kwargs& kwargs,
                                                    const std::string& pattern, unsigned flags) {
  auto regex = PyRegex::Compile(pattern, flags);
  if (!regex.ok()) return regex.status().WithPrefix("instruction '" + kwargs.id() + "'");
  return std::make_shared<const PyRegex>(std::move(*regex));
}

Result KeywordsExistence(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"keywords"}));
  LFM_ASSIGN_OR_RETURN(auto keywords, kwargs.StringList("keywords"));
  std::vector<std::shared_ptr<const PyRegex>> regexes;
  for (const auto& keyword : keywords) {  // re.search(keyword, value, flags=re.IGNORECASE)
    LFM_ASSIGN_OR_RETURN(auto regex, KwargRegex(kwargs, keyword, PyRegex::kIgnoreCase));
    regexes.push_back(std::move(regex));
  }
  return Check([regexes](std::string_view value) {
    for (const auto& regex : regexes) {
      if (!regex->Search(value)) return false;
    }
    return true;
  });
}

Result KeywordsFrequency(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"keyword", "frequency", "relation"}));
  LFM_ASSIGN_OR_RETURN(std::string keyword, kwargs.String("keyword"));
  LFM_ASSIGN_OR_RETURN(double frequency, kwargs.Number("frequency"));
  LFM_ASSIGN_OR_RETURN(Relation relation, ParseRelation(kwargs, "relation"));
  // len(re.findall(keyword.strip(), value, flags=re.IGNORECASE))
  LFM_ASSIGN_OR_RETURN(auto regex, KwargRegex(kwargs, PyStrip(keyword), PyRegex::kIgnoreCase));
  return Check([=](std::string_view value) {
    return Compare(static_cast<double>(regex->FindAll(value).size()), relation, frequency);
  });
}

Result KeywordsForbiddenWords(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"forbidden_words"}));
  LFM_ASSIGN_OR_RETURN(auto words, kwargs.StringList("forbidden_words"));
  std::vector<std::shared_ptr<const PyRegex>> regexes;
  for (const auto& word : words) {  // re.search(r"\b" + word + r"\b", value, re.IGNORECASE)
    LFM_ASSIGN_OR_RETURN(auto regex,
                         KwargRegex(kwargs, "\\b" + word + "\\b", PyRegex::kIgnoreCase));
    regexes.push_back(std::move(regex));
  }
  return Check([regexes](std::string_view value) {
    for (const auto& regex : regexes) {
      if (regex->Search(value)) return false;
    }
    return true;
  });
}

Result KeywordsLetterFrequency(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"letter", "let_frequency", "let_relation"}));
  LFM_ASSIGN_OR_RETURN(std::string letter, kwargs.String("letter"));
  LFM_ASSIGN_OR_RETURN(double frequency, kwargs.Number("let_frequency"));
  LFM_ASSIGN_OR_RETURN(Relation relation, ParseRelation(kwargs, "let_relation"));
  // build_description draws a random letter unless `letter` is one ASCII letter, which makes
  // the official verdict random for the two IFEval prompts that ask for '#' (key 1122) and '!'
  // (key 1129). Counting the requested character itself is the deterministic reading used here.
  const std::u32string chars = DecodeUtf8(PyLower(letter));
  if (chars.size() != 1) {
    return Error(StatusCode::kInvalidArgument,
                 "instruction '{}': kwarg 'letter' must be one character, got '{}' (the "
                 "official checker would pick a random letter)",
                 kwargs.id(), letter);
  }
  const char32_t target = chars[0];
  return Check([=](std::string_view value) {  // collections.Counter(value.lower())[letter]
    size_t count = 0;
    for (char32_t c : DecodeUtf8(PyLower(value))) count += c == target;
    return Compare(static_cast<double>(count), relation, frequency);
  });
}

// The process-wide langdetect port, with the instruction in its error.
StatusOr<const LangDetect*> Detector(const Kwargs& kwargs) {
  auto detector = LangDetect::Default();
  if (!detector.ok()) return detector.status().WithPrefix("instruction '" + kwargs.id() + "'");
  return detector;
}

Result ResponseLanguage(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"language"}));
  LFM_ASSIGN_OR_RETURN(std::string language, kwargs.String("language"));
  LFM_ASSIGN_OR_RETURN(const LangDetect* detector, Detector(kwargs));
  return Check([=](std::string_view value) {
    const auto detected = detector->Detect(value);
    return !detected || *detected == language;  // LangDetectException counts as followed
  });
}

Result NumberSentences(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_sentences", "relation"}));
  LFM_ASSIGN_OR_RETURN(double threshold, kwargs.Number("num_sentences"));
  LFM_ASSIGN_OR_RETURN(Relation relation, ParseRelation(kwargs, "relation"));
  return Check([=](std::string_view value) {
    return Compare(static_cast<double>(CountSentences(value)), relation, threshold);
  });
}

Result NumberParagraphs(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_paragraphs"}));
  LFM_ASSIGN_OR_RETURN(double expected, kwargs.Number("num_paragraphs"));
  static const PyRegex divider = MustCompile("\\s?\\*\\*\\*\\s?");
  return Check([=](std::string_view value) {
    const auto paragraphs = divider.Split(value);
    double count = static_cast<double>(paragraphs.size());
    for (size_t i = 0; i < paragraphs.size(); ++i) {
      if (!PyStrip(paragraphs[i]).empty()) continue;
      if (i == 0 || i + 1 == paragraphs.size()) {
        count -= 1;
      } else {
        return false;  // an empty paragraph between two dividers
      }
    }
    return count == expected;
  });
}

Result NumberWords(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_words", "relation"}));
  LFM_ASSIGN_OR_RETURN(double threshold, kwargs.Number("num_words"));
  LFM_ASSIGN_OR_RETURN(Relation relation, ParseRelation(kwargs, "relation"));
  static const PyRegex word = MustCompile("\\w+");  // RegexpTokenizer
  return Check([=](std::string_view value) {
    return Compare(static_cast<double>(word.FindAll(value).size()), relation, threshold);
  });
}

Result NthParagraphFirstWord(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"num_paragraphs", "nth_paragraph", "first_word"}));
  LFM_ASSIGN_OR_RETURN(double num_paragraphs, kwargs.Number("num_paragraphs"));
  LFM_ASSIGN_OR_RETURN(double nth, kwargs.Number("nth_paragraph", 1));
  LFM_ASSIGN_OR_RETURN(std::string first_word, kwargs.String("first_word"));
  if (nth > num_paragraphs) {
    return Error(StatusCode::kInvalidArgument,
                 "instruction '{}': nth_paragraph {} exceeds num_paragraphs {} (the official "
                 "checker would pick a random paragraph)",
                 kwargs.id(), nth, num_paragraphs);
  }
  first_word = PyLower(first_word);
  return Check([=](std::string_view value) {
    const auto paragraphs = PySplit(value, "\n\n");  // re.split(r"\n\n", value)
    double count = static_cast<double>(paragraphs.size());
    for (const auto& paragraph : paragraphs) count -= PyStrip(paragraph).empty();
    if (nth > count) return false;
    const std::string paragraph = PyStrip(paragraphs[static_cast<size_t>(nth) - 1]);
    if (paragraph.empty()) return false;
    std::string word = PyStrip(PySplitWhitespace(paragraph).front());
    word = PyLStrip(PyLStrip(word, "'"), "\"");
    std::u32string letters;
    for (char32_t c : DecodeUtf8(word)) {
      if (std::u32string_view(U".,?!'\"").find(c) != std::u32string_view::npos) break;
      letters.push_back(c);
    }
    return count == num_paragraphs && PyLower(EncodeUtf8(letters)) == first_word;
  });
}

Result NoComma(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check([](std::string_view value) { return value.find(',') == std::string_view::npos; });
}

Result CapitalWordFrequency(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"capital_frequency", "capital_relation"}));
  LFM_ASSIGN_OR_RETURN(double frequency,
                       kwargs.Number("capital_frequency", -1e300));  // only None is replaced
  LFM_ASSIGN_OR_RETURN(Relation relation, ParseRelation(kwargs, "capital_relation"));
  return Check([=](std::string_view value) {
    size_t capital_words = 0;
    for (const auto& word : WordTokenize(value)) capital_words += PyIsUpper(word);
    return Compare(static_cast<double>(capital_words), relation, frequency);
  });
}

// `value.isupper() and langdetect.detect(value) == "en"` (islower for lowercase); when detect
// raises (no features: only reached when the case test passed) the instruction is followed.
Result EnglishCase(const Kwargs& kwargs, bool (*case_check)(std::string_view)) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  LFM_ASSIGN_OR_RETURN(const LangDetect* detector, Detector(kwargs));
  return Check([case_check, detector](std::string_view value) {
    if (!case_check(value)) return false;
    const auto detected = detector->Detect(value);
    return !detected || *detected == "en";
  });
}

}  // namespace

void AddTextInstructions(InstructionRegistry& registry) {
  registry["keywords:existence"] = KeywordsExistence;
  registry["keywords:frequency"] = KeywordsFrequency;
  registry["keywords:forbidden_words"] = KeywordsForbiddenWords;
  registry["keywords:letter_frequency"] = KeywordsLetterFrequency;
  registry["language:response_language"] = ResponseLanguage;
  registry["length_constraints:number_sentences"] = NumberSentences;
  registry["length_constraints:number_paragraphs"] = NumberParagraphs;
  registry["length_constraints:number_words"] = NumberWords;
  registry["length_constraints:nth_paragraph_first_word"] = NthParagraphFirstWord;
  registry["punctuation:no_comma"] = NoComma;
  registry["change_case:capital_word_frequency"] = CapitalWordFrequency;
  registry["change_case:english_capital"] = [](const Kwargs& k) {
    return EnglishCase(k, PyIsUpper);
  };
  registry["change_case:english_lowercase"] = [](const Kwargs& k) {
    return EnglishCase(k, PyIsLower);
  };
}

}  // namespace lfm::evals::ifeval
