// The eval runner: for each task of a run, builds every document's requests from its TaskSpec,
// sends them to a LanguageModel in batches, scores each document (sample_scorer.h) and stores it
// in the results database the moment it is scored. A rerun with the same settings finds the run
// by its resume key and skips stored documents; a cancel (Ctrl-C) stops between requests, marks
// the run incomplete and loses no stored sample. Task and group metrics are always computed from
// the stored samples, so an interrupted-and-resumed run reports exactly what an uninterrupted one
// does. No task-specific code: everything task-shaped comes from the spec.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "evals/instances.h"
#include "evals/language_model.h"
#include "evals/task_spec.h"
#include "results/records.h"
#include "results/result_store.h"

namespace lfm::evals {

struct RunnerOptions {
  std::vector<std::string> tasks;  // task, group or tag names, as the user gave them
  std::optional<int> limit;        // documents per task
  std::optional<int> num_fewshot;  // overrides every task's num_fewshot
  bool chat = false;               // apply the model's chat template (instances.h)
  uint64_t seed = 1234;            // few-shot sampler seed (lm-eval's fewshot_random_seed)
  // lm-eval's --gen_kwargs: generation settings replacing every generate_until task's
  // (ParseGenKwargs in task_spec.h); part of the resume key.
  nlohmann::json gen_kwargs = nlohmann::json::object();
  int batch_size = 8;              // documents per model call
  // generate_until: completions drawn per document, sample j with generation seed `seed + j`;
  // n > 1 needs sampling settings (gen_kwargs) and a scorer that reports pass@k (the code
  // tasks). All n are scored and stored with the document; part of the resume key when n > 1.
  int samples = 1;
  int code_jobs = 1;               // code tasks: candidates run at once in the sandbox
  std::string sandbox_isolation = "auto";  // code tasks: evals/code/sandbox.h
  int bootstrap_iters = 100000;    // lm-eval's --bootstrap_iters (standard errors of non-means)
  bool show_progress = true;
  const std::atomic<bool>* cancel = nullptr;  // raised by Ctrl-C; not owned
  // Stop as if cancelled once this many samples have been stored by this call (0 = never); a
  // test hook for "interrupted midway".
  int64_t stop_after_samples = 0;
  // Provenance stored with the run (model, build, device, backend, threads, command line, tag).
  results::RunRecord run;
  // What identifies the model for resuming (its file hash); part of the resume key.
  std::string model_identity;
};

struct MetricResult {
  std::string metric;
  std::string filter;
  double value = 0;
  std::optional<double> stderr_value;  // none: lm-eval's "N/A"
  int64_t n = 0;
  bool higher_is_better = true;
};

struct TaskResult {
  std::string name;
  std::string alias;
  std::string version;
  int num_fewshot = 0;
  int64_t original_docs = 0;   // in the split
  int64_t effective_docs = 0;  // evaluated (after --limit)
  std::vector<MetricResult> metrics;
  // report_by rows: ("subject=Algebra", the metrics over those documents), stored as scores of
  // "task/subject=Algebra".
  std::vector<std::pair<std::string, std::vector<MetricResult>>> breakdown;
  nlohmann::json config;
};

struct GroupResult {
  std::string name;
  std::string alias;
  std::string version;
  std::vector<std::string> members;  // direct members (tags expanded)
  std::vector<MetricResult> metrics;
};

struct RunResult {
  int64_t run_id = 0;
  bool complete = false;         // false: cancelled; metrics are then empty
  int64_t samples_scored = 0;    // by this call
  int64_t samples_resumed = 0;   // found already stored
  std::vector<TaskResult> tasks;    // in expansion order
  std::vector<GroupResult> groups;  // every group under the requested names, parents first
};

// Runs (or resumes) an evaluation. Errors: bad task names or specs, missing data (naming the
// file and the fetch command), model failures (the run is stored as failed), store failures.
// A cancel is not an error: it returns complete == false after marking the run incomplete.
StatusOr<RunResult> RunEval(LanguageModel& model, const TaskRegistry& registry, DocumentCache& data,
                            results::ResultStore& store, const RunnerOptions& options);

// kInvalidArgument naming the task when `options.samples` > 1 would draw n identical greedy
// completions (a generate_until task without do_sample and a temperature > 0).
Status CheckSamplesAreDrawn(const TaskRegistry& registry, const RunnerOptions& options);

// The resume key of a run: a hash of the model identity, the requested tasks, each task's spec
// and every setting that changes the numbers (limit, shots, chat, seed, backend).
std::string ResumeKey(const TaskRegistry& registry, const std::vector<std::string>& leaf_tasks,
                      const RunnerOptions& options);

}  // namespace lfm::evals
