// PyRegex: PCRE2 (UTF-8, Unicode properties) behind the small part of Python's `re` API that the
// reference scorers use — search, findall, sub, split — with Python's semantics for groups,
// empty matches and `\1` / `\g<name>` templates, so a pattern copied from lm-eval or IFEval
// means the same thing here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lfm::evals {

// One match: byte spans into the searched text; a group that did not take part has no span.
struct RegexMatch {
  struct Span {
    size_t begin = 0;
    size_t end = 0;
  };
  std::vector<std::optional<Span>> groups;  // [0] is the whole match

  // The text of group `i` ("" when it did not take part, as Python's findall reports it).
  std::string Group(std::string_view text, size_t i) const;
};

class PyRegex {
 public:
  enum Flags : unsigned {
    kNone = 0,
    kIgnoreCase = 1u << 0,  // re.IGNORECASE (Unicode case folding)
    kMultiline = 1u << 1,   // re.MULTILINE
    kDotAll = 1u << 2,      // re.DOTALL
    kVerbose = 1u << 3,     // re.VERBOSE
  };

  // Compiles `pattern` (Python `re` syntax; inline flags such as `(?s)` work). Fails with a
  // message naming the pattern and PCRE2's reason.
  static StatusOr<PyRegex> Compile(std::string_view pattern, unsigned flags = kNone);

  PyRegex(PyRegex&&) noexcept;
  PyRegex& operator=(PyRegex&&) noexcept;
  ~PyRegex();

  const std::string& pattern() const { return pattern_; }
  // Number of capturing groups (not counting group 0).
  size_t group_count() const { return group_count_; }

  // re.search from byte offset `start` (which must be on a character boundary).
  std::optional<RegexMatch> Search(std::string_view text, size_t start = 0) const;
  // re.match: the match must begin at `start`.
  std::optional<RegexMatch> MatchAt(std::string_view text, size_t start = 0) const;
  // Every non-overlapping match, in order, as re.finditer produces them.
  std::vector<RegexMatch> FindAll(std::string_view text) const;
  // re.findall's strings: the whole match without groups, group 1 with one group; with several
  // groups, each match's groups (use FindAll for those).
  std::vector<std::string> FindAllStrings(std::string_view text) const;
  // re.sub with a Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`, `\\`).
  std::string Sub(std::string_view text, std::string_view replacement) const;
  // re.split: the pieces between matches, with each match's groups inserted as Python does
  // (a group that did not take part becomes "").
  std::vector<std::string> Split(std::string_view text) const;

 private:
  struct Code;
  PyRegex(std::string pattern, std::unique_ptr<Code> code, size_t group_count);
  std::optional<RegexMatch> Run(std::string_view text, size_t start, unsigned options) const;
  std::string Expand(std::string_view text, const RegexMatch& match,
                     std::string_view replacement) const;

  std::string pattern_;
  std::unique_ptr<Code> code_;
  size_t group_count_ = 0;
};

// Compiles a pattern that is a constant of the program; a failure is a bug (LFM_CHECK).
PyRegex MustCompile(std::string_view pattern, unsigned flags = PyRegex::kNone);

// Escapes every regex metacharacter in `text` (Python's re.escape).
std::string RegexEscape(std::string_view text);

}  // namespace lfm::evals
