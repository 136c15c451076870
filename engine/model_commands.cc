#include "engine/model_commands.h"

#include <memory>

#include <fmt/format.h>

#include "base/cli.h"
#include "base/thread_pool.h"
#include "engine/gguf.h"
#include "engine/model_info.h"
#include "engine/model_maker.h"

namespace lfm::engine {
namespace {

struct InfoArgs {
  std::string path;
  bool json = false;
};

void RunInfo(const InfoArgs& args) {
  auto file = ValueOrExit(GgufFile::Open(args.path));
  ModelSummary summary = ValueOrExit(SummarizeModel(*file));
  if (args.json) {
    fmt::print("{}\n", ModelSummaryJson(summary).dump(2));
  } else {
    fmt::print("{}", FormatModelSummary(summary));
  }
}

struct MakeArgs {
  MakeModelOptions options;
  std::string type = "f32";
  int threads = DefaultThreads();
  bool quiet = false;
};

void RunMake(MakeArgs& args) {
  auto type = kernels::FindDTypeByName(args.type);
  if (!type) FailCommand(fmt::format("unknown --type '{}' (f32, f16, bf16, q8_0, q4_0)", args.type));
  args.options.type = type->type;
  args.options.show_progress = !args.quiet;
  ThreadPool pool(args.threads);
  ExitOnError(MakeModel(args.options, pool));
  if (!args.quiet) fmt::print("wrote {}\n", args.options.output);
}

}  // namespace

void AddModelCommands(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Inspect and generate GGUF model files");
  model->require_subcommand(1);

  auto info = std::make_shared<InfoArgs>();
  CLI::App* info_cmd = model->add_subcommand("info", "Architecture, sizes, parameters and tokenizer of a GGUF file");
  info_cmd->add_option("file", info->path, "GGUF model file")->required();
  info_cmd->add_flag("--json", info->json, "Print JSON instead of text");
  info_cmd->callback([info] { RunInfo(*info); });

  auto make = std::make_shared<MakeArgs>();
  CLI::App* make_cmd = model->add_subcommand(
      "make", "Write a model with the real LFM2 layout and seeded random weights");
  make_cmd->add_option("--preset", make->options.preset, "tiny, small, 8b-a1b (lfm2moe); tiny, small, 350m, 1.2b (lfm2)")
      ->capture_default_str();
  make_cmd->add_option("--arch", make->options.arch, "lfm2moe or lfm2 (dense)")->capture_default_str();
  make_cmd->add_option("--type", make->type, "f32, f16, bf16, q8_0 or q4_0")->capture_default_str();
  make_cmd->add_option("--seed", make->options.seed, "Random seed")->capture_default_str();
  make_cmd->add_option("-o,--output", make->options.output, "Output .gguf path")->required();
  make_cmd->add_option("-t,--threads", make->threads, "Threads")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  make_cmd->add_flag("-q,--quiet", make->quiet, "No progress output");
  make_cmd->callback([make] { RunMake(*make); });
}

}  // namespace lfm::engine
