// EQ-Bench Creative Writing v3 (docs: ../shared/docs/evals.md §16): 32 prompts x 3 iterations,
// each piece written by the tested model and scored by an LLM judge on 22 criteria (0-20), as
// EQ-Bench's creative-writing-bench scores them:
//   - the judge's reply is parsed with `(.*?):\s*(?:Score\s+)?(-?\d+(?:\.\d+)?)` and then
//     `(.*?):\s*\[(-?\d+(?:\.\d+)?)\]` over the whole reply (findall; the stripped text before the
//     colon names the metric, a later match of a name replaces an earlier one), values above 20
//     dropped;
//   - a negative criterion's score s counts as 20 - s; a piece's score is the mean over its
//     parsed metrics; the rubric score is the mean over pieces, reported x 5 (0-100) with a 95%
//     bootstrap interval over pieces (500 resamples).
// The judge is any OpenAI-compatible chat endpoint; its URL and model are stored with the run.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lfm::evals {

struct CreativePrompt {
  std::string id;  // "1".."33" (there is no "27")
  std::string title;
  std::string writing_prompt;  // with the <SEED> marker
  std::vector<std::string> seed_modifiers;
};

struct CreativeWritingData {
  std::vector<CreativePrompt> prompts;  // by numeric id
  std::string judge_template;           // {writing_prompt} {test_model_response} ...
  std::vector<std::string> criteria;
  std::vector<std::string> negative_criteria;

  // Reads the four files of `dir` (creative-writing-v3); errors name the file.
  static StatusOr<CreativeWritingData> Load(const std::string& dir);

  // The prompt of iteration `iteration` (1-based): seed modifier (iteration - 1) mod count.
  std::string PiecePrompt(const CreativePrompt& p, int iteration) const;
  // The judge prompt for a response to `p` (the base prompt, <SEED> left in, as the reference
  // does).
  std::string JudgePrompt(const CreativePrompt& p, const std::string& response) const;
};

// The official parser (see above): metric name -> score.
std::map<std::string, double> ParseJudgeScores(std::string_view reply);

// The piece's 0-20 score: negative criteria inverted, the mean over parsed metrics; none when the
// reply had no score.
std::optional<double> PieceScore(const std::map<std::string, double>& scores,
                                 const std::vector<std::string>& negative_criteria);

// Adds `eval creative-writing` to the `eval` command group.
void AddCreativeWritingCommand(CLI::App& eval_group);

}  // namespace lfm::evals
