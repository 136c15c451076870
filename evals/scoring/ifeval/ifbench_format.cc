// IFBench checkers about layout and the fixed-answer tasks: format:*, custom:*. Each mirrors
// check_following of allenai/IFBench db69a6f (ifbench/instructions.py); comments name the
// Python expression where it is not obvious.
#include <utf8proc.h>

#include <algorithm>
#include <functional>
#include <set>

#include "evals/scoring/ifeval/ifbench_util.h"
#include "evals/scoring/ifeval/instructions_internal.h"
#include "evals/scoring/ifeval/punkt.h"
#include "evals/scoring/ifeval/word_tokenize.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

using Result = StatusOr<std::unique_ptr<Instruction>>;

std::string StripPunct(std::string_view text) { return PyStrip(text, kPunctuationSpace); }

// A check that takes no kwargs.
Result Fixed(const Kwargs& kwargs, std::function<bool(std::string_view)> check) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({}));
  return Check(std::move(check));
}

bool Emoji(std::string_view value) {
  const auto sentences = SentTokenize(value);
  for (size_t i = 0; i < sentences.size(); ++i) {
    const std::u32string stripped = DecodeUtf8(PyStrip(RemovePunctuation(sentences[i])));
    if (stripped.empty()) return false;
    const char32_t last = stripped.back();
    const char32_t second_last = stripped.size() > 1 ? stripped[stripped.size() - 2] : last;
    if (IsEmoji(last) || IsEmoji(second_last)) continue;
    if (i + 1 == sentences.size()) return false;
    const std::u32string next = DecodeUtf8(PyStrip(RemovePunctuation(sentences[i + 1])));
    if (next.empty() || !IsEmoji(next.front())) return false;
  }
  return true;
}

bool LineIndent(std::string_view value) {
  std::vector<std::string> lines = PySplit(value, "\n");
  // `for line in lines: if not line.strip(): lines.remove(line)`: removing while iterating
  // skips the line after each removed one; remove() takes the first equal line.
  for (size_t i = 0; i < lines.size(); ++i) {
    if (PyStrip(lines[i]).empty()) {
      lines.erase(std::find(lines.begin(), lines.end(), lines[i]));
    }
  }
  auto indent = [](const std::string& line) { return line.size() - PyLStrip(line, " ").size(); };
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (indent(lines[i + 1]) <= indent(lines[i])) return false;
  }
  return true;
}

Result SpecialBullets(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"sep"}));
  LFM_ASSIGN_OR_RETURN(std::string sep, kwargs.String("sep"));
  return Check([=](std::string_view value) {  // len(re.findall(re.escape(sep), value)) >= 2
    size_t count = sep.empty() ? PyLen(value) + 1 : 0;
    for (size_t at = value.find(sep); !sep.empty() && at != std::string_view::npos;
         at = value.find(sep, at + sep.size())) {
      ++count;
    }
    return count >= 2;
  });
}

bool NewlineWords(std::string_view value) {
  const std::string text = PyStrip(RemovePunctuation(value));
  size_t lines = 0;
  for (const auto& line : PySplit(text, "\n")) lines += !line.empty();
  return lines == PySplitWhitespace(text).size();
}

bool SomeBullets(std::string_view value) {
  bool in_sentences = true;
  size_t sentences = 0, bullets = 0;
  for (const auto& line : PySplit(value, "\n")) {
    const std::string stripped = PyStrip(line);
    if (stripped.starts_with('*')) {
      in_sentences = false;
      if (sentences < 2) return false;
      ++bullets;
    } else if (in_sentences) {
      // `sentences = split_into_sentences(...)`: an empty line ends the sentence part
      const size_t n = SentTokenize(stripped).size();
      sentences += n;
      in_sentences = n > 0;
    } else {
      return false;
    }
  }
  return bullets >= 2;
}

Result Options(const Kwargs& kwargs) {
  LFM_RETURN_IF_ERROR(kwargs.CheckAllowed({"options"}));
  LFM_ASSIGN_OR_RETURN(std::string options, kwargs.String("options"));
  static const PyRegex letters = MustCompile("\\W*[aA]\\W*[bB]\\W*[cC]\\W*");
  const bool strict = letters.MatchAt(options).has_value();
  const std::string separator = options.find('/') != std::string::npos    ? "/"
                                : options.find("or") != std::string::npos ? "or"
                                                                          : ",";
  std::vector<std::string> choices;
  for (const auto& option : PySplit(options, separator)) choices.push_back(PyStrip(option));
  return Check([=](std::string_view value) {
    if (strict) return std::find(choices.begin(), choices.end(), value) != choices.end();
    const std::string answer = PyLower(StripPunct(value));
    for (const auto& choice : choices) {
      if (PyLower(StripPunct(choice)) == answer) return true;
    }
    return false;
  });
}

