// The code tasks inside `eval run`: the exact prompts of LiveCodeBench (base-model few-shot and
// chat formats) and HumanEval+ chat, n samples per problem scored as pass@k and resumed, and chat
// replies sanitized before they are graded.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "evals/code/code_tasks.h"
#include "evals/data_reader.h"
#include "evals/fake_model.h"
#include "evals/runner.h"
#include "tests/test_support.h"

namespace lfm::evals::code {
namespace {

using nlohmann::json;

const TaskRegistry& Builtin() {
  static const TaskRegistry reg = *TaskRegistry::LoadBuiltin();
  return reg;
}

// ---- LiveCodeBench prompts ---------------------------------------------------------------------

const LcbFewShot& SmallFewShot() {
  static const LcbFewShot fewshot{
      json::array({{{"question", "Q1"},
                    {"sample_code", "class Solution:\n    def f(self):\n        "},
                    {"answer", "class Solution:\n    def f(self):\n        return 1"}},
                   {{"question", "unused"}, {"sample_code", ""}, {"answer", "unused"}}}),
      json::array({{{"question", "Q2"}, {"answer", "print(2)"}}})};
  return fewshot;
}

json CallBased() {
  return {{"question_content", "Return the sum."},
          {"question_id", "1"},
          {"contest_date", "2025-02-01T00:00:00"},
          {"starter_code", "class Solution:\n    def total(self, nums):\n        "},
          {"public_test_cases", "[]"},
          {"private_test_cases", "[]"},
          {"metadata", R"({"func_name": "total"})"}};
}

json Stdin() {
  return {{"question_content", "Print a+b."},
          {"question_id", "abc000_a"},
          {"contest_date", "2025-02-02T00:00:00"},
          {"starter_code", ""},
          {"public_test_cases", "[]"},
          {"private_test_cases", "[]"},
          {"metadata", "{}"}};
}

TEST(LcbPrompt, BaseModelFormatForCallBasedAndStdinProblems) {
  // lcb_runner get_base_model_question_template_answer: the first example of func.json (with
  // its starter code) or stdin.json, then the problem, each as Question / [Starter Code] / Answer.
  EXPECT_EQ(*LcbBasePrompt(SmallFewShot(), CallBased()),
            "### Question\nQ1\n\n"
            "### Starter Code\nclass Solution:\n    def f(self):\n        \n\n"
            "### Answer\n\nclass Solution:\n    def f(self):\n        return 1\n\n"
            "### Question\nReturn the sum.\n\n"
            "### Starter Code\nclass Solution:\n    def total(self, nums):\n        \n\n"
            "### Answer\n\n");
  EXPECT_EQ(*LcbBasePrompt(SmallFewShot(), Stdin()),
            "### Question\nQ2\n\n### Answer\n\nprint(2)\n\n"
            "### Question\nPrint a+b.\n\n### Answer\n\n");
  LcbFewShot broken = SmallFewShot();
  broken.func[0].erase("sample_code");
  EXPECT_FALSE(LcbBasePrompt(broken, CallBased()).ok());
}

// A data directory with both problems as livecodebench/test5.jsonl and the small few-shot files.
std::string LcbDataDir() {
  const std::string dir = lfm::testing::TempDir();
  std::filesystem::create_directories(dir + "/livecodebench");
  std::ofstream(dir + "/livecodebench/test5.jsonl") << CallBased().dump() << "\n"
                                                    << Stdin().dump() << "\n";
  std::ofstream(dir + "/livecodebench/fewshot_generation_func.json") << SmallFewShot().func.dump();
  std::ofstream(dir + "/livecodebench/fewshot_generation_stdin.json")
      << SmallFewShot().stdin_examples.dump();
  return dir;
}

std::vector<std::string> Prompts(const std::string& task, const std::string& data_dir,
                                 const LanguageModel* chat_model) {
  DocumentCache cache(data_dir);
  InstanceOptions options;
  options.chat_model = chat_model;
  auto built = BuildInstances(*Builtin().FindTask(task), cache, options);
  EXPECT_TRUE(built.ok()) << built.status().message();
  std::vector<std::string> prompts;
  if (built.ok()) {
    for (const Instance& inst : built->instances) prompts.push_back(inst.prompt);
  }
  return prompts;
}

TEST(LcbPrompt, TheBaseTaskSendsTheBaseFormatAndStopsAtHashes) {
  const std::string dir = LcbDataDir();
  const auto prompts = Prompts("livecodebench_v5_base", dir, nullptr);
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_EQ(prompts[0], *LcbBasePrompt(SmallFewShot(), CallBased()));
  EXPECT_EQ(prompts[1], *LcbBasePrompt(SmallFewShot(), Stdin()));
  EXPECT_EQ(Builtin().FindTask("livecodebench_v5_base")->generation.until,
            std::vector<std::string>{"###"});
  // Without the few-shot files the task names the missing file.
  std::filesystem::remove(dir + "/livecodebench/fewshot_generation_stdin.json");
  DocumentCache cache(dir);
  auto built = BuildInstances(*Builtin().FindTask("livecodebench_v5_base"), cache, {});
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("fewshot_generation_stdin.json"), std::string::npos)
      << built.status().message();
}

TEST(LcbPrompt, TheChatTaskSendsTheGenericChatFormat) {
  FakeModel chat({});
  const auto prompts = Prompts("livecodebench_v5", LcbDataDir(), &chat);
  ASSERT_EQ(prompts.size(), 2u);
  const std::string system =
      "<|im_start|>system\nYou are an expert Python programmer. You will be given a question "
      "(problem specification) and will generate a correct Python program that matches the "
      "specification and passes all tests.<|im_end|>\n";
  EXPECT_EQ(prompts[0], system +
                            "<|im_start|>user\n### Question:\nReturn the sum.\n\n"
                            "### Format: You will use the following starter code to write the "
                            "solution to the problem and enclose your code within delimiters.\n"
                            "```python\nclass Solution:\n    def total(self, nums):\n        \n```"
                            "\n\n### Answer: (use the provided format with backticks)\n\n"
                            "<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(prompts[1], system +
                            "<|im_start|>user\n### Question:\nPrint a+b.\n\n"
                            "### Format: Read the inputs from stdin solve the problem and write "
                            "the answer to stdout (do not directly test on the sample inputs). "
                            "Enclose your code within delimiters as follows. Ensure that when "
                            "the python program runs, it reads the inputs, runs the algorithm and "
                            "writes output to STDOUT.\n```python\n# YOUR CODE HERE\n```\n\n"
                            "### Answer: (use the provided format with backticks)\n\n"
                            "<|im_end|>\n<|im_start|>assistant\n");
}

TEST(LcbPrompt, TheOfficialFewShotFilesAreRead) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  auto fewshot = LoadLcbFewShot(shared + "/datasets");
  ASSERT_TRUE(fewshot.ok()) << fewshot.status().message();
  const std::string call = *LcbBasePrompt(*fewshot, CallBased());
  EXPECT_EQ(call.rfind("### Question\nYou are given a 0-indexed array of positive integers nums. "
                       "Find the number of triplets",
                       0),
            0u)
      << call.substr(0, 200);
  EXPECT_NE(call.find("### Starter Code\nclass Solution:\n    def unequalTriplets(self, nums: "
                      "List[int]) -> int:\n        \n\n### Answer\n\nclass Solution:"),
            std::string::npos);
  const std::string stdin_prompt = *LcbBasePrompt(*fewshot, Stdin());
  EXPECT_EQ(stdin_prompt.rfind("### Question\nYou have $n$ gifts", 0), 0u);
  EXPECT_EQ(stdin_prompt.find("### Starter Code"), std::string::npos);
}

