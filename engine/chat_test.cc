#include "engine/chat.h"

#include <gtest/gtest.h>

#include "base/check.h"
#include "engine/test_vocab.h"

namespace lfm::engine {
namespace {

const Tokenizer& Lfm2Tokenizer() {
  static const Tokenizer tokenizer = [] {
    auto file = GgufFile::Open(testing::WriteTokenizerGguf(MakeByteLevelVocab(512)));
    LFM_CHECK(file.ok(), "{}", file.status().message());
    return std::move(Tokenizer::FromGguf(**file)).value();
  }();
  return tokenizer;
}

std::string Render(const std::vector<ChatMessage>& messages, const ChatOptions& options = {}) {
  return RenderChat(Lfm2Tokenizer(), messages, options);
}

TEST(ChatTest, UserTurnWithGenerationPrompt) {
  EXPECT_EQ(Render({{"user", "Hi!"}}),
            "<|startoftext|><|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(Render({{"user", "Hi!"}}, {.add_generation_prompt = false}),
            "<|startoftext|><|im_start|>user\nHi!<|im_end|>\n");
  EXPECT_EQ(Render({}), "<|startoftext|><|im_start|>assistant\n");
}

TEST(ChatTest, SystemBlockComesFromALeadingSystemMessageOnly) {
  EXPECT_EQ(Render({{"system", "Be brief."}, {"user", "Q"}, {"assistant", "A"}, {"user", "Q2"}},
                   {.add_generation_prompt = false}),
            "<|startoftext|><|im_start|>system\nBe brief.<|im_end|>\n"
            "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
            "<|im_start|>user\nQ2<|im_end|>\n");
  // An empty system text gives no block; a later system message is an ordinary turn.
  EXPECT_EQ(
      Render({{"system", ""}, {"user", "Q"}, {"system", "late"}}, {.add_generation_prompt = false}),
      "<|startoftext|><|im_start|>user\nQ<|im_end|>\n<|im_start|>system\nlate<|im_end|>\n");
}

TEST(ChatTest, ToolsJoinTheSystemTextAndToolRepliesAreWrapped) {
  const ChatOptions tools = {.add_generation_prompt = true,
                             .tools = {R"({"name": "a"})", R"({"name": "b"})"}};
  EXPECT_EQ(Render({{"user", "Q"}}, tools),
            "<|startoftext|><|im_start|>system\nList of tools: <|tool_list_start|>"
            "[{\"name\": \"a\"}, {\"name\": \"b\"}]<|tool_list_end|><|im_end|>\n"
            "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(Render({{"system", "Sys."}, {"user", "Q"}}, tools).substr(0, 58),
            "<|startoftext|><|im_start|>system\nSys.\nList of tools: <|to");
  EXPECT_EQ(Render({{"assistant", "<|tool_call_start|>[a(x=1)]<|tool_call_end|>"},
                    {"tool", "{\"r\": 2}"}},
                   {.add_generation_prompt = false}),
            "<|startoftext|><|im_start|>assistant\n<|tool_call_start|>[a(x=1)]<|tool_call_end|>"
            "<|im_end|>\n<|im_start|>tool\n<|tool_response_start|>{\"r\": 2}<|tool_response_end|>"
            "<|im_end|>\n");
}

TEST(ChatTest, EncodedPromptHasExactlyOneBos) {
  const Tokenizer& tok = Lfm2Tokenizer();
  const std::vector<ChatMessage> messages = {{"system", "S"}, {"user", "Hello"}};
  const std::vector<int32_t> ids = EncodeChat(tok, messages);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids[0], tok.bos_id());
  EXPECT_EQ(ids[1], 6);  // <|im_start|>, parsed as one token
  EXPECT_EQ(std::count(ids.begin(), ids.end(), tok.bos_id()), 1);
  EXPECT_EQ(tok.Decode(ids, /*render_special=*/true), RenderChat(tok, messages));
  // What EncodeChat avoids: the tokenizer's own BOS on top of the template's.
  const std::vector<int32_t> doubled = tok.Encode(RenderChat(tok, messages), true, true);
  EXPECT_EQ(doubled[0], tok.bos_id());
  EXPECT_EQ(doubled[1], tok.bos_id());
}

}  // namespace
}  // namespace lfm::engine