bool NestedParentheses(std::string_view value) {
  std::string levels;
  size_t max_depth = 0;
  for (char c : value) {
    if (c == '(' || c == '[' || c == '{') {
      levels += c;
      max_depth = std::max(max_depth, levels.size());
    } else if (c == ')' || c == ']' || c == '}') {
      const char open = c == ')' ? '(' : c == ']' ? '[' : '{';
      if (!levels.empty() && levels.back() == open) {
        levels.pop_back();
        if (max_depth >= 5 && levels.size() < max_depth) return true;
      } else {
        levels.clear();
        max_depth = 0;
      }
    }
  }
  return false;
}

bool NestedQuotes(std::string_view value) {
  std::string levels;
  long reached = 0, current = 0;
  for (char c : value) {
    if (!levels.empty() && c == levels.back()) {
      levels.pop_back();
      --current;
      if (reached - current >= 3) return true;
    } else if (c == '"' || c == '\'') {
      levels += c;
      reached = std::max(reached, ++current);
    }
  }
  return false;
}

bool QuoteExplanation(std::string_view value) {
  const std::string text = PyReplace(value, "'\"'", "");
  std::string compact;  // ''.join(value.split())
  for (const auto& piece : PySplitWhitespace(text)) compact += piece;
  if (compact.find("\"\"") != std::string::npos) return false;
  std::string strip_set = "0123456789";
  for (char c : kPunctuation) {
    if (c != '"') strip_set += c;
  }
  const std::string stripped = PyStrip(compact, strip_set);
  return stripped.empty() || stripped.back() != '"';
}

bool Thesis(std::string_view value) {
  size_t index = value.find("<i>");
  if (index == std::string_view::npos) index = value.find("<em>");
  if (index == std::string_view::npos) return false;
  value = value.substr(index);
  size_t end = value.find("</i>");
  if (end == std::string_view::npos) end = value.find("</em>");
  if (end == std::string_view::npos) return false;
  // value[3:end_thesis] and value[end_thesis + 4:], as Python slices (empty when reversed)
  const std::string_view thesis = end > 3 ? value.substr(3, end - 3) : std::string_view();
  if (PyStrip(thesis).empty()) return false;
  return !PyStrip(end + 4 < value.size() ? value.substr(end + 4) : std::string_view()).empty();
}

bool SubBullets(std::string_view value) {
  const auto bullets = PySplit(value, "*");
  for (size_t i = 1; i < bullets.size(); ++i) {
    if (bullets[i].find('-') == std::string::npos) return false;
  }
  return true;
}

bool IsAlpha(char32_t c) {
  const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO;
}

bool TitleCase(std::string_view value) {
  for (const auto& word : WordTokenize(value)) {
    const std::u32string w = DecodeUtf8(word);
    if (w.empty() || !IsAlpha(w[0])) continue;
    if (w.size() == 1) {
      if (PyCharIsLower(w[0])) return false;
      continue;
    }
    const std::string rest = EncodeUtf8(std::u32string_view(w).substr(1));
    if (PyCharIsUpper(w[0]) && PyIsLower(rest)) continue;
    if (PyCharIsLower(w[0]) && (PyIsUpper(rest) || PyIsLower(rest))) return false;
  }
  return true;
}

bool Multiples(std::string_view value) {
  static const PyRegex digits = MustCompile("\\d+");
  const std::vector<std::string> expected = {"14", "21", "28", "35", "42", "49"};
  return digits.FindAllStrings(PyReplace(value, ",", ", ")) == expected;
}