TEST(LcbGrading, BaseResponsesAreTheProgramStripped) {
  json problem = Stdin();
  problem["public_test_cases"] =
      json::array({{{"input", "2 3\n"}, {"output", "5\n"}, {"testtype", "stdin"}}}).dump();
  auto sandbox = Sandbox::Make({});
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().message();
  const std::string program = "\n a, b = map(int, input().split())\nprint(a + b)\n";
  // Stripped, the leading space of the first line goes too (lcb_runner's model_output.strip()).
  auto base = ScoreLiveCodeBench(*sandbox, problem, program, ResponseStyle::kCompletion);
  ASSERT_TRUE(base.ok()) << base.status().message();
  EXPECT_EQ((*base)["passed"], true) << base->dump();
  // The chat rule would look for a fence and grade nothing.
  auto chat = ScoreLiveCodeBench(*sandbox, problem, program, ResponseStyle::kChat);
  EXPECT_EQ((*chat)["passed"], false);
}

// ---- HumanEval+ chat ------------------------------------------------------------------------

std::map<std::string, json> HumanEvalPlus(const std::string& shared) {
  auto text = ReadMaybeGzipFile(shared + "/datasets/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz");
  EXPECT_TRUE(text.ok()) << text.status().message();
  std::map<std::string, json> records;
  size_t begin = 0;
  while (text.ok() && begin < text->size()) {
    size_t end = text->find('\n', begin);
    if (end == std::string::npos) end = text->size();
    if (end > begin) {
      json record = json::parse(text->substr(begin, end - begin));
      records[record["task_id"]] = record;
    }
    begin = end + 1;
  }
  return records;
}

