// Input: one JSON object per line, the task's published record plus `response`. The task's spec
// (evals/tasks/, or --tasks-dir) says how it is scored, through the same SampleScorer as
// `eval run`. Output: each line with a `score` object added (SampleScores::detail: per
// extraction rule {"extracted", "correct"}, "default" for a task with one rule), written
// to OUT.jsonl.tmp and renamed at the end, then the task's metrics on stdout. Blank lines are
// skipped. Multi-IF (a `multi_turn` task): a line is the official CSV record (key, language, and
// turn_k_prompt / turn_k_instruction_id_list / turn_k_kwargs as the CSV's text) plus
// "responses": [reply to turn 1, turn 2, turn 3], one per turn the record has; each turn is
// scored as `eval run` scores it (the cumulative instructions of turns 1..k, on that turn's
// reply), "score" is the list of the turns' objects, and the metrics come per turn and per turn
// and language with their "overall". A malformed line (bad JSON, a missing `response`, a record the
// task cannot read) stops the command with "FILE:LINE: problem" and exit status 1, writing nothing:
// a score over a silently shortened file would look valid and be wrong.
#include "evals/score_command.h"

#include <fmt/format.h>

#include <algorithm>
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
#include "evals/sample_scorer.h"
#include "evals/scoring/config.h"
#include "evals/scoring/ifeval/multi_if.h"
#include "evals/scoring/py_str.h"
#include "evals/task_spec.h"

