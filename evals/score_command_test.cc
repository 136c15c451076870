// `lfmbench eval score` end to end: the real binary on small JSONL files written here — output
// shape, summary, and the errors for malformed input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

RunResult RunLfmbench(const std::string& args) {
  const std::string log = testing::TempDir() + "/out.txt";
  const int status =
      std::system((testing::LfmbenchPath() + " " + args + " > " + log + " 2>&1").c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

std::string WriteFile(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

std::vector<json> ReadJsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

TEST(EvalScoreCommandTest, Gsm8kShapeAndSummary) {
  const std::string input =
      WriteFile("gsm8k.jsonl",
                R"j({"question": "q1", "answer": "work\n#### 18", "response": "So 18.\n#### 18"})j"
                "\n"
                "\n"
                R"j({"question": "q2", "answer": "work\n#### 3", "response": "It is 3 then 4"})j"
                "\n"
                R"j({"question": "q3", "answer": "work\n#### 70000", "response": "#### 70,000"})j"
                "\n");
  const std::string output = testing::TempDir() + "/scored.jsonl";
  const RunResult run =
      RunLfmbench("eval score --task gsm8k --input " + input + " --output " + output);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto lines = ReadJsonl(output);
  ASSERT_EQ(lines.size(), 3u);            // the blank line is skipped
  EXPECT_EQ(lines[0]["question"], "q1");  // the input record is kept
  EXPECT_EQ(lines[0]["score"]["strict-match"], json({{"extracted", "18"}, {"correct", true}}));
  EXPECT_EQ(lines[1]["score"]["strict-match"],
            json({{"extracted", "[invalid]"}, {"correct", false}}));
  EXPECT_EQ(lines[1]["score"]["flexible-extract"], json({{"extracted", "4"}, {"correct", false}}));
  EXPECT_EQ(lines[2]["score"]["flexible-extract"]["correct"], true);
  // strict-match 2/3, stderr sqrt(1/3)/sqrt(3) = 0.3333.
  EXPECT_NE(
      run.output.find("exact_match                strict-match         0.6667    0.3333       3"),
      std::string::npos)
      << run.output;
}

TEST(EvalScoreCommandTest, IfevalShapeAndSummary) {
  const std::string input = WriteFile(
      "ifeval.jsonl",
      R"j({"key": 1, "prompt": "p", "instruction_id_list": ["punctuation:no_comma", "startend:quotation"], "kwargs": [{}, {}], "response": "\"no commas here\""})j"
      "\n"
      R"j({"key": 2, "prompt": "p", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}], "response": "Sure, here.\nno commas"})j"
      "\n");
  const std::string output = testing::TempDir() + "/ifeval_scored.jsonl";
  const RunResult run =
      RunLfmbench("eval score --task ifeval --input " + input + " --output " + output);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto lines = ReadJsonl(output);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["score"]["strict"],
            json({{"follow_instruction_list", {true, true}}, {"follow_all_instructions", true}}));
  EXPECT_EQ(lines[1]["score"]["strict"]["follow_all_instructions"], false);
  EXPECT_EQ(lines[1]["score"]["loose"]["follow_instruction_list"], json({true}));
  for (const char* metric : {"prompt_level_strict_acc", "inst_level_strict_acc",
                             "prompt_level_loose_acc", "inst_level_loose_acc"}) {
    EXPECT_NE(run.output.find(metric), std::string::npos) << run.output;
  }
  EXPECT_NE(run.output.find("inst_level_strict_acc      none                 0.6667       N/A"),
            std::string::npos)
      << run.output;
}

TEST(EvalScoreCommandTest, OneRuleTaskReportsDefaultAndBreakdown) {
  // math500's spec: the last \boxed{} against the solution's, per subject and level.
  const std::string input = WriteFile(
      "math500.jsonl",
      R"j({"problem": "p1", "solution": "so $\\boxed{12}$", "subject": "Algebra", "level": 1, "response": "Hence $\\boxed{12}$."})j"
      "\n"
      R"j({"problem": "p2", "solution": "so $\\boxed{\\frac{1}{2}}$", "subject": "Algebra", "level": 2, "response": "$\\boxed{0.5}$"})j"
      "\n"
      R"j({"problem": "p3", "solution": "so $\\boxed{3}$", "subject": "Geometry", "level": 2, "response": "no box: 3"})j"
      "\n");
  const std::string output = testing::TempDir() + "/math500_scored.jsonl";
  const RunResult run =
      RunLfmbench("eval score --task math500 --input " + input + " --output " + output);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto lines = ReadJsonl(output);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["score"], json({{"default", {{"extracted", "12"}, {"correct", true}}}}));
  EXPECT_EQ(lines[1]["score"]["default"], json({{"extracted", "0.5"}, {"correct", true}}));
  EXPECT_EQ(lines[2]["score"]["default"], json({{"extracted", nullptr}, {"correct", false}}));
  for (const char* row : {"exact_match                none                 0.6667    0.3333       3",
                          "subject=Algebra\nexact_match                none                 1.0000",
                          "subject=Geometry\nexact_match                none                 0.0000",
                          "level=2\nexact_match                none                 0.5000"}) {
    EXPECT_NE(run.output.find(row), std::string::npos) << row << "\n" << run.output;
  }
}

