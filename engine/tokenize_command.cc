#include "engine/tokenize_command.h"

#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/cli.h"
#include "engine/gguf.h"
#include "engine/pre_tokenizer.h"
#include "engine/tokenizer.h"

namespace lfm::engine {
namespace {

// `text` in double quotes with C escapes: \n, \t, \", \\, and \xNN for other control bytes and
// bytes that are not valid UTF-8 (a byte token may hold half a character).
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (size_t pos = 0; pos < text.size();) {
    const unsigned char c = text[pos];
    const size_t len = Utf8SequenceLength(text, pos);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (len == 0 || c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.append(text.substr(pos, len));
      pos += len;
      continue;
    }
    ++pos;
  }
  return out + "\"";
}

struct TokenizeArgs {
  std::string model;
  std::string text;
  bool no_bos = false;
  bool no_special = false;
  bool json = false;
};

// --json: {"ids":[...]}. Otherwise one line per token: its id, a tab, and its text quoted
// (control tokens shown).
void RunTokenize(const TokenizeArgs& args) {
  auto file = ValueOrExit(GgufFile::Open(args.model));
  const Tokenizer tokenizer = ValueOrExit(Tokenizer::FromGguf(*file));
  const std::vector<int32_t> ids = tokenizer.Encode(args.text, !args.no_bos, !args.no_special);
  if (args.json) {
    fmt::print("{}\n", nlohmann::json{{"ids", ids}}.dump());
    return;
  }
  for (int32_t id : ids) {
    fmt::print("{}\t{}\n", id, Quoted(tokenizer.TokenText(id, /*render_special=*/true)));
  }
}

}  // namespace

void AddTokenizeCommand(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Token ids of a text, as llama.cpp gives them");
  cmd->add_option("-m,--model", args->model, "GGUF model file (only its tokenizer is read)")
      ->required();
  cmd->add_option("--text", args->text, "Text to tokenize")->required();
  cmd->add_flag("--no-bos", args->no_bos,
                "Do not prepend BOS (added by default when the file asks for it)");
  cmd->add_flag("--no-special", args->no_special,
                "Treat special-token text such as <|im_start|> as plain text");
  cmd->add_flag("--json", args->json, "Print {\"ids\":[...]}");
  cmd->callback([args] { RunTokenize(*args); });
}

}  // namespace lfm::engine
