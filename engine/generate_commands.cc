#include "engine/generate_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "base/cli.h"
#include "engine/chat.h"
#include "engine/engine.h"
#include "engine/engine_flags.h"

namespace lfm::engine {
namespace {

// "1,2,3" -> {1, 2, 3}; an empty or malformed list fails the command.
std::vector<int32_t> ParseTokenList(const std::string& text) {
  std::vector<int32_t> ids;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    size_t used = 0;
    long value = 0;
    try {
      value = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || value < INT32_MIN || value > INT32_MAX) {
      FailCommand(fmt::format("--tokens: '{}' is not an integer (expected e.g. 1,6,72)", item));
    }
    ids.push_back(static_cast<int32_t>(value));
    begin = end + 1;
  }
  return ids;
}

struct LogitsArgs {
  EngineOptions engine;
  std::string tokens;
  bool all_positions = false;
  bool json = false;
};

void RunLogits(LogitsArgs& args) {
  const std::vector<int32_t> ids = ParseTokenList(args.tokens);
  args.engine.show_progress = false;
  auto engine = ValueOrExit(Engine::Open(args.engine));
  auto seq = engine->NewSequence();
  std::vector<float> logits;
  ExitOnError(engine->Prefill(*seq, ids, &logits, args.all_positions));
  const int64_t V = engine->config().n_vocab;
  const int64_t rows = static_cast<int64_t>(logits.size()) / V;
  if (args.json) {
    // Floats in their shortest round-trip form; JSON has no NaN or infinity.
    if (!std::all_of(logits.begin(), logits.end(), [](float x) { return std::isfinite(x); })) {
      FailCommand(fmt::format("{}: the logits are not finite", args.engine.model_path));
    }
    std::string out = fmt::format("{{\"n_vocab\":{},\"logits\":[", V);
    for (int64_t r = 0; r < rows; ++r) {
      fmt::format_to(std::back_inserter(out), "{}[{}]", r ? "," : "",
                     fmt::join(logits.begin() + r * V, logits.begin() + (r + 1) * V, ","));
    }
    out += "]}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = logits.data() + r * V;
    const int64_t best = std::max_element(row, row + V) - row;
    fmt::print("position {}: argmax {} (logit {:.4f})\n", args.all_positions ? r : ids.size() - 1,
               best, row[best]);
  }
}

struct GenerateArgs {
  EngineOptions engine;
  GenerateOptions generate;
  std::string prompt;
  bool chat = false;
  bool quiet = false;
};

void RunGenerate(GenerateArgs& args) {
  ExitOnError(Sampler::Validate(args.generate.sampling));
  args.engine.show_progress = !args.quiet;
  auto engine = ValueOrExit(Engine::Open(args.engine));
  const Tokenizer& tokenizer = engine->tokenizer();
  const std::vector<int32_t> prompt =
      args.chat ? EncodeChat(tokenizer, std::vector<ChatMessage>{{"user", args.prompt}})
                : tokenizer.Encode(args.prompt, /*add_bos=*/true, /*parse_special=*/true);
  args.generate.on_text = [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  };
  auto seq = engine->NewSequence();
  const GenerateResult r = ValueOrExit(engine->Generate(*seq, prompt, args.generate));
  fmt::print(
      "\nprefill: {} tokens, {:.2f} tokens/s; decode: {} tokens, {:.2f} tokens/s; stop: {}\n",
      r.n_prompt_tokens, r.prefill_tokens_per_second(), r.n_decode_steps,
      r.decode_tokens_per_second(), StopReasonName(r.stop_reason));
}

}  // namespace

void AddGenerationCommands(CLI::App& app) {
  auto logits = std::make_shared<LogitsArgs>();
  CLI::App* logits_cmd =
      app.add_subcommand("logits", "Next-token logits after the given token ids");
  AddEngineFlags(logits_cmd, logits->engine);
  logits_cmd->add_option("--tokens", logits->tokens, "Comma-separated token ids, e.g. 1,6,72")
      ->required();
  logits_cmd->add_flag("--all-positions", logits->all_positions,
                       "Logits after every token, not only the last");
  logits_cmd->add_flag("--json", logits->json, "Print {\"n_vocab\":V,\"logits\":[[...]]}");
  logits_cmd->callback([logits] { RunLogits(*logits); });

  auto gen = std::make_shared<GenerateArgs>();
  SamplerOptions& sampling = gen->generate.sampling;
  CLI::App* gen_cmd =
      app.add_subcommand("generate", "Generate text from a prompt, streamed, then the speed");
  AddEngineFlags(gen_cmd, gen->engine);
  gen_cmd
      ->add_option("-p,--prompt", gen->prompt,
                   "Prompt text (special tokens like <|im_start|> are parsed)")
      ->required();
  gen_cmd->add_flag("--chat", gen->chat, "Wrap the prompt as one user turn of the chat template");
  gen_cmd->add_option("-n,--n-predict", gen->generate.max_tokens, "Tokens to generate at most")
      ->capture_default_str();
  gen_cmd->add_option("--temp", sampling.temperature, "Temperature (0 = greedy)")
      ->capture_default_str();
  gen_cmd->add_option("--seed", sampling.seed, "Sampling seed")->capture_default_str();
  gen_cmd->add_option("--top-k", sampling.top_k, "Top-k (0 = off)")->capture_default_str();
  gen_cmd->add_option("--top-p", sampling.top_p, "Top-p (1 = off)")->capture_default_str();
  gen_cmd->add_option("--min-p", sampling.min_p, "Min-p (0 = off)")->capture_default_str();
  gen_cmd->add_option("--repeat-penalty", sampling.repeat_penalty, "Repetition penalty (1 = off)")
      ->capture_default_str();
  gen_cmd->add_option("--stop", gen->generate.stop_strings, "Stop before this text (repeatable)");
  gen_cmd->add_flag("-q,--quiet", gen->quiet, "No loading progress");
  gen_cmd->callback([gen] { RunGenerate(*gen); });
}

}  // namespace lfm::engine
