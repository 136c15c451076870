// Chat prompts in the LFM2 format (docs/model.md §5.5). The GGUF's tokenizer.chat_template is
// Jinja, which lfmbench does not interpret: this file renders what the LFM2 template renders,
//   <|startoftext|><|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{text}<|im_end|>\n
//   ...<|im_start|>assistant\n
// for string contents (assistant tool calls are part of the content text).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/tokenizer.h"

namespace lfm::engine {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool"
  std::string content;
};

struct ChatOptions {
  bool add_generation_prompt = true;  // end with "<|im_start|>assistant\n"
  std::vector<std::string> tools{};   // tool definitions, each as JSON text
};

// The prompt text. Starts with the BOS token's text. A leading "system" message becomes the
// system block; `tools` are appended to its text (after a newline when it is not empty) as
// "List of tools: <|tool_list_start|>[t1, t2]<|tool_list_end|>"; the block is left out when its
// text is empty. Every other message is "<|im_start|>{role}\n{content}<|im_end|>\n", a "tool"
// message's content wrapped in <|tool_response_start|>...<|tool_response_end|>.
std::string RenderChat(const Tokenizer& tokenizer, std::span<const ChatMessage> messages,
                       const ChatOptions& options = {});

// The prompt's token ids: RenderChat tokenized with special tokens parsed and no automatic BOS,
// since the text already starts with it (docs/model.md §5.4: never two BOS).
std::vector<int32_t> EncodeChat(const Tokenizer& tokenizer, std::span<const ChatMessage> messages,
                                const ChatOptions& options = {});

}  // namespace lfm::engine
