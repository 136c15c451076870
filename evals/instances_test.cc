#include "evals/instances.h"

#include <fstream>

#include <gtest/gtest.h>

#include "evals/fake_model.h"
#include "evals/python_random.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

const TaskRegistry& Builtin() {
  static const TaskRegistry reg = *TaskRegistry::LoadBuiltin();
  return reg;
}

// The first abstract_algebra test question with its 5-shot context, written out by hand from
// lm-eval's template: the description, the subject's five dev questions in file order, each
// with " <letter>" and a blank line, then the question and "Answer:".
TEST(InstancesTest, MmluPromptIsLmEvalsExactString) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  InstanceOptions options;
  options.limit = 1;
  auto built = BuildInstances(*Builtin().FindTask("mmlu_abstract_algebra"), cache, options);
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ(built->instances.size(), 1u);
  EXPECT_EQ(built->original_docs, 100);
  EXPECT_EQ(built->num_fewshot, 5);
  const Instance& inst = built->instances[0];
  const std::string expected =
      "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
      "Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.\n"
      "A. 0\nB. 1\nC. 2\nD. 3\nAnswer: B\n\n"
      "Statement 1 | If aH is an element of a factor group, then |aH| divides |a|. Statement 2 | "
      "If H and K are subgroups of G then HK is a subgroup of G.\n"
      "A. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: B\n\n"
      "Statement 1 | Every element of a group generates a cyclic subgroup of the group. "
      "Statement 2 | The symmetric group S_10 has 10 elements.\n"
      "A. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: C\n\n"
      "Statement 1| Every function from a finite set onto itself must be one to one. "
      "Statement 2 | Every subgroup of an abelian group is abelian.\n"
      "A. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: A\n\n"
      "Find the characteristic of the ring 2Z.\n"
      "A. 0\nB. 3\nC. 12\nD. 30\nAnswer: A\n\n"
      "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\n"
      "A. 0\nB. 4\nC. 2\nD. 6\nAnswer:";
  EXPECT_EQ(inst.prompt, expected);
  EXPECT_EQ(inst.choices, (std::vector<std::string>{"A", "B", "C", "D"}));
  ASSERT_EQ(inst.loglikelihood.size(), 4u);
  EXPECT_EQ(inst.loglikelihood[1].continuation, " B");
  EXPECT_EQ(inst.loglikelihood[1].context, expected);
  EXPECT_EQ(inst.gold_index, 1u);
  EXPECT_EQ(inst.target, "B");
}

// lm-eval's default sampler: Random(1234).sample(train, 5) per test document, in order; the
// second document gets the second draw.
TEST(InstancesTest, Gsm8kExemplarsFollowTheSeededSampler) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  InstanceOptions options;
  options.limit = 2;
  const TaskSpec& task = *Builtin().FindTask("gsm8k");
  auto built = BuildInstances(task, cache, options);
  ASSERT_TRUE(built.ok()) << built.status().message();
  auto train = cache.Split(task.dataset.at("train"), "gsm8k");
  ASSERT_TRUE(train.ok());
  auto test = cache.Split(task.dataset.at("test"), "gsm8k");
  auto exemplar = [&](size_t i) {
    const json& d = (*train)[i];
    return "Question: " + d["question"].get<std::string>() + "\nAnswer: " +
           d["answer"].get<std::string>() + "\n\n";
  };
  // Draws printed by CPython 3.11 (python_random_test.cc): [7462, 6610, 4769, 286, 5501] second.
  const std::string second = exemplar(7462) + exemplar(6610) + exemplar(4769) + exemplar(286) +
                             exemplar(5501) + "Question: " + (*test)[1]["question"].get<std::string>() +
                             "\nAnswer:";
  EXPECT_EQ(built->instances[1].prompt, second);
  EXPECT_EQ(built->instances[1].target, (*test)[1]["answer"].get<std::string>());
  ASSERT_TRUE(built->instances[1].generation.has_value());
  EXPECT_EQ(built->instances[1].generation->until, task.generation.until);
  EXPECT_EQ(built->instances[1].generation->max_tokens, 256);
  options.gen_kwargs = {{"max_gen_toks", 7}};
  EXPECT_EQ(BuildInstances(task, cache, options)->instances[0].generation->max_tokens, 7);
  options.gen_kwargs = nlohmann::json::object();
  // --num_fewshot 0: just the question.
  options.num_fewshot = 0;
  auto zero = BuildInstances(task, cache, options);
  EXPECT_EQ(zero->instances[0].prompt, "Question: " + (*test)[0]["question"].get<std::string>() + "\nAnswer:");
}

