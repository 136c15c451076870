#include "benchmarks/gate_command.h"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/cli.h"
#include "base/interrupt.h"
#include "base/progress.h"
#include "benchmarks/gate.h"
#include "benchmarks/subprocess.h"

namespace lfm::bench {
namespace {

// The gate's exit statuses: 0 no regression, 1 a regression, 2 no verdict (bad flags or input,
// a run that failed), so a caller never mistakes an error for a caught slowdown.
constexpr int kExitRegression = 1;
constexpr int kExitError = 2;

// Runs a gate command that returns whether it found a regression; every error it reports
// (FailCommand's status 1) leaves with kExitError instead.
void RunGateCommand(const std::function<bool()>& body) {
  bool regression = false;
  try {
    regression = body();
  } catch (const CLI::RuntimeError& e) {
    throw CLI::RuntimeError(e.get_exit_code() == 0 ? 0 : kExitError);
  }
  if (regression) throw CLI::RuntimeError(kExitRegression);
}

// "5%" or "0.05" -> 0.05.
double ParseFraction(const std::string& text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used < text.size() && text.substr(used) == "%") v /= 100, used = text.size();
    if (used != text.size() || v < 0 || v >= 1) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    FailCommand(fmt::format("--max-regression '{}': expected a percentage like 5% or a fraction like 0.05", text));
  }
}

std::vector<std::string> SplitArgs(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string a; ss >> a;) out.push_back(a);
  return out;
}

struct GateArgs {
  std::string db = results::kDefaultDbPath;
  std::string baseline, candidate;
  std::string max_regression = "5%";
  double alpha = 0.05;
};

// Returns whether a row regressed.
bool RunGate(const GateArgs& args) {
  auto store = ValueOrExit(results::ResultStore::Open(args.db, results::ResultStore::Mode::kReadWrite));
  const int64_t base = ValueOrExit(store->ResolveRun(args.baseline));
  const int64_t cand = ValueOrExit(store->ResolveRun(args.candidate));
  const GateOptions options{ParseFraction(args.max_regression), args.alpha};
  const GateReport report = ValueOrExit(CompareRuns(*store, base, cand, options));
  ExitOnError(StoreVerdicts(*store, report, base, cand));
  fmt::print("baseline run {}, candidate run {}\n{}", base, cand, report.Table());
  return report.failed();
}

struct AbArgs {
  std::string a, b, model;
  std::string backend = "cpu";
  std::string threads = std::to_string(DefaultThreads());
  std::string pp = "64", tg = "32";
  int rounds = 10;
  int max_rounds = 30;
  // Each round's value is the median of 3 repetitions: with 1, a burst of load on a shared
  // 2-core machine flipped enough rounds to hide a 20% slowdown in 6 of 20 trials.
  int reps = 3;
  std::string a_args, b_args;
  std::string max_regression = "5%";
  double alpha = 0.05;
  std::string db;  // optional: store the verdicts
};

// One `perf --json` invocation of `binary`: median tokens/s per (backend, threads, test).
// (backend, threads, test)
using RowKey = std::tuple<std::string, int, std::string>;

std::map<RowKey, double> MeasureOnce(
    const std::string& binary, const std::string& extra, const AbArgs& args, const std::string& scratch_db) {
  std::vector<std::string> argv = {binary, "perf", "-m", args.model, "--backend", args.backend, "-t",
                                   args.threads, "--pp", args.pp, "--tg", args.tg, "--reps",
                                   std::to_string(args.reps), "--json", "--db", scratch_db};
  for (std::string& a : SplitArgs(extra)) argv.push_back(std::move(a));
  const std::string out = ValueOrExit(RunCapturingStdout(argv));
  std::map<RowKey, double> speeds;
  std::stringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("tokens_per_s_median")) {
      FailCommand(fmt::format("{} perf --json printed an unexpected line: {}", binary, line));
    }
    speeds[{j["backend"].get<std::string>(), j["threads"].get<int>(), j["test"].get<std::string>()}] =
        j["tokens_per_s_median"].get<double>();
  }
  if (speeds.empty()) FailCommand(fmt::format("{} perf --json printed no rows", binary));
  return speeds;
}

// Runs `count` more A/B rounds, adding each measurement to its row. Alternating order (A B,
// B A, ...) so a machine that drifts during the comparison slows both builds alike.
void RunRounds(const AbArgs& args, const std::string& scratch_db, int first_round, int count,
               Progress& progress, std::map<RowKey, GateRow>& rows) {
  for (int round = first_round; round < first_round + count && !Interrupted(); ++round) {
    for (int i = 0; i < 2; ++i) {
      const bool run_a = (round % 2 == 0) == (i == 0);
      const auto speeds = MeasureOnce(run_a ? args.a : args.b, run_a ? args.a_args : args.b_args, args, scratch_db);
      for (const auto& [key, tps] : speeds) {
        GateRow& row = rows[key];
        std::tie(row.backend, row.threads, row.test) = key;
        (run_a ? row.baseline : row.candidate).push_back(tps);
      }
      progress.Advance();
    }
  }
}

// A row slower than the threshold whose slowdown is not (yet) significant.
bool Inconclusive(const GateRow& row, const GateOptions& options) {
  return row.verdict == Verdict::kPass && row.ratio < 1 - options.max_regression;
}

