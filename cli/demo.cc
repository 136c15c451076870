// `lfmbench demo`: the README's main job on a generated tiny model. Makes the model, shows what
// the file holds, profiles every compiled backend into a results database and prints their
// comparison from it, then runs a short eval (when benchmark data is present).
#include "cli/demo.h"

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "base/cli.h"
#include "base/thread_pool.h"
#include "benchmarks/perf_runner.h"
#include "engine/gguf.h"
#include "engine/model_info.h"
#include "engine/model_maker.h"
#include "evals/data_dir.h"
#include "evals/run_command.h"
#include "results/report.h"

namespace lfm::cli {
namespace {

struct DemoArgs {
  std::string dir = "lfmbench-demo";
  std::string data_dir;
  int threads = DefaultThreads();
};

std::string MakeTinyModel(const DemoArgs& args) {
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
  return make.output;
}

// Every backend, prefill and decode, stored as samples; the tables are read back from the store.
void ProfileBackends(const DemoArgs& args, const std::string& model, const std::string& db) {
  bench::PerfOptions perf;
  perf.model_path = model;
  perf.requested_backends = "all";
  perf.backends = ValueOrExit(bench::ResolveBackends("all"));
  perf.threads = {args.threads};
  perf.tests = bench::MakeTests({64}, {16});
  perf.reps = 3;
  perf.tag = "demo";
  fmt::print("\n== 3. Profile every backend (lfmbench perf -m {} --backend all --pp 64 --tg 16 --reps 3 "
             "-t {} --db {})\n",
             model, args.threads, db);
  auto store = ValueOrExit(results::ResultStore::Open(db, results::ResultStore::Mode::kReadWrite));
  const int64_t run_id = ValueOrExit(bench::RunPerf(perf, *store));
  const results::RunReport report = ValueOrExit(results::LoadRunReport(*store, run_id));
  fmt::print("\n{}\nTime per operation (ms per repetition, share):\n{}\n",
             results::PerfTable(report.run, report.perf).ToText(),
             results::OpBreakdownTable(report).ToText());
  fmt::print("(run {} in {}: lfmbench results show {} --db {})\n", run_id, db, run_id, db);
}

void ShortEval(const DemoArgs& args, const std::string& model, const std::string& db) {
  fmt::print("\n== 4. A short eval: 5 documents of MMLU abstract algebra, GSM8K and IFEval\n");
  auto data = evals::ResolveDataDir(args.data_dir);
  if (!data.ok()) {
    fmt::print("skipped: {}\n(get the data with `lfmbench datasets fetch gsm8k --to datasets`, and the "
               "same for mmlu and ifeval)\n",
               data.status().message());
    return;
  }
  evals::EvalRunArgs eval;
  eval.engine.model_path = model;
  eval.engine.threads = args.threads;
  eval.tasks = {"mmlu_abstract_algebra", "gsm8k", "ifeval"};
  eval.limit = 5;
  eval.gen_kwargs = "max_gen_toks=32";  // random weights rarely reach a stop string
  eval.data_dir = *data;
  eval.db = db;
  eval.tag = "demo";
  fmt::print("(lfmbench eval run -m {} --tasks mmlu_abstract_algebra,gsm8k,ifeval --limit 5 "
             "--gen-kwargs max_gen_toks=32 --db {})\n",
             model, db);
  evals::RunEvalCommand(eval);
  fmt::print("(a random-weight model scores near chance; the numbers show the pipeline, not the model)\n");
}

void RunDemo(const DemoArgs& args) {
  std::filesystem::create_directories(args.dir);
  const std::string model = MakeTinyModel(args);
  const std::string db = args.dir + "/results.db";
  ProfileBackends(args, model, db);
  ShortEval(args, model, db);
  fmt::print("\nLook at it all: lfmbench dashboard --db {}\n", db);
}

}  // namespace

void AddDemoCommand(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "The main job on a generated tiny model (README quick start)");
  cmd->add_option("--dir", args->dir, "Where to write the demo's files")->capture_default_str();
  cmd->add_option("--data-dir", args->data_dir,
                  "Benchmark data (default: $LFM_DATA_DIR, ../shared/datasets, ./datasets)");
  cmd->add_option("-t,--threads", args->threads, "Threads")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->callback([args] { RunDemo(*args); });
}

}  // namespace lfm::cli
