// Multi-IF on rows written here in the official CSV format (the header of multiIF_20241018.csv,
// JSON columns encoded as in the release), in two languages and with a two-turn conversation:
// parsing, the chat history of each turn, and metrics_gen's per-turn, per-language numbers
// worked out by hand (instruction level pools instructions, it is not a mean of per-prompt
// fractions).
#include "evals/scoring/ifeval/multi_if.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "evals/fake_model.h"
#include "evals/scoring/ifeval/multi_if_checkers.h"
#include "tests/test_support.h"

namespace lfm::evals::ifeval {
namespace {

using nlohmann::json;

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct TurnSpec {
  std::string user;
  std::vector<std::string> ids;
  std::vector<json> kwargs;
};

// One CSV row: turns, responses, turn_k_* for k = 1..3, key, turn_index, language.
std::string Row(const std::string& key, const std::string& language,
                const std::vector<TurnSpec>& turns) {
  std::string row = ",";
  for (size_t k = 0; k < 3; ++k) {
    if (k >= turns.size()) {
      row += ",,,";
      continue;
    }
    json encoded = json::array();
    for (const json& kw : turns[k].kwargs) encoded.push_back(kw.dump());
    row += "," + Quote(json{{"role", "user"}, {"content", turns[k].user}}.dump()) + "," +
           Quote(json(turns[k].ids).dump()) + "," + Quote(encoded.dump());
  }
  return row + "," + key + ",0," + language + "\n";
}

std::string TestCsv() {
  const std::string header =
      "turns,responses,turn_1_prompt,turn_1_instruction_id_list,turn_1_kwargs,turn_2_prompt,"
      "turn_2_instruction_id_list,turn_2_kwargs,turn_3_prompt,turn_3_instruction_id_list,"
      "turn_3_kwargs,key,turn_index,language\n";
  const json none = json::object();
  const json bye = {{"end_phrase", "bye"}};
  const json zh = {{"language", "zh-cn"}};
  return header +
         Row("1:1:en", "English",
             {{"Describe the \"weather\" in lowercase.", {"change_case:english_lowercase"}, {none}},
              {"End with bye.",
               {"change_case:english_lowercase", "startend:end_checker"},
               {none, bye}},
              {"No commas.",
               {"change_case:english_lowercase", "startend:end_checker", "punctuation:no_comma"},
               {none, bye, none}}}) +
         Row("2:1:zh", "Chinese",
             {{"用中文描述天气。", {"language:response_language"}, {zh}},
              {"加一个标题，不要用逗号。",
               {"language:response_language", "detectable_format:title", "punctuation:no_comma"},
               {zh, none, none}}});
}

TEST(MultiIfTest, ParsesTheOfficialCsv) {
  auto conversations = ParseMultiIfCsv(TestCsv());
  ASSERT_TRUE(conversations.ok()) << conversations.status().message();
  ASSERT_EQ(conversations->size(), 2u);
  const auto& en = (*conversations)[0];
  EXPECT_EQ(en.key, "1:1:en");
  EXPECT_EQ(en.language, "English");
  ASSERT_EQ(en.turns.size(), 3u);
  EXPECT_EQ(en.turns[0].user, "Describe the \"weather\" in lowercase.");
  EXPECT_EQ(en.turns[2].checks.instruction_ids().size(), 3u);
  EXPECT_EQ((*conversations)[1].turns.size(), 2u);  // empty turn 3: a two-turn conversation

  const auto messages = MultiIfMessages(en, 2, {"first reply", "second reply"});
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[0].role, "user");
  EXPECT_EQ(messages[1].role, "assistant");
  EXPECT_EQ(messages[1].content, "first reply");
  EXPECT_EQ(messages[3].content, "second reply");
  EXPECT_EQ(messages[4].content, "No commas.");
  EXPECT_EQ(MultiIfMessages(en, 0, {}).size(), 1u);
}

TEST(MultiIfTest, BadRowsNameTheLineAndTurn) {
  std::string csv = TestCsv();
  csv.replace(csv.find("punctuation:no_comma"), 20, "punctuation:no_komma");
  auto parsed = ParseMultiIfCsv(csv);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("line 2 (1:1:en), turn 3"), std::string::npos)
      << parsed.status().message();
  EXPECT_FALSE(ParseMultiIfCsv("key,language\n1,English\n").ok());  // missing turn columns
}

