// The suite's task specs against their references' documented prompts: MMLU-Pro (lm-eval
// mmlu_pro utils.format_cot_example), MGSM (lm-eval mgsm_native_cot_*), GSMPlus, MATH (minerva
// exemplars, Level 5 filter), and the readers of the gated or unshipped official files, GPQA and
// MMMLU, on rows written here in the official column format.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "evals/instances.h"
#include "evals/sample_scorer.h"
#include "evals/suite.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

const TaskRegistry& Builtin() {
  static const TaskRegistry reg = *TaskRegistry::LoadBuiltin();
  return reg;
}

StatusOr<TaskInstances> Build(const std::string& task, const std::string& data_dir,
                              std::optional<int> limit = std::nullopt) {
  DocumentCache cache(data_dir);
  InstanceOptions options;
  options.limit = limit;
  const TaskSpec* spec = Builtin().FindTask(task);
  if (spec == nullptr) return Error(StatusCode::kNotFound, "no task {}", task);
  return BuildInstances(*spec, cache, options);
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Writes `content` to `relative` under a fresh data directory; returns the directory.
std::string WriteDataFile(const std::string& relative, const std::string& content) {
  const std::string dir = testing::TempDir();  // a new directory on each call
  const std::filesystem::path path = std::filesystem::path(dir) / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << content;
  return dir;
}

// ---- GPQA: the official CSV's columns, options shuffled with the recorded seed --------------

// Three rows in the official column order (gpqa_diamond.csv has more metadata columns; the
// reader keys by header name).
constexpr char kGpqaCsv[] =
    "Pre-Revision Question,Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2,"
    "Incorrect Answer 3,Explanation,Record ID,High-level domain\n"
    "x,\"Which, of these?\",right one,wrong a,wrong b,wrong c,e,rec1,Physics\n"
    "x,Second  question,\"  two  [title] right \",w1,w2,w3,e,rec2,Chemistry\n"
    "x,Third,\"multi\nline right\",v1,v2,v3,e,rec3,Biology\n";

TEST(BenchmarksTest, GpqaOptionsShuffledByRecordedSeed) {
  const std::string dir = WriteDataFile("gpqa/gpqa_diamond.csv", kGpqaCsv);
  auto built = Build("gpqa_diamond_zeroshot", dir);
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ(built->instances.size(), 3u);
  // Python: r = random.Random(0); [r.sample(range(4), 4) for _ in range(3)]
  //   == [[3, 1, 0, 2], [3, 1, 2, 0], [2, 3, 0, 1]]  (0 = Correct Answer, k = Incorrect Answer k)
  const std::vector<std::vector<std::string>> expected = {
      {"wrong c", "wrong a", "right one", "wrong b"},
      {"w3", "w1", "w2", "two . right"},
      {"v2", "v3", "multi\nline right", "v1"}};
  const std::vector<size_t> gold = {2, 3, 2};
  for (size_t i = 0; i < 3; ++i) {
    const Instance& inst = built->instances[i];
    EXPECT_EQ(inst.doc["choices"], json(expected[i])) << i;
    EXPECT_EQ(inst.gold_index, gold[i]) << i;
    EXPECT_EQ(inst.choices, (std::vector<std::string>{"(A)", "(B)", "(C)", "(D)"}));
  }
  EXPECT_EQ(built->instances[0].prompt,
            "What is the correct answer to this question:Which, of these?\nChoices:\n(A) wrong c\n"
            "(B) wrong a\n(C) right one\n(D) wrong b\nAnswer:");
  // --limit does not change a document's permutation.
  auto limited = Build("gpqa_diamond_zeroshot", dir, 1);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->instances[0].prompt, built->instances[0].prompt);
  // The seed is the spec's: recorded with the scores, and it decides the order.
  EXPECT_EQ(Builtin().FindTask("gpqa_diamond_zeroshot")->process_docs,
            json({{"function", "gpqa"}, {"seed", 0}}));
  EXPECT_FALSE(Builtin().FindTask("gpqa_diamond_zeroshot")->display_samples);
}

TEST(BenchmarksTest, GpqaMissingColumnIsNamed) {
  const std::string dir = WriteDataFile("gpqa/gpqa_main.csv", "Question,Correct Answer\nq,a\n");
  auto built = Build("gpqa_main_zeroshot", dir);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("GPQA row 1: no 'Incorrect Answer 1' column"),
            std::string::npos)
      << built.status().message();
}

// ---- MMMLU: the official per-locale CSV (unnamed index column first) ------------------------

