#include "evals/scoring/ifeval/punkt.h"

#include <optional>
#include <set>

#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {
namespace {

// Orthographic context flags (nltk's _ORTHO_*).
constexpr int kBegUc = 1 << 1, kMidUc = 1 << 2, kUnkUc = 1 << 3;
constexpr int kBegLc = 1 << 4, kMidLc = 1 << 5, kUnkLc = 1 << 6;
constexpr int kUc = kBegUc | kMidUc | kUnkUc;
constexpr int kLc = kBegLc | kMidLc | kUnkLc;

const std::set<std::string>& Abbreviations() {
  static const auto* abbreviations = new std::set<std::string>{
      // titles and names
      "mr", "mrs", "ms", "dr", "prof", "rev", "hon", "st", "jr", "sr", "gen", "gov", "sen", "rep",
      "pres", "col", "lt", "sgt", "capt", "cmdr", "adm", "maj", "messrs", "mme",
      // organisations and places
      "inc", "ltd", "co", "corp", "bros", "dept", "univ", "assn", "mt", "ft", "ave", "blvd", "rd",
      "u.s", "u.k", "u.n", "u.s.a", "d.c", "n.y", "l.a", "calif", "fla", "ariz", "colo", "conn",
      "ill", "mich", "minn", "penn", "tenn", "va", "wis", "mass", "ore",
      // months and days
      "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
      "tue", "tues", "wed", "thu", "thur", "thurs", "fri",  // not "sat", "sun": English words
      // that the trained model does not list (IFBench vector ifbench-v-210 splits "Cat sat.")
      // Latin and references
      "e.g", "i.e", "etc", "vs", "cf", "al", "viz", "approx", "ca", "est", "no", "nos", "vol",
      "vols", "fig", "figs", "pp", "ed", "eds", "ph.d", "a.m", "p.m"};
  return *abbreviations;
}

// Words that the trained model has seen lower case mid-sentence and never capitalised there.
const std::set<std::string>& CommonLowercaseWords() {
  static const auto* words = new std::set<std::string>{
      "a",           "about",   "after",    "again",   "all",       "also",    "although",
      "an",          "and",     "another",  "any",     "are",       "as",      "at",
      "be",          "because", "been",     "before",  "both",      "but",     "by",
      "can",         "could",   "did",      "do",      "does",      "during",  "each",
      "either",      "even",    "every",    "finally", "first",     "for",     "from",
      "furthermore", "had",     "has",      "have",    "he",        "her",     "here",
      "his",         "how",     "however",  "if",      "in",        "instead", "is",
      "it",          "its",     "just",     "let",     "many",      "may",     "meanwhile",
      "might",       "more",    "moreover", "most",    "must",      "my",      "neither",
      "next",        "no",      "not",      "now",     "of",        "on",      "once",
      "one",         "only",    "or",       "other",   "our",       "please",  "she",
      "should",      "since",   "so",       "some",    "still",     "such",    "that",
      "the",         "their",   "then",     "there",   "therefore", "these",   "they",
      "this",        "those",   "though",   "thus",    "to",        "today",   "two",
      "unlike",      "was",     "we",       "were",    "what",      "when",    "where",
      "which",       "while",   "who",      "why",     "will",      "with",    "would",
      "yes",         "yet",     "you",      "your"};
  return *words;
}

int OrthoContext(const std::string& type) {
  return CommonLowercaseWords().count(type) ? (kMidLc | kBegUc) : 0;
}

const PyRegex& Re(int which) {
  static const auto* regexes = [] {
    const std::string non_word = R"re((?:[?!)";}\]\*:@'\({\[]))re";
    const std::string multi_char = R"re((?:\-{2,}|\.{2,}|(?:\.\s){2,}\.))re";
    const std::string word_start = R"re([^\("`{\[:;&\#\*@\)}\]\-,])re";
    const char* patterns[] = {// 0: nltk's word tokenizer (punctuation other than periods split off)
                              nullptr,
                              // 1: a potential sentence end and what follows it
                              nullptr,
                              // 2: numeric token types
                              R"re(^-?[\.,]?\d[\d,\.-]*\.?$)re",
                              // 3: an initial
                              R"re([^\W\d]\.$)re",
                              // 4: boundary realignment (closing punctuation after the break)
                              R"re(["')\]}]+?(?:\s+|(?=--)|$))re",
                              // 5: an ellipsis token
                              R"re(\.\.+$)re"};
    const std::string word = multi_char + "|(?=" + word_start + R"re()\S+?(?=\s|$|)re" + non_word +
                             "|" + multi_char + "|,(?=$|\\s|" + non_word + "|" + multi_char +
                             R"re())|\S)re";
    const std::string period = R"re([\.\?!](?=()re" + non_word + R"re(|\s+(\S+))))re";
    auto* out = new std::vector<PyRegex>();
    out->push_back(MustCompile(word));
    out->push_back(MustCompile(period));
    for (int i = 2; i < 6; ++i) out->push_back(MustCompile(patterns[i]));
    return out;
  }();
  return (*regexes)[which];
}

struct Token {
  std::string tok;
  std::string type;
  bool period_final = false;
  bool sentbreak = false;
  bool abbr = false;
  bool ellipsis = false;

  std::string TypeNoPeriod() const {
    return PyLen(type) > 1 && type.back() == '.' ? type.substr(0, type.size() - 1) : type;
  }
  std::string TypeNoSentPeriod() const { return sentbreak ? TypeNoPeriod() : type; }
  char32_t First() const { return DecodeUtf8(tok).front(); }
  bool FirstUpper() const { return PyCharIsUpper(First()); }
  bool FirstLower() const { return PyCharIsLower(First()); }
  bool IsInitial() const { return Re(3).MatchAt(tok).has_value(); }
  bool IsNumber() const { return type.starts_with("##number##"); }
};

std::vector<Token> TokenizeWords(std::string_view text) {
  std::vector<Token> tokens;
  for (const auto& line : PySplit(text, "\n")) {
    if (PyStrip(line).empty()) continue;
    for (const auto& match : Re(0).FindAll(line)) {
      Token token;
      token.tok = match.Group(line, 0);
      token.type = Re(2).Sub(PyLower(token.tok), "##number##");
      token.period_final = token.tok.ends_with('.');
      tokens.push_back(std::move(token));
    }
  }
  return tokens;
}

void FirstPass(Token& token) {
  const std::string& tok = token.tok;
  if (tok == "." || tok == "?" || tok == "!") {
    token.sentbreak = true;
  } else if (Re(5).MatchAt(tok)) {
    token.ellipsis = true;
  } else if (token.period_final && !tok.ends_with("..")) {
    const std::string stem = PyLower(tok.substr(0, tok.size() - 1));
    const std::string last_part = PySplit(stem, "-").back();
    if (Abbreviations().count(stem) || Abbreviations().count(last_part)) {
      token.abbr = true;
    } else {
      token.sentbreak = true;
    }
  }
}

// nltk's _ortho_heuristic: true / false / unknown (nullopt).
std::optional<bool> OrthoHeuristic(const Token& token) {
  if (std::string_view(";:,.!?").find(token.tok) != std::string_view::npos) return false;
  const int context = OrthoContext(token.TypeNoSentPeriod());
  if (token.FirstUpper() && (context & kLc) && !(context & kMidUc)) return true;
  if (token.FirstLower() && ((context & kUc) || !(context & kBegLc))) return false;
  return std::nullopt;
}

void SecondPass(Token& token, const Token& next) {
  if (!token.period_final) return;
  const bool is_initial = token.IsInitial();
  if ((token.abbr || token.ellipsis) && !is_initial) {
    if (OrthoHeuristic(next) == true) {
      token.sentbreak = true;
      return;
    }
  }
  if (is_initial || token.TypeNoPeriod() == "##number##") {
    const auto starter = OrthoHeuristic(next);
    if (starter == false) {
      token.sentbreak = false;
      token.abbr = true;
      return;
    }
    if (!starter && is_initial && next.FirstUpper() &&
        !(OrthoContext(next.TypeNoSentPeriod()) & kLc)) {
      token.sentbreak = false;
      token.abbr = true;
    }
  }
}

bool ContainsSentBreak(std::string_view context) {
  std::vector<Token> tokens = TokenizeWords(context);
  for (auto& token : tokens) FirstPass(token);
  for (size_t i = 0; i + 1 < tokens.size(); ++i) SecondPass(tokens[i], tokens[i + 1]);
  bool found = false;  // a break on the last token does not count
  for (const auto& token : tokens) {
    if (found) return true;
    if (token.sentbreak) found = true;
  }
  return false;
}

struct Slice {
  size_t start;
  size_t stop;
};

size_t LastAsciiSpace(std::string_view text) {
  for (size_t i = text.size(); i-- > 0;) {
    if (std::string_view(" \t\n\r\v\f").find(text[i]) != std::string_view::npos) return i;
  }
  return 0;
}

std::vector<Slice> SliceSentences(std::string_view text) {
  // nltk's _match_potential_end_contexts + _slices_from_text.
  struct Candidate {
    RegexMatch match;
    Slice word;
  };
  std::vector<Candidate> candidates;
  Slice previous{0, 0};
  std::optional<RegexMatch> previous_match;
  auto flush = [&] { candidates.push_back({*previous_match, previous}); };
  for (auto& match : Re(1).FindAll(text)) {
    const size_t start = match.groups[0]->begin;
    const std::string_view before = text.substr(previous.stop, start - previous.stop);
    size_t word_start = LastAsciiSpace(before);
    word_start = word_start ? word_start + previous.stop + 1 : previous.start;
    const Slice word{word_start, start};
    if (previous_match && previous.stop <= word.start) flush();
    previous_match = std::move(match);
    previous = word;
  }
  if (previous_match) flush();

  std::vector<Slice> slices;
  size_t last_break = 0;
  for (const auto& [match, word] : candidates) {
    const std::string context = std::string(text.substr(word.start, word.stop - word.start)) +
                                match.Group(text, 0) + match.Group(text, 1);
    if (!ContainsSentBreak(context)) continue;
    slices.push_back({last_break, match.groups[0]->end});
    last_break = match.groups[2] ? match.groups[2]->begin : match.groups[0]->end;
  }
  slices.push_back({last_break, PyRStrip(text).size()});
  return slices;
}

std::vector<Slice> Realign(std::string_view text, const std::vector<Slice>& slices) {
  std::vector<Slice> out;
  size_t realign = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    const Slice first{slices[i].start + realign, slices[i].stop};
    const auto nonempty = [&](const Slice& s) { return s.start < s.stop; };
    if (i + 1 == slices.size()) {
      if (nonempty(first)) out.push_back(first);
      continue;
    }
    const Slice& second = slices[i + 1];
    const std::string_view next_text =
        second.start < second.stop ? text.substr(second.start, second.stop - second.start) : "";
    const auto m = Re(4).MatchAt(next_text);
    if (m) {
      const std::string matched = m->Group(next_text, 0);
      out.push_back({first.start, second.start + PyRStrip(matched).size()});
      realign = m->groups[0]->end;
    } else {
      realign = 0;
      if (nonempty(first)) out.push_back(first);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> SentTokenize(std::string_view text) {
  std::vector<std::string> sentences;
  for (const auto& s : Realign(text, SliceSentences(text))) {
    sentences.emplace_back(s.start < s.stop ? text.substr(s.start, s.stop - s.start) : "");
  }
  return sentences;
}

size_t CountSentences(std::string_view text) { return SentTokenize(text).size(); }

}  // namespace lfm::evals::ifeval
