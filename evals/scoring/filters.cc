#include "evals/scoring/filters.h"

#include <utf8proc.h>

#include <functional>
#include <map>

#include "evals/scoring/config.h"
#include "evals/scoring/py_regex.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

// A filter that maps each response on its own.
class MapFilter : public Filter {
 public:
  explicit MapFilter(std::function<std::string(const std::string&)> fn) : fn_(std::move(fn)) {}
  std::vector<std::string> Apply(std::vector<std::string> responses,
                                 const json& doc) const override {
    for (auto& response : responses) response = fn_(response);
    return responses;
  }

 private:
  std::function<std::string(const std::string&)> fn_;
};

class TakeFirstFilter : public Filter {
 public:
  std::vector<std::string> Apply(std::vector<std::string> responses,
                                 const json& doc) const override {
    if (responses.size() > 1) responses.resize(1);
    return responses;
  }
};

// Python's findall()[group_select], reduced like lm-eval: with several groups the first
// non-empty one. Empty optional = no match (or group_select out of range: Python would raise
// IndexError there; lm-eval never configures that).
std::optional<std::string> SelectMatch(const PyRegex& regex, std::string_view text,
                                       int64_t group_select) {
  const auto matches = regex.FindAll(text);
  if (matches.empty()) return std::nullopt;
  const int64_t n = static_cast<int64_t>(matches.size());
  const int64_t index = group_select < 0 ? n + group_select : group_select;
  if (index < 0 || index >= n) return std::nullopt;
  const auto& match = matches[index];
  if (regex.group_count() <= 1) return match.Group(text, regex.group_count());
  for (size_t g = 1; g <= regex.group_count(); ++g) {
    std::string group = match.Group(text, g);
    if (!group.empty()) return group;
  }
  return std::nullopt;  // lm-eval 4e7e0d4 falls back when every group is empty
}

class RegexFilter : public Filter {
 public:
  RegexFilter(PyRegex regex, int64_t group_select, std::string fallback)
      : regex_(std::move(regex)), group_select_(group_select), fallback_(std::move(fallback)) {}

  std::vector<std::string> Apply(std::vector<std::string> responses,
                                 const json& doc) const override {
    for (auto& response : responses) {
      const auto match = SelectMatch(regex_, response, group_select_);
      response = match ? PyStrip(*match) : fallback_;
    }
    return responses;
  }

 private:
  PyRegex regex_;
  int64_t group_select_;
  std::string fallback_;
};

// The first of several patterns that matches (re.search, in order): its group 1, or the whole
// match for a pattern without groups; MMLU-Pro's official extract_answer / extract_again /
// extract_final cascade is three such patterns.
class RegexCascadeFilter : public Filter {
 public:
  RegexCascadeFilter(std::vector<PyRegex> patterns, std::string fallback)
      : patterns_(std::move(patterns)), fallback_(std::move(fallback)) {}

  std::vector<std::string> Apply(std::vector<std::string> responses,
                                 const json& doc) const override {
    for (auto& response : responses) {
      std::optional<std::string> kept;
      for (const PyRegex& regex : patterns_) {
        if (const auto match = regex.Search(response)) {
          kept = match->Group(response, regex.group_count() == 0 ? 0 : 1);
          break;
        }
      }
      response = kept ? *kept : fallback_;
    }
    return responses;
  }

 private:
  std::vector<PyRegex> patterns_;
  std::string fallback_;
};

// Removes Unicode punctuation (general category P*), as lm-eval's punct_tbl does.
std::string RemoveUnicodePunctuation(std::string_view text) {
  std::u32string out;
  for (char32_t c : DecodeUtf8(text)) {
    const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if (category >= UTF8PROC_CATEGORY_PC && category <= UTF8PROC_CATEGORY_PO) continue;
    out.push_back(c);
  }
  return EncodeUtf8(out);
}

// lm-eval's MultiChoiceRegexFilter: the task regex, else a choice's text found in the response
// (mapped to "(A)".."(Z)"), else ":" followed by a bare letter.
class MultiChoiceRegexFilter : public Filter {
 public:
  MultiChoiceRegexFilter(PyRegex regex, int64_t group_select, std::string fallback,
                         bool ignore_case, bool ignore_punctuation,
                         std::vector<PyRegex> regexes_to_ignore)
      : regex_(std::move(regex)),
        group_select_(group_select),
        fallback_(std::move(fallback)),
        ignore_case_(ignore_case),
        ignore_punctuation_(ignore_punctuation),
        regexes_to_ignore_(std::move(regexes_to_ignore)) {}