namespace lfm::evals {
namespace {

struct ScoreArgs {
  std::string task;
  std::string input;
  std::string output;
  std::string tasks_dir;
  int bootstrap_iters = 100000;
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

// The task's metrics over `subset` of the records (all when null), one line each; returns the
// values printed.
std::vector<double> PrintMetrics(const std::vector<MetricKey>& keys,
                                 const std::vector<std::vector<nlohmann::json>>& values,
                                 const std::vector<size_t>* subset, int bootstrap_iters) {
  std::vector<double> printed;
  for (size_t k = 0; k < keys.size(); ++k) {
    std::vector<nlohmann::json> xs;
    for (size_t i = 0; i < values[k].size(); ++i) {
      if (subset == nullptr || std::binary_search(subset->begin(), subset->end(), i)) {
        xs.push_back(values[k][i]);
      }
    }
    const MetricSummary summary = ValueOrExit(AggregateValues(keys[k], xs, bootstrap_iters));
    const std::string stderr_text =
        summary.stderr_value ? fmt::format("{:.4f}", *summary.stderr_value) : "N/A";
    fmt::print("{:<26} {:<18} {:>8.4f} {:>9} {:>7}\n", keys[k].metric, keys[k].filter,
               summary.value, stderr_text, summary.n);
    printed.push_back(summary.value);
  }
  return printed;
}

// The task's metrics, then each report_by row's ("subject=Algebra").
void PrintSummary(const TaskSpec& task, const std::vector<MetricKey>& keys,
                  const std::vector<std::vector<nlohmann::json>>& values,
                  const std::vector<nlohmann::json>& docs, int bootstrap_iters) {
  fmt::print("\n{}\n{:<26} {:<18} {:>8} {:>9} {:>7}\n", task.task, "metric", "filter", "value",
             "stderr", "n");
  PrintMetrics(keys, values, nullptr, bootstrap_iters);
  for (const auto& [label, positions] : GroupByFields(task.report_by, docs)) {
    fmt::print("{}\n", label);
    PrintMetrics(keys, values, &positions, bootstrap_iters);
  }
  if (task.multi_turn.empty()) return;
  for (const auto& [label, positions] : GroupByTurn(docs)) {  // as `eval run` reports them
    fmt::print("{}\n", label);
    const std::vector<double> printed = PrintMetrics(keys, values, &positions, bootstrap_iters);
    double overall = 0;
    for (double v : printed) overall += v / static_cast<double>(printed.size());
    fmt::print("{:<26} {:<18} {:>8.4f} {:>9} {:>7}\n", "overall", "", overall, "N/A",
               positions.size());
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
// the checker (HumanEval+ inputs hold integers wider than 64 bits). Reported as pass@k.
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
  if (!scores.ok()) FailCommand(fmt::format("{}: {}", args.input, scores.status().message()));
  std::vector<std::string> scored;
  for (size_t i = 0; i < candidates.size(); ++i) {
    nlohmann::ordered_json record = nlohmann::ordered_json::parse(lines[line_of[i]]);
    record["score"] = nlohmann::ordered_json::parse((*scores)[i].dump());
    scored.push_back(record.dump());
  }
  if (!args.output.empty()) WriteScored(args.output, scored);
  fmt::print("\n{}\n{:<26} {:<18} {:>8} {:>9} {:>7}\n", args.task, "metric", "filter", "value",
             "stderr", "n");
  for (const auto& row : code::PassAtKSummary(args.task, records, *scores)) {
    const std::string stderr_text =
        row.summary.stderr_value ? fmt::format("{:.4f}", *row.summary.stderr_value) : "N/A";
    fmt::print("{:<26} {:<18} {:>8.4f} {:>9} {:>7}\n", row.metric, row.filter, row.summary.value,
               stderr_text, row.summary.n);
  }
}

// A Multi-IF record with its "responses" as the documents `eval run` scores, one per turn, each
// with its turn's reply as "response". Fails naming `where` on a malformed record.
std::vector<nlohmann::json> MultiTurnDocs(const nlohmann::json& record, const std::string& where) {
  const auto responses = record.is_object() ? record.find("responses") : record.end();
  if (responses == record.end() || !responses->is_array()) {
    FailCommand(fmt::format("{}: record has no 'responses' list (one reply per turn)", where));
  }
  auto docs = ifeval::MultiIfTurnDocs(record);
  if (!docs.ok()) FailCommand(fmt::format("{}: {}", where, docs.status().message()));
  if (responses->size() != docs->size()) {
    FailCommand(fmt::format("{}: 'responses' has {} replies, the record has {} turns", where,
                            responses->size(), docs->size()));
  }
  for (size_t t = 0; t < docs->size(); ++t) (*docs)[t]["response"] = (*responses)[t];
  return std::move(docs).value();
}

// The task's spec, from the built-in tasks or --tasks-dir.
TaskSpec LoadTask(const ScoreArgs& args) {
  TaskRegistry registry = ValueOrExit(args.tasks_dir.empty()
                                          ? TaskRegistry::LoadBuiltin()
                                          : TaskRegistry::LoadDirectory(args.tasks_dir));
  const TaskSpec* task = registry.FindTask(args.task);
  if (task == nullptr) {
    std::vector<std::string> scorable;
    for (const std::string& name : registry.TaskNames()) {
      if (registry.FindTask(name)->output_type == OutputType::kGenerateUntil) scorable.push_back(name);
    }
    FailCommand(fmt::format("--task {}: no such task{}; tasks that score responses: {}", args.task,
                            DidYouMean(args.task, registry.TaskNames()), fmt::join(scorable, ", ")));
  }
  return *task;
}

void RunScore(const ScoreArgs& args) {
  if (code::IsCodeTask(args.task)) return RunCodeScore(args);
  const TaskSpec task = LoadTask(args);
  const auto scorer = ValueOrExit(SampleScorer::Make(task));
  const std::vector<std::string> lines = ReadLines(args.input);
  std::vector<std::string> scored;
  std::vector<std::vector<nlohmann::json>> values(scorer->keys().size());
  std::vector<nlohmann::json> docs;
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
    const nlohmann::json parsed = nlohmann::json::parse(lines[i]);
    auto turn_docs = task.multi_turn.empty() ? std::vector<nlohmann::json>{parsed}
                                             : MultiTurnDocs(parsed, where);
    nlohmann::json details = nlohmann::json::array();
    for (nlohmann::json& doc : turn_docs) {
      auto score = ScoreResponse(task, *scorer, doc);
      if (!score.ok()) FailCommand(fmt::format("{}: {}", where, score.status().message()));
      for (size_t k = 0; k < values.size(); ++k) {
        values[k].push_back(score->scores[scorer->keys()[k].Key()]);
      }
      if (!task.multi_turn.empty()) score->detail["turn"] = doc["turn"];
      details.push_back(std::move(score->detail));
      docs.push_back(std::move(doc));
    }
    constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
    const nlohmann::json& detail = task.multi_turn.empty() ? details[0] : details;
    record["score"] = nlohmann::ordered_json::parse(detail.dump(-1, ' ', false, kReplace));
    scored.push_back(record.dump(-1, ' ', false, kReplace));
  }
  progress.Finish();
  if (scored.empty()) FailCommand(fmt::format("{}: no records to score", args.input));
  if (!args.output.empty()) WriteScored(args.output, scored);
  PrintSummary(task, scorer->keys(), values, docs, args.bootstrap_iters);
}

}  // namespace

void AddEvalScoreCommand(CLI::App& eval_group) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = eval_group.add_subcommand(
      "score",
      "Score responses produced elsewhere (JSONL: the task's record + \"response\"; multi_if: "
      "+ \"responses\", one per turn)");
  cmd->add_option("--task", args->task,
                  "a generate_until task (gsm8k, math500, mmlu_pro, ifeval, humanevalplus, ...)")
      ->required();
  cmd->add_option("--input", args->input, "JSONL file of records with a \"response\" field")
      ->required();
  cmd->add_option("--output", args->output,
                  "write each record with its \"score\" object to this JSONL file");
  cmd->add_option("--tasks-dir", args->tasks_dir,
                  "Load task specs from this directory instead of the built-in ones");
  cmd->add_option("--bootstrap-iters", args->bootstrap_iters,
                  "Bootstrap resamples for standard errors of non-mean aggregations")
      ->capture_default_str();
  cmd->add_option("--jobs", args->jobs,
                  "code tasks: candidates run at once in the sandbox (default: half the cores)");
  cmd->add_option("--sandbox", args->isolation, "code tasks: isolation (auto, bwrap, rlimits)")
      ->check(CLI::IsMember({"auto", "bwrap", "rlimits"}));
  cmd->callback([args] { RunScore(*args); });
}

}  // namespace lfm::evals
