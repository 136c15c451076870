// Shared by the instruction checker files: kwargs access with IFEval's rules, the comparison
// relations, and the registration hooks each file provides.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "evals/scoring/ifeval/instructions.h"

namespace lfm::evals::ifeval {

// One instruction's kwargs after the evaluator's filter: lm-eval's IFEval drops every falsy
// value, IFBench's evaluation_lib only nulls.
class Kwargs {
 public:
  enum class Drop { kFalsy, kNull };
  Kwargs(std::string id, const nlohmann::json& raw, Drop drop = Drop::kFalsy);

  const std::string& id() const { return id_; }
  // Fails on a kwarg outside `allowed`.
  Status CheckAllowed(const std::vector<std::string>& allowed) const;
  bool Has(const std::string& key) const { return values_.contains(key); }
  StatusOr<std::string> String(const std::string& key) const;
  // A number >= `minimum` (the official checker draws a random value below it).
  StatusOr<double> Number(const std::string& key, double minimum = 0) const;
  StatusOr<std::vector<std::string>> StringList(const std::string& key) const;

 private:
  Status Missing(const std::string& key) const;
  std::string id_;
  nlohmann::json values_;
};

// IFEval's two comparison relations.
enum class Relation { kLessThan, kAtLeast };
StatusOr<Relation> ParseRelation(const Kwargs& kwargs, const std::string& key);
inline bool Compare(double count, Relation relation, double threshold) {
  return relation == Relation::kLessThan ? count < threshold : count >= threshold;
}

using InstructionFactory =
    std::function<StatusOr<std::unique_ptr<Instruction>>(const Kwargs& kwargs)>;
using InstructionRegistry = std::map<std::string, InstructionFactory>;

// keywords:*, language:*, length_constraints:*, punctuation:*, change_case:*
void AddTextInstructions(InstructionRegistry& registry);
// detectable_content:*, detectable_format:*, combination:*, startend:*
void AddFormatInstructions(InstructionRegistry& registry);
// IFBench: count:*, ratio:*, sentence:*, words:*, repeat:*
void AddIfbenchTextInstructions(InstructionRegistry& registry);
// IFBench: format:*, custom:*
void AddIfbenchFormatInstructions(InstructionRegistry& registry);

// An instruction whose check is one function of the response.
class FunctionInstruction : public Instruction {
 public:
  explicit FunctionInstruction(std::function<bool(std::string_view)> check)
      : check_(std::move(check)) {}
  bool CheckFollowing(std::string_view response) const override { return check_(response); }

 private:
  std::function<bool(std::string_view)> check_;
};

inline StatusOr<std::unique_ptr<Instruction>> Check(std::function<bool(std::string_view)> fn) {
  return std::unique_ptr<Instruction>(std::make_unique<FunctionInstruction>(std::move(fn)));
}

}  // namespace lfm::evals::ifeval
