// Tasks as data: one YAML spec per task (and per group of tasks) under evals/tasks/, in the shape
// of lm-evaluation-harness's task YAMLs so a spec can be checked line by line against lm-eval's.
// The loader turns them into TaskSpec / GroupSpec, rejecting unknown keys and mistyped values
// with the file and field named. evals/tasks/README.md documents every key.
//
//   task: gsm8k                       # or `group: mmlu` for a group spec (GroupSpec)
//   include: _template_yaml           # keys of another file (relative path); this file wins
//   dataset: {test: {file: gsm8k/test.jsonl}, train: {file: gsm8k/train.jsonl}}
//   test_split: test
//   fewshot_split: train
//   output_type: generate_until       # multiple_choice | loglikelihood | loglikelihood_rolling
//   doc_to_text: "Question: {{question}}\nAnswer:"   # prompt_template.h
//   doc_to_target: "{{answer}}"
//   num_fewshot: 5
//   generation_kwargs: {until: ["Question:"], max_gen_toks: 256, do_sample: false}
//   filter_list: [{name: strict-match, filter: [{function: regex, regex_pattern: ...}]}]
//   metric_list: [{metric: exact_match, aggregation: mean, higher_is_better: true, ...}]
//   metadata: {version: 3.0}
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "evals/data_reader.h"
#include "evals/prompt_template.h"

