// The IFEval instruction registry: instruction id -> checker, built from the instruction's
// kwargs, with CheckFollowing(response) exactly as the official checker's check_following
// (google-research instruction_following_eval, as shipped in lm-evaluation-harness 4e7e0d4,
// lm_eval/tasks/ifeval/instructions.py). All 25 ids of IFEval:
//   change_case:capital_word_frequency  change_case:english_capital  change_case:english_lowercase
//   combination:repeat_prompt  combination:two_responses
//   detectable_content:number_placeholders  detectable_content:postscript
//   detectable_format:constrained_response  detectable_format:json_format
//   detectable_format:multiple_sections  detectable_format:number_bullet_lists
//   detectable_format:number_highlighted_sections  detectable_format:title
//   keywords:existence  keywords:forbidden_words  keywords:frequency  keywords:letter_frequency
//   language:response_language
//   length_constraints:nth_paragraph_first_word  length_constraints:number_paragraphs
//   length_constraints:number_sentences  length_constraints:number_words
//   punctuation:no_comma  startend:end_checker  startend:quotation
// The checks that need a language detector or NLTK use langdetect.h, punkt.h and word_tokenize.h
// (whose headers say where they can differ from the originals).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lfm::evals::ifeval {

class Instruction {
 public:
  virtual ~Instruction() = default;
  // True when `response` follows the instruction. Pure and thread-safe.
  virtual bool CheckFollowing(std::string_view response) const = 0;
};

// Builds instruction `id` (IFEval's or IFBench's) from `kwargs` as its evaluator does: for
// IFEval kwargs whose value is falsy (null, false, 0, "", [], {}) are dropped first (lm-eval),
// for IFBench only nulls (IFBench's evaluation_lib). Where the official build_description would
// then pick a random value (a missing or out-of-range kwarg), this returns an error naming the id
// and the kwarg instead; so does an unknown id (with a "did you mean"), an unknown kwarg, a value
// of the wrong type, a relation other than "less than" / "at least", and a keyword that is not a
// valid regex (the official checker uses keywords as regexes).
// `checkers` kMultiIf: Multi-IF's copy of the IFEval checkers, whose word and sentence counts
// depend on the response's language (multi_if_checkers.h).
enum class CheckerSet { kIfeval, kMultiIf };
StatusOr<std::unique_ptr<Instruction>> MakeInstruction(std::string_view id,
                                                       const nlohmann::json& kwargs,
                                                       CheckerSet checkers = CheckerSet::kIfeval);
// The 25 IFEval instruction ids, sorted.
std::vector<std::string> InstructionIds();
// The 58 IFBench instruction ids (allenai/IFBench db69a6f, ifbench/instructions.py), sorted.
std::vector<std::string> IfbenchInstructionIds();

}  // namespace lfm::evals::ifeval