TEST(HumanEvalPlusChat, TheReplyIsSanitizedBeforeItRuns) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const json record = HumanEvalPlus(shared).at("HumanEval/53");
  auto sandbox = Sandbox::Make({});
  ASSERT_TRUE(sandbox.ok());
  const std::string reply =
      "Sure, here it is:\n```python\ndef add(x: int, y: int):\n    return x + y\n\n"
      "print(add(2, 3))\n```\nIt returns the sum.";
  auto chat = ScoreHumanEvalPlus(*sandbox, record.dump(), reply, ResponseStyle::kChat);
  ASSERT_TRUE(chat.ok()) << chat.status().message();
  EXPECT_EQ((*chat)["plus"]["passed"], true) << chat->dump();
  EXPECT_EQ((*chat)["program"], "def add(x: int, y: int):\n    return x + y");
  // As a completion (prompt + reply) the prose is a syntax error.
  auto completion = ScoreHumanEvalPlus(*sandbox, record.dump(), reply, ResponseStyle::kCompletion);
  EXPECT_EQ((*completion)["base"]["passed"], false);
}

TEST(HumanEvalPlusChat, ThePromptIsEvalPlusInstructionWithTheResponsePrefix) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  FakeModel chat({});
  const auto prompts = Prompts("humanevalplus_chat", shared + "/datasets", &chat);
  ASSERT_EQ(prompts.size(), 164u);
  const std::string stripped = "def add(x: int, y: int):\n    \"\"\"Add two numbers x and y";
  const std::string& p = prompts[53];
  EXPECT_EQ(p.rfind("<|im_start|>user\nPlease provide a self-contained Python script that solves "
                    "the following problem in a markdown code block:\n```\n" +
                        stripped,
                    0),
            0u)
      << p;
  const std::string tail =
      "\n```\n<|im_end|>\n<|im_start|>assistant\nBelow is a Python script with a self-contained "
      "function that solves the problem and passes corresponding tests:\n```python\n";
  ASSERT_GT(p.size(), tail.size());
  EXPECT_EQ(p.substr(p.size() - tail.size()), tail) << p;
}

// ---- n samples per problem: pass@k through the runner ---------------------------------------

struct SampledRun {
  std::unique_ptr<results::ResultStore> store;
  std::map<std::string, std::set<uint64_t>> seeds_by_prompt;
};

// HumanEval/0 and /1 with 3 samples each: the fake model writes the canonical solution for the
// first sample of /0 and the first two of /1 (c = 1 and 2), a wrong one otherwise.
FakeModel::Script Sampling(const std::map<std::string, json>& records, SampledRun& seen) {
  FakeModel::Script script;
  script.generate = [&records, &seen](const GenerationRequest& r) -> std::string {
    seen.seeds_by_prompt[r.context].insert(r.seed);
    const int sample = static_cast<int>(r.seed - 1234);
    for (const auto& [id, record] : records) {
      if (record["prompt"] != r.context) continue;
      const int correct = id == "HumanEval/0" ? 1 : 2;
      return sample < correct ? record["canonical_solution"].get<std::string>()
                              : "    return None\n";
    }
    return "";
  };
  return script;
}

RunnerOptions SampledOptions() {
  RunnerOptions o;
  o.tasks = {"humanevalplus"};
  o.limit = 2;
  o.samples = 3;
  o.gen_kwargs = {{"do_sample", true}, {"temperature", 0.8}};
  o.code_jobs = 2;
  o.batch_size = 1;  // one problem per model call, so a stop lands between problems
  o.show_progress = false;
  o.model_identity = "fake";
  o.run.backend = "fake";
  return o;
}

