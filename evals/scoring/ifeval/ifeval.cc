#include "evals/scoring/ifeval/ifeval.h"

#include "evals/scoring/py_str.h"

namespace lfm::evals::ifeval {

StatusOr<IfevalPrompt> IfevalPrompt::FromJson(const nlohmann::json& record, CheckerSet checkers) {
  if (!record.is_object()) return Error(StatusCode::kInvalidArgument, "not a JSON object");
  const auto ids = record.find("instruction_id_list");
  const auto kwargs = record.find("kwargs");
  if (ids == record.end() || !ids->is_array()) {
    return Error(StatusCode::kInvalidArgument, "missing list field 'instruction_id_list'");
  }
  if (kwargs == record.end() || !kwargs->is_array() || kwargs->size() != ids->size()) {
    return Error(StatusCode::kInvalidArgument,
                 "field 'kwargs' must be a list with one object per instruction ({} ids)",
                 ids->size());
  }
  IfevalPrompt prompt;
  for (size_t i = 0; i < ids->size(); ++i) {
    if (!(*ids)[i].is_string()) {
      return Error(StatusCode::kInvalidArgument, "instruction_id_list[{}] is not a string", i);
    }
    const std::string id = (*ids)[i].get<std::string>();
    LFM_ASSIGN_OR_RETURN(auto instruction, MakeInstruction(id, (*kwargs)[i], checkers));
    prompt.ids_.push_back(id);
    prompt.instructions_.push_back(std::move(instruction));
  }
  return prompt;
}

std::vector<std::string> LooseVariants(std::string_view response) {
  const auto lines = PySplit(response, "\n");
  auto join = [&](size_t begin, size_t end) {
    std::vector<std::string> kept;
    for (size_t i = begin; i < end && i < lines.size(); ++i) kept.push_back(lines[i]);
    return PyStrip(PyJoin(kept, "\n"));
  };
  const size_t n = lines.size();
  const std::string remove_first = join(1, n);
  const std::string remove_last = join(0, n - 1);
  const std::string remove_both = join(1, n - 1);  // "\n".join(r[1:-1])
  auto no_stars = [](const std::string& s) { return PyReplace(s, "*", ""); };
  return {std::string(response), no_stars(std::string(response)),
          remove_first,          remove_last,
          remove_both,           no_stars(remove_first),
          no_stars(remove_last), no_stars(remove_both)};
}

namespace {

FollowResult Evaluate(const std::vector<std::shared_ptr<const Instruction>>& instructions,
                      const std::vector<std::string>& candidates, bool skip_blank = true) {
  FollowResult result;
  for (const auto& instruction : instructions) {
    bool followed = false;
    for (const auto& candidate : candidates) {
      const bool skipped = skip_blank ? PyStrip(candidate).empty() : candidate.empty();
      if (!skipped && instruction->CheckFollowing(candidate)) {
        followed = true;
        break;
      }
    }
    result.follow_instruction_list.push_back(followed);
  }
  result.follow_all_instructions = true;
  for (bool followed : result.follow_instruction_list) {
    result.follow_all_instructions = result.follow_all_instructions && followed;
  }
  return result;
}

}  // namespace

FollowResult Follow::Strict(const IfevalPrompt& prompt, std::string_view response) {
  return Evaluate(prompt.instructions_, {std::string(response)});
}

FollowResult Follow::StrictUnstripped(const IfevalPrompt& prompt, std::string_view response) {
  return Evaluate(prompt.instructions_, {std::string(response)}, /*skip_blank=*/false);
}

FollowResult Follow::Loose(const IfevalPrompt& prompt, std::string_view response) {
  return Evaluate(prompt.instructions_, LooseVariants(response));
}

void IfevalMetrics::Add(const FollowResult& strict, const FollowResult& loose) {
  prompt_strict_.push_back(strict.follow_all_instructions);
  prompt_loose_.push_back(loose.follow_all_instructions);
  for (bool f : strict.follow_instruction_list) inst_strict_.push_back(f);
  for (bool f : loose.follow_instruction_list) inst_loose_.push_back(f);
}

std::vector<std::pair<std::string, MetricSummary>> IfevalMetrics::Summaries() const {
  auto prompt_level = [](const std::vector<double>& xs) {
    MetricSummary s;
    if (xs.empty()) return s;
    s.value = Mean(xs);
    s.n = xs.size();
    if (xs.size() > 1) s.stderr_value = MeanStderr(xs);
    return s;
  };
  auto inst_level = [](const std::vector<double>& xs) {  // agg_inst_level_acc: no stderr
    MetricSummary s;
    if (!xs.empty()) s.value = Mean(xs);
    s.n = xs.size();
    return s;
  };
  return {{"prompt_level_strict_acc", prompt_level(prompt_strict_)},
          {"inst_level_strict_acc", inst_level(inst_strict_)},
          {"prompt_level_loose_acc", prompt_level(prompt_loose_)},
          {"inst_level_loose_acc", inst_level(inst_loose_)}};
}

}  // namespace lfm::evals::ifeval