TEST(EvalScoreCommandTest, LogLikelihoodTaskIsRefused) {
  const std::string input = WriteFile("mmlu.jsonl", R"j({"question": "q", "response": "A"})j"
                                                    "\n");
  const RunResult run = RunLfmbench("eval score --task mmlu_anatomy --input " + input);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("task mmlu_anatomy is multiple_choice: it is scored from "
                            "log-likelihoods, not responses"),
            std::string::npos)
      << run.output;
}

TEST(EvalScoreCommandTest, MalformedInputNamesFileAndLine) {
  const std::string bad_json = WriteFile("bad.jsonl", R"j({"answer": "#### 1", "response": "1"})j"
                                                      "\n{not json\n");
  const std::string output = testing::TempDir() + "/never.jsonl";
  RunResult run =
      RunLfmbench("eval score --task gsm8k --input " + bad_json + " --output " + output);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find(bad_json + ":2: not valid JSON"), std::string::npos) << run.output;
  EXPECT_FALSE(std::ifstream(output).good());  // nothing written on failure

  const std::string no_response = WriteFile("noresp.jsonl", R"j({"answer": "#### 1"})j"
                                                            "\n");
  run = RunLfmbench("eval score --task gsm8k --input " + no_response);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find(no_response + ":1: record has no 'response' field"), std::string::npos)
      << run.output;

  const std::string bad_kwargs = WriteFile(
      "kw.jsonl",
      R"j({"key": 1, "prompt": "p", "instruction_id_list": ["detectable_format:title"], "kwargs": [], "response": "x"})j"
      "\n");
  run = RunLfmbench("eval score --task ifeval --input " + bad_kwargs);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find(bad_kwargs + ":1: field 'kwargs'"), std::string::npos) << run.output;
}

// A Multi-IF record as the official CSV has it (turn_k_prompt a JSON object's text,
// turn_k_instruction_id_list a JSON list's, turn_k_kwargs a JSON list of JSON-encoded objects)
// plus "responses", one per turn; turns past the last are empty.
json MultiIfRecord(const std::string& key, const std::string& language,
                   const std::vector<std::pair<std::vector<std::string>, std::vector<json>>>& turns,
                   const std::vector<std::string>& responses) {
  json record = {{"key", key}, {"language", language}, {"responses", responses}};
  for (size_t k = 0; k < 3; ++k) {
    const std::string prefix = "turn_" + std::to_string(k + 1) + "_";
    if (k >= turns.size()) {
      record[prefix + "prompt"] = record[prefix + "instruction_id_list"] =
          record[prefix + "kwargs"] = "";
      continue;
    }
    json kwargs = json::array();
    for (const json& kw : turns[k].second) kwargs.push_back(kw.dump());
    record[prefix + "prompt"] =
        json{{"role", "user"}, {"content", "turn " + std::to_string(k + 1)}}.dump();
    record[prefix + "instruction_id_list"] = json(turns[k].first).dump();
    record[prefix + "kwargs"] = kwargs.dump();
  }
  return record;
}

// "label" -> "metric" -> value, from the printed summary ("" for the unlabelled rows).
std::map<std::string, std::map<std::string, double>> SummaryValues(const std::string& output) {
  std::map<std::string, std::map<std::string, double>> values;
  std::string label;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.size() == 1 && w[0].starts_with("turn")) label = w[0];
    if (w.size() < 3 || !(w[0].ends_with("_acc") || w[0] == "overall")) continue;
    const std::string& value = w[0] == "overall" ? w[1] : w[2];  // "overall" has no filter
    values[label][w[0]] = std::stod(value);
  }
  return values;
}

