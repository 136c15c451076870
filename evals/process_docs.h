// Named document transforms: lm-eval's `process_docs`, applied to a split's records after they
// are read (before --limit, so a transform that depends on file order, like GPQA's shuffle, gives
// every document the same result whatever the limit). A spec names one with its options:
//   process_docs: {function: gpqa, seed: 0}
// Adding one: write the function and add a line to ProcessDocsRegistry() in process_docs.cc.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace lfm::evals {

// Checks `config` ({function: NAME, options...}) names a registered transform with valid options;
// errors name the option.
Status CheckProcessDocs(const nlohmann::json& config);
// Applies the transform to `docs`, in file order; `data_dir` is where a transform finds the
// files it reads besides the split (LiveCodeBench's few-shot examples). Errors name the document
// and the field, or the file.
Status ApplyProcessDocs(const nlohmann::json& config, const std::string& data_dir,
                        std::vector<nlohmann::json>& docs);

// gpqa: from the official CSV columns (Correct Answer, Incorrect Answer 1..3) to `choices` (each
// stripped, " [title]" -> ". ", double spaces collapsed, as lm-eval's gpqa preprocess), the four
// options shuffled, and `answer` the correct one's "(A)".."(D)".
// The permutations are Python's random.Random(seed).sample(range(4), 4), drawn once per document
// in file order (bit-exact with CPython), so the option order is fixed by the recorded seed.
inline constexpr const char* kGpqaProcessDocs = "gpqa";

// livecodebench: {start_date, end_date, prompt}: the problems of the contest-date window, each
// with `format_block` (the chat prompt's "### Format:" part) and, with prompt: base, `base_prompt`
// (lcb_runner's prompt for base models: one few-shot example, read from the data directory's
// livecodebench/fewshot_generation_{func,stdin}.json). See code::PrepareLcbDocs.

}  // namespace lfm::evals
