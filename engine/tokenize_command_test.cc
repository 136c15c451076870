// `lfmbench tokenize` end to end: the output formats scripts rely on, and bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/check.h"
#include "engine/test_vocab.h"
#include "engine/tokenizer.h"
#include "tests/test_support.h"

namespace lfm::engine {
namespace {

struct CommandResult {
  int status;
  std::string out;  // stdout and stderr
};

CommandResult Lfmbench(const std::string& args) {
  const std::string command = ::lfm::testing::LfmbenchPath() + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  LFM_CHECK(pipe != nullptr, "cannot run {}", command);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
  return {pclose(pipe), out};
}

class TokenizeCommandTest : public ::testing::Test {
 protected:
  const std::string model_ = testing::WriteTokenizerGguf(MakeByteLevelVocab(512));
};

TEST_F(TokenizeCommandTest, JsonIdsAreTheTokenizersIds) {
  auto file = GgufFile::Open(model_);
  ASSERT_TRUE(file.ok());
  const Tokenizer tok = *Tokenizer::FromGguf(**file);
  const std::string text = "The answer is 72.<|im_end|>";
  const CommandResult with_bos =
      Lfmbench("tokenize -m " + model_ + " --text '" + text + "' --json");
  ASSERT_EQ(with_bos.status, 0) << with_bos.out;
  EXPECT_EQ(with_bos.out, (nlohmann::json{{"ids", tok.Encode(text, true, true)}}.dump() + "\n"));
  const CommandResult plain =
      Lfmbench("tokenize -m " + model_ + " --text '" + text + "' --json --no-bos --no-special");
  EXPECT_EQ(plain.out, (nlohmann::json{{"ids", tok.Encode(text, false, false)}}.dump() + "\n"));
}

TEST_F(TokenizeCommandTest, TextFormIsOneLinePerToken) {
  const CommandResult run =
      Lfmbench("tokenize -m " + model_ + " --text \"$(printf 'a\\n<|im_end|>\\377')\"");
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.out,
            "1\t\"<|startoftext|>\"\n111\t\"a\"\n24\t\"\\n\"\n7\t\"<|im_end|>\"\n269\t\"\\xff\"\n");
}

TEST_F(TokenizeCommandTest, BadFileIsOneClearLine) {
  const CommandResult missing = Lfmbench("tokenize -m /nonexistent.gguf --text x");
  EXPECT_NE(missing.status, 0);
  EXPECT_EQ(missing.out,
            "lfmbench: error: /nonexistent.gguf: cannot open: No such file or directory\n");
  const std::string llama = testing::WriteTokenizerGguf(
      MakeByteLevelVocab(512), {{"tokenizer.ggml.model", GgufValue::String("llama")}});
  const CommandResult unsupported = Lfmbench("tokenize -m " + llama + " --text x");
  EXPECT_NE(unsupported.status, 0);
  EXPECT_EQ(unsupported.out,
            "lfmbench: error: " + llama +
                ": tokenizer.ggml.model is 'llama': only 'gpt2' (byte-level BPE) is "
                "supported\n");
}

}  // namespace
}  // namespace lfm::engine
