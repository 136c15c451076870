// Every shared reference vector (../shared/testdata: the official IFEval checker's verdicts,
// IFBench's checker verdicts at allenai/IFBench db69a6f, and lm-eval's GSM8K / MATH answer
// extraction, generated at lm-eval 4e7e0d4) must agree exactly:
// verdicts and extracted strings are discrete, so there is no tolerance. Each comparison
// returns the list of disagreements, and the *CanFail tests feed it a deliberately wrong
// expectation to show a disagreement is reported.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "evals/scoring/ifeval/ifeval.h"
#include "evals/scoring/math_answers.h"
#include "evals/scoring/metrics.h"
#include "evals/scoring/task_scorers.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

std::vector<json> ReadJsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

size_t MetaCount(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in).at("count").get<size_t>();
}

std::string Bools(const std::vector<bool>& v) {
  std::string s;
  for (bool b : v) s += b ? 'T' : 'F';
  return s;
}

std::vector<bool> BoolList(const json& j) { return j.get<std::vector<bool>>(); }

// Disagreements between our IFEval verdicts and one vector (single- or multi-instruction).
std::vector<std::string> CompareIfeval(const json& v) {
  json record = v;
  if (v.contains("instruction_id")) {
    record["instruction_id_list"] = json::array({v["instruction_id"]});
    record["kwargs"] = json::array({v["kwargs"]});
  }
  std::vector<std::string> problems;
  auto prompt = ifeval::IfevalPrompt::FromJson(record);
  if (!prompt.ok()) return {v["id"].get<std::string>() + ": " + prompt.status().message()};
  const std::string response = v["response"];
  const auto strict = ifeval::Follow::Strict(*prompt, response);
  const auto loose = ifeval::Follow::Loose(*prompt, response);
  auto check = [&](const char* what, bool got, const json& want) {
    if (want.is_boolean() && got != want.get<bool>()) {
      problems.push_back(fmt::format("{} ({}): {} is {}, reference says {}",
                                     v["id"].get<std::string>(), v.value("note", ""), what, got,
                                     want.get<bool>()));
    }
  };
  check("strict_pass", strict.follow_all_instructions, v["strict_pass"]);
  check("loose_pass", loose.follow_all_instructions, v["loose_pass"]);
  for (const auto& [key, got] : {std::pair{"strict_follow_list", strict.follow_instruction_list},
                                 std::pair{"loose_follow_list", loose.follow_instruction_list}}) {
    if (v.contains(key) && BoolList(v[key]) != got) {
      problems.push_back(fmt::format("{}: {} is {}, reference says {}", v["id"].get<std::string>(),
                                     key, Bools(got), Bools(BoolList(v[key]))));
    }
  }
  return problems;
}

// Our normalisation of an extracted answer, in the form the vectors' expected_normalized uses.
json Normalized(const std::string& benchmark, const json& extracted) {
  if (extracted.is_null()) return nullptr;
  const std::string text = extracted.get<std::string>();
  if (benchmark.starts_with("gsm8k")) {
    auto metric = ExactMatch::Make(
        {{"ignore_case", true}, {"regexes_to_ignore", {",", "\\$", "(?s).*#### ", "\\.$"}}});
    return metric->Normalize(text);
  }
  if (benchmark == "minerva_math") return math::MinervaNormalize(text);
  const auto stripped = math::HendrycksStripString(text);
  return stripped ? json(*stripped) : json(text);
}

// Disagreements between our extraction/scoring and one answer_extraction vector.
std::vector<std::string> CompareExtraction(const json& v) {
  const std::string benchmark = v["benchmark"];
  const std::string id = v["id"];
  auto scorer = MakeTaskScorer(benchmark);
  if (!scorer.ok()) return {id + ": " + scorer.status().message()};
  json record = {{"response", v["model_output"]}};
  record[benchmark.starts_with("gsm8k") ? "answer" : "solution"] = v["gold"];
  const auto score = (*scorer)->Score(record);
  if (!score.ok()) return {id + ": " + score.status().message()};
  const std::string key = v["filter"].is_null() ? "none" : v["filter"].get<std::string>();
  const json& got = (*score)[key];
  std::vector<std::string> problems;
  if (got["extracted"] != v["expected_extracted"]) {
    problems.push_back(fmt::format("{} {} {}: extracted {}, reference {}", id, benchmark, key,
                                   got["extracted"].dump(), v["expected_extracted"].dump()));
  }
  if (got["correct"] != v["expected_correct"]) {
    problems.push_back(fmt::format("{} {} {}: correct {}, reference {}", id, benchmark, key,
                                   got["correct"].dump(), v["expected_correct"].dump()));
  }
  if (Normalized(benchmark, got["extracted"]) != v["expected_normalized"]) {
    problems.push_back(fmt::format("{} {}: normalized {}, reference {}", id, benchmark,
                                   Normalized(benchmark, got["extracted"]).dump(),
                                   v["expected_normalized"].dump()));
  }
  return problems;
}

void ExpectAllAgree(const std::vector<json>& vectors,
                    std::vector<std::string> (*compare)(const json&)) {
  std::vector<std::string> problems;
  for (const auto& v : vectors) {
    for (auto& p : compare(v)) problems.push_back(std::move(p));
  }
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "\n"));
}

