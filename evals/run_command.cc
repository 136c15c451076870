#include "evals/run_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>

#include "base/cli.h"
#include "benchmarks/run_record.h"
#include "engine/engine.h"
#include "engine/model_info.h"
#include "evals/data_dir.h"
#include "evals/engine_model.h"
#include "evals/model_source.h"
#include "evals/report.h"
#include "evals/runner.h"
#include "evals/suite.h"
#include "results/provenance.h"

namespace lfm::evals {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

void WriteJsonAtomically(const std::string& path, const nlohmann::json& j) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) FailCommand(fmt::format("{}: cannot write", tmp));
  }
  fs::rename(tmp, path, ec);
  if (ec) FailCommand(fmt::format("{}: cannot rename to {}: {}", tmp, path, ec.message()));
}

// The first data file a task reads that is missing under `data_dir`, or "".
std::string MissingDataFile(const TaskSpec& task, const std::string& data_dir) {
  for (const std::string& split : {task.test_split, task.fewshot_split}) {
    if (split.empty() || !task.dataset.count(split)) continue;
    const std::string& file = task.dataset.at(split).file;
    if (!std::filesystem::exists(std::filesystem::path(data_dir) / file)) return file;
  }
  return "";
}

// --suite: the suite's benchmarks defined here and with their data present; each one left out
// is named on stderr with the reason.
std::vector<SuiteBenchmark> SuiteToRun(const std::string& name, const TaskRegistry& registry,
                                       const std::string& data_dir) {
  const auto suite = ValueOrExit(Suite(name));
  std::vector<SuiteBenchmark> run;
  for (const SuiteBenchmark& b : ValueOrExit(AvailableBenchmarks(suite, registry))) {
    std::string missing;
    for (const std::string& task : ValueOrExit(registry.ExpandToTasks({b.task}))) {
      missing = MissingDataFile(*registry.FindTask(task), data_dir);
      if (!missing.empty()) {
        fmt::print(stderr, "suite {}: skipping {}: {}/{} not found (`lfmbench datasets fetch {}` says how to get it)\n",
                   name, b.benchmark, data_dir, missing, registry.FindTask(task)->benchmark);
        break;
      }
    }
    if (missing.empty()) run.push_back(b);
  }
  if (run.empty()) FailCommand(fmt::format("--suite {}: no benchmark has its data in {}", name, data_dir));
  return run;
}

}  // namespace

void RunEvalCommand(EvalRunArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  // Cheap checks first: task names and data, before a multi-gigabyte model is loaded.
  TaskRegistry registry = ValueOrExit(args.tasks_dir.empty() ? TaskRegistry::LoadBuiltin()
                                                             : TaskRegistry::LoadDirectory(args.tasks_dir));
  const std::string data_dir = ValueOrExit(ResolveDataDir(args.data_dir));
  std::vector<SuiteBenchmark> suite;
  if (!args.suite.empty()) {
    if (!args.tasks.empty()) FailCommand("--suite and --tasks: give one of them");
    if (args.num_fewshot >= 0) {
      FailCommand("--suite runs the model card's shot counts; --num-fewshot cannot change them");
    }
    suite = SuiteToRun(args.suite, registry, data_dir);
    for (const SuiteBenchmark& b : suite) args.tasks.push_back(b.task);
  }
  if (args.tasks.empty()) FailCommand("--tasks is required (or --suite lfm2)");
  ValueOrExit(registry.ExpandToTasks(args.tasks));
  {
    RunnerOptions check;
    check.tasks = args.tasks;
    check.samples = args.samples;
    check.gen_kwargs = ValueOrExit(ParseGenKwargs(args.gen_kwargs));
    const Status drawn = CheckSamplesAreDrawn(registry, check);
    if (!drawn.ok()) throw CLI::ValidationError(drawn.message());  // a usage error: exit 2
  }
  auto store = ValueOrExit(results::ResultStore::Open(args.db, results::ResultStore::Mode::kReadWrite));

  args.engine.show_progress = !args.quiet;
  RunnerOptions options;
  EngineModelOptions model_options;
  model_options.prefix_reuse = !args.no_prefix_reuse;
  options.run.kind = results::RunKind::kEval;
  OpenedModel opened = OpenModelOrExit(args.engine, args.remote, model_options, &options.run);
  LanguageModel& model = *opened.model;

  options.tasks = args.tasks;
  if (args.limit > 0) options.limit = args.limit;
  if (args.num_fewshot >= 0) options.num_fewshot = args.num_fewshot;
  options.chat = args.chat;
  options.seed = args.seed;
  options.gen_kwargs = ValueOrExit(ParseGenKwargs(args.gen_kwargs));
  options.batch_size = args.batch_size;
  options.samples = args.samples;
  options.code_jobs = args.jobs;
  options.sandbox_isolation = args.sandbox;
  options.bootstrap_iters = args.bootstrap_iters;
  options.show_progress = !args.quiet;
  options.cancel = &g_interrupted;
  options.run.tag = args.tag;
  options.model_identity = opened.identity;

  DocumentCache data(data_dir);
  g_interrupted = false;
  std::signal(SIGINT, OnInterrupt);
  auto result = RunEval(model, registry, data, *store, options);
  std::signal(SIGINT, SIG_DFL);
  ExitOnError(result.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!result->complete) {
    fmt::print(
        stderr,
        "lfmbench: interrupted: {} new samples stored in run {} of {}; rerun the same command "
        "to resume\n",
        result->samples_scored, result->run_id, args.db);
    throw CLI::RuntimeError(130);
  }
  if (!args.quiet && opened.engine_model) {
    const EngineModel& model = *opened.engine_model;
    fmt::print(
        stderr,
        "run {}: {} samples scored, {} resumed; prompt tokens {}: {} computed, {} reused ({})\n",
        result->run_id, result->samples_scored, result->samples_resumed,
        model.stats().prompt_tokens, model.stats().computed_tokens, model.stats().reused_tokens,
        args.no_prefix_reuse ? "prefix reuse off" : "prefix reuse on");
  }
  if (suite.empty()) {
    fmt::print("{}", FormatResults(*result, registry, args.tasks));
  } else {  // one row per benchmark; every task's metrics are in the database and --output
    fmt::print("{}", FormatSuite(suite, *result));
  }
  if (!args.output.empty()) {
    ResultsContext context;
    context.model_path = opened.engine ? args.engine.model_path : options.run.model.path;
    context.model_args = opened.model_args;
    context.options = options;
    context.run = ValueOrExit(store->GetRun(result->run_id));
    context.db_path = args.db;
    context.seconds = seconds;
    WriteJsonAtomically(args.output, ResultsJson(*result, registry, context));
  }
}

