// IFEval scoring as the official evaluation script (lm-eval's lm_eval/tasks/ifeval/utils.py)
// defines it: strict (the raw response) and loose (any of 8 variants of it) instruction
// following, per prompt and per instruction, and the four accuracies lm-eval reports.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evals/scoring/ifeval/instructions.h"
#include "evals/scoring/metrics.h"

namespace lfm::evals::ifeval {

// One IFEval prompt with its instructions built (input_data.jsonl's key, prompt,
// instruction_id_list, kwargs).
class IfevalPrompt {
 public:
  // Parses a record; errors name the missing or malformed field or the bad instruction.
  static StatusOr<IfevalPrompt> FromJson(const nlohmann::json& record,
                                         CheckerSet checkers = CheckerSet::kIfeval);

  const std::vector<std::string>& instruction_ids() const { return ids_; }

 private:
  friend struct Follow;
  std::vector<std::string> ids_;
  std::vector<std::shared_ptr<const Instruction>> instructions_;
};

// The official OutputExample's verdicts.
struct FollowResult {
  std::vector<bool> follow_instruction_list;
  bool follow_all_instructions = false;
};

struct Follow {
  // test_instruction_following_strict: each instruction on the response itself; an empty or
  // all-whitespace response follows nothing.
  static FollowResult Strict(const IfevalPrompt& prompt, std::string_view response);
  // test_instruction_following_loose: followed if any of LooseVariants(response) follows it.
  static FollowResult Loose(const IfevalPrompt& prompt, std::string_view response);
  // Multi-IF's gen_acc_strict: as Strict, but only an empty response follows nothing (one of
  // whitespace is checked).
  static FollowResult StrictUnstripped(const IfevalPrompt& prompt, std::string_view response);
};

// The 8 responses loose mode tries, in the official order: the response, without '*', without
// its first line, without its last line, without both (lines split on "\n", results stripped),
// and those three without '*'.
std::vector<std::string> LooseVariants(std::string_view response);

// Accumulates per-prompt results into lm-eval's four IFEval metrics.
class IfevalMetrics {
 public:
  void Add(const FollowResult& strict, const FollowResult& loose);
  // prompt_level_strict_acc, inst_level_strict_acc, prompt_level_loose_acc,
  // inst_level_loose_acc, in that order. Prompt level: "mean" (with its standard error);
  // instruction level: the pooled fraction of all instructions, for which lm-eval reports no
  // standard error (its aggregation is not "mean").
  std::vector<std::pair<std::string, MetricSummary>> Summaries() const;
  size_t prompts() const { return prompt_strict_.size(); }

 private:
  std::vector<double> prompt_strict_, prompt_loose_, inst_strict_, inst_loose_;
};

}  // namespace lfm::evals::ifeval