TEST(BenchmarksTest, MmmluRowsAndSameSubjectExemplars) {
  std::string csv = ",Question,A,B,C,D,Answer,Subject\n";
  for (int i = 0; i < 6; ++i) {
    csv += fmt::format("{},\" Frage {} \",a{},b{},c{},d{},{},anatomy\n", i, i, i, i, i, i,
                       "ABCD"[i % 4]);
  }
  csv += "6,Andere,a,b,c,d,D,college_mathematics_test.csv_sw-KE.csv\n";
  for (int i = 7; i < 13; ++i)
    csv += fmt::format("{},Q{},a,b,c,d,A,college_mathematics_test.csv_sw-KE.csv\n", i, i);
  const std::string dir = WriteDataFile("mmmlu/mmlu_DE-DE.csv", csv);
  auto built = Build("mmmlu_de_de", dir);
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ(built->instances.size(), 13u);
  const Instance& first = built->instances[0];
  // Exemplars: the same subject's rows in file order, the current row left out.
  std::string expected =
      "The following are multiple choice questions (with answers) about anatomy (German).\n\n";
  for (int i = 1; i <= 5; ++i) {
    expected += fmt::format("Frage {}\nA. a{}\nB. b{}\nC. c{}\nD. d{}\nAnswer: {}\n\n", i, i, i, i,
                            i, "ABCD"[i % 4]);
  }
  expected += "Frage 0\nA. a0\nB. b0\nC. c0\nD. d0\nAnswer:";
  EXPECT_EQ(first.prompt, expected);
  EXPECT_EQ(first.gold_index, 0u);
  EXPECT_EQ(built->instances[3].gold_index, 3u);
  // lm-eval's subject clean-up of "college_mathematics_test.csv_sw-KE.csv".
  EXPECT_EQ(built->instances[6].prompt.rfind(
                "The following are multiple choice questions (with answers) about college "
                "mathematics (German).\n\nQ7\n",
                0),
            0u)
      << built->instances[6].prompt.substr(0, 120);
  EXPECT_EQ(Count(built->instances[6].prompt, "Answer:"), 6u);
}

// ---- MMLU-Pro: lm-eval's format_cot_example, exemplars from the category's validation rows --

// lm-eval mmlu_pro utils.format_cot_example(including_answer=False), written from utils.py.
std::string FormatCot(const json& doc) {
  std::string prompt = "Question:\n" + doc["question"].get<std::string>() + "\nOptions:\n";
  const std::string letters = "ABCDEFGHIJ";
  for (size_t i = 0; i < doc["options"].size() && i < letters.size(); ++i) {
    std::string opt = doc["options"][i].get<std::string>();
    const size_t b = opt.find_first_not_of(" \t\n\r\f\v");
    const size_t e = opt.find_last_not_of(" \t\n\r\f\v");
    opt = b == std::string::npos ? "" : opt.substr(b, e - b + 1);
    prompt += fmt::format("{}. {}\n", letters[i], opt);
  }
  return prompt + "Answer: Let's think step by step.";
}

TEST(BenchmarksTest, MmluProPromptIsLmEvals) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  auto built = Build("mmlu_pro_physics", shared + "/datasets", 2);
  ASSERT_TRUE(built.ok()) << built.status().message();
  EXPECT_EQ(built->original_docs, 1299);
  DocumentCache cache(shared + "/datasets");
  auto validation =
      cache.Split(Builtin().FindTask("mmlu_pro_physics")->dataset.at("validation"), "mmlu_pro");
  ASSERT_TRUE(validation.ok());
  ASSERT_EQ(validation->size(), 5u);
  std::string expected =
      "The following are multiple choice questions (with answers) about physics. Think step by "
      "step and then finish your answer with \"the answer is (X)\" where X is the correct letter "
      "choice.\n";
  for (const json& ex : *validation) {
    std::string cot = ex["cot_content"];
    const std::string lead = "A: Let's think step by step. ";
    if (cot.rfind(lead, 0) == 0) cot = cot.substr(lead.size());
    expected += FormatCot(ex) + " " + cot + "\n\n";
  }
  const Instance& inst = built->instances[0];
  expected += FormatCot(inst.doc);
  EXPECT_EQ(inst.prompt, expected);
  EXPECT_EQ(inst.target, inst.doc["answer"].get<std::string>());
  EXPECT_EQ(inst.generation->until, (std::vector<std::string>{"Question:"}));
  EXPECT_EQ(inst.generation->max_tokens, 2048);
}

// ---- MGSM: native prefixes and answer sentences ---------------------------------------------

TEST(BenchmarksTest, MgsmNativePrompts) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  for (const auto& [lang, question, answer, stop] :
       std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"de", "Frage: ", "Schritt-für-Schritt-Antwort:", "Frage:"},
           {"zh", "问题： ", "逐步解答:", "问题："},
           {"ru", "Задача: ", "Пошаговоерешение:", "Задача:"}}) {
    auto built = Build("mgsm_native_cot_" + lang, shared + "/datasets", 1);
    ASSERT_TRUE(built.ok()) << built.status().message();
    EXPECT_EQ(built->original_docs, 250);
    const Instance& inst = built->instances[0];
    const std::string tail = question + inst.doc["question"].get<std::string>() + "\n" + answer;
    ASSERT_GE(inst.prompt.size(), tail.size());
    EXPECT_EQ(inst.prompt.substr(inst.prompt.size() - tail.size()), tail) << lang;
    // 5 exemplars, each "<prefixed question>\n<answer prefix> <chain of thought>\n\n", the
    // file's own answer prefix not repeated.
    EXPECT_EQ(Count(inst.prompt, "\n" + answer + " "), 5u) << lang;
    EXPECT_EQ(Count(inst.prompt, answer), 6u) << lang;
    EXPECT_EQ(Count(inst.prompt, "\n\n"), 5u) << lang;
    EXPECT_EQ(inst.generation->until, (std::vector<std::string>{stop, "</s>", "<|im_end|>"}));
    EXPECT_EQ(inst.target, inst.doc["answer_number"].get<std::string>());
  }
}