void AddEvalRunCommand(CLI::App& eval_group) {
  auto args = std::make_shared<EvalRunArgs>();
  CLI::App* cmd = eval_group.add_subcommand(
      "run",
      "Evaluate a model on benchmark tasks (resumable; every sample is stored as it finishes)");
  AddModelSourceFlags(cmd, args->engine, args->remote);
  cmd->add_option("--tasks", args->tasks,
                  "Tasks, groups or tags, comma-separated (mmlu,gsm8k,ifeval)")
      ->delimiter(',');
  cmd->add_option("--suite", args->suite,
                  "Run a benchmark suite with its published shot counts, one row per benchmark "
                  "(lfm2: the LFM2-8B-A1B model card's)");
  cmd->add_option("--limit", args->limit, "Evaluate only the first N documents of each task")
      ->check(IntAtLeast(0));
  cmd->add_option("--num-fewshot", args->num_fewshot, "Override every task's number of exemplars")
      ->check(IntAtLeast(0));
  cmd->add_flag("--chat", args->chat, "Apply the model's chat template to every prompt");
  cmd->add_option("--db", args->db, "Results database")->capture_default_str();
  cmd->add_option("--data-dir", args->data_dir,
                  "Benchmark data (default: $LFM_DATA_DIR, ../shared/datasets, ./datasets)");
  cmd->add_option("--tasks-dir", args->tasks_dir,
                  "Load task specs from this directory instead of the built-in ones");
  cmd->add_option("-o,--output", args->output,
                  "Also write lm-evaluation-harness-style results JSON here");
  cmd->add_option("--seed", args->seed, "Few-shot sampler seed (lm-eval's fewshot seed); also the generation seed when sampling")
      ->capture_default_str();
  cmd->add_option("--gen-kwargs", args->gen_kwargs,
                  "Override generation settings of every generate_until task, as lm-eval's "
                  "--gen_kwargs: max_gen_toks=32,temperature=0.7,do_sample=true");
  cmd->add_option("--batch-size", args->batch_size,
                  "Documents per model call; a local model decodes a call's generate_until "
                  "documents together (batched decoding)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("--samples", args->samples,
                  "Code tasks: completions drawn per problem (sample j with seed --seed + j), "
                  "reported as pass@k for every k <= N; needs sampling in --gen-kwargs, e.g. "
                  "do_sample=true,temperature=0.8,top_p=0.95")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("--bootstrap-iters", args->bootstrap_iters,
                  "Bootstrap resamples for standard errors of non-mean metrics (0: none)")
      ->capture_default_str()
      ->check(IntAtLeast(0));
  cmd->add_option("--jobs", args->jobs,
                  "Code tasks: candidates run at once in the sandbox (independent of --threads)")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("--sandbox", args->sandbox, "Code tasks: isolation of generated code")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "bwrap", "rlimits"}));
  cmd->add_option("--tag", args->tag, "A name for the run");
  cmd->add_flag("--no-prefix-reuse", args->no_prefix_reuse,
                "Recompute every prompt from scratch (for measuring the reuse speed-up)");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress output");
  cmd->callback([args] {
    CheckModelSourceOrExit(args->engine, args->remote);
    RunEvalCommand(*args);
  });
}

}  // namespace lfm::evals
