#include "results/results_commands.h"

#include <fmt/format.h>

#include <fstream>
#include <memory>

#include "base/cli.h"
#include "results/llama_bench_import.h"
#include "results/merge.h"
#include "results/provenance.h"
#include "results/report.h"
#include "results/result_store.h"

namespace lfm::results {
namespace {

using Mode = ResultStore::Mode;

std::unique_ptr<ResultStore> OpenOrExit(const std::string& path, Mode mode) {
  return ValueOrExit(ResultStore::Open(path, mode));
}

struct ListArgs {
  std::string db = kDefaultDbPath;
  std::string kind, status, tag;
  int limit = 0;
  bool json = false;
};

void RunList(const ListArgs& args) {
  auto store = OpenOrExit(args.db, Mode::kReadOnly);
  RunFilter filter;
  if (!args.kind.empty()) filter.kind = ValueOrExit(ParseRunKind(args.kind));
  if (!args.status.empty()) filter.status = ValueOrExit(ParseRunStatus(args.status));
  filter.tag = args.tag;
  filter.limit = args.limit;
  const auto runs = ValueOrExit(store->ListRuns(filter));
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const RunRecord& run : runs) out.push_back(RunJson(run));
    fmt::print("{}\n", out.dump(2));
    return;
  }
  if (runs.empty()) {
    fmt::print("no runs in {}\n", args.db);
    return;
  }
  Table table;
  table.AddColumn("run", Table::Align::kRight);
  for (const char* column : {"started (UTC)", "kind", "status", "tag", "commit", "device", "model",
                             "backend", "threads"}) {
    table.AddColumn(column);
  }
  for (const RunRecord& run : runs) {
    table.AddRow(
        {std::to_string(run.id), FormatTimeMs(run.started_ms), std::string(RunKindName(run.kind)),
         std::string(RunStatusName(run.status)), run.tag.empty() ? "-" : run.tag,
         run.build.git_commit + (run.build.git_dirty ? "*" : ""),
         run.device.cpu_cores > 0
             ? fmt::format("{} x{}", run.device.cpu_model, run.device.cpu_cores)
             : run.device.cpu_model,
         run.model.name.empty() ? run.model.path : run.model.name, run.backend, run.threads});
  }
  fmt::print("{}", table.ToText());
}

struct ShowArgs {
  std::string db = kDefaultDbPath;
  std::string run;
};

void RunShow(const ShowArgs& args) {
  auto store = OpenOrExit(args.db, Mode::kReadOnly);
  const int64_t id = ValueOrExit(store->ResolveRun(args.run));
  fmt::print("{}", FormatRunReport(ValueOrExit(LoadRunReport(*store, id)), /*markdown=*/false));
}

struct ExportArgs {
  std::string db = kDefaultDbPath;
  std::string run;
  std::string format = "json";
  std::string output;
};

void RunExport(const ExportArgs& args) {
  auto store = OpenOrExit(args.db, Mode::kReadOnly);
  const int64_t id = ValueOrExit(store->ResolveRun(args.run));
  const RunReport report = ValueOrExit(LoadRunReport(*store, id));
  std::string text;
  if (args.format == "json") {
    text = RunReportJson(report).dump(2) + "\n";
  } else if (args.format == "csv") {
    text = RunReportCsv(report);
  } else if (args.format == "md") {
    text = FormatRunReport(report, /*markdown=*/true);
  } else {
    FailCommand(fmt::format("unknown --format '{}' (json, csv, md)", args.format));
  }
  if (args.output.empty()) {
    fmt::print("{}", text);
    return;
  }
  std::ofstream out(args.output, std::ios::binary);
  out << text;
  out.close();
  if (!out) FailCommand(fmt::format("{}: cannot write the export", args.output));
}

struct CompareArgs {
  std::string db = kDefaultDbPath;
  std::string a, b;
};

void RunCompare(const CompareArgs& args) {
  auto store = OpenOrExit(args.db, Mode::kReadOnly);
  const int64_t a = ValueOrExit(store->ResolveRun(args.a));
  const int64_t b = ValueOrExit(store->ResolveRun(args.b));
  const Comparison comparison =
      CompareRuns(ValueOrExit(LoadRunReport(*store, a)), ValueOrExit(LoadRunReport(*store, b)));
  fmt::print("A = run {}, B = run {}\n", a, b);
  for (const std::string& note : comparison.notes) fmt::print("note: {}\n", note);
  if (!comparison.device_a.empty()) {
    fmt::print("devices side by side: A on {}, B on {}\n", comparison.device_a,
               comparison.device_b);
  }
  if (comparison.perf.empty() && comparison.eval.empty()) {
    fmt::print("no matching rows (same backend, threads and test; or same eval task and metric)\n");
  }
  if (!comparison.perf.empty()) {
    fmt::print("\nThroughput (B/A: ratio of median t/s; p: Mann-Whitney U, two-sided)\n{}",
               comparison.perf.ToText());
  }
  if (!comparison.eval.empty()) fmt::print("\nEval scores\n{}", comparison.eval.ToText());
}

struct ImportArgs {
  std::string db = kDefaultDbPath;
  std::string file;
  std::string tag;
};

