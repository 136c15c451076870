// Input: one JSON object per line, the task's published record plus `response`. Output: each
// line with a `score` object added (see evals/scoring/task_scorers.h for its shape), written
// to OUT.jsonl.tmp and renamed at the end, then the task's metrics on stdout. Blank lines are
// skipped. A malformed line (bad JSON, a missing `response`, a record the task cannot read)
// stops the command with "FILE:LINE: problem" and exit status 1, writing nothing: a score over
// a silently shortened file would look valid and be wrong.
#include "evals/score_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/cli.h"
#include "base/progress.h"
#include "evals/code/code_scoring.h"
#include "evals/code/code_tasks.h"
#include "evals/scoring/py_str.h"
#include "evals/scoring/task_scorers.h"

namespace lfm::evals {
namespace {

struct ScoreArgs {
  std::string task;
  std::string input;
  std::string output;
  int jobs = 0;                    // code tasks: parallel sandbox workers (0 = cores / 2)
  std::string isolation = "auto";  // code tasks: sandbox isolation
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) FailCommand(fmt::format("cannot read {}: no such file or not readable", path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

void PrintSummary(const std::string& task, const std::vector<ScoreSummaryRow>& rows) {
  fmt::print("\n{}\n{:<26} {:<18} {:>8} {:>9} {:>7}\n", task, "metric", "filter", "value", "stderr",
             "n");
  for (const auto& row : rows) {
    const std::string stderr_text =
        row.summary.stderr_value ? fmt::format("{:.4f}", *row.summary.stderr_value) : "N/A";
    fmt::print("{:<26} {:<18} {:>8.4f} {:>9} {:>7}\n", row.metric, row.filter, row.summary.value,
               stderr_text, row.summary.n);
  }
}

void WriteScored(const std::string& path, const std::vector<std::string>& scored) {
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::trunc);
  for (const auto& line : scored) out << line << '\n';
  out.close();
  std::error_code ec;
  if (!out || (std::filesystem::rename(tmp, path, ec), ec)) {
    FailCommand(fmt::format("cannot write {}", path));
  }
}

int DefaultJobs() { return std::max(1u, std::thread::hardware_concurrency() / 2); }  // as EvalPlus

// Code tasks: every candidate runs in the sandbox, `jobs` at a time; the raw record text goes to
// the checker (HumanEval+ inputs hold integers wider than 64 bits).
void RunCodeScore(const ScoreArgs& args) {
  const std::vector<std::string> lines = ReadLines(args.input);
  std::vector<code::CodeCandidate> candidates;
  std::vector<nlohmann::json> records;
  std::vector<size_t> line_of;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (PyStrip(lines[i]).empty()) continue;
    const std::string where = fmt::format("{}:{}", args.input, i + 1);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(lines[i]);
    } catch (const nlohmann::json::exception& e) {
      FailCommand(fmt::format("{}: not valid JSON ({})", where, e.what()));
    }
    if (!record.is_object() || !record.contains("response") || !record["response"].is_string()) {
      FailCommand(fmt::format("{}: record has no string 'response' field", where));
    }
    candidates.push_back({lines[i], record["response"].get<std::string>()});
    records.push_back(std::move(record));
    line_of.push_back(i);
  }
  if (candidates.empty()) FailCommand(fmt::format("{}: no records to score", args.input));
  code::SandboxOptions sandbox_options;
  sandbox_options.isolation = args.isolation;
  const code::Sandbox sandbox = ValueOrExit(code::Sandbox::Make(sandbox_options));
  const int jobs = args.jobs > 0 ? args.jobs : DefaultJobs();
  fmt::print(stderr, "sandbox: {}; {} candidates, {} at a time\n", sandbox.isolation(),
             candidates.size(), jobs);
  auto scores = code::ScoreCodeCandidates(sandbox, args.task, candidates, jobs);
  if (!scores.ok()) {
    // "record N" -> the input line
    FailCommand(fmt::format("{}: {}", args.input, scores.status().message()));
  }
  std::vector<std::string> scored;
  for (size_t i = 0; i < candidates.size(); ++i) {
    nlohmann::ordered_json record = nlohmann::ordered_json::parse(lines[line_of[i]]);
    record["score"] = nlohmann::ordered_json::parse((*scores)[i].dump());
    scored.push_back(record.dump());
  }
  if (!args.output.empty()) WriteScored(args.output, scored);
  std::vector<ScoreSummaryRow> rows;
  for (const auto& row : code::PassAtKSummary(args.task, records, *scores)) {
    rows.push_back({row.metric, row.filter, row.summary});
  }
  PrintSummary(args.task, rows);
}

void RunScore(const ScoreArgs& args) {
  if (code::IsCodeTask(args.task)) return RunCodeScore(args);
  auto scorer = ValueOrExit(MakeTaskScorer(args.task));
  const std::vector<std::string> lines = ReadLines(args.input);
  std::vector<std::string> scored;
  Progress progress("scoring " + args.task, static_cast<int64_t>(lines.size()), "lines");
  for (size_t i = 0; i < lines.size(); ++i) {
    progress.Advance();
    if (PyStrip(lines[i]).empty()) continue;
    const std::string where = fmt::format("{}:{}", args.input, i + 1);
    nlohmann::ordered_json record;  // keeps the input's key order in the output
    try {
      record = nlohmann::ordered_json::parse(lines[i]);
    } catch (const nlohmann::json::exception& e) {
      FailCommand(fmt::format("{}: not valid JSON ({})", where, e.what()));
    }
    auto score = scorer->Score(nlohmann::json::parse(lines[i]));
    if (!score.ok()) FailCommand(fmt::format("{}: {}", where, score.status().message()));
    record["score"] = nlohmann::ordered_json::parse(score->dump());
    scored.push_back(record.dump());
  }
  progress.Finish();
  if (scored.empty()) FailCommand(fmt::format("{}: no records to score", args.input));
  if (!args.output.empty()) WriteScored(args.output, scored);
  PrintSummary(args.task, scorer->Summary());
}

}  // namespace

void AddEvalScoreCommand(CLI::App& eval_group) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = eval_group.add_subcommand(
      "score", "Score responses produced elsewhere (JSONL: the task's record + \"response\")");
  cmd->add_option("--task", args->task,
                  "task: " + fmt::format("{}, humanevalplus, livecodebench",
                                         fmt::join(ScorableTasks(), ", ")))
      ->required();
  cmd->add_option("--input", args->input, "JSONL file of records with a \"response\" field")
      ->required();
  cmd->add_option("--output", args->output,
                  "write each record with its \"score\" object to this JSONL file");
  cmd->add_option("--jobs", args->jobs,
                  "code tasks: candidates run at once in the sandbox (default: half the cores)");
  cmd->add_option("--sandbox", args->isolation, "code tasks: isolation (auto, bwrap, rlimits)")
      ->check(CLI::IsMember({"auto", "bwrap", "rlimits"}));
  cmd->callback([args] { RunScore(*args); });
}

}  // namespace lfm::evals
