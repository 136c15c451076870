#include "evals/scoring/py_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <charconv>
#include <pcre2.h>

#include "base/check.h"

namespace lfm::evals {

struct PyRegex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

std::string RegexMatch::Group(std::string_view text, size_t i) const {
  if (i >= groups.size() || !groups[i]) return "";
  return std::string(text.substr(groups[i]->begin, groups[i]->end - groups[i]->begin));
}

StatusOr<PyRegex> PyRegex::Compile(std::string_view pattern, unsigned flags) {
  uint32_t options = PCRE2_UTF | PCRE2_UCP;
  if (flags & kIgnoreCase) options |= PCRE2_CASELESS;
  if (flags & kMultiline) options |= PCRE2_MULTILINE;
  if (flags & kDotAll) options |= PCRE2_DOTALL;
  if (flags & kVerbose) options |= PCRE2_EXTENDED;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(error, buffer, sizeof(buffer));
    return Error(StatusCode::kInvalidArgument, "bad regex '{}' at offset {}: {}", pattern, offset,
                 reinterpret_cast<const char*>(buffer));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort: the interpreter is the fallback
  uint32_t captures = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
  auto holder = std::make_unique<Code>();
  holder->code = code;
  return PyRegex(std::string(pattern), std::move(holder), captures);
}

PyRegex::PyRegex(std::string pattern, std::unique_ptr<Code> code, size_t group_count)
    : pattern_(std::move(pattern)), code_(std::move(code)), group_count_(group_count) {}
PyRegex::PyRegex(PyRegex&&) noexcept = default;
PyRegex& PyRegex::operator=(PyRegex&&) noexcept = default;
PyRegex::~PyRegex() = default;

std::optional<RegexMatch> PyRegex::Run(std::string_view text, size_t start,
                                       unsigned options) const {
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                             start, options, data, nullptr);
  std::optional<RegexMatch> result;
  if (rc > 0) {
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    RegexMatch match;
    match.groups.resize(group_count_ + 1);
    for (size_t i = 0; i <= group_count_ && i < static_cast<size_t>(rc); ++i) {
      if (ovector[2 * i] == PCRE2_UNSET) continue;
      match.groups[i] = RegexMatch::Span{ovector[2 * i], ovector[2 * i + 1]};
    }
    result = std::move(match);
  }
  pcre2_match_data_free(data);
  return result;
}

std::optional<RegexMatch> PyRegex::Search(std::string_view text, size_t start) const {
  return Run(text, start, 0);
}

std::optional<RegexMatch> PyRegex::MatchAt(std::string_view text, size_t start) const {
  return Run(text, start, PCRE2_ANCHORED);
}

std::vector<RegexMatch> PyRegex::FindAll(std::string_view text) const {
  // Python 3.7+: after an empty match at p, the next match may not be empty at p (a
  // non-empty match at p or any later match is fine) — exactly PCRE2_NOTEMPTY_ATSTART.
  std::vector<RegexMatch> matches;
  size_t pos = 0;
  bool last_empty = false;
  while (pos <= text.size()) {
    auto match = Run(text, pos, last_empty ? PCRE2_NOTEMPTY_ATSTART : 0);
    if (!match) break;
    const auto& whole = *match->groups[0];
    last_empty = whole.begin == whole.end;
    pos = whole.end;
    matches.push_back(std::move(*match));
  }
  return matches;
}

std::vector<std::string> PyRegex::FindAllStrings(std::string_view text) const {
  std::vector<std::string> out;
  for (const auto& match : FindAll(text)) out.push_back(match.Group(text, group_count_ ? 1 : 0));
  return out;
}

std::string PyRegex::Expand(std::string_view text, const RegexMatch& match,
                            std::string_view replacement) const {
  std::string out;
  for (size_t i = 0; i < replacement.size(); ++i) {
    const char c = replacement[i];
    if (c != '\\' || i + 1 == replacement.size()) {
      out += c;
      continue;
    }
    const char next = replacement[++i];
    if (next >= '0' && next <= '9') {
      size_t group = next - '0';
      if (i + 1 < replacement.size() && replacement[i + 1] >= '0' && replacement[i + 1] <= '9') {
        group = group * 10 + (replacement[++i] - '0');
      }
      out += match.Group(text, group);
    } else if (next == 'g' && i + 1 < replacement.size() && replacement[i + 1] == '<') {
      const size_t close = replacement.find('>', i);
      const std::string name(replacement.substr(i + 2, close - i - 2));
      i = close;
      int group = -1;
      if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
        if (std::from_chars(name.data(), name.data() + name.size(), group).ec != std::errc()) {
          group = -1;  // no such group
        }
      } else {
        group = pcre2_substring_number_from_name(code_->code,
                                                 reinterpret_cast<PCRE2_SPTR>(name.c_str()));
      }
      if (group >= 0) out += match.Group(text, group);
    } else if (next == 'n') {
      out += '\n';
    } else if (next == 't') {
      out += '\t';
    } else if (next == '\\') {
      out += '\\';
    } else {
      out += '\\';
      out += next;
    }
  }
  return out;
}

std::string PyRegex::Sub(std::string_view text, std::string_view replacement) const {
  std::string out;
  size_t last = 0;
  for (const auto& match : FindAll(text)) {
    out.append(text.substr(last, match.groups[0]->begin - last));
    out += Expand(text, match, replacement);
    last = match.groups[0]->end;
  }
  out.append(text.substr(last));
  return out;
}

std::vector<std::string> PyRegex::Split(std::string_view text) const {
  std::vector<std::string> out;
  size_t last = 0;
  for (const auto& match : FindAll(text)) {
    out.emplace_back(text.substr(last, match.groups[0]->begin - last));
    for (size_t g = 1; g <= group_count_; ++g) out.push_back(match.Group(text, g));
    last = match.groups[0]->end;
  }
  out.emplace_back(text.substr(last));
  return out;
}

PyRegex MustCompile(std::string_view pattern, unsigned flags) {
  auto regex = PyRegex::Compile(pattern, flags);
  LFM_CHECK(regex.ok(), "{}", regex.status().message());
  return std::move(*regex);
}

std::string RegexEscape(std::string_view text) {
  // Python 3.7+ escapes only characters that are special in a pattern.
  static constexpr std::string_view kSpecial = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
  std::string out;
  for (char c : text) {
    if (kSpecial.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace lfm::evals