  std::vector<std::string> Apply(std::vector<std::string> responses,
                                 const json& doc) const override {
    std::vector<std::string> choice_patterns;
    std::vector<std::string> letters;
    std::map<std::string, std::string> choice_to_letter;
    std::map<std::string, std::string> letter_to_target;
    char letter = 'A';
    if (doc.contains("choices") && doc["choices"].is_array()) {
      for (const auto& choice : doc["choices"]) {
        const std::string text =
            Ignore(PyStrip(choice.is_string() ? choice.get<std::string>() : choice.dump()));
        choice_patterns.push_back(RegexEscape(text));
        choice_to_letter[text] = std::string("(") + letter + ")";
        letters.emplace_back(1, letter);
        letter_to_target[std::string(1, letter)] = std::string("(") + letter + ")";
        ++letter;
      }
    }
    auto by_text = PyRegex::Compile(PyJoin(choice_patterns, "|"));
    auto by_letter = PyRegex::Compile(":[\\s]*(" + PyJoin(letters, "|") + ")");
    for (auto& response : responses) {
      std::string match = Find(regex_, response, {});
      if (match.empty() && by_text.ok()) match = Find(*by_text, Ignore(response), choice_to_letter);
      if (match.empty() && by_letter.ok()) match = Find(*by_letter, response, letter_to_target);
      response = match.empty() ? fallback_ : match;
    }
    return responses;
  }

 private:
  std::string Find(const PyRegex& regex, std::string_view text,
                   const std::map<std::string, std::string>& convert) const {
    const auto match = SelectMatch(regex, text, group_select_);
    if (!match) return "";
    std::string stripped = PyStrip(*match);
    const auto it = convert.find(stripped);
    return it == convert.end() ? stripped : it->second;
  }

  std::string Ignore(std::string text) const {
    for (const auto& regex : regexes_to_ignore_) text = regex.Sub(text, "");
    if (ignore_case_) text = PyLower(text);
    if (ignore_punctuation_) text = RemoveUnicodePunctuation(text);
    return text;
  }

  PyRegex regex_;
  int64_t group_select_;
  std::string fallback_;
  bool ignore_case_;
  bool ignore_punctuation_;
  std::vector<PyRegex> regexes_to_ignore_;
};

using Factory = std::function<StatusOr<std::unique_ptr<Filter>>(const json&, const std::string&)>;

constexpr const char* kDefaultPattern = "#### (\\-?[0-9\\.\\,]+)";  // lm-eval's default

StatusOr<std::unique_ptr<Filter>> MakeRegex(const json& config, const std::string& what) {
  LFM_RETURN_IF_ERROR(
      CheckKeys(config, what, {"function", "regex_pattern", "group_select", "fallback"}));
  LFM_ASSIGN_OR_RETURN(std::string pattern,
                       GetString(config, what, "regex_pattern", kDefaultPattern));
  LFM_ASSIGN_OR_RETURN(int64_t group_select, GetInt(config, what, "group_select", 0));
  LFM_ASSIGN_OR_RETURN(std::string fallback, GetString(config, what, "fallback", "[invalid]"));
  LFM_ASSIGN_OR_RETURN(PyRegex regex, PyRegex::Compile(pattern));
  return std::unique_ptr<Filter>(
      std::make_unique<RegexFilter>(std::move(regex), group_select, std::move(fallback)));
}

StatusOr<std::unique_ptr<Filter>> MakeRegexCascade(const json& config, const std::string& what) {
  LFM_RETURN_IF_ERROR(CheckKeys(config, what, {"function", "patterns", "fallback"}));
  LFM_ASSIGN_OR_RETURN(auto patterns, GetStringList(config, what, "patterns"));
  LFM_ASSIGN_OR_RETURN(std::string fallback, GetString(config, what, "fallback", "[invalid]"));
  if (patterns.empty()) {
    return Error(StatusCode::kInvalidArgument, "{}: 'patterns' must list at least one", what);
  }
  std::vector<PyRegex> compiled;
  for (const auto& p : patterns) {
    LFM_ASSIGN_OR_RETURN(PyRegex r, PyRegex::Compile(p));
    compiled.push_back(std::move(r));
  }
  return std::unique_ptr<Filter>(
      std::make_unique<RegexCascadeFilter>(std::move(compiled), std::move(fallback)));
}

