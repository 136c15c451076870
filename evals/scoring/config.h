// Reading the small JSON config objects that task specs hand to named filters, metrics and
// checkers: typed lookups with defaults, a check that rejects unknown keys, and the
// "did you mean" hint every registry uses for an unknown name.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lfm::evals {

// " (did you mean 'x'?)" for the closest of `known` to `name`, or "" when none is close.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& known);

// Fails when `config` is not an object (null counts as {}) or has a key outside `allowed`;
// `what` names the owner in the message ("filter 'regex'").
Status CheckKeys(const nlohmann::json& config, std::string_view what,
                 const std::vector<std::string>& allowed);

// Typed lookups: the value of `key`, `fallback` when absent or null, an error naming `what`
// and `key` when present with the wrong type.
StatusOr<std::string> GetString(const nlohmann::json& config, std::string_view what,
                                const std::string& key, const std::string& fallback);
StatusOr<int64_t> GetInt(const nlohmann::json& config, std::string_view what,
                         const std::string& key, int64_t fallback);
StatusOr<bool> GetBool(const nlohmann::json& config, std::string_view what, const std::string& key,
                       bool fallback);
// A list of strings; a single string counts as a list of one.
StatusOr<std::vector<std::string>> GetStringList(const nlohmann::json& config,
                                                 std::string_view what, const std::string& key);

}  // namespace lfm::evals
