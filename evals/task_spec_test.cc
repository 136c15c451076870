#include "evals/task_spec.h"

#include <gtest/gtest.h>

#include "evals/data_reader.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

TEST(TaskSpecTest, BuiltinSpecsLoad) {
  auto reg = TaskRegistry::LoadBuiltin();
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  for (const char* name : {"gsm8k", "gsm8k_cot", "gsm8k_cot_llama", "ifeval", "mmlu_anatomy"}) {
    EXPECT_NE(reg->FindTask(name), nullptr) << name;
  }
  auto mmlu = reg->ExpandToTasks({"mmlu"});
  ASSERT_TRUE(mmlu.ok()) << mmlu.status().message();
  EXPECT_EQ(mmlu->size(), 57u);
  // The four categories partition the subjects: 19 + 13 + 12 + 13.
  EXPECT_EQ(reg->ExpandToTasks({"mmlu_stem"})->size(), 19u);
  EXPECT_EQ(reg->ExpandToTasks({"mmlu_humanities"})->size(), 13u);
  EXPECT_EQ(reg->ExpandToTasks({"mmlu_social_sciences"})->size(), 12u);
  EXPECT_EQ(reg->ExpandToTasks({"mmlu_other"})->size(), 13u);
  // Duplicates collapse, order is kept.
  auto mixed = reg->ExpandToTasks({"gsm8k", "mmlu_stem_tasks", "gsm8k", "mmlu_anatomy"});
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->size(), 20u);
  EXPECT_EQ((*mixed)[0], "gsm8k");
  EXPECT_EQ((*mixed)[1], "mmlu_abstract_algebra");

  const TaskSpec* algebra = reg->FindTask("mmlu_abstract_algebra");
  EXPECT_EQ(algebra->output_type, OutputType::kMultipleChoice);
  EXPECT_EQ(algebra->num_fewshot, 5);
  EXPECT_EQ(algebra->fewshot.sampler, "first_n");
  EXPECT_EQ(algebra->version, "1.0");
  EXPECT_EQ(algebra->dataset.at("test").where.at("subject"), "abstract_algebra");
  const TaskSpec* gsm8k = reg->FindTask("gsm8k");
  EXPECT_EQ(gsm8k->generation.until, (std::vector<std::string>{"Question:", "</s>", "<|im_end|>"}));
  EXPECT_EQ(gsm8k->filters.size(), 2u);
  EXPECT_EQ(gsm8k->filters[1].steps[0]["group_select"], -1);  // YAML ints stay ints
  EXPECT_EQ(gsm8k->version, "3.0");
  const GroupSpec* group = reg->FindGroup("mmlu");
  ASSERT_EQ(group->aggregates.size(), 2u);
  EXPECT_FALSE(group->aggregates[1].weight_by_size);
  EXPECT_EQ(group->aggregates[1].name, "acc_macro");
}

// The inline exemplars of gsm8k_cot are the ones lm-eval's YAML carries (stored separately as
// datasets/gsm8k/gsm8k_cot_8shot_exemplars.derived.json).
TEST(TaskSpecTest, GsmCotExemplarsMatchTheDerivedFile) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  ReadOptions options;
  options.format = DataFormat::kJson;
  auto file = ReadRecords(shared + "/datasets/gsm8k/gsm8k_cot_8shot_exemplars.derived.json", options);
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto reg = TaskRegistry::LoadBuiltin();
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg->FindTask("gsm8k_cot")->fewshot.samples, *file);
}

std::string LoadError(const std::vector<SpecSource>& sources) {
  auto reg = TaskRegistry::Load(sources);
  return reg.ok() ? "<loaded>" : reg.status().message();
}

const char kGoodTask[] =
    "task: t\n"
    "dataset: {test: {file: t/test.jsonl}}\n"
    "test_split: test\n"
    "output_type: generate_until\n"
    "doc_to_text: 'Q: {{q}}'\n"
    "doc_to_target: '{{a}}'\n"
    "metric_list: [{metric: exact_match}]\n";