TEST(BenchmarksTest, MgsmStrictMatchIsTheLocalizedSentence) {
  const TaskSpec& de = *Builtin().FindTask("mgsm_native_cot_de");
  const auto scorer = SampleScorer::Make(de);
  ASSERT_TRUE(scorer.ok());
  const json record = {{"question", "q"},
                       {"answer_number", "1000"},
                       {"response", " 10 mal 100. Die Antwort lautet 1,000. Dann 7"}};
  const auto score = ScoreResponse(de, **scorer, record);
  ASSERT_TRUE(score.ok()) << score.status().message();
  // lm-eval: the regex group (its character class takes the sentence's period too), then
  // exact_match with punctuation ignored ("1,000." == "1000").
  EXPECT_EQ(score->detail["strict-match"], json({{"extracted", "1,000."}, {"correct", true}}));
  EXPECT_EQ(score->detail["flexible-extract"], json({{"extracted", "7"}, {"correct", false}}));
}

// ---- GSMPlus and MATH -----------------------------------------------------------------------

TEST(BenchmarksTest, GsmPlusExemplarsFromItsOwnSplit) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  auto built = Build("gsm_plus_mini", shared + "/datasets", 3);
  ASSERT_TRUE(built.ok()) << built.status().message();
  EXPECT_EQ(built->original_docs, 2400);
  for (const Instance& inst : built->instances) {
    EXPECT_EQ(Count(inst.prompt, "Question: "), 6u);
    EXPECT_EQ(Count(inst.prompt, inst.doc["question"].get<std::string>()), 1u);  // not an exemplar
    EXPECT_NE(inst.target.find("#### "), std::string::npos);
  }
  EXPECT_EQ(Builtin().FindTask("gsm_plus_mini")->report_by,
            std::vector<std::string>{"perturbation_type"});
}

TEST(BenchmarksTest, MathTasks) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  auto level5 = Build("math_level5", shared + "/datasets");
  ASSERT_TRUE(level5.ok()) << level5.status().message();
  EXPECT_EQ(level5->original_docs, 1324);
  auto minerva = Build("minerva_math500", shared + "/datasets", 1);
  ASSERT_TRUE(minerva.ok()) << minerva.status().message();
  EXPECT_EQ(minerva->original_docs, 500);
  const std::string& prompt = minerva->instances[0].prompt;
  EXPECT_EQ(prompt.rfind("Problem:\nFind the domain of the expression", 0), 0u);
  EXPECT_EQ(Count(prompt, "Problem:\n"), 5u);
  EXPECT_EQ(Count(prompt, "\n\nSolution: "), 4u);
  EXPECT_EQ(Count(prompt, "I hope it is correct.\n\n"), 4u);
  EXPECT_TRUE(prompt.ends_with("\n\nSolution:"));
  auto boxed = Build("math500", shared + "/datasets", 1);
  ASSERT_TRUE(boxed.ok());
  EXPECT_TRUE(boxed->instances[0].prompt.ends_with(
      "\nPlease reason step by step, and put your final answer within \\boxed{}."));
}

TEST(BenchmarksTest, OneRuleTasksReportDefault) {
  const TaskSpec& task = *Builtin().FindTask("hendrycks_math500");
  const auto scorer = SampleScorer::Make(task);
  ASSERT_TRUE(scorer.ok());
  const json record = {{"problem", "p"},
                       {"solution", "So $\\boxed{\\frac12}$."},
                       {"response", "The answer is $0.5$"}};
  const auto score = ScoreResponse(task, **scorer, record);
  ASSERT_TRUE(score.ok()) << score.status().message();
  EXPECT_EQ(score->detail, json({{"default", {{"extracted", "0.5"}, {"correct", true}}}}));
  EXPECT_EQ(score->scores["exact_match,none"], 1.0);
}

// ---- the lfm2 suite ---------------------------------------------------------------------

TEST(BenchmarksTest, Lfm2SuiteShotCountsMatchTheSpecs) {
  const auto suite = Suite("lfm2");
  ASSERT_TRUE(suite.ok());
  const auto available = AvailableBenchmarks(*suite, Builtin());
  ASSERT_TRUE(available.ok()) << available.status().message();
  std::vector<std::string> names;
  for (const auto& b : *available) names.push_back(b.benchmark);
  for (const char* name : {"MMLU", "MMLU-Pro", "GPQA", "MMMLU", "GSM8K", "GSMPlus", "MGSM",
                           "MATH500", "MATH Level 5", "IFEval"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  EXPECT_FALSE(Suite("lfm3").ok());
}

}  // namespace
}  // namespace lfm::evals