bool McqCountLength(std::string_view value) {
  // value[value.find('Question'):] must be the whole response (no text before it)
  if (!value.starts_with("Question") && PyLen(value) != 1) return false;
  static const PyRegex splitter = MustCompile("\\n*(?:Question \\d+[\\.|\\):;]?\\s*)");
  static const PyRegex option = MustCompile("^[A-Ea-e][\\.|\\)]\\s*\\w+");
  std::vector<std::string> parts = splitter.Split(value);
  if (!parts.empty() && parts[0].empty()) parts.erase(parts.begin());
  std::vector<std::string> questions;
  for (const auto& part : parts) {
    if (!PyStrip(part).empty()) questions.push_back(PyStrip(part));
  }
  if (questions.size() != 4) return false;
  std::vector<size_t> lengths;
  for (const auto& question : questions) {
    std::string text;
    size_t options = 0;
    bool done_with_question = false;
    for (const auto& line : PySplit(question, "\n")) {
      if (option.MatchAt(PyStrip(line))) {
        ++options;
        done_with_question = true;
      } else if (!done_with_question) {
        text += " " + PyStrip(line);
      }
    }
    if (options != 5) return false;
    lengths.push_back(PyLen(PyStrip(text)));
  }
  for (size_t i = 0; i + 1 < lengths.size(); ++i) {
    if (lengths[i] >= lengths[i + 1]) return false;
  }
  return true;
}

bool ReverseNewline(std::string_view value) {
  std::vector<std::string> lines;
  for (const auto& line : PySplit(value, "\n")) {
    std::string stripped = StripPunct(line);
    if (!stripped.empty()) lines.push_back(std::move(stripped));
  }
  const auto start = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("Zimbabwe") != std::string::npos;
  });
  if (start == lines.end() || lines.end() - start < 52) return false;
  std::vector<std::string> folded;
  for (auto it = start; it != lines.end(); ++it) folded.push_back(AsciiFold(*it));
  return std::is_sorted(folded.begin(), folded.end(), std::greater<>());
}

bool WordReverse(std::string_view value) {
  auto words = PySplitWhitespace(RemovePunctuation(PyStrip(PyLower(value))));
  std::reverse(words.begin(), words.end());
  const std::string reversed = PyJoin(words, " ");
  if (reversed.find("bald eagle") == std::string::npos) return false;
  const auto sentences = SentTokenize(reversed);
  return std::find(sentences.begin(), sentences.end(), reversed) != sentences.end();
}

bool SentenceAlphabet(std::string_view value) {
  const auto sentences = SentTokenize(value);
  if (sentences.size() != 26) return false;
  for (size_t i = 0; i < sentences.size(); ++i) {
    const auto words = PySplitWhitespace(sentences[i]);
    if (words.empty()) return false;
    if (DecodeUtf8(PyLower(words[0]))[0] != static_cast<char32_t>('a' + i)) return false;
  }
  return true;
}

bool EuropeanCapitals(std::string_view value) {
  static const std::vector<std::string> kOrder = {
      "Reykjavik",  "Helsinki", "Oslo",     "Tallinn",    "Stockholm", "Riga",      "Moscow",
      "Copenhagen", "Vilnius",  "Minsk",    "Dublin",     "Berlin",    "Amsterdam", "Warsaw",
      "London",     "Brussels", "Prague",   "Luxembourg", "Paris",     "Vienna",    "Bratislava",
      "Budapest",   "Vaduz",    "Chisinau", "Bern",       "Ljubljana", "Zagreb"};
  std::vector<std::string> capitals;
  for (const auto& piece : PySplit(AsciiFold(value), ",")) {
    if (!PyStrip(piece).empty()) capitals.push_back(PyStrip(piece));
  }
  return capitals == kOrder;
}

bool CsvCity(std::string_view value) {
  const auto rows = CsvRows(value, ',');
  if (!rows.ok() || rows->size() != 8) return false;
  if ((*rows)[0] != std::vector<std::string>{"ID", "Country", "City", "Year", "Count"}) {
    return false;
  }
  return std::all_of(rows->begin() + 1, rows->end(),
                     [](const auto& row) { return row.size() == 5; });
}

// value.split('\n')[0].strip() matches `header`.
bool HeaderMatches(std::string_view value, const PyRegex& header) {
  return header.MatchAt(PyStrip(PySplit(value, "\n")[0])).has_value();
}

