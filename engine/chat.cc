#include "engine/chat.h"

#include <fmt/format.h>

namespace lfm::engine {

std::string RenderChat(const Tokenizer& tokenizer, std::span<const ChatMessage> messages,
                       const ChatOptions& options) {
  const int32_t bos = tokenizer.bos_id();
  std::string out(bos >= 0 ? tokenizer.TokenText(bos, /*render_special=*/true) : "");

  std::string system;
  if (!messages.empty() && messages.front().role == "system") {
    system = messages.front().content;
    messages = messages.subspan(1);
  }
  if (!options.tools.empty()) {
    if (!system.empty()) system += '\n';
    system += fmt::format("List of tools: <|tool_list_start|>[{}]<|tool_list_end|>",
                          fmt::join(options.tools, ", "));
  }
  if (!system.empty()) out += fmt::format("<|im_start|>system\n{}<|im_end|>\n", system);

  for (const ChatMessage& m : messages) {
    const std::string content =
        m.role == "tool" ? fmt::format("<|tool_response_start|>{}<|tool_response_end|>", m.content)
                         : m.content;
    out += fmt::format("<|im_start|>{}\n{}<|im_end|>\n", m.role, content);
  }
  if (options.add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

std::vector<int32_t> EncodeChat(const Tokenizer& tokenizer, std::span<const ChatMessage> messages,
                                const ChatOptions& options) {
  return tokenizer.Encode(RenderChat(tokenizer, messages, options), /*add_bos=*/false,
                          /*parse_special=*/true);
}

}  // namespace lfm::engine