void RunImport(const ImportArgs& args) {
  auto store = OpenOrExit(args.db, Mode::kReadWrite);
  const auto ids = ValueOrExit(ImportLlamaBench(*store, args.file, args.tag));
  for (int64_t id : ids) {
    const RunRecord run = ValueOrExit(store->GetRun(id));
    const auto rows = ValueOrExit(store->GetPerfResults(id));
    fmt::print("imported run {}: {} rows of {} ({})\n", id, rows.size(), run.model.path,
               run.device.cpu_model);
  }
}

struct MergeArgs {
  std::string db = kDefaultDbPath;
  std::string other;
};

void RunMerge(const MergeArgs& args) {
  auto store = OpenOrExit(args.db, Mode::kReadWrite);
  const MergeSummary summary = ValueOrExit(ImportDatabase(*store, args.other));
  fmt::print("{}: {} runs added, {} already here\n", args.other, summary.added.size(),
             summary.already_here);
  for (int64_t id : summary.added) {
    const RunRecord run = ValueOrExit(store->GetRun(id));
    fmt::print("  run {}: {} {} on {} ({})\n", id, RunKindName(run.kind),
               run.model.name.empty() ? run.model.path : run.model.name, run.device.cpu_model,
               run.device.hostname.empty() ? "-" : run.device.hostname);
  }
}

void RunMigrate(const std::string& db) {
  OpenOrExit(db, Mode::kReadWrite);
  fmt::print("{}: schema version {}\n", db, ResultStore::SchemaVersion());
}

}  // namespace

CLI::Option* AddDbOption(CLI::App& command, std::string& path) {
  return command.add_option("--db", path, "Results database (SQLite file)")->capture_default_str();
}

void AddResultsCommands(CLI::App& app) {
  CLI::App* results =
      app.add_subcommand("results", "Read, export, compare and import stored results");
  results->require_subcommand(1);

  auto list = std::make_shared<ListArgs>();
  CLI::App* list_cmd = results->add_subcommand("list", "Runs in the database, newest first");
  AddDbOption(*list_cmd, list->db);
  list_cmd->add_option("--kind", list->kind, "perf, eval or import");
  list_cmd->add_option("--status", list->status, "running, complete, incomplete or failed");
  list_cmd->add_option("--tag", list->tag, "Only runs with this tag");
  list_cmd->add_option("--limit", list->limit, "At most this many runs (0: all)");
  list_cmd->add_flag("--json", list->json, "Print JSON instead of a table");
  list_cmd->callback([list] { RunList(*list); });

  auto show = std::make_shared<ShowArgs>();
  CLI::App* show_cmd = results->add_subcommand(
      "show", "Provenance, throughput, op breakdown, expert load and eval scores of a run");
  AddDbOption(*show_cmd, show->db);
  show_cmd->add_option("run", show->run, "Run id or tag (the newest run with it)")->required();
  show_cmd->callback([show] { RunShow(*show); });

  auto exp = std::make_shared<ExportArgs>();
  CLI::App* export_cmd = results->add_subcommand("export", "Write a run as JSON, CSV or Markdown");
  AddDbOption(*export_cmd, exp->db);
  export_cmd->add_option("run", exp->run, "Run id or tag")->required();
  export_cmd->add_option("--format", exp->format, "json, csv or md")->capture_default_str();
  export_cmd->add_option("-o,--output", exp->output, "Write to this file instead of stdout");
  export_cmd->callback([exp] { RunExport(*exp); });

  auto compare = std::make_shared<CompareArgs>();
  CLI::App* compare_cmd = results->add_subcommand(
      "compare", "Matching rows of two runs side by side with ratios (B / A)");
  AddDbOption(*compare_cmd, compare->db);
  compare_cmd->add_option("a", compare->a, "Run A (baseline): id or tag")->required();
  compare_cmd->add_option("b", compare->b, "Run B (candidate): id or tag")->required();
  compare_cmd->callback([compare] { RunCompare(*compare); });

  auto import = std::make_shared<ImportArgs>();
  CLI::App* import_cmd = results->add_subcommand(
      "import-llama-bench",
      "Store llama.cpp's `llama-bench -o json` output as runs (backend llama.cpp)");
  AddDbOption(*import_cmd, import->db);
  import_cmd->add_option("file", import->file, "llama-bench JSON or JSONL output")->required();
  import_cmd->add_option("--tag", import->tag, "Tag the imported runs");
  import_cmd->callback([import] { RunImport(*import); });

  auto merge = std::make_shared<MergeArgs>();
  CLI::App* merge_cmd = results->add_subcommand(
      "import", "Merge the runs of another results database (another machine's) into this one");
  AddDbOption(*merge_cmd, merge->db);
  merge_cmd->add_option("other", merge->other, "The other results database (read, never written)")
      ->required();
  merge_cmd->callback([merge] { RunMerge(*merge); });

  auto migrate_db = std::make_shared<std::string>(kDefaultDbPath);
  CLI::App* migrate_cmd = results->add_subcommand(
      "migrate", "Bring an older database to this lfmbench's schema version");
  AddDbOption(*migrate_cmd, *migrate_db);
  migrate_cmd->callback([migrate_db] { RunMigrate(*migrate_db); });
}

}  // namespace lfm::results
