#include "evals/creative_writing.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/test_support.h"

namespace lfm::evals {
namespace {

const std::vector<std::string> kNegative = {"Meandering", "Weak Dialogue", "Purple Prose"};

TEST(CreativeWritingParser, ScriptedJudgeReply) {
  const std::string reply =
      "[Analysis]\n\nVivid, though the ending drags. Note: nothing else.\n\n[Scores]\n\n"
      "Adherence to Instructions: 15\n\n"
      "Elegant Prose: 12.5\n"
      "Overall Impression: Score 14\n"
      "Weak Dialogue: [3]\n"
      "Meandering: 4\n"
      "Purple Prose: 25\n";  // above 20: discarded
  const std::map<std::string, double> scores = ParseJudgeScores(reply);
  const std::map<std::string, double> expected = {{"Adherence to Instructions", 15},
                                                  {"Elegant Prose", 12.5},
                                                  {"Overall Impression", 14},
                                                  {"Weak Dialogue", 3},
                                                  {"Meandering", 4}};
  EXPECT_EQ(scores, expected);
  // Negative criteria inverted: (15 + 12.5 + 14 + (20 - 3) + (20 - 4)) / 5.
  EXPECT_DOUBLE_EQ(*PieceScore(scores, kNegative), (15 + 12.5 + 14 + 17 + 16) / 5.0);
}

TEST(CreativeWritingParser, PythonFindallSemantics) {
  // Every "name: number" anywhere counts, as in the reference (which parses the whole reply);
  // a later match of a name replaces an earlier one; the bracketed pattern runs second.
  EXPECT_EQ(ParseJudgeScores("Coherent: 10\nCoherent: 11"),
            (std::map<std::string, double>{{"Coherent", 11}}));
  // On one line the lazy name of the bracketed pattern runs from the line's start (as in Python).
  EXPECT_EQ(ParseJudgeScores("Coherent: 10\nCoherent: [12]"),
            (std::map<std::string, double>{{"Coherent", 12}}));
  EXPECT_EQ(ParseJudgeScores("Coherent: 10 Coherent: [12]"),
            (std::map<std::string, double>{{"Coherent", 10}, {"Coherent: 10 Coherent", 12}}));
  // "10:30": the second number has an empty name and is above 20.
  EXPECT_EQ(ParseJudgeScores("Time: 10:30"), (std::map<std::string, double>{{"Time", 10}}));
  EXPECT_EQ(ParseJudgeScores("  Amateurish :  -2 "),
            (std::map<std::string, double>{{"Amateurish", -2}}));
  EXPECT_TRUE(ParseJudgeScores("no scores here\n[Scores]\n").empty());
  EXPECT_FALSE(PieceScore({}, kNegative).has_value());
  // A negative criterion scored below 0 inverts past 20 and is dropped.
  EXPECT_DOUBLE_EQ(*PieceScore({{"Meandering", -2}, {"Coherent", 10}}, kNegative), 10);
}

TEST(CreativeWritingData, PromptsAndJudgePrompt) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::filesystem::path dir =
      std::filesystem::path(shared) / "datasets" / "creative-writing-v3";
  auto data = CreativeWritingData::Load(dir.string());
  ASSERT_TRUE(data.ok()) << data.status().message();
  ASSERT_EQ(data->prompts.size(), 32u);
  EXPECT_EQ(data->prompts[0].id, "1");
  EXPECT_EQ(data->prompts[31].id, "33");  // the file has no prompt 27
  EXPECT_EQ(data->criteria.size(), 22u);
  EXPECT_EQ(data->negative_criteria.size(), 9u);
  const CreativePrompt& p = data->prompts[0];
  // Iteration i uses seed modifier (i - 1) mod count.
  EXPECT_NE(data->PiecePrompt(p, 1).find(p.seed_modifiers[0]), std::string::npos);
  EXPECT_NE(data->PiecePrompt(p, 3).find(p.seed_modifiers[2]), std::string::npos);
  EXPECT_EQ(data->PiecePrompt(p, 1).find("<SEED>"), std::string::npos);
  const std::string judge = data->JudgePrompt(p, "THE PIECE {writing_prompt}");
  EXPECT_NE(judge.find(p.writing_prompt), std::string::npos);  // the base prompt, <SEED> kept
  EXPECT_NE(judge.find("THE PIECE {writing_prompt}"), std::string::npos);  // not expanded twice
  EXPECT_NE(judge.find("- Adherence to Instructions\n- Believable Character Actions"),
            std::string::npos);
  EXPECT_NE(judge.find("Unearned Transformations, Incongruent Ending Positivity"),
            std::string::npos);
  EXPECT_EQ(judge.find("{creative_writing_criteria}"), std::string::npos);
  EXPECT_EQ(judge.find("{lower_is_better_criteria}"), std::string::npos);
}

}  // namespace
}  // namespace lfm::evals