// Sequential: batches of --rounds rounds until no row is inconclusive or --max-rounds is
// reached. On a busy machine 10 rounds can leave a real 20% slowdown unproven; more rounds of
// the suspect comparison settle it. Every look tests at alpha / looks (Bonferroni), so the
// chance of failing an A/A comparison stays below alpha however many looks are taken.
// Returns whether a row regressed.
bool RunAb(const AbArgs& args) {
  if (args.rounds < 2) FailCommand("--rounds must be at least 2");
  if (args.max_rounds < args.rounds) FailCommand("--max-rounds must be at least --rounds");
  const GateOptions requested{ParseFraction(args.max_regression), args.alpha};
  const int looks = (args.max_rounds + args.rounds - 1) / args.rounds;
  const GateOptions per_look{requested.max_regression, requested.alpha / looks};
  const std::string scratch = (std::filesystem::temp_directory_path() /
                               fmt::format("lfmbench-ab-{}.db", getpid())).string();
  std::map<RowKey, GateRow> rows;
  InstallInterruptHandler();
  Progress progress("gate ab", 2 * args.rounds, "runs");
  int done = 0;
  bool more = true;
  while (more && !Interrupted()) {
    const int batch = std::min(args.rounds, args.max_rounds - done);
    RunRounds(args, scratch, done, batch, progress, rows);
    done += batch;
    more = false;
    for (auto& [key, row] : rows) {
      Decide(row, per_look, /*paired=*/true);
      more |= Inconclusive(row, per_look) && done < args.max_rounds;
    }
    if (more) progress.AddTotal(2 * std::min(args.rounds, args.max_rounds - done));
  }
  progress.Finish();
  std::filesystem::remove(scratch);
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(scratch + suffix);
  if (Interrupted()) FailCommand("interrupted: no verdict");
  GateReport report;
  report.method = fmt::format("ab-paired, {} rounds, {} per look", done, looks == 1 ? "alpha" : "alpha/" + std::to_string(looks));
  report.options = per_look;
  for (auto& [key, row] : rows) report.rows.push_back(std::move(row));
  if (!args.db.empty()) {
    auto store = ValueOrExit(results::ResultStore::Open(args.db, results::ResultStore::Mode::kReadWrite));
    ExitOnError(StoreVerdicts(*store, report, std::nullopt, std::nullopt));
  }
  fmt::print("A = {}{}\nB = {}{}\n{}", args.a, args.a_args.empty() ? "" : " " + args.a_args, args.b,
             args.b_args.empty() ? "" : " " + args.b_args, report.Table());
  return report.failed();
}

}  // namespace

void AddGateCommand(CLI::App& app) {
  auto args = std::make_shared<GateArgs>();
  CLI::App* gate = app.add_subcommand(
      "gate",
      "Fail (exit 1) when a candidate run is significantly slower than a baseline (exit 2: error)");
  gate->add_option("--db", args->db, "Results database")->capture_default_str();
  gate->add_option("--baseline", args->baseline, "Baseline run id or tag");
  gate->add_option("--candidate", args->candidate, "Candidate run id or tag");
  gate->add_option("--max-regression", args->max_regression, "Tolerated slowdown (5% or 0.05)")->capture_default_str();
  gate->add_option("--alpha", args->alpha, "Significance level")->capture_default_str();
  gate->callback([gate, args] {
    if (!gate->get_subcommands().empty()) return;  // `gate ab` ran instead
    RunGateCommand([&] {
      if (args->baseline.empty() || args->candidate.empty()) FailCommand("gate needs --baseline and --candidate");
      return RunGate(*args);
    });
  });

  auto ab = std::make_shared<AbArgs>();
  CLI::App* cmd = gate->add_subcommand(
      "ab", "Measure two lfmbench builds interleaved (A B A B ...) and gate on the paired ratios");
  cmd->add_option("--a", ab->a, "Baseline lfmbench binary")->required();
  cmd->add_option("--b", ab->b, "Candidate lfmbench binary")->required();
  cmd->add_option("-m,--model", ab->model, "GGUF model file")->required();
  cmd->add_option("--backend", ab->backend, "Backends (comma list or all)")->capture_default_str();
  cmd->add_option("-t,--threads", ab->threads, "Thread counts")->capture_default_str();
  cmd->add_option("--pp", ab->pp, "Prefill sizes")->capture_default_str();
  cmd->add_option("--tg", ab->tg, "Decode lengths")->capture_default_str();
  cmd->add_option("--rounds", ab->rounds, "A/B rounds per look")->capture_default_str();
  cmd->add_option("--max-rounds", ab->max_rounds,
                  "Keep adding --rounds rounds while a row is slower than the threshold but not yet "
                  "significantly, up to this many")
      ->capture_default_str();
  cmd->add_option("--reps", ab->reps, "Repetitions per run (their median is the round's value)")->capture_default_str();
  cmd->add_option("--a-args", ab->a_args, "Extra perf arguments for A");
  cmd->add_option("--b-args", ab->b_args, "Extra perf arguments for B");
  cmd->add_option("--max-regression", ab->max_regression, "Tolerated slowdown")->capture_default_str();
  cmd->add_option("--alpha", ab->alpha, "Significance level")->capture_default_str();
  cmd->add_option("--db", ab->db, "Also store the verdicts in this results database");
  cmd->callback([ab] { RunGateCommand([&] { return RunAb(*ab); }); });
}

}  // namespace lfm::bench
