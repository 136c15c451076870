#include "cli/demo.h"

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "base/cli.h"
#include "base/thread_pool.h"
#include "engine/gguf.h"
#include "engine/model_info.h"
#include "engine/model_maker.h"

namespace lfm::cli {
namespace {

struct DemoArgs {
  std::string dir = "lfmbench-demo";
  int threads = DefaultThreads();
};

void RunDemo(const DemoArgs& args) {
  std::filesystem::create_directories(args.dir);
  engine::MakeModelOptions make;
  make.preset = "tiny";
  make.type = kernels::DType::kQ4_0;
  make.output = args.dir + "/tiny-q4_0.gguf";
  fmt::print("== 1. Make a tiny LFM2-MoE model with random weights: {}\n", make.output);
  ThreadPool pool(args.threads);
  ExitOnError(engine::MakeModel(make, pool));
  fmt::print("\n== 2. What the file holds (lfmbench model info {})\n", make.output);
  auto file = ValueOrExit(engine::GgufFile::Open(make.output));
  fmt::print("{}", engine::FormatModelSummary(ValueOrExit(engine::SummarizeModel(*file))));
}

}  // namespace

void AddDemoCommand(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "The main job on a generated tiny model (README quick start)");
  cmd->add_option("--dir", args->dir, "Where to write the demo's files")->capture_default_str();
  cmd->add_option("-t,--threads", args->threads, "Threads")->capture_default_str();
  cmd->callback([args] { RunDemo(*args); });
}

}  // namespace lfm::cli