TEST(MultiIfTest, PerTurnAndLanguageMetrics) {
  auto conversations = ParseMultiIfCsv(TestCsv());
  ASSERT_TRUE(conversations.ok());
  const std::vector<std::vector<std::string>> replies = {
      {"the weather is lovely today and we are going for a long walk in the park",
       "the weather is lovely today and we will walk in the park. bye",
       "The weather is lovely today, bye"},  // capital T and a comma: 1 of 3
      {"我们明天早上去公园散步，然后一起吃早饭。",
       "我们明天早上去公园散步，然后一起吃早饭。"}};  // no title: 2 of 3
  const auto rows = ScoreMultiIf(*conversations, replies).Rows();
  ASSERT_EQ(rows.size(), 8u);  // turns 1-2: all, Chinese, English; turn 3: all, English
  auto find = [&](size_t turn, const std::string& language) {
    for (const auto& row : rows) {
      if (row.turn == turn && row.language == language) return row;
    }
    ADD_FAILURE() << "no row for turn " << turn << " " << language;
    return MultiIfMetrics::Row{};
  };
  EXPECT_EQ(rows[0].language, "all_languages");
  EXPECT_DOUBLE_EQ(find(1, "all_languages").overall, 1.0);
  const auto turn2 = find(2, "all_languages");
  EXPECT_EQ(turn2.prompts, 2u);
  EXPECT_DOUBLE_EQ(turn2.prompt_strict, 0.5);
  EXPECT_DOUBLE_EQ(turn2.inst_strict, 0.8);  // 4 of 5 instructions (a per-prompt mean: 0.833)
  EXPECT_DOUBLE_EQ(turn2.overall, (0.5 + 0.8 + 0.5 + 0.8) / 4);
  EXPECT_DOUBLE_EQ(find(2, "Chinese").overall, (0 + 2.0 / 3 + 0 + 2.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(find(2, "English").overall, 1.0);
  const auto turn3 = find(3, "all_languages");
  EXPECT_EQ(turn3.prompts, 1u);
  EXPECT_DOUBLE_EQ(turn3.overall, (0 + 1.0 / 3 + 0 + 1.0 / 3) / 4);
}

// Turn k is generated on the conversation so far: the chat template over every earlier user
// turn and the model's own reply to it; one model call per turn; a two-turn conversation stops.
TEST(MultiIfTest, GeneratesEachTurnOnTheConversationSoFar) {
  auto conversations = ParseMultiIfCsv(TestCsv());
  ASSERT_TRUE(conversations.ok());
  std::vector<std::string> contexts;
  FakeModel model({.generate = [&](const GenerationRequest& r) {
    EXPECT_EQ(r.max_tokens, 7);
    contexts.push_back(r.context);
    return "reply " + std::to_string(contexts.size());
  }});
  GenerationRequest settings;
  settings.max_tokens = 7;
  auto replies = GenerateMultiIfReplies(model, *conversations, settings);
  ASSERT_TRUE(replies.ok()) << replies.status().message();
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ((*replies)[0], (std::vector<std::string>{"reply 1", "reply 3", "reply 5"}));
  EXPECT_EQ((*replies)[1], (std::vector<std::string>{"reply 2", "reply 4"}));
  ASSERT_EQ(contexts.size(), 5u);
  const std::string expected_turn3 =
      *model.ApplyChatTemplate({{"user", "Describe the \"weather\" in lowercase."},
                                {"assistant", "reply 1"},
                                {"user", "End with bye."},
                                {"assistant", "reply 3"},
                                {"user", "No commas."}},
                               true);
  EXPECT_EQ(contexts[4], expected_turn3);
}

// Multi-IF's language-aware counts. Expected values: the official functions
// (count_words_chinese_japanese with the emoji package absent, split_chinese_japanese,
// count_hindi_num_sentences) run on these strings, and langdetect 1.0.9 with seed 0 for the
// language each reply is counted as.
TEST(MultiIfCheckersTest, CountsAsTheOfficialFunctions) {
  EXPECT_EQ(CountWordsChineseJapanese("今天天气很好。我们去公园散步吧！你觉得怎么样？"), 20u);
  EXPECT_EQ(CountWordsChineseJapanese("こんにちは、ジェイソンさん、Jason? Nice to meet you"), 17u);
  EXPECT_EQ(CountWordsChineseJapanese("我喜欢Python和C++编程, 每天写code三个小时。"), 16u);
  EXPECT_EQ(CountWordsChineseJapanese("東京は日本の首都です。人口は多いです．"), 17u);
  EXPECT_EQ(CountWordsChineseJapanese("「你好」（世界）——《书名》……"), 6u);
  EXPECT_EQ(CountSentencesChineseJapanese("今天天气很好。我们去公园散步吧！你觉得怎么样？"), 3u);
  EXPECT_EQ(CountSentencesChineseJapanese("第一行没有句号\n第二行。。还有\n\n  第三行！！"), 4u);
  EXPECT_EQ(CountSentencesChineseJapanese("こんにちは、ジェイソンさん、Jason? Nice to meet you"),
            2u);
  EXPECT_EQ(CountSentencesChineseJapanese("東京は日本の首都です。人口は多いです．"), 2u);
  EXPECT_EQ(CountSentencesHindi("नमस्ते। आप कैसे हैं? मैं ठीक हूँ!\n\nधन्यवाद"), 4u);
  EXPECT_EQ(CountSentencesHindi("यह पहला वाक्य है।यह दूसरा है ।   "), 2u);
  EXPECT_EQ(CountSentencesHindi("Привет! Как дела? Всё хорошо. Спасибо, друг."), 3u);
  // emoji.emoji_count: one per emoji, a flag or a skin-toned / ZWJ sequence counting once
  EXPECT_EQ(CountWordsChineseJapanese("你好😀"), 3u);
  EXPECT_EQ(CountWordsChineseJapanese("好🇯🇵 👍🏽 👨‍👩‍👧 ❤"), 5u);
  EXPECT_EQ(CountWordsChineseJapanese("ok😀ok"), 2u);  // removed, not spaced: "okok" + 1 emoji
}

TEST(MultiIfCheckersTest, CountByTheDetectedLanguage) {
  EXPECT_EQ(MultiIfCountWords("今天天气很好。我们去公园散步吧！你觉得怎么样？", "zh-cn"), 20u);
  EXPECT_EQ(MultiIfCountWords("今天天气很好。我们去公园散步吧！你觉得怎么样？", "ko"), 3u);  // \w+
  EXPECT_EQ(MultiIfCountSentences("नमस्ते। आप कैसे हैं? मैं ठीक हूँ!\n\nधन्यवाद", "hi"), 4u);
  EXPECT_EQ(MultiIfCountSentences("東京は日本の首都です。人口は多いです．", "ja"), 2u);
  EXPECT_EQ(MultiIfCountSentences("Hello there. How are you?", "en"), 2u);  // Punkt
}

// The checkers as turns are scored: langdetect picks the count. A Chinese reply of 20 CJK
// words "at least 10" follows Multi-IF's number_words and not IFEval's (3 \w+ runs); the same
// characters in a text langdetect calls Korean are counted as IFEval counts.
TEST(MultiIfCheckersTest, TurnsUseMultiIfsCounts) {
  const json doc = {{"instruction_id_list",
                     {"length_constraints:number_words", "length_constraints:number_sentences"}},
                    {"kwargs",
                     {{{"num_words", 10}, {"relation", "at least"}},
                      {{"num_sentences", 4}, {"relation", "at least"}}}}};
  auto multi_if = IfevalPrompt::FromJson(doc, CheckerSet::kMultiIf);
  auto ifeval = IfevalPrompt::FromJson(doc);
  ASSERT_TRUE(multi_if.ok() && ifeval.ok());
  const std::string chinese = "今天天气很好。我们去公园散步吧！你觉得怎么样？";
  EXPECT_EQ(Follow::StrictUnstripped(*multi_if, chinese).follow_instruction_list,
            (std::vector<bool>{true, false}));  // 20 words, 3 sentences
  EXPECT_EQ(Follow::Strict(*ifeval, chinese).follow_instruction_list,
            (std::vector<bool>{false, false}));  // 3 words
  const std::string hindi = "नमस्ते। आप कैसे हैं? मैं ठीक हूँ!\n\nधन्यवाद";
  EXPECT_EQ(Follow::StrictUnstripped(*multi_if, hindi).follow_instruction_list,
            (std::vector<bool>{true, true}));  // 13 words, 4 danda-split sentences
  const std::string korean = "第一行没有句号\n第二行。。还有\n\n  第三行！！";  // langdetect: "ko"
  EXPECT_EQ(Follow::StrictUnstripped(*multi_if, korean).follow_instruction_list,
            (std::vector<bool>{false, false}));  // 4 \w+ runs, Punkt sentences
}

// The shared English file (909 conversations, 13 of them two-turn) parses whole.
TEST(MultiIfTest, ReadsTheSharedEnglishFile) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  std::ifstream in(shared + "/datasets/multi-if/multiIF_20241018_english.csv");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto conversations = ParseMultiIfCsv(text);
  ASSERT_TRUE(conversations.ok()) << conversations.status().message();
  EXPECT_EQ(conversations->size(), 909u);
  size_t two_turn = 0;
  for (const auto& c : *conversations) two_turn += c.turns.size() == 2;
  EXPECT_EQ(two_turn, 13u);
}

}  // namespace
}  // namespace lfm::evals::ifeval
