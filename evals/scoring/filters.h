// Named answer-extraction filters, as lm-evaluation-harness defines them (lm_eval/filters/):
// a task spec names each filter and passes its options as a JSON object, e.g.
//   {"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"}, {"function": "take_first"}
// Filters act on the list of responses generated for one document (several only with repeats)
// and are pure functions of that list and the document.
//
// Registered names: regex, take_first, lowercase, uppercase, strip, remove_whitespace,
// multi_choice_regex, regex_cascade (ours: {"patterns": [...], "fallback"}, the first pattern that
// re.search finds, its group 1 or whole match).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lfm::evals {

class Filter {
 public:
  virtual ~Filter() = default;
  // `responses`: the model's outputs for `doc` (the document's JSON record).
  virtual std::vector<std::string> Apply(std::vector<std::string> responses,
                                         const nlohmann::json& doc) const = 0;
};

// Builds filter `name` from its options (`config` may be null or an object; its "function" key,
// if present, is ignored). Unknown names and unknown or mistyped options are errors.
StatusOr<std::unique_ptr<Filter>> MakeFilter(std::string_view name, const nlohmann::json& config);
// Every registered filter name, sorted.
std::vector<std::string> FilterNames();

// A named chain of filters applied in order (an lm-eval `filter_list` entry).
class FilterChain {
 public:
  // `steps`: a JSON array of objects, each with "function" and that filter's options.
  static StatusOr<FilterChain> Make(std::string name, const nlohmann::json& steps);

  const std::string& name() const { return name_; }
  // Runs every filter; returns the first remaining response ("" if the chain leaves none).
  std::string Run(std::string_view response, const nlohmann::json& doc) const;

 private:
  std::string name_;
  std::vector<std::shared_ptr<const Filter>> filters_;
};

}  // namespace lfm::evals