StatusOr<std::unique_ptr<Filter>> MakeMultiChoiceRegex(const json& config,
                                                       const std::string& what) {
  LFM_RETURN_IF_ERROR(CheckKeys(config, what,
                                {"function", "regex_pattern", "group_select", "fallback",
                                 "ignore_case", "ignore_punctuation", "regexes_to_ignore"}));
  LFM_ASSIGN_OR_RETURN(std::string pattern,
                       GetString(config, what, "regex_pattern", kDefaultPattern));
  LFM_ASSIGN_OR_RETURN(int64_t group_select, GetInt(config, what, "group_select", 0));
  LFM_ASSIGN_OR_RETURN(std::string fallback, GetString(config, what, "fallback", "[invalid]"));
  LFM_ASSIGN_OR_RETURN(bool ignore_case, GetBool(config, what, "ignore_case", false));
  LFM_ASSIGN_OR_RETURN(bool ignore_punct, GetBool(config, what, "ignore_punctuation", false));
  LFM_ASSIGN_OR_RETURN(auto ignore_patterns, GetStringList(config, what, "regexes_to_ignore"));
  LFM_ASSIGN_OR_RETURN(PyRegex regex, PyRegex::Compile(pattern));
  std::vector<PyRegex> ignores;
  for (const auto& p : ignore_patterns) {
    LFM_ASSIGN_OR_RETURN(PyRegex r, PyRegex::Compile(p));
    ignores.push_back(std::move(r));
  }
  return std::unique_ptr<Filter>(
      std::make_unique<MultiChoiceRegexFilter>(std::move(regex), group_select, std::move(fallback),
                                               ignore_case, ignore_punct, std::move(ignores)));
}

// A filter with no options that maps each response through `fn`.
Factory Simple(std::string (*fn)(const std::string&)) {
  return [fn](const json& config, const std::string& what) -> StatusOr<std::unique_ptr<Filter>> {
    LFM_RETURN_IF_ERROR(CheckKeys(config, what, {"function"}));
    return std::unique_ptr<Filter>(std::make_unique<MapFilter>(fn));
  };
}

std::string LowercaseFn(const std::string& s) { return PyLower(s); }
std::string StripFn(const std::string& s) { return PyStrip(s); }
// lm-eval's remove_whitespace drops exactly one leading space.
std::string RemoveLeadingSpaceFn(const std::string& s) {
  return s.starts_with(' ') ? s.substr(1) : s;
}

const std::map<std::string, Factory>& Registry() {
  static const auto* registry = new std::map<std::string, Factory>{
      {"regex", MakeRegex},
      {"multi_choice_regex", MakeMultiChoiceRegex},
      {"regex_cascade", MakeRegexCascade},
      {"take_first",
       [](const json& config, const std::string& what) -> StatusOr<std::unique_ptr<Filter>> {
         LFM_RETURN_IF_ERROR(CheckKeys(config, what, {"function"}));
         return std::unique_ptr<Filter>(std::make_unique<TakeFirstFilter>());
       }},
      {"lowercase", Simple(LowercaseFn)},
      {"strip", Simple(StripFn)},
      {"remove_whitespace", Simple(RemoveLeadingSpaceFn)},
  };
  return *registry;
}

}  // namespace

std::vector<std::string> FilterNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Registry()) names.push_back(name);
  return names;
}

StatusOr<std::unique_ptr<Filter>> MakeFilter(std::string_view name, const json& config) {
  const auto it = Registry().find(std::string(name));
  if (it == Registry().end()) {
    return Error(StatusCode::kInvalidArgument, "unknown filter '{}'{}; filters: {}", name,
                 DidYouMean(name, FilterNames()), fmt::join(FilterNames(), ", "));
  }
  return it->second(config, fmt::format("filter '{}'", name));
}

StatusOr<FilterChain> FilterChain::Make(std::string name, const json& steps) {
  if (!steps.is_array()) {
    return Error(StatusCode::kInvalidArgument,
                 "filter chain '{}': expected a list of filters, got {}", name, steps.dump());
  }
  FilterChain chain;
  chain.name_ = std::move(name);
  for (const auto& step : steps) {
    LFM_ASSIGN_OR_RETURN(std::string function,
                         GetString(step, "filter chain '" + chain.name_ + "'", "function", ""));
    if (function.empty()) {
      return Error(StatusCode::kInvalidArgument, "filter chain '{}': step {} has no 'function'",
                   chain.name_, step.dump());
    }
    auto filter = MakeFilter(function, step);
    if (!filter.ok()) return filter.status().WithPrefix("filter chain '" + chain.name_ + "'");
    chain.filters_.push_back(std::move(*filter));
  }
  return chain;
}

std::string FilterChain::Run(std::string_view response, const json& doc) const {
  std::vector<std::string> responses{std::string(response)};
  for (const auto& filter : filters_) responses = filter->Apply(std::move(responses), doc);
  return responses.empty() ? "" : responses.front();
}

}  // namespace lfm::evals