TEST(TaskSpecTest, LoaderAcceptsAMinimalSpec) {
  auto reg = TaskRegistry::Load({{"t.yaml", kGoodTask}});
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  const TaskSpec* t = reg->FindTask("t");
  EXPECT_EQ(t->target_delimiter, " ");
  EXPECT_EQ(t->fewshot_delimiter, "\n\n");
  EXPECT_EQ(t->generation.max_gen_toks, 256);
  EXPECT_EQ(t->metrics[0].aggregation, "mean");
  EXPECT_EQ(t->dataset.at("test").read.format, DataFormat::kJsonl);
}

TEST(TaskSpecTest, LoaderErrorsNameFileAndField) {
  const std::string good = kGoodTask;
  EXPECT_EQ(LoadError({{"a/t.yaml", good + "doc_to_txt: x\n"}}),
            "a/t.yaml: unknown key 'doc_to_txt' (did you mean 'doc_to_text'?)");
  EXPECT_EQ(LoadError({{"t.yaml", good + "num_fewshot: five\n"}}),
            "t.yaml: 'num_fewshot' must be an integer, got \"five\"");
  EXPECT_EQ(LoadError({{"t.yaml", good + "generation_kwargs: {until: [1, 2], max_gen_tokens: 3}\n"}}),
            "t.yaml: generation_kwargs: unknown key 'max_gen_tokens' (did you mean 'max_gen_toks'?)");
  EXPECT_EQ(LoadError({{"t.yaml", good + "generation_kwargs: {until: [1, 2]}\n"}}),
            "t.yaml: generation_kwargs: 'until' must be a list of strings, got [1,2]");
  std::string bad_type = good;
  bad_type.replace(bad_type.find("generate_until"), 14, "generate");
  EXPECT_EQ(LoadError({{"t.yaml", bad_type}}),
            "t.yaml: unknown output_type 'generate' (multiple_choice, loglikelihood, "
            "loglikelihood_rolling, generate_until)");
  std::string choice_with_prefix = good;
  choice_with_prefix.replace(choice_with_prefix.find("generate_until"), 14, "multiple_choice");
  EXPECT_EQ(LoadError({{"t.yaml", choice_with_prefix + "doc_to_choice: ['a', 'b']\ngen_prefix: 'A:'\n"}}),
            "t.yaml: 'gen_prefix' must be used with output_type generate_until only, got \"A:\"");
  std::string bad_template = good;
  bad_template.replace(bad_template.find("'Q: {{q}}'"), 10, "'Q: {{q'");
  EXPECT_EQ(LoadError({{"t.yaml", bad_template}}),
            "t.yaml: 'doc_to_text': at offset 3: '{{' is never closed");
  std::string no_target = good;
  no_target.erase(no_target.find("doc_to_target"), 22);
  EXPECT_EQ(LoadError({{"t.yaml", no_target}}), "t.yaml: missing required key 'doc_to_target'");
  EXPECT_EQ(LoadError({{"t.yaml", good + "fewshot_split: train\n"}}),
            "t.yaml: split 'train' is not in 'dataset'");
  EXPECT_EQ(LoadError({{"t.yaml", good + "num_fewshot: 2\n"}}),
            "t.yaml: num_fewshot is 2 but there is no fewshot_split or fewshot_config.samples");
  EXPECT_EQ(LoadError({{"t.yaml", good + "metadata: {version: 1, owner: me}\n"}}),
            "t.yaml: metadata: unknown key 'owner'");
  EXPECT_EQ(LoadError({{"t.yaml", good + "filter_list: [{name: x, filter: {function: regex}}]\n"}}),
            "t.yaml: filter_list[0]: 'filter' must be a list of {function: ...} steps, got "
            "{\"function\":\"regex\"}");
  EXPECT_EQ(LoadError({{"t.yaml", good + "dataset: {test: {file: t/test.bin}}\n"}}),
            "t.yaml: dataset.test: cannot tell the format of 't/test.bin'; add format: "
            "jsonl|json|csv|tsv|text");
  EXPECT_EQ(LoadError({{"t.yaml", "task: [unclosed\n"}}).rfind("t.yaml:2:1: YAML error: ", 0), 0u);
}

