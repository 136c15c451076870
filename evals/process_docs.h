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
// Applies the transform to `docs`, in file order. Errors name the document and the field.
Status ApplyProcessDocs(const nlohmann::json& config, std::vector<nlohmann::json>& docs);

// gpqa: from the official CSV columns (Correct Answer, Incorrect Answer 1..3) to `choices` (each
// stripped, " [title]" -> ". ", double spaces collapsed, as lm-eval's gpqa preprocess), the four
// options shuffled, and `answer` the correct one's "(A)".."(D)".
// The permutations are Python's random.Random(seed).sample(range(4), 4), drawn once per document
// in file order (bit-exact with CPython), so the option order is fixed by the recorded seed.
inline constexpr const char* kGpqaProcessDocs = "gpqa";

}  // namespace lfm::evals
