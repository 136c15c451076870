#include "evals/scoring/ifeval/ifbench_util.h"

#include <utf8proc.h>

#include <cstdlib>
#include <set>

#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {

std::string RemovePunctuation(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (kPunctuation.find(c) == std::string_view::npos) out += c;
  }
  return out;
}

StatusOr<std::vector<std::vector<std::string>>> CsvRows(std::string_view text, char delimiter) {
  // The states of CPython's Modules/_csv.c parser that the excel dialect reaches.
  enum State { kStartRecord, kStartField, kInField, kInQuoted, kQuoteInQuoted, kEatCrnl };
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  std::string field;
  bool quoted_field_open = false;  // the record continues on the next line
  State state = kStartRecord;
  auto save_field = [&] {
    fields.push_back(field);
    field.clear();
  };
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    end = end == std::string_view::npos ? text.size() : end + 1;
    const std::string_view line = text.substr(begin, end - begin);
    begin = end;
    if (!quoted_field_open) {
      fields.clear();
      field.clear();
      state = kStartRecord;
    }
    // Each character of the line, then the end-of-line marker (-1).
    for (size_t i = 0; i <= line.size(); ++i) {
      const int c = i < line.size() ? static_cast<unsigned char>(line[i]) : -1;
      const bool newline = c == '\n' || c == '\r';
      switch (state) {
        case kStartRecord:
          if (c == -1) break;
          if (newline) {
            state = kEatCrnl;
            break;
          }
          state = kStartField;
          [[fallthrough]];
        case kStartField:
          if (newline || c == -1) {
            save_field();
            state = c == -1 ? kStartRecord : kEatCrnl;
          } else if (c == '"') {
            state = kInQuoted;
          } else if (c == delimiter) {
            save_field();
          } else {
            field += static_cast<char>(c);
            state = kInField;
          }
          break;
        case kInField:
          if (newline || c == -1) {
            save_field();
            state = c == -1 ? kStartRecord : kEatCrnl;
          } else if (c == delimiter) {
            save_field();
            state = kStartField;
          } else {
            field += static_cast<char>(c);
          }
          break;
        case kInQuoted:
          if (c == -1) break;
          if (c == '"') {
            state = kQuoteInQuoted;
          } else {
            field += static_cast<char>(c);
          }
          break;
        case kQuoteInQuoted:
          if (c == '"') {
            field += '"';
            state = kInQuoted;
          } else if (c == delimiter) {
            save_field();
            state = kStartField;
          } else if (newline || c == -1) {
            save_field();
            state = c == -1 ? kStartRecord : kEatCrnl;
          } else {
            field += static_cast<char>(c);
            state = kInField;
          }
          break;
        case kEatCrnl:
          if (newline) break;
          if (c == -1) {
            state = kStartRecord;
            break;
          }
          return Error(StatusCode::kInvalidArgument, "new-line character seen in unquoted field");
      }
    }
    quoted_field_open = state == kInQuoted;
    if (!quoted_field_open) rows.push_back(fields);
  }
  if (quoted_field_open) {  // end of data inside quotes: the field is kept (strict is off)
    save_field();
    rows.push_back(fields);
  }
  return rows;
}

std::string AsciiFold(std::string_view text) {
  const std::string input(text);
  utf8proc_uint8_t* decomposed =
      utf8proc_NFKD(reinterpret_cast<const utf8proc_uint8_t*>(input.c_str()));
  std::string out;
  if (decomposed == nullptr) return out;
  for (const utf8proc_uint8_t* p = decomposed; *p != 0; ++p) {
    if (*p < 0x80) out += static_cast<char>(*p);
  }
  std::free(decomposed);
  return out;
}

int SyllableCount(std::string_view word) {
  std::string w = PyStrip(PyLower(PyStrip(word)), kPunctuation);
  if (w.empty()) return 0;
  static const PyRegex digit = MustCompile("\\d");
  if (digit.Search(w)) return 0;
  static const PyRegex compound = MustCompile("([^-]+)-(.+)");
  if (const auto m = compound.MatchAt(w)) {
    const int first = SyllableCount(m->Group(w, 1));
    const int second = SyllableCount(m->Group(w, 2));
    return first == 0 || second == 0 ? 0 : first + second;
  }
  const std::u32string s = DecodeUtf8(w);
  const std::u32string_view vowels = U"aeiouy";
  auto vowel = [&](char32_t c) { return vowels.find(c) != std::u32string_view::npos; };
  int count = vowel(s[0]) ? 1 : 0;
  for (size_t i = 1; i < s.size(); ++i) count += vowel(s[i]) && !vowel(s[i - 1]);
  if (s.back() == U'e') --count;
  if (s.size() > 2 && s.ends_with(U"le") && !vowel(s[s.size() - 3])) ++count;
  return count == 0 ? 1 : count;
}