namespace lfm::evals {

// One split of a task's data: a file under the data directory, how to read it, and which of its
// records belong to the task (`where`: field -> required value, compared as rendered strings).
struct SplitSpec {
  std::string file;
  ReadOptions read;
  std::map<std::string, std::string> where;
};

enum class OutputType { kMultipleChoice, kLoglikelihood, kLoglikelihoodRolling, kGenerateUntil };
const char* OutputTypeName(OutputType type);

struct FewshotSpec {
  // "first_n": the first k few-shot documents in file order. "default": lm-eval's seeded random
  // draw (python_random.h), one draw per test document in document order.
  std::string sampler = "default";
  // Inline exemplars (lm-eval's fewshot_config.samples); used when there is no fewshot_split.
  std::vector<nlohmann::json> samples;
  // Ours: exemplars only from few-shot documents whose field `match` equals the test document's
  // (MMMLU: the same Subject), so one task can hold many subjects. "" = the whole pool.
  std::string match;
  // Templates for exemplars when they differ from the test document's.
  std::optional<PromptTemplate> doc_to_text;
  std::optional<PromptTemplate> doc_to_target;
};

struct GenerationSpec {
  std::vector<std::string> until;  // stop strings; the output is cut before the first one
  int max_gen_toks = 256;          // lm-eval's default when a task does not say
  bool do_sample = false;
  double temperature = 0.0;
  double top_p = 1.0;
  int top_k = 0;      // 0 = off
  double min_p = 0.0;
};

// lm-eval's --gen_kwargs: "max_gen_toks=32,temperature=0.7,do_sample=true" as a JSON object
// with typed values. kInvalidArgument naming an unknown key (until is not overridable) or a value
// of the wrong type.
StatusOr<nlohmann::json> ParseGenKwargs(const std::string& text);
// `base` with the keys of `overrides` (from ParseGenKwargs) replaced.
GenerationSpec WithGenKwargs(GenerationSpec base, const nlohmann::json& overrides);

// A filter_list entry: a named chain whose steps the scoring library builds (FilterChain::Make).
struct FilterSpec {
  std::string name;
  nlohmann::json steps;  // array of {function: ..., options...}
};

// A metric_list entry. `options` is the whole entry (scoring reads its own keys from it).
struct MetricSpec {
  std::string metric;
  std::string aggregation = "mean";
  bool higher_is_better = true;
  nlohmann::json options;
};

struct TaskSpec {
  std::string task;
  std::string file;  // the spec file, for messages
  std::string task_alias;
  std::vector<std::string> tags;
  std::string benchmark;  // datasets/manifest.json name, for "how to get the data" hints
  std::map<std::string, SplitSpec> dataset;
  std::string test_split;
  std::string fewshot_split;  // "" = none (inline samples or 0-shot)
  OutputType output_type = OutputType::kGenerateUntil;
  PromptTemplate doc_to_text;
  PromptTemplate doc_to_target;
  // multiple_choice: either a list of templates (one per choice) or one expression giving a list.
  std::vector<PromptTemplate> doc_to_choice;
  bool doc_to_choice_is_list_expression = false;
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  std::optional<PromptTemplate> description;
  // lm-eval's gen_prefix (generate_until): the start of the answer, written for the model to
  // continue: after the chat template's assistant header in chat runs, after target_delimiter
  // otherwise. The response is what the model writes after it.
  std::optional<PromptTemplate> gen_prefix;
  int num_fewshot = 0;
  FewshotSpec fewshot;
  GenerationSpec generation;
  std::vector<FilterSpec> filters;  // empty: one "none" filter (take the response as is)
  std::vector<MetricSpec> metrics;
  // A named document scorer that computes the metrics from the document and the response
  // (lm-eval's process_results), e.g. "ifeval"; "" = filters then per-filter metrics.
  std::string process_results;
  // Document fields whose values split the task's metrics (MATH's subject and level, MMLU-Pro's
  // category): reported as "task/field=value" rows next to the task's own (ours, not lm-eval's).
  std::vector<std::string> report_by;
  // A named transform of the records after reading (lm-eval's process_docs, process_docs.h);
  // null = none. Recorded with every score (it may carry a shuffle seed).
  nlohmann::json process_docs;
  // false: the task's text (prompts, responses) is never stored or shown (GPQA's authors ask
  // that its questions stay out of logs and web pages); scores and verdicts still are.
  bool display_samples = true;
  // A named multi-turn expansion (ours), e.g. "multi_if": each test record becomes one document
  // per turn (instances.h), and turn k's prompt is made from the stored replies to turns < k.
  // "" = one single-turn document per record.
  std::string multi_turn;
  std::string version;       // metadata.version, as written ("3.0")
  nlohmann::json config;     // the merged spec as JSON (results.json "configs")
};

// One aggregate_metric_list entry, computed as lm-eval's consolidate_group_results does: over
// the group's members (tasks and subgroups, each with its value, standard error and size), the
// size-weighted mean (micro) or the plain mean (macro), with the pooled standard error.
struct GroupAggregate {
  std::string metric;           // the members' metric to aggregate
  std::string filter = "none";  // the members' filter
  bool weight_by_size = true;   // true: micro (pooled over documents); false: mean of members
  std::string name;             // the reported metric name (default: `metric`)
  // `over: tasks` (ours): aggregate over the group's leaf tasks instead of its direct members,
  // e.g. MMLU's macro average over the 57 subjects rather than the 4 categories.
  bool over_tasks = false;
};

struct GroupSpec {
  std::string group;
  std::string file;
  std::string group_alias;
  std::vector<std::string> members;  // task, group or tag names, as written
  std::vector<GroupAggregate> aggregates;
  std::string version;
  nlohmann::json config;
};

// A spec file's path (relative to the tasks root, "mmlu/mmlu_anatomy.yaml") and text.
struct SpecSource {
  std::string path;
  std::string content;
};

// Every task and group of a tasks tree. Names are unique across tasks, groups and tags.
class TaskRegistry {
 public:
  // Loads every *.yaml spec in `sources`; other files ("_default_template_yaml") are only
  // included. Errors name the file and the field: unknown keys (with a suggestion), wrong types,
  // unknown output types, template syntax, duplicate names, unknown group members, include
  // cycles.
  static StatusOr<TaskRegistry> Load(const std::vector<SpecSource>& sources);
  // The specs compiled into the binary (evals/tasks/**).
  static StatusOr<TaskRegistry> LoadBuiltin();
  // Every *.yaml and *_yaml file under `dir`.
  static StatusOr<TaskRegistry> LoadDirectory(const std::string& dir);

  const TaskSpec* FindTask(const std::string& name) const;
  const GroupSpec* FindGroup(const std::string& name) const;
  std::vector<std::string> TaskNames() const;
  std::vector<std::string> GroupNames() const;

  // The leaf tasks of `names` (tasks, groups or tags), in order, without duplicates. Unknown
  // names are kNotFound with a suggestion.
  StatusOr<std::vector<std::string>> ExpandToTasks(const std::vector<std::string>& names) const;
  // A group's direct members with tags expanded to their tasks.
  std::vector<std::string> GroupMembers(const GroupSpec& group) const;

 private:
  std::map<std::string, TaskSpec> tasks_;
  std::map<std::string, GroupSpec> groups_;
  std::map<std::string, std::vector<std::string>> tags_;  // tag -> tasks, in file order
};

}  // namespace lfm::evals
