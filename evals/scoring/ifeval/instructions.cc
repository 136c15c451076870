#include "evals/scoring/ifeval/instructions.h"

#include "evals/scoring/config.h"
#include "evals/scoring/ifeval/instructions_internal.h"
#include "evals/scoring/ifeval/multi_if_checkers.h"

namespace lfm::evals::ifeval {

namespace {

// Python truthiness of a JSON value.
bool Truthy(const nlohmann::json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0;
  if (value.is_string() || value.is_array() || value.is_object()) return !value.empty();
  return true;
}

const InstructionRegistry& Registry() {
  static const InstructionRegistry* registry = [] {
    auto* out = new InstructionRegistry();
    AddTextInstructions(*out);
    AddFormatInstructions(*out);
    return out;
  }();
  return *registry;
}

// IFEval's checkers with Multi-IF's two language-aware counts in place of theirs.
const InstructionRegistry& MultiIfRegistry() {
  static const InstructionRegistry* registry = [] {
    auto* out = new InstructionRegistry(Registry());
    AddMultiIfInstructions(*out);
    return out;
  }();
  return *registry;
}

const InstructionRegistry& IfbenchRegistry() {
  static const InstructionRegistry* registry = [] {
    auto* out = new InstructionRegistry();
    AddIfbenchTextInstructions(*out);
    AddIfbenchFormatInstructions(*out);
    return out;
  }();
  return *registry;
}

std::vector<std::string> Ids(const InstructionRegistry& registry) {
  std::vector<std::string> ids;
  for (const auto& [id, factory] : registry) ids.push_back(id);
  return ids;
}

}  // namespace

Kwargs::Kwargs(std::string id, const nlohmann::json& raw, Drop drop)
    : id_(std::move(id)), values_(nlohmann::json::object()) {
  if (!raw.is_object()) return;
  for (const auto& [key, value] : raw.items()) {
    if (drop == Drop::kFalsy ? Truthy(value) : !value.is_null()) values_[key] = value;
  }
}

Status Kwargs::CheckAllowed(const std::vector<std::string>& allowed) const {
  return CheckKeys(values_, "instruction '" + id_ + "' kwargs", allowed);
}

Status Kwargs::Missing(const std::string& key) const {
  return Error(StatusCode::kInvalidArgument,
               "instruction '{}' needs kwarg '{}' (missing, empty or out of range; the official "
               "checker would pick a random value)",
               id_, key);
}

StatusOr<std::string> Kwargs::String(const std::string& key) const {
  if (!Has(key)) return Missing(key);
  if (!values_[key].is_string()) {
    return Error(StatusCode::kInvalidArgument,
                 "instruction '{}': kwarg '{}' must be a string, got {}", id_, key,
                 values_[key].dump());
  }
  return values_[key].get<std::string>();
}

StatusOr<double> Kwargs::Number(const std::string& key, double minimum) const {
  if (!Has(key)) return Missing(key);
  if (!values_[key].is_number()) {
    return Error(StatusCode::kInvalidArgument,
                 "instruction '{}': kwarg '{}' must be a number, got {}", id_, key,
                 values_[key].dump());
  }
  const double value = values_[key].get<double>();
  if (value < minimum) return Missing(key);
  return value;
}

StatusOr<std::vector<std::string>> Kwargs::StringList(const std::string& key) const {
  if (!Has(key)) return Missing(key);
  return GetStringList(values_, "instruction '" + id_ + "'", key);
}

StatusOr<Relation> ParseRelation(const Kwargs& kwargs, const std::string& key) {
  LFM_ASSIGN_OR_RETURN(std::string relation, kwargs.String(key));
  if (relation == "less than") return Relation::kLessThan;
  if (relation == "at least") return Relation::kAtLeast;
  return Error(StatusCode::kInvalidArgument,
               "instruction '{}': kwarg '{}' must be 'less than' or 'at least', got '{}'",
               kwargs.id(), key, relation);
}

std::vector<std::string> InstructionIds() { return Ids(Registry()); }
std::vector<std::string> IfbenchInstructionIds() { return Ids(IfbenchRegistry()); }

StatusOr<std::unique_ptr<Instruction>> MakeInstruction(std::string_view id,
                                                       const nlohmann::json& kwargs,
                                                       CheckerSet checkers) {
  const std::string key(id);
  const InstructionRegistry& ifeval =
      checkers == CheckerSet::kMultiIf ? MultiIfRegistry() : Registry();
  if (const auto it = ifeval.find(key); it != ifeval.end()) {
    return it->second(Kwargs(key, kwargs));
  }
  if (const auto it = IfbenchRegistry().find(key); it != IfbenchRegistry().end()) {
    return it->second(Kwargs(key, kwargs, Kwargs::Drop::kNull));
  }
  std::vector<std::string> known = InstructionIds();
  for (auto& ifbench_id : IfbenchInstructionIds()) known.push_back(std::move(ifbench_id));
  return Error(StatusCode::kInvalidArgument, "unknown instruction id '{}'{}", id,
               DidYouMean(id, known));
}

}  // namespace lfm::evals::ifeval