double Metric(const RunResult& r, const std::string& metric) {
  for (const MetricResult& m : r.tasks.at(0).metrics) {
    if (m.metric == metric) return m.value;
  }
  ADD_FAILURE() << "no metric " << metric;
  return -1;
}

TEST(PassAtKRun, NSamplesArePassAtKAndResume) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto records = HumanEvalPlus(shared);
  DocumentCache data(shared + "/datasets");
  SampledRun seen;
  auto store = results::ResultStore::Open(lfm::testing::TempDir() + "/r.db",
                                          results::ResultStore::Mode::kReadWrite);
  ASSERT_TRUE(store.ok());
  FakeModel model(Sampling(records, seen));
  RunnerOptions options = SampledOptions();
  options.stop_after_samples = 1;  // interrupted after the first problem
  auto first = RunEval(model, Builtin(), data, **store, options);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->complete);
  options.stop_after_samples = 0;
  auto resumed = RunEval(model, Builtin(), data, **store, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  ASSERT_TRUE(resumed->complete);
  EXPECT_EQ(resumed->samples_resumed, 1);
  EXPECT_EQ(resumed->samples_scored, 1);

  // Hand-computed: pass@1 = (1/3 + 2/3) / 2; pass@2 = (1 - C(2,2)/C(3,2) + 1) / 2 = 5/6 (c/n
  // would give 1/2); pass@3 = 1. Base tests alike (the canonical solutions pass both).
  EXPECT_NEAR(Metric(*resumed, "pass@1"), 0.5, 1e-12);
  EXPECT_NEAR(Metric(*resumed, "pass@2"), 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(Metric(*resumed, "pass@3"), 1.0, 1e-12);
  EXPECT_NEAR(Metric(*resumed, "pass@2_base"), 5.0 / 6.0, 1e-12);

  // Each prompt was sampled with seeds seed + 0..2; every completion and verdict is stored.
  ASSERT_EQ(seen.seeds_by_prompt.size(), 2u);
  for (const auto& [prompt, seeds] : seen.seeds_by_prompt) {
    EXPECT_EQ(seeds, (std::set<uint64_t>{1234, 1235, 1236}));
  }
  auto samples = (*store)->GetEvalSamples(resumed->run_id, "humanevalplus", 0, INT64_MAX);
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 2u);
  for (const results::EvalSample& s : *samples) {
    const json e = json::parse(s.extracted_json);
    ASSERT_EQ(e["samples"].size(), 3u) << e.dump();
    EXPECT_EQ(e["n"], 3);
    EXPECT_EQ(e["correct"], s.doc_id == 0 ? 1 : 2) << e.dump();
    EXPECT_EQ(e["samples"][2]["response"], "    return None\n");
    EXPECT_EQ(e["samples"][2]["score"]["plus"]["passed"], false);
    EXPECT_EQ(e["samples"][0]["score"]["plus"]["passed"], true);
  }
}

TEST(PassAtKRun, TheSampleCountIsPartOfTheResumeKey) {
  RunnerOptions options = SampledOptions();
  const std::string three = ResumeKey(Builtin(), {"humanevalplus"}, options);
  options.samples = 2;
  EXPECT_NE(ResumeKey(Builtin(), {"humanevalplus"}, options), three);
}

TEST(PassAtKRun, SamplesNeedSamplingAndACodeTask) {
  DocumentCache data(lfm::testing::TempDir());
  auto store = results::ResultStore::Open(lfm::testing::TempDir() + "/r.db",
                                          results::ResultStore::Mode::kReadWrite);
  ASSERT_TRUE(store.ok());
  FakeModel model({});
  RunnerOptions greedy = SampledOptions();
  greedy.gen_kwargs = json::object();
  auto r = RunEval(model, Builtin(), data, **store, greedy);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("greedily"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  RunnerOptions other = SampledOptions();
  other.tasks = {"gsm8k"};
  auto g = RunEval(model, Builtin(), data, **store, other);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("code tasks"), std::string::npos) << g.status().message();
}

}  // namespace
}  // namespace lfm::evals::code
