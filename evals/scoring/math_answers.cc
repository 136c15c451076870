#include "evals/scoring/math_answers.h"

#include <cstdint>
#include <vector>

#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::math {

std::optional<std::string> LastBoxedOnlyString(std::string_view text) {
  if (text.find("\\boxed ") != std::string_view::npos) {
    const auto pieces = PySplit(text, "\\boxed ");
    return "\\boxed " + PySplit(pieces.back(), "$").front();
  }
  size_t idx = text.rfind("\\boxed");
  if (idx == std::string_view::npos) idx = text.rfind("\\fbox");
  if (idx == std::string_view::npos) return std::nullopt;
  int open = 0;
  for (size_t i = idx; i < text.size(); ++i) {
    if (text[i] == '{') ++open;
    if (text[i] == '}' && --open == 0) return std::string(text.substr(idx, i + 1 - idx));
  }
  return std::nullopt;
}

std::optional<std::string> RemoveBoxed(std::string_view boxed) {
  if (boxed.find("\\boxed ") != std::string_view::npos) {
    if (!boxed.starts_with("\\boxed ")) return std::nullopt;
    return std::string(boxed.substr(7));
  }
  if (!boxed.starts_with("\\boxed{") || !boxed.ends_with("}")) return std::nullopt;
  return std::string(boxed.substr(7, boxed.size() - 8));
}

std::optional<std::string> LastBoxedContent(std::string_view text) {
  const auto boxed = LastBoxedOnlyString(text);
  return boxed ? RemoveBoxed(*boxed) : std::nullopt;
}

namespace {

// fix_fracs: "\frac12" -> "\frac{1}{2}"; nullopt for Python's IndexError on a trailing \frac.
std::optional<std::string> FixFracs(const std::string& s) {
  const auto pieces = PySplit(s, "\\frac");
  std::string out = pieces[0];
  for (size_t k = 1; k < pieces.size(); ++k) {
    const std::string& piece = pieces[k];
    out += "\\frac";
    if (piece.empty()) return std::nullopt;
    if (piece[0] == '{') {
      out += piece;
      continue;
    }
    if (piece.size() < 2) return s;  // the caught AssertionError returns the input unchanged
    const std::string a(1, piece[0]);
    const std::string b(1, piece[1]);
    const std::string rest = piece.substr(2);
    out += b != "{" ? "{" + a + "}{" + b + "}" + rest : "{" + a + "}" + b + rest;
  }
  return out;
}

// Python int(s) for the strings fix_a_slash_b sees (spaces were removed): optional sign,
// ASCII digits with single underscores between them. Unicode digits are not accepted here.
std::optional<std::string> PythonIntCanonical(std::string s) {
  s = PyStrip(s);
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::string digits;
  bool last_underscore = true;  // no leading underscore
  for (; i < s.size(); ++i) {
    if (s[i] == '_' && !last_underscore) {
      last_underscore = true;
      continue;
    }
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    digits += s[i];
    last_underscore = false;
  }
  if (digits.empty() || last_underscore) return std::nullopt;
  const size_t nonzero = digits.find_first_not_of('0');
  digits = nonzero == std::string::npos ? "0" : digits.substr(nonzero);
  return (negative && digits != "0" ? "-" : "") + digits;
}

// fix_a_slash_b; nullopt for the ValueError int() raises on a non-integer side.
std::optional<std::string> FixASlashB(const std::string& s) {
  const auto pieces = PySplit(s, "/");
  if (pieces.size() != 2) return s;
  const auto a = PythonIntCanonical(pieces[0]);
  const auto b = PythonIntCanonical(pieces[1]);
  if (!a || !b) return std::nullopt;
  if (s != *a + "/" + *b) return s;
  return "\\frac{" + *a + "}{" + *b + "}";
}

// fix_sqrt; nullopt for the IndexError on "\sqrt" with nothing after it.
std::optional<std::string> FixSqrt(const std::string& s) {
  if (s.find("\\sqrt") == std::string::npos) return s;
  const auto pieces = PySplit(s, "\\sqrt");
  std::string out = pieces[0];
  for (size_t k = 1; k < pieces.size(); ++k) {
    const std::string& piece = pieces[k];
    if (piece.empty()) return std::nullopt;
    out +=
        piece[0] != '{' ? "\\sqrt{" + piece.substr(0, 1) + "}" + piece.substr(1) : "\\sqrt" + piece;
  }
  return out;
}

}  // namespace