// Each turn scored on the instructions of turns 1..k with that turn's reply, by Multi-IF's
// checkers: the Chinese reply has 20 words as Multi-IF counts them (3 as IFEval's \w+ does).
TEST(EvalScoreCommandTest, MultiIfScoresEveryTurnOnTheConversationSoFar) {
  const json no_comma = json::object(), bye = {{"end_phrase", "bye"}}, none = json::object();
  const json ten_words = {{"num_words", 10}, {"relation", "at least"}};
  const std::string chinese = "今天天气很好。我们去公园散步吧！你觉得怎么样？";
  const json english =
      MultiIfRecord("1:1:en", "English",
                    {{{"punctuation:no_comma"}, {no_comma}},
                     {{"punctuation:no_comma", "startend:end_checker"}, {no_comma, bye}},
                     {{"punctuation:no_comma", "startend:end_checker", "detectable_format:title"},
                      {no_comma, bye, none}}},
                    {"no commas here", "hello, bye", "<<title>> and no comma bye"});
  const json zh = MultiIfRecord(
      "2:1:zh", "Chinese",
      {{{"length_constraints:number_words"}, {ten_words}},
       {{"length_constraints:number_words", "punctuation:no_comma"}, {ten_words, no_comma}}},
      {chinese, chinese});
  const std::string input = WriteFile("multi_if.jsonl", english.dump() + "\n" + zh.dump() + "\n");
  const std::string output = testing::TempDir() + "/multi_if_scored.jsonl";
  const RunResult run =
      RunLfmbench("eval score --task multi_if --input " + input + " --output " + output);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto lines = ReadJsonl(output);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[0]["score"].size(), 3u);
  EXPECT_EQ(lines[0]["score"][1]["turn"], 2);
  EXPECT_EQ(lines[0]["score"][1]["strict"]["follow_instruction_list"], json({false, true}));
  EXPECT_EQ(lines[0]["score"][2]["strict"]["follow_instruction_list"], json({true, true, true}));
  ASSERT_EQ(lines[1]["score"].size(), 2u);
  EXPECT_EQ(lines[1]["score"][0]["strict"]["follow_instruction_list"], json({true}));

  auto v = SummaryValues(run.output);
  EXPECT_DOUBLE_EQ(v["turn1"]["prompt_level_strict_acc"], 1.0);
  EXPECT_DOUBLE_EQ(v["turn2"]["prompt_level_strict_acc"], 0.5);
  EXPECT_DOUBLE_EQ(v["turn2"]["inst_level_strict_acc"], 0.75);  // 3 of 4 instructions
  EXPECT_DOUBLE_EQ(v["turn2"]["overall"], (0.5 + 0.75 + 0.5 + 0.75) / 4);
  EXPECT_DOUBLE_EQ(v["turn2/Chinese"]["overall"], 1.0);
  EXPECT_DOUBLE_EQ(v["turn2/English"]["inst_level_strict_acc"], 0.5);
  EXPECT_DOUBLE_EQ(v["turn3"]["prompt_level_strict_acc"], 1.0);
  EXPECT_EQ(v.count("turn3/Chinese"), 0u);  // a two-turn conversation
  // all five turns pooled: 4 of 5 prompts, 8 of 9 instructions
  EXPECT_DOUBLE_EQ(v[""]["prompt_level_strict_acc"], 0.8);
  EXPECT_NEAR(v[""]["inst_level_strict_acc"], 8.0 / 9, 5e-5);  // printed to 4 places
}

TEST(EvalScoreCommandTest, MultiIfNeedsOneResponsePerTurn) {
  json record = MultiIfRecord("1:1:en", "English", {{{"punctuation:no_comma"}, {json::object()}}},
                              {"a", "b"});
  std::string input = WriteFile("multi_if_bad.jsonl", record.dump() + "\n");
  RunResult run = RunLfmbench("eval score --task multi_if --input " + input);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find(input + ":1: 'responses' has 2 replies, the record has 1 turns"),
            std::string::npos)
      << run.output;
  record.erase("responses");
  record["response"] = "a";
  input = WriteFile("multi_if_bad2.jsonl", record.dump() + "\n");
  run = RunLfmbench("eval score --task multi_if --input " + input);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find(input + ":1: record has no 'responses' list"), std::string::npos)
      << run.output;
}

TEST(EvalScoreCommandTest, UnknownTaskAndMissingFile) {
  RunResult run = RunLfmbench("eval score --task gsm8k_cott --input /nonexistent.jsonl");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("did you mean 'gsm8k_cot'"), std::string::npos) << run.output;
  run = RunLfmbench("eval score --task gsm8k --input /nonexistent.jsonl");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("cannot read /nonexistent.jsonl"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace lfm::evals