TEST(InstancesTest, GsmCotUsesInlineExemplarsAndTheirTargets) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  InstanceOptions options;
  options.limit = 1;
  auto built = BuildInstances(*Builtin().FindTask("gsm8k_cot"), cache, options);
  ASSERT_TRUE(built.ok()) << built.status().message();
  const Instance& inst = built->instances[0];
  EXPECT_EQ(inst.prompt.rfind(
                "Q: There are 15 trees in the grove. Grove workers will plant trees in the grove "
                "today. After they are done, there will be 21 trees. How many trees did the grove "
                "workers plant today?\nA: There are 15 trees originally. Then there were 21 trees "
                "after some more were planted. So there must have been 21 - 15 = 6. The answer is "
                "6.\n\nQ: If there are 3 cars",
                0),
            0u);
  EXPECT_EQ(inst.target, "18");  // the number after "####" in the first test answer
  auto llama = BuildInstances(*Builtin().FindTask("gsm8k_cot_llama"), cache, options);
  ASSERT_TRUE(llama.ok()) << llama.status().message();
  // target_delimiter "": the exemplar target follows the prompt's final newline directly.
  EXPECT_NE(llama->instances[0].prompt.find("the response to the problem.\nThere are 15 trees "
                                            "originally."),
            std::string::npos);
}

TEST(InstancesTest, ChatTemplateWrapsDescriptionAndDropsTheChoiceDelimiter) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  DocumentCache cache(shared + "/datasets");
  FakeModel model({});
  InstanceOptions options;
  options.limit = 1;
  options.num_fewshot = 1;
  options.chat_model = &model;
  auto built = BuildInstances(*Builtin().FindTask("mmlu_abstract_algebra"), cache, options);
  ASSERT_TRUE(built.ok()) << built.status().message();
  const Instance& inst = built->instances[0];
  EXPECT_EQ(inst.prompt,
            "<|im_start|>system\nThe following are multiple choice questions (with answers) about "
            "abstract algebra.\n\n<|im_end|>\n<|im_start|>user\nFind all c in Z_3 such that "
            "Z_3[x]/(x^2 + c) is a field.\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer: B\n\nFind the degree for "
            "the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. "
            "6\nAnswer:<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(inst.loglikelihood[0].continuation, "A");
}

TEST(InstancesTest, FewshotFromTheTestSplitSkipsTheDocumentItself) {
  // A same-split few-shot draw takes k+1 documents and drops the current one, as lm-eval does.
  const std::string dir = testing::TempDir();
  std::filesystem::create_directories(dir + "/t");
  std::ofstream out(dir + "/t/data.jsonl");
  for (int i = 0; i < 4; ++i) out << "{\"q\": \"q" << i << "\", \"a\": \"a" << i << "\"}\n";
  out.close();
  auto reg = TaskRegistry::Load({{"t.yaml",
                                  "task: t\ndataset: {test: {file: t/data.jsonl}}\ntest_split: test\n"
                                  "fewshot_split: test\nfewshot_config: {sampler: first_n}\n"
                                  "num_fewshot: 2\noutput_type: generate_until\n"
                                  "doc_to_text: '{{q}}'\ndoc_to_target: '{{a}}'\n"
                                  "metric_list: [{metric: exact_match}]\n"}});
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  DocumentCache cache(dir);
  auto built = BuildInstances(*reg->FindTask("t"), cache, {});
  ASSERT_TRUE(built.ok()) << built.status().message();
  EXPECT_EQ(built->instances[0].prompt, "q1 a1\n\nq2 a2\n\nq0");  // doc 0 skipped, 3 drawn
  EXPECT_EQ(built->instances[1].prompt, "q0 a0\n\nq2 a2\n\nq1");
  EXPECT_EQ(built->instances[3].prompt, "q0 a0\n\nq1 a1\n\nq3");

  InstanceOptions too_many;
  too_many.num_fewshot = 4;
  auto fail = BuildInstances(*reg->FindTask("t"), cache, too_many);
  ASSERT_FALSE(fail.ok());
  EXPECT_EQ(fail.status().message(), "task t: 4-shot needs 5 few-shot documents, the task has 4");

  DocumentCache empty(testing::TempDir());
  auto missing = BuildInstances(*reg->FindTask("t"), empty, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("t/data.jsonl: no such file"), std::string::npos);
}

}  // namespace
}  // namespace lfm::evals
