#include "evals/scoring/process_results.h"

#include <optional>

#include "evals/scoring/ifeval/ifeval.h"
#include "evals/scoring/latex_equiv.h"
#include "evals/scoring/math_answers.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

// ---- ifeval: the official strict and loose instruction-following verdicts ------------------

// `multi_if`: Multi-IF's checkers (language-aware word and sentence counts) and its
// gen_acc_strict (Follow::StrictUnstripped: an all-whitespace reply is still checked; only an
// empty one fails everything).
StatusOr<DocScore> ScoreInstructions(const json& doc, const std::string& response, bool multi_if) {
  LFM_ASSIGN_OR_RETURN(ifeval::IfevalPrompt prompt,
                       ifeval::IfevalPrompt::FromJson(doc, multi_if ? ifeval::CheckerSet::kMultiIf
                                                                    : ifeval::CheckerSet::kIfeval));
  const ifeval::FollowResult strict = multi_if ? ifeval::Follow::StrictUnstripped(prompt, response)
                                               : ifeval::Follow::Strict(prompt, response);
  const ifeval::FollowResult loose = ifeval::Follow::Loose(prompt, response);
  auto to_json = [](const ifeval::FollowResult& r) {
    return json{{"follow_instruction_list", r.follow_instruction_list},
                {"follow_all_instructions", r.follow_all_instructions}};
  };
  DocScore s;
  s.metrics = {{"prompt_level_strict_acc", strict.follow_all_instructions},
               {"inst_level_strict_acc", strict.follow_instruction_list},
               {"prompt_level_loose_acc", loose.follow_all_instructions},
               {"inst_level_loose_acc", loose.follow_instruction_list}};
  s.detail = {{"strict", to_json(strict)}, {"loose", to_json(loose)}};
  s.extracted = {{"strict", strict.follow_instruction_list},
                 {"loose", loose.follow_instruction_list}};
  return s;
}

StatusOr<DocScore> ScoreIfeval(const json& doc, const std::string&, const std::string& response) {
  return ScoreInstructions(doc, response, false);
}

StatusOr<DocScore> ScoreMultiIfTurn(const json& doc, const std::string&, const std::string& response) {
  return ScoreInstructions(doc, response, true);
}

// ---- the MATH family: one extraction rule each, reported as "default" ----------------------

// The gold answer: the last \boxed{} of the target (lm-eval's process_docs on `solution`); a
// target without one (a bare `answer` field) is the answer itself.
std::optional<std::string> MathGold(const std::string& target) {
  if (target.find("\\boxed") == std::string::npos && target.find("\\fbox") == std::string::npos) {
    return target;
  }
  return math::LastBoxedContent(target);
}

DocScore OneRule(const std::optional<std::string>& extracted, bool correct) {
  DocScore s;
  const json kept = extracted ? json(*extracted) : json(nullptr);
  s.metrics = {{"exact_match", correct ? 1.0 : 0.0}};
  s.detail = {{"default", {{"extracted", kept}, {"correct", correct}}}};
  s.extracted = {{"none", kept}};
  return s;
}

// lm-eval hendrycks_math: the text between the first and last `$`, Hendrycks' is_equiv.
StatusOr<DocScore> ScoreHendrycksMath(const json&, const std::string& target,
                                      const std::string& response) {
  const std::string extracted = math::HendrycksExtract(response);
  return OneRule(extracted, math::HendrycksIsEquiv(extracted, MathGold(target)));
}

// lm-eval minerva_math: "Final Answer: The final answer is X. I hope it is correct.", Minerva's
// normalize_final_answer on both sides, then equivalence (LatexEquivalent in place of sympy).
StatusOr<DocScore> ScoreMinervaMath(const json&, const std::string& target,
                                    const std::string& response) {
  const std::string extracted = math::MinervaUnnormalizedAnswer(response);
  const std::optional<std::string> gold = MathGold(target);
  const bool correct = gold && math::LatexEquivalent(math::MinervaNormalize(extracted),
                                                     math::MinervaNormalize(*gold));
  return OneRule(extracted, correct);
}

// math500 practice: the response's last \boxed{} with Hendrycks' is_equiv.
StatusOr<DocScore> ScoreMathBoxed(const json&, const std::string& target,
                                  const std::string& response) {
  const std::optional<std::string> extracted = math::LastBoxedContent(response);
  return OneRule(extracted, math::HendrycksIsEquiv(extracted, MathGold(target)));
}

const std::vector<ProcessResults>& ProcessResultsRegistry() {
  static const auto* registry = new std::vector<ProcessResults>{
      {"ifeval",
       {"prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
        "inst_level_loose_acc"},
       ScoreIfeval},
      {"multi_if",
       {"prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
        "inst_level_loose_acc"},
       ScoreMultiIfTurn},
      {"hendrycks_math", {"exact_match"}, ScoreHendrycksMath},
      {"minerva_math", {"exact_match"}, ScoreMinervaMath},
      {"math_boxed", {"exact_match"}, ScoreMathBoxed},
  };
  return *registry;
}

}  // namespace

const ProcessResults* FindProcessResults(const std::string& name) {
  for (const ProcessResults& p : ProcessResultsRegistry()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> ProcessResultsNames() {
  std::vector<std::string> names;
  for (const ProcessResults& p : ProcessResultsRegistry()) names.push_back(p.name);
  return names;
}

}  // namespace lfm::evals