std::optional<std::string> HendrycksStripString(std::string_view text) {
  std::string s = PyReplace(text, "\n", "");
  s = PyReplace(s, "\\!", "");
  s = PyReplace(s, "\\\\", "\\");
  s = PyReplace(s, "tfrac", "frac");
  s = PyReplace(s, "dfrac", "frac");
  s = PyReplace(s, "\\left", "");
  s = PyReplace(s, "\\right", "");
  s = PyReplace(s, "^{\\circ}", "");
  s = PyReplace(s, "^\\circ", "");
  s = PyReplace(s, "\\$", "");
  if (s.find("\\text{ ") != std::string::npos) {  // remove_right_units
    const auto pieces = PySplit(s, "\\text{ ");
    if (pieces.size() != 2) return std::nullopt;
    s = pieces[0];
  }
  s = PyReplace(s, "\\%", "");
  s = PyReplace(s, " .", " 0.");
  s = PyReplace(s, "{.", "{0.");
  if (s.empty()) return s;
  if (s[0] == '.') s = "0" + s;
  if (const auto sides = PySplit(s, "="); sides.size() == 2 && PyLen(sides[0]) <= 2) {
    s = sides[1];
  }
  auto sqrt_fixed = FixSqrt(s);
  if (!sqrt_fixed) return std::nullopt;
  s = PyReplace(*sqrt_fixed, " ", "");
  auto fracs_fixed = FixFracs(s);
  if (!fracs_fixed) return std::nullopt;
  s = *fracs_fixed;
  if (s == "0.5") s = "\\frac{1}{2}";
  return FixASlashB(s);
}

bool HendrycksIsEquiv(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a && !b) return true;
  if (!a || !b) return false;
  const auto sa = HendrycksStripString(*a);
  const auto sb = HendrycksStripString(*b);
  if (!sa || !sb) return *a == *b;
  return *sa == *sb;
}

std::string HendrycksExtract(std::string_view output) {
  const size_t first = output.find('$');
  const size_t last = output.rfind('$');
  if (first == std::string_view::npos || first == last) return std::string(output);
  return std::string(output.substr(first + 1, last - first - 1));
}

std::string MinervaUnnormalizedAnswer(std::string_view output) {
  static const PyRegex regex =
      MustCompile("Final Answer: The final answer is(.*?). I hope it is correct.");
  const std::string text = std::string(output) + "I hope it is correct.";
  const auto match = regex.Search(text);
  return match ? PyStrip(match->Group(text, 1)) : kMinervaInvalid;
}

namespace {

const std::vector<std::pair<std::string, std::string>>& Substitutions() {
  static const auto* table = new std::vector<std::pair<std::string, std::string>>{
      {"an ", ""},          {"a ", ""},
      {".$", "$"},          {"\\$", ""},
      {"\\ ", ""},          {" ", ""},
      {"mbox", "text"},     {",\\text{and}", ","},
      {"\\text{and}", ","}, {"\\text{m}", "\\text{}"}};
  return *table;
}

const std::vector<std::string>& RemovedExpressions() {
  static const auto* table = new std::vector<std::string>{"square",       "ways",
                                                          "integers",     "dollars",
                                                          "mph",          "inches",
                                                          "ft",           "hours",
                                                          "km",           "units",
                                                          "\\ldots",      "sue",
                                                          "points",       "feet",
                                                          "minutes",      "digits",
                                                          "cents",        "degrees",
                                                          "cm",           "gm",
                                                          "pounds",       "meters",
                                                          "meals",        "edges",
                                                          "students",     "childrentickets",
                                                          "multiples",    "\\text{s}",
                                                          "\\text{.}",    "\\text{\ns}",
                                                          "\\text{}^2",   "\\text{}^3",
                                                          "\\text{\n}",   "\\text{}",
                                                          "\\mathrm{th}", "^\\circ",
                                                          "^{\\circ}",    "\\;",
                                                          ",\\!",         "{,}",
                                                          "\"",           "\\dots"};
  return *table;
}

// The regex substitutions of normalize_final_answer, in order (constants: compiled once).
const std::vector<std::pair<PyRegex, std::string>>& RegexSubstitutions() {
  static const auto* table = [] {
    auto* out = new std::vector<std::pair<PyRegex, std::string>>();
    const std::pair<const char*, const char*> specs[] = {
        {"(.*?)(\\$)(.*?)(\\$)(.*)", "$\\3$"}, {"(\\\\text\\{)(.*?)(\\})", "\\2"},
        {"(\\\\textbf\\{)(.*?)(\\})", "\\2"},  {"(\\\\overline\\{)(.*?)(\\})", "\\2"},
        {"(\\\\boxed\\{)(.*)(\\})", "\\2"},    {"(frac)([^{])(.)", "frac{\\2}{\\3}"},
        {"(sqrt)([^{])", "sqrt{\\2}"}};
    for (const auto& [pattern, replacement] : specs) {
      out->emplace_back(MustCompile(pattern), replacement);
    }
    return out;
  }();
  return *table;
}

}  // namespace

std::string MinervaNormalize(std::string_view answer) {
  std::string s = PySplit(answer, "=").back();
  for (const auto& [before, after] : Substitutions()) s = PyReplace(s, before, after);
  for (const auto& expr : RemovedExpressions()) s = PyReplace(s, expr, "");
  for (const auto& [regex, replacement] : RegexSubstitutions()) s = regex.Sub(s, replacement);
  s = PyReplace(s, "$", "");
  if (PyIsDigit(PyReplace(s, ",", ""))) s = PyReplace(s, ",", "");
  return s;
}

}  // namespace lfm::evals::math
