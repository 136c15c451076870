#include "evals/scoring/config.h"

#include <algorithm>

namespace lfm::evals {

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string DidYouMean(std::string_view name, const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const auto& candidate : known) {
    const size_t d = EditDistance(name, candidate);
    if (!best || d < best_distance) {
      best = &candidate;
      best_distance = d;
    }
  }
  // Close means at most a third of the name differs (typos, '-' for '_').
  if (!best || best_distance > std::max<size_t>(2, name.size() / 3)) return "";
  return " (did you mean '" + *best + "'?)";
}

Status CheckKeys(const nlohmann::json& config, std::string_view what,
                 const std::vector<std::string>& allowed) {
  if (config.is_null()) return OkStatus();
  if (!config.is_object()) {
    return Error(StatusCode::kInvalidArgument, "{}: config must be an object, got {}", what,
                 config.dump());
  }
  for (const auto& [key, value] : config.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Error(StatusCode::kInvalidArgument, "{}: unknown option '{}'{}; options: {}", what,
                   key, DidYouMean(key, allowed), fmt::join(allowed, ", "));
    }
  }
  return OkStatus();
}

namespace {

const nlohmann::json* Find(const nlohmann::json& config, const std::string& key) {
  if (!config.is_object()) return nullptr;
  const auto it = config.find(key);
  return it == config.end() || it->is_null() ? nullptr : &*it;
}

Status WrongType(std::string_view what, const std::string& key, const char* expected,
                 const nlohmann::json& value) {
  return Error(StatusCode::kInvalidArgument, "{}: option '{}' must be {}, got {}", what, key,
               expected, value.dump());
}

}  // namespace

StatusOr<std::string> GetString(const nlohmann::json& config, std::string_view what,
                                const std::string& key, const std::string& fallback) {
  const auto* value = Find(config, key);
  if (!value) return fallback;
  if (!value->is_string()) return WrongType(what, key, "a string", *value);
  return value->get<std::string>();
}

StatusOr<int64_t> GetInt(const nlohmann::json& config, std::string_view what,
                         const std::string& key, int64_t fallback) {
  const auto* value = Find(config, key);
  if (!value) return fallback;
  if (!value->is_number_integer()) return WrongType(what, key, "an integer", *value);
  return value->get<int64_t>();
}

StatusOr<bool> GetBool(const nlohmann::json& config, std::string_view what, const std::string& key,
                       bool fallback) {
  const auto* value = Find(config, key);
  if (!value) return fallback;
  if (!value->is_boolean()) return WrongType(what, key, "true or false", *value);
  return value->get<bool>();
}

StatusOr<std::vector<std::string>> GetStringList(const nlohmann::json& config,
                                                 std::string_view what, const std::string& key) {
  const auto* value = Find(config, key);
  if (!value) return std::vector<std::string>{};
  if (value->is_string()) return std::vector<std::string>{value->get<std::string>()};
  if (!value->is_array()) return WrongType(what, key, "a list of strings", *value);
  std::vector<std::string> out;
  for (const auto& item : *value) {
    if (!item.is_string()) return WrongType(what, key, "a list of strings", *value);
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace lfm::evals