bool CsvSpecialCharacter(std::string_view value) {
  static const PyRegex header = MustCompile(
      "^(ProductID|\"ProductID\"),[ \\t]*(Category|\"Category\"),[ \\t]*(Brand|\"Brand\"),"
      "[ \\t]*(Price|\"Price\"),[ \\t]*(Stock|\"Stock\")$");
  static const PyRegex special = MustCompile("\".*[^\\d\\w\\s].*\"");
  if (!HeaderMatches(value, header)) return false;
  const auto rows = CsvRows(PyReplace(value, "\"", "\"\"\""), ',');
  if (!rows.ok() || rows->size() != 15) return false;
  for (size_t i = 1; i < rows->size(); ++i) {
    const auto& row = (*rows)[i];
    if (row.size() != 5) return false;
    for (const auto& field : row) {
      if (special.MatchAt(field)) return true;
    }
  }
  return false;
}

bool CsvQuotes(std::string_view value) {
  static const PyRegex header = MustCompile(
      "^(StudentID|\"StudentID\")\\t *(Subject|\"Subject\")\\t *(Grade|\"Grade\")\\t "
      "*(Semester|\"Semester\")\\t *(Score|\"Score\")$");
  if (!HeaderMatches(value, header)) return false;
  const auto rows = CsvRows(PyReplace(value, "\"", "\"\"\""), '\t');
  if (!rows.ok() || rows->size() != 4) return false;
  for (const auto& row : *rows) {
    if (row.size() != 5) return false;
    for (const auto& field : row) {
      const std::string f = PyStrip(field);
      if (f.empty()) return false;  // field.strip()[0] raises IndexError
      if (f.front() != '"' || f.back() != '"') return false;
    }
  }
  return true;
}

bool DateFormatList(std::string_view value) {
  static const PyRegex date = MustCompile("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
  for (const auto& piece : PySplit(PyStrip(value), ",")) {
    const std::string d = PyStrip(piece);
    if (!date.MatchAt(d)) return false;
    const int year = std::stoi(d.substr(0, 4));
    const int month = std::stoi(d.substr(5, 2));
    const int day = std::stoi(d.substr(8, 2));
    if (year < 1769 || year > 1821 || month > 12) return false;
    const std::set<int> long_months = {1, 3, 5, 7, 8, 10, 12};
    if (long_months.contains(month) && day > 31) return false;
    if ((month == 4 || month == 6 || month == 9 || month == 11) && day > 30) return false;
    if (month == 2 && day > 29) return false;
  }
  return true;
}

}  // namespace

void AddIfbenchFormatInstructions(InstructionRegistry& registry) {
  auto fixed = [&](const char* id, bool (*check)(std::string_view)) {
    registry[id] = [check](const Kwargs& kwargs) { return Fixed(kwargs, check); };
  };
  fixed("format:emoji", Emoji);
  fixed("format:line_indent", LineIndent);
  registry["format:list"] = SpecialBullets;
  fixed("format:newline", NewlineWords);
  fixed("format:no_bullets_bullets", SomeBullets);
  fixed("format:no_whitespace", [](std::string_view value) {
    const std::u32string chars = DecodeUtf8(value);
    return std::none_of(chars.begin(), chars.end(), PyIsSpace);
  });
  registry["format:options"] = Options;
  fixed("format:output_template", [](std::string_view value) {
    return value.find("My Answer:") != std::string_view::npos &&
           value.find("My Conclusion:") != std::string_view::npos &&
           value.find("Future Outlook:") != std::string_view::npos;
  });
  fixed("format:parentheses", NestedParentheses);
  fixed("format:quotes", NestedQuotes);
  fixed("format:quote_unquote", QuoteExplanation);
  fixed("format:sub-bullets", SubBullets);
  fixed("format:thesis", Thesis);
  fixed("format:title_case", TitleCase);
  fixed("custom:character_reverse", [](std::string_view value) {
    return PyLower(value).find("elgae dlab") != std::string::npos;
  });
  fixed("custom:csv_city", CsvCity);
  fixed("custom:csv_quotes", CsvQuotes);
  fixed("custom:csv_special_character", CsvSpecialCharacter);
  fixed("custom:date_format_list", DateFormatList);
  fixed("custom:european_capitals_sort", EuropeanCapitals);
  fixed("custom:mcq_count_length", McqCountLength);
  fixed("custom:multiples", Multiples);
  fixed("custom:reverse_newline", ReverseNewline);
  fixed("custom:sentence_alphabet", SentenceAlphabet);
  fixed("custom:word_reverse", WordReverse);
}

}  // namespace lfm::evals::ifeval
