#include "benchmarks/perf_command.h"

#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "base/cli.h"
#include "benchmarks/perf_output.h"
#include "benchmarks/perf_runner.h"
#include "benchmarks/roofline.h"

namespace lfm::bench {
namespace {

struct PerfArgs {
  std::string model;
  std::string backends = "cpu";
  std::string pp = "128,512";
  std::string tg = "128";
  std::string batch = "1";
  std::string threads = std::to_string(DefaultThreads());
  int reps = 5;
  std::string output = "md";
  bool json = false;  // = -o jsonl (what scripts and `gate ab` use)
  bool no_fidelity = false;
  std::string db = results::kDefaultDbPath;
  std::string tag;
  uint64_t seed = 1;
  double slowdown = 0;
};

std::vector<int> ParseInts(const std::string& list, const char* flag) {
  std::vector<int> values;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      size_t used = 0;
      const int v = std::stoi(item, &used);
      if (used != item.size() || v < 0) throw std::invalid_argument(item);
      values.push_back(v);
    } catch (const std::exception&) {
      FailCommand(fmt::format("{} '{}': expected comma-separated non-negative integers", flag, list));
    }
  }
  return values;
}

void RunPerfCommand(const PerfArgs& args) {
  PerfOptions o;
  o.model_path = args.model;
  o.backends = ValueOrExit(ResolveBackends(args.backends));
  o.requested_backends = args.backends;
  o.threads = ParseInts(args.threads, "--threads");
  for (int t : o.threads) {
    if (t < 1) FailCommand("--threads: each value must be at least 1");
  }
  const std::vector<int> batch = ParseInts(args.batch, "--batch");
  for (int b : batch) {
    if (b < 1) FailCommand("--batch: each value must be at least 1");
  }
  o.tests = MakeTests(ParseInts(args.pp, "--pp"), ParseInts(args.tg, "--tg"), batch);
  if (o.tests.empty()) FailCommand("nothing to measure: give --pp and/or --tg sizes above 0");
  if (args.reps < 1) FailCommand("--reps must be at least 1");
  o.reps = args.reps;
  o.seed = args.seed;
  o.tag = args.tag;
  o.slowdown = args.slowdown;
  o.fidelity = !args.no_fidelity;
  const PerfFormat format = args.json ? PerfFormat::kJsonLines : ValueOrExit(ParsePerfFormat(args.output));
  o.show_progress = format == PerfFormat::kMarkdown;
  auto store = ValueOrExit(results::ResultStore::Open(args.db, results::ResultStore::Mode::kReadWrite));
  const int64_t run_id = ValueOrExit(RunPerf(o, *store));
  const std::string text = ValueOrExit(FormatPerfRun(*store, run_id, format));
  if (format == PerfFormat::kMarkdown) {
    fmt::print("\n{}\nrun {} stored in {}\n", text, run_id, args.db);
    fmt::print("{}", ValueOrExit(RooflineReport(*store, run_id, args.model)));
  } else {
    fmt::print("{}", text);
  }
}

}  // namespace

void AddPerfCommand(CLI::App& app) {
  auto args = std::make_shared<PerfArgs>();
  CLI::App* cmd = app.add_subcommand(
      "perf", "Throughput profile (llama-bench workload) of backends x threads, stored in the results database");
  cmd->add_option("-m,--model", args->model, "GGUF model file")->required();
  cmd->add_option("--backend", args->backends, "Comma-separated backends, or all")->capture_default_str();
  cmd->add_option("--pp", args->pp, "Prefill sizes (pp<N> tests)")->capture_default_str();
  cmd->add_option("--tg", args->tg, "Decode lengths (tg<N> tests)")->capture_default_str();
  cmd->add_option("--batch", args->batch,
                  "Sequences decoded together in tg tests (tg<N> x<B>: aggregate tokens/s)")
      ->capture_default_str();
  cmd->add_option("--reps", args->reps, "Timed repetitions per test (after one warm-up)")->capture_default_str();
  cmd->add_option("-t,--threads", args->threads, "Comma-separated thread counts")->capture_default_str();
  cmd->add_option("-o,--output", args->output,
                  "Output format, as llama-bench: md (table), csv, json (one array), jsonl (one "
                  "object per line)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Same as -o jsonl");
  cmd->add_flag("--no-fidelity", args->no_fidelity,
                "Skip measuring each backend against the reference backend on a fixed "
                "64-token prompt (KL, top-1, max |delta log p|)");
  cmd->add_option("--db", args->db, "Results database")->capture_default_str();
  cmd->add_option("--tag", args->tag, "Name this run (a gate baseline can be given by tag)");
  cmd->add_option("--seed", args->seed, "Seed of the random token ids")->capture_default_str();
  cmd->add_option("--inject-slowdown", args->slowdown,
                  "TEST ONLY: busy-wait this fraction of every timed step (proves the gate catches slowdowns)")
      ->group("");  // hidden from --help
  cmd->callback([args] { RunPerfCommand(*args); });
}

}  // namespace lfm::bench
