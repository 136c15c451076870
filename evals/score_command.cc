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
#include <vector>

#include "base/cli.h"
#include "base/progress.h"
#include "evals/scoring/py_str.h"
#include "evals/scoring/task_scorers.h"

namespace lfm::evals {
namespace {

struct ScoreArgs {
  std::string task;
  std::string input;
  std::string output;
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

void RunScore(const ScoreArgs& args) {
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
  if (!args.output.empty()) {
    const std::string tmp = args.output + ".tmp";
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& line : scored) out << line << '\n';
    out.close();
    std::error_code ec;
    if (!out || (std::filesystem::rename(tmp, args.output, ec), ec)) {
      FailCommand(fmt::format("cannot write {}", args.output));
    }
  }
  PrintSummary(args.task, scorer->Summary());
}

}  // namespace

void AddEvalScoreCommand(CLI::App& eval_group) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = eval_group.add_subcommand(
      "score", "Score responses produced elsewhere (JSONL: the task's record + \"response\")");
  cmd->add_option("--task", args->task,
                  "task: " + fmt::format("{}", fmt::join(ScorableTasks(), ", ")))
      ->required();
  cmd->add_option("--input", args->input, "JSONL file of records with a \"response\" field")
      ->required();
  cmd->add_option("--output", args->output,
                  "write each record with its \"score\" object to this JSONL file");
  cmd->callback([args] { RunScore(*args); });
}

}  // namespace lfm::evals