TEST(ReferenceVectorsTest, IfevalInstructionVerdicts) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/ifeval_vectors.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/ifeval_vectors.meta.json"));
  ExpectAllAgree(vectors, CompareIfeval);
}

TEST(ReferenceVectorsTest, IfevalPromptFollowLists) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/ifeval_prompt_vectors.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/ifeval_prompt_vectors.meta.json"));
  ExpectAllAgree(vectors, CompareIfeval);
}

TEST(ReferenceVectorsTest, IfbenchInstructionVerdicts) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/ifbench_vectors.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/ifbench_vectors.meta.json"));
  std::set<std::string> ids;
  for (const auto& v : vectors) ids.insert(v["instruction_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 58u);  // every IFBench checker has vectors
  ExpectAllAgree(vectors, CompareIfeval);
}

TEST(ReferenceVectorsTest, AnswerExtraction) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto vectors = ReadJsonl(shared + "/testdata/answer_extraction.jsonl");
  ASSERT_EQ(vectors.size(), MetaCount(shared + "/testdata/answer_extraction.meta.json"));
  ExpectAllAgree(vectors, CompareExtraction);
}

TEST(ReferenceVectorsTest, EveryIfevalPromptBuilds) {
  // All 541 prompts of the benchmark (834 instructions, 25 ids) build without error, and each
  // checker runs on the prompt itself as a stand-in response.
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto prompts = ReadJsonl(shared + "/datasets/ifeval/input_data.jsonl");
  ASSERT_EQ(prompts.size(), 541u);
  size_t instructions = 0;
  std::set<std::string> ids;
  for (const auto& record : prompts) {
    auto prompt = ifeval::IfevalPrompt::FromJson(record);
    ASSERT_TRUE(prompt.ok()) << record["key"] << ": " << prompt.status().message();
    instructions += prompt->instruction_ids().size();
    ids.insert(prompt->instruction_ids().begin(), prompt->instruction_ids().end());
    const auto loose = ifeval::Follow::Loose(*prompt, record["prompt"].get<std::string>());
    EXPECT_EQ(loose.follow_instruction_list.size(), prompt->instruction_ids().size());
  }
  EXPECT_EQ(instructions, 834u);
  EXPECT_EQ(ids.size(), 25u);
}

TEST(ReferenceVectorsTest, EveryIfbenchPromptBuilds) {
  // All 300 IFBench prompts (344 instructions, 58 ids) build from their kwargs as
  // evaluation_lib builds them, and every checker runs on the prompt as a stand-in response.
  LFM_SHARED_DIR_OR_SKIP(shared);
  const auto prompts = ReadJsonl(shared + "/datasets/ifbench/IFBench_test.jsonl");
  ASSERT_EQ(prompts.size(), 300u);
  size_t instructions = 0;
  std::set<std::string> ids;
  for (const auto& record : prompts) {
    auto prompt = ifeval::IfevalPrompt::FromJson(record);
    ASSERT_TRUE(prompt.ok()) << record["key"] << ": " << prompt.status().message();
    instructions += prompt->instruction_ids().size();
    ids.insert(prompt->instruction_ids().begin(), prompt->instruction_ids().end());
    const auto loose = ifeval::Follow::Loose(*prompt, record["prompt"].get<std::string>());
    EXPECT_EQ(loose.follow_instruction_list.size(), prompt->instruction_ids().size());
  }
  EXPECT_EQ(instructions, 344u);
  EXPECT_EQ(ids.size(), 58u);
  EXPECT_EQ(std::vector<std::string>(ids.begin(), ids.end()), ifeval::IfbenchInstructionIds());
}

TEST(ReferenceVectorsTest, IfevalComparisonCanFail) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  for (const char* file :
       {"ifeval_vectors.jsonl", "ifeval_prompt_vectors.jsonl", "ifbench_vectors.jsonl"}) {
    for (json v : ReadJsonl(shared + "/testdata/" + file)) {
      v["strict_pass"] = !v["strict_pass"].get<bool>();
      EXPECT_FALSE(CompareIfeval(v).empty()) << v["id"] << " with a flipped strict verdict";
    }
  }
  json v = ReadJsonl(shared + "/testdata/ifeval_prompt_vectors.jsonl").front();
  v["loose_follow_list"][0] = !v["loose_follow_list"][0].get<bool>();
  EXPECT_FALSE(CompareIfeval(v).empty());
}

TEST(ReferenceVectorsTest, ExtractionComparisonCanFail) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  for (json v : ReadJsonl(shared + "/testdata/answer_extraction.jsonl")) {
    json wrong_verdict = v;
    wrong_verdict["expected_correct"] = !v["expected_correct"].get<bool>();
    EXPECT_FALSE(CompareExtraction(wrong_verdict).empty()) << v["id"];
    json wrong_text = v;
    wrong_text["expected_extracted"] = "not what was extracted";
    EXPECT_FALSE(CompareExtraction(wrong_text).empty()) << v["id"];
  }
}

}  // namespace
}  // namespace lfm::evals