bool IsEmoji(char32_t c) {
  if (c >= 0x1F3FB && c <= 0x1F3FF) return true;  // skin tones
  const auto* property = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  return property->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC &&
         property->category != UTF8PROC_CATEGORY_CN;
}

bool IsEnglishStopWord(std::string_view lower_word) {
  static const auto* words = new std::set<std::string, std::less<>>{
      "i",       "me",      "my",      "myself",   "we",         "our",    "ours",    "ourselves",
      "you",     "your",    "yours",   "yourself", "yourselves", "he",     "him",     "his",
      "himself", "she",     "her",     "hers",     "herself",    "it",     "its",     "itself",
      "they",    "them",    "their",   "theirs",   "themselves", "what",   "which",   "who",
      "whom",    "this",    "that",    "these",    "those",      "am",     "is",      "are",
      "was",     "were",    "be",      "been",     "being",      "have",   "has",     "had",
      "having",  "do",      "does",    "did",      "doing",      "a",      "an",      "the",
      "and",     "but",     "if",      "or",       "because",    "as",     "until",   "while",
      "of",      "at",      "by",      "for",      "with",       "about",  "against", "between",
      "into",    "through", "during",  "before",   "after",      "above",  "below",   "to",
      "from",    "up",      "down",    "in",       "out",        "on",     "off",     "over",
      "under",   "again",   "further", "then",     "once",       "here",   "there",   "when",
      "where",   "why",     "how",     "all",      "any",        "both",   "each",    "few",
      "more",    "most",    "other",   "some",     "such",       "no",     "nor",     "not",
      "only",    "own",     "same",    "so",       "than",       "too",    "very",    "s",
      "t",       "can",     "will",    "just",     "don",        "should", "now",     "d",
      "ll",      "m",       "o",       "re",       "ve",         "y",      "ain",     "aren",
      "couldn",  "didn",    "doesn",   "hadn",     "hasn",       "haven",  "isn",     "ma",
      "mightn",  "mustn",   "needn",   "shan",     "shouldn",    "wasn",   "weren",   "won",
      "wouldn"};
  return words->contains(lower_word);
}

bool StartsWithVerb(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return false;
  static const auto* verbs = new std::set<std::string, std::less<>>{
      "add",      "answer",    "apply",   "ask",       "avoid",    "be",        "begin",
      "bring",    "build",     "buy",     "calculate", "call",     "check",     "choose",
      "clean",    "close",     "come",    "compare",   "compose",  "consider",  "continue",
      "cook",     "count",     "create",  "cut",       "define",   "delete",    "describe",
      "design",   "develop",   "discuss", "do",        "draft",    "draw",      "drink",
      "drive",    "eat",       "enjoy",   "ensure",    "enter",    "evaluate",  "examine",
      "explain",  "explore",   "find",    "finish",    "fix",      "follow",    "forget",
      "generate", "get",       "give",    "go",        "grab",     "help",      "identify",
      "imagine",  "implement", "improve", "include",   "keep",     "know",      "learn",
      "leave",    "let",       "list",    "listen",    "look",     "make",      "meet",
      "move",     "name",      "note",    "open",      "outline",  "pick",      "place",
      "plan",     "play",      "prepare", "print",     "provide",  "put",       "read",
      "remember", "remove",    "repeat",  "replace",   "research", "respond",   "return",
      "review",   "rewrite",   "run",     "say",       "see",      "select",    "send",
      "set",      "share",     "show",    "sing",      "sit",      "sleep",     "solve",
      "sort",     "speak",     "start",   "stay",      "stop",     "summarize", "take",
      "talk",     "tell",      "think",   "translate", "try",      "turn",      "understand",
      "use",      "visit",     "wait",    "walk",      "want",     "watch",     "wear",
      "write"};
  const std::string word = PyLower(tokens[0]);
  if (verbs->contains(word)) return true;
  for (std::string_view suffix : {"s", "ed", "ing"}) {
    if (word.size() > suffix.size() + 2 && word.ends_with(suffix) &&
        verbs->contains(std::string_view(word).substr(0, word.size() - suffix.size()))) {
      return true;
    }
  }
  return false;
}

}  // namespace lfm::evals::ifeval
