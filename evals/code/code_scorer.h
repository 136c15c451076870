// The document scorers of the code tasks for `eval run` (`process_results: humanevalplus` and
// `process_results: livecodebench` in a task spec): each generation is scored by
// ScoreCodeCandidate (code_tasks.h) in the sandbox, a batch at a time with `code_jobs` parallel
// workers. Metrics (filter "none"): humanevalplus gives pass@1 (HumanEval+: base and plus tests)
// and pass@1_base (HumanEval); livecodebench gives pass@1. The full score object, including the
// sandbox's isolation, is stored as the sample's `extracted` value.
// With n samples per document (ScorerContext::samples, `eval run --samples n`) every completion
// is scored, the extracted value is {"n", "correct", ["correct_base"], "samples": [{"response",
// "score"}...]}, and the metrics are pass@k (and pass@k_base) for every k <= n, the unbiased
// estimator over the document's n completions (PassAtK), averaged over documents.
// HumanEval+ in a chat run (ScorerContext::chat) grades EvalPlus' sanitized code of the reply.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "evals/sample_scorer.h"
#include "evals/task_spec.h"

namespace lfm::evals::code {

// Whether `process_results` names a code scorer.
bool IsCodeScorer(const std::string& process_results);

// kInvalidArgument naming the spec for a metric the scorer does not produce or an output type
// other than generate_until; the sandbox's errors (no python, isolation=bwrap unusable).
StatusOr<std::unique_ptr<SampleScorer>> MakeCodeSampleScorer(const TaskSpec& task,
                                                             const ScorerContext& context);

}  // namespace lfm::evals::code
