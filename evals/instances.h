// From a TaskSpec and its data to what the model is asked: each test document's prompt
// (description, few-shot exemplars, the document), its choices or generation settings, and its
// gold answer, assembled exactly as lm-evaluation-harness assembles them (fewshot_context,
// ContextSampler.get_context, construct_requests).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "evals/language_model.h"
#include "evals/task_spec.h"

namespace lfm::evals {

// Reads split files once per run and hands out the records a split's `where` selects.
class DocumentCache {
 public:
  explicit DocumentCache(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  const std::string& data_dir() const { return data_dir_; }

  // The split's records, in file order. A missing file is kNotFound naming the path and the
  // `lfmbench datasets fetch` command for `benchmark` (when known).
  StatusOr<std::vector<nlohmann::json>> Split(const SplitSpec& split, const std::string& benchmark);
  // The SHA-256 of the split's file (hashed once per file), recorded with every score.
  StatusOr<std::string> FileSha256(const SplitSpec& split);

 private:
  std::string data_dir_;
  std::map<std::string, std::string> sha256_;
  std::map<std::string, std::shared_ptr<const std::vector<nlohmann::json>>> files_;
};

struct InstanceOptions {
  std::optional<int> limit;        // evaluate only the first N test documents
  std::optional<int> num_fewshot;  // overrides the spec's num_fewshot
  uint64_t fewshot_seed = 1234;    // lm-eval's fewshot_random_seed
  // Generation settings that replace every generate_until task's (ParseGenKwargs); {} = none.
  nlohmann::json gen_kwargs = nlohmann::json::object();
  // Render prompts with the model's chat template: the description as the system turn, the
  // few-shot block and the document as one user turn (lm-eval --apply_chat_template without
  // --fewshot_as_multiturn); multiple-choice continuations lose the target delimiter, as in
  // lm-eval.
  const LanguageModel* chat_model = nullptr;
};

// One test document, ready to send.
struct Instance {
  int64_t doc_id = 0;  // index in the (filtered) test split
  nlohmann::json doc;
  std::string prompt;  // the full context
  // multiple_choice: the choices and one log-likelihood request per choice.
  std::vector<std::string> choices;
  std::vector<LogLikelihoodRequest> loglikelihood;
  // loglikelihood_rolling / generate_until: one request.
  std::optional<RollingRequest> rolling;
  std::optional<GenerationRequest> generation;
  // Multi-turn tasks (TaskSpec::multi_turn): the 0-based turn, the user messages of turns
  // 0..turn, and the doc ids of turns 0..turn-1 whose stored replies make the conversation. The
  // prompt (and generation->context) is empty until the runner fills it from those replies.
  int turn = 0;
  std::vector<std::string> user_turns;
  std::vector<int64_t> earlier_turns;
  // Gold: the rendered doc_to_target, and for multiple_choice the index into `choices`.
  std::string target;
  std::optional<size_t> gold_index;
};

struct TaskInstances {
  std::vector<Instance> instances;
  int64_t original_docs = 0;  // test documents before --limit
  int num_fewshot = 0;        // effective
};

// Multi-turn tasks: record i's turn t is document i * kMaxTurns + t (--limit counts records).
inline constexpr int64_t kMaxTurns = 3;

// Builds every instance of `task` (all of them, in document order, even those a resumed run will
// skip: the default sampler's draws depend on the order). Errors name the task and document.
StatusOr<TaskInstances> BuildInstances(const TaskSpec& task, DocumentCache& cache,
                                       const InstanceOptions& options);

}  // namespace lfm::evals