TEST(TaskSpecTest, GenKwargsOverrideGenerationSettings) {
  auto kwargs = ParseGenKwargs("max_gen_toks=32,temperature=0.5,do_sample=true");
  ASSERT_TRUE(kwargs.ok()) << kwargs.status().message();
  const GenerationSpec g = WithGenKwargs(GenerationSpec{{"Q:"}, 256}, *kwargs);
  EXPECT_EQ(g.max_gen_toks, 32);
  EXPECT_EQ(g.temperature, 0.5);
  EXPECT_TRUE(g.do_sample);
  EXPECT_EQ(g.until, std::vector<std::string>{"Q:"});
  EXPECT_EQ(ParseGenKwargs("")->size(), 0u);
  EXPECT_EQ(ParseGenKwargs("max_gen_tokens=3").status().message(),
            "--gen-kwargs: unknown key 'max_gen_tokens' (did you mean 'max_gen_toks'?)");
  EXPECT_EQ(ParseGenKwargs("max_gen_toks=many").status().message(),
            "--gen-kwargs: 'max_gen_toks' must be an integer, got \"many\"");
  EXPECT_EQ(ParseGenKwargs("temperature").status().message(),
            "--gen-kwargs: 'temperature' is not key=value");
}

TEST(TaskSpecTest, IncludesMergeAndFail) {
  const std::string base =
      "dataset: {test: {file: t/test.jsonl}}\n"
      "test_split: test\n"
      "output_type: generate_until\n"
      "doc_to_text: 'base'\n"
      "doc_to_target: '{{a}}'\n"
      "metric_list: [{metric: exact_match}]\n";
  auto reg = TaskRegistry::Load(
      {{"sub/_base_yaml", base}, {"sub/t.yaml", "include: _base_yaml\ntask: t\ndoc_to_text: 'mine'\n"}});
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  EXPECT_EQ(reg->FindTask("t")->doc_to_text.source(), "mine");  // the including file wins
  EXPECT_EQ(reg->FindTask("t")->file, "sub/t.yaml");

  EXPECT_EQ(LoadError({{"t.yaml", "include: missing_yaml\ntask: t\n"}}),
            "t.yaml: include: missing_yaml: no such spec file");
  EXPECT_EQ(LoadError({{"a_yaml", "include: b_yaml\n"}, {"b_yaml", "include: a_yaml\n"},
                       {"t.yaml", "include: a_yaml\ntask: t\n"}}),
            "t.yaml: include: a_yaml: include: b_yaml: include: a_yaml: include cycle (t.yaml -> "
            "a_yaml -> b_yaml)");
}

TEST(TaskSpecTest, GroupsAndNames) {
  const std::string task = kGoodTask;
  EXPECT_EQ(LoadError({{"t.yaml", task}, {"u.yaml", task}}), "u.yaml: the name 't' is defined twice");
  EXPECT_EQ(LoadError({{"t.yaml", task}, {"g.yaml", "group: g\ntask: [t, nope]\n"}}),
            "g.yaml: group member 'nope' is not a task, group or tag");
  EXPECT_EQ(LoadError({{"t.yaml", task}, {"g.yaml", "group: g\ntask: [t, g]\n"}}),
            "g.yaml: group 'g' contains itself");
  EXPECT_EQ(LoadError({{"x.yaml", "doc_to_text: a\n"}}), "x.yaml: a spec names a 'task' or a 'group'");
  auto reg = TaskRegistry::Load({{"t.yaml", task + "tag: [family]\n"},
                                 {"g.yaml", "group: g\ntask: [family]\naggregate_metric_list: "
                                            "[{metric: exact_match, filter_list: strict}]\n"}});
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  EXPECT_EQ(reg->GroupMembers(*reg->FindGroup("g")), std::vector<std::string>{"t"});
  EXPECT_EQ(reg->FindGroup("g")->aggregates[0].filter, "strict");
  auto unknown = reg->ExpandToTasks({"gg"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown task or group 'gg' (did you mean 'g'?)");
}

}  // namespace
}  // namespace lfm::evals
