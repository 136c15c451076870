#include "results/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "results/provenance.h"
#include "results/statistics.h"

namespace lfm::results {
namespace {

using Align = Table::Align;
using nlohmann::json;

std::string Fixed(double value, int digits = 2) { return fmt::format("{:.{}f}", value, digits); }

// "61.20 ± 0.40" (median ± sample sd), "-" without samples.
std::string MedianAndSpread(const PerfResult& row) {
  const std::vector<double> tps = row.TokensPerSecond();
  if (tps.empty()) return "-";
  return fmt::format("{} ± {}", Fixed(Median(tps)), Fixed(StdDev(tps)));
}

json OptionalNumber(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

json ParseObject(const std::string& text) {
  json value = json::parse(text, nullptr, false);
  return value.is_object() ? value : json::object();
}

std::string ModelLabel(const RunRecord& run) {
  if (!run.model.name.empty()) return run.model.name;
  if (!run.model.arch.empty()) return run.model.arch;
  return run.model.path.empty() ? "-" : run.model.path;
}

// The key compare matches rows on: backend, threads, test and settings.
std::string RowKey(const PerfResult& row, bool with_backend) {
  return fmt::format("{}|{}|{}|{}", with_backend ? row.backend : "", row.threads, row.test,
                     with_backend ? row.settings_json : "");
}

// Same model file: by hash when both runs hashed it, else (imports) by path, name, size and
// parameter count.
bool SameModel(const ModelInfo& a, const ModelInfo& b) {
  if (!a.hash.empty() && !b.hash.empty()) return a.hash == b.hash;
  return a.path == b.path && a.name == b.name && a.size_bytes == b.size_bytes &&
         a.params == b.params;
}

bool SingleBackend(const std::vector<PerfResult>& rows) {
  return !rows.empty() && std::all_of(rows.begin(), rows.end(), [&](const PerfResult& r) {
    return r.backend == rows[0].backend;
  });
}

// The settings that differ between rows, per row as "key=value ..." (all "" when the rows share
// their settings).
std::vector<std::string> DifferingSettings(const std::vector<PerfResult>& rows) {
  std::vector<json> settings;
  for (const PerfResult& row : rows) settings.push_back(ParseObject(row.settings_json));
  std::vector<std::string> keys;
  for (const json& s : settings) {
    for (const auto& [key, value] : s.items()) {
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      const bool differs = std::any_of(settings.begin(), settings.end(), [&](const json& other) {
        return !other.contains(key) || other[key] != value;
      });
      if (differs) keys.push_back(key);
    }
  }
  std::vector<std::string> cells;
  for (const json& s : settings) {
    std::string cell;
    for (const std::string& key : keys) {
      if (!cell.empty()) cell += ' ';
      const std::string value = !s.contains(key)     ? "-"
                                : s[key].is_string() ? s[key].get<std::string>()
                                                     : s[key].dump();
      cell += key + "=" + value;
    }
    cells.push_back(cell);
  }
  return cells;
}

}  // namespace

StatusOr<RunReport> LoadRunReport(ResultStore& store, int64_t run_id) {
  RunReport report;
  LFM_ASSIGN_OR_RETURN(report.run, store.GetRun(run_id));
  LFM_ASSIGN_OR_RETURN(report.perf, store.GetPerfResults(run_id));
  for (const PerfResult& row : report.perf) {
    LFM_ASSIGN_OR_RETURN(auto ops, store.GetOpBreakdown(row.id));
    LFM_ASSIGN_OR_RETURN(auto load, store.GetExpertLoad(row.id));
    report.op_times.push_back(std::move(ops));
    report.expert_load.push_back(std::move(load));
  }
  LFM_ASSIGN_OR_RETURN(report.eval_tasks, store.GetEvalTasks(run_id));
  for (const EvalTask& task : report.eval_tasks) {
    LFM_ASSIGN_OR_RETURN(int64_t count, store.CountEvalSamples(run_id, task.task));
    report.eval_sample_counts.push_back(count);
  }
  LFM_ASSIGN_OR_RETURN(report.eval_scores, store.GetEvalScores(run_id));
  LFM_ASSIGN_OR_RETURN(report.gate_verdicts, store.GetGateVerdicts(run_id));
  return report;
}

std::string FormatBytes(int64_t bytes) {
  if (bytes <= 0) return "-";
  if (bytes >= (int64_t{1} << 30)) return Fixed(bytes / double(int64_t{1} << 30)) + " GiB";
  return Fixed(bytes / double(1 << 20)) + " MiB";
}

std::string FormatParams(int64_t params) {
  if (params <= 0) return "-";
  if (params >= 1000000000) return Fixed(params / 1e9) + " B";
  return Fixed(params / 1e6) + " M";
}

std::vector<std::string> FidelityCells(const std::optional<Fidelity>& f) {
  if (!f) return {"-", "-", "-"};
  return {fmt::format("{:.2e}", f->mean_kl),
          fmt::format("{}/{}", std::lround(f->top1_agreement * f->tokens), f->tokens),
          fmt::format("{:.3g}", f->max_abs_logprob_diff)};
}

Table PerfTable(const RunRecord& run, const std::vector<PerfResult>& rows) {
  const bool any_fallback = std::any_of(rows.begin(), rows.end(),
                                        [](const PerfResult& r) { return !r.Fallbacks().empty(); });
  const std::vector<std::string> settings = DifferingSettings(rows);
  const bool any_settings = std::any_of(settings.begin(), settings.end(),
                                        [](const std::string& s) { return !s.empty(); });
  Table table;
  table.AddColumn("model");
  table.AddColumn("size", Align::kRight);
  table.AddColumn("params", Align::kRight);
  table.AddColumn("backend");
  table.AddColumn("threads", Align::kRight);
  table.AddColumn("test");
  table.AddColumn("t/s", Align::kRight);
  table.AddColumn("n", Align::kRight);
  const bool any_fidelity = std::any_of(rows.begin(), rows.end(),
                                        [](const PerfResult& r) { return r.fidelity.has_value(); });
  if (any_fidelity) {
    table.AddColumn("KL", Align::kRight);
    table.AddColumn("top-1", Align::kRight);
    table.AddColumn("max Δlp", Align::kRight);
  }
  if (any_settings) table.AddColumn("settings");
  if (any_fallback) table.AddColumn("fallbacks");
  for (size_t i = 0; i < rows.size(); ++i) {
    const PerfResult& row = rows[i];
    std::vector<std::string> cells = {
        ModelLabel(run),      FormatBytes(run.model.size_bytes), FormatParams(run.model.params),
        row.backend,          std::to_string(row.threads),       row.test,
        MedianAndSpread(row), std::to_string(row.samples.size())};
    if (any_fidelity) {
      for (std::string& cell : FidelityCells(row.fidelity)) cells.push_back(std::move(cell));
    }
    if (any_settings) cells.push_back(settings[i]);
    if (any_fallback) cells.push_back(row.Fallbacks().empty() ? "-" : row.Fallbacks());
    table.AddRow(std::move(cells));
  }
  return table;
}

Table OpBreakdownTable(const RunReport& report) {
  // Columns: the canonical ops that appear, then any others by name.
  std::vector<std::string> ops;
  for (std::string_view op : kOpNames) ops.emplace_back(op);
  std::vector<std::string> present;
  for (const std::string& op : ops) {
    for (const auto& times : report.op_times) {
      if (std::any_of(times.begin(), times.end(), [&](const OpTime& t) { return t.op == op; })) {
        present.push_back(op);
        break;
      }
    }
  }
  for (const auto& times : report.op_times) {
    for (const OpTime& t : times) {
      if (std::find(present.begin(), present.end(), t.op) == present.end()) present.push_back(t.op);
    }
  }
  Table table;
  table.AddColumn("backend");
  table.AddColumn("threads", Align::kRight);
  table.AddColumn("test");
  for (const std::string& op : present) table.AddColumn(op, Align::kRight);
  table.AddColumn("total ms", Align::kRight);
  for (size_t i = 0; i < report.perf.size(); ++i) {
    const auto& times = report.op_times[i];
    if (times.empty()) continue;
    double total = 0;
    for (const OpTime& t : times) total += t.seconds;
    std::vector<std::string> cells = {report.perf[i].backend,
                                      std::to_string(report.perf[i].threads), report.perf[i].test};
    for (const std::string& op : present) {
      auto it =
          std::find_if(times.begin(), times.end(), [&](const OpTime& t) { return t.op == op; });
      cells.push_back(it == times.end()
                          ? "-"
                          : fmt::format("{} ({}%)", Fixed(it->seconds * 1e3, 1),
                                        Fixed(total > 0 ? 100 * it->seconds / total : 0, 1)));
    }
    cells.push_back(Fixed(total * 1e3, 1));
    table.AddRow(std::move(cells));
  }
  return table;
}

Table ExpertLoadTable(const RunReport& report) {
  Table table;
  table.AddColumn("backend");
  table.AddColumn("threads", Align::kRight);
  table.AddColumn("test");
  table.AddColumn("layers", Align::kRight);
  table.AddColumn("experts", Align::kRight);
  table.AddColumn("tokens", Align::kRight);
  table.AddColumn("min", Align::kRight);
  table.AddColumn("median", Align::kRight);
  table.AddColumn("max", Align::kRight);
  table.AddColumn("max/mean", Align::kRight);
  for (size_t i = 0; i < report.perf.size(); ++i) {
    const auto& load = report.expert_load[i];
    if (load.empty()) continue;
    std::vector<double> tokens;
    std::map<int, int> layers, experts;
    int64_t total = 0;
    for (const ExpertLoad& cell : load) {
      tokens.push_back(static_cast<double>(cell.tokens));
      layers[cell.layer] = 1;
      experts[cell.expert] = 1;
      total += cell.tokens;
    }
    const double mean = Mean(tokens);
    const double max = *std::max_element(tokens.begin(), tokens.end());
    table.AddRow({report.perf[i].backend, std::to_string(report.perf[i].threads),
                  report.perf[i].test, std::to_string(layers.size()),
                  std::to_string(experts.size()), std::to_string(total),
                  Fixed(*std::min_element(tokens.begin(), tokens.end()), 0),
                  Fixed(Median(tokens), 0), Fixed(max, 0), mean > 0 ? Fixed(max / mean) : "-"});
  }
  return table;
}

Table EvalScoreTable(const std::vector<EvalScore>& scores) {
  Table table;
  table.AddColumn("task");
  table.AddColumn("metric");
  table.AddColumn("filter");
  table.AddColumn("value", Align::kRight);
  table.AddColumn("± stderr", Align::kRight);
  table.AddColumn("n", Align::kRight);
  for (const EvalScore& s : scores) {
    table.AddRow({s.is_group ? s.name + " (group)" : s.name, s.metric, s.filter, Fixed(s.value, 4),
                  s.std_error ? Fixed(*s.std_error, 4) : "-", std::to_string(s.n)});
  }
  return table;
}

std::string ProvenanceText(const RunRecord& run) {
  Table table;
  table.AddColumn("field");
  table.AddColumn("value");
  auto add = [&](const std::string& key, const std::string& value) {
    if (!value.empty()) table.AddRow({key, value});
  };
  add("run", fmt::format("{} ({}, {})", run.id, RunKindName(run.kind), RunStatusName(run.status)));
  add("tag", run.tag);
  add("started", FormatTimeMs(run.started_ms) + " UTC");
  if (run.finished_ms > 0) {
    add("finished", fmt::format("{} UTC ({:.1f} s)", FormatTimeMs(run.finished_ms),
                                (run.finished_ms - run.started_ms) / 1e3));
  }
  add("error", run.error);
  add("lfmbench",
      fmt::format("{} commit {}{} {} {}", run.build.lfmbench_version, run.build.git_commit,
                  run.build.git_dirty ? " (dirty)" : "", run.build.build_type, run.build.compiler));
  std::string hardware;
  if (run.device.cpu_cores > 0) hardware = fmt::format("{} cores", run.device.cpu_cores);
  if (run.device.memory_bytes > 0) {
    hardware +=
        fmt::format("{}{}", hardware.empty() ? "" : ", ", FormatBytes(run.device.memory_bytes));
  }
  add("device", fmt::format("{}{}, id {}", run.device.cpu_model,
                            hardware.empty() ? "" : " (" + hardware + ")", run.device.device_id));
  add("isa", run.device.isa_flags);
  add("os", run.device.os);
  add("host", run.device.hostname);
  add("model", run.model.path);
  add("model name", run.model.name);
  add("model info", fmt::format("{} {} {} params, {}", run.model.arch, run.model.quant,
                                FormatParams(run.model.params), FormatBytes(run.model.size_bytes)));
  if (!run.model.hash.empty()) {
    add("model sha256",
        fmt::format("{} ({})", run.model.hash,
                    run.model.hash_kind == "header" ? "header + tensor directory" : "whole file"));
  }
  add("backend", run.backend);
  if (!run.op_backends.empty()) {
    std::string ops;
    for (const auto& [op, backend] : run.op_backends) {
      ops += fmt::format("{}{}={}", ops.empty() ? "" : " ", op, backend);
    }
    add("op backends", ops);
  }
  add("threads", run.threads);
  add("command", run.command_line);
  // The two-column layout without the header rule reads as "key  value" lines.
  const std::string text = table.ToText();
  const size_t body = text.find('\n', text.find('\n') + 1) + 1;
  return text.substr(body);
}

json PerfRowJson(const PerfResult& row) {
  json samples = json::array();
  for (const PerfSample& s : row.samples) {
    samples.push_back({{"rep", s.rep}, {"seconds", s.seconds}, {"tokens_per_s", s.tokens_per_s}});
  }
  const std::vector<double> tps = row.TokensPerSecond();
  json out = {{"backend", row.backend},
              {"test", row.test},
              {"threads", row.threads},
              {"n_prompt", row.n_prompt},
              {"n_gen", row.n_gen},
              {"settings", ParseObject(row.settings_json)},
              {"op_backends", row.op_backends},
              {"fallbacks", row.Fallbacks()},
              {"peak_rss_bytes", row.peak_rss_bytes},
              {"samples", samples},
              {"tokens_per_s_median", tps.empty() ? json(nullptr) : json(Median(tps))},
              {"tokens_per_s_mean", tps.empty() ? json(nullptr) : json(Mean(tps))},
              {"tokens_per_s_sd", tps.empty() ? json(nullptr) : json(StdDev(tps))}};
  const std::optional<Fidelity>& f = row.fidelity;
  out["fidelity_tokens"] = f ? f->tokens : 0;
  out["fidelity_mean_kl"] = f ? json(f->mean_kl) : json(nullptr);
  out["fidelity_top1"] = f ? json(f->top1_agreement) : json(nullptr);
  out["fidelity_max_abs_logprob"] = f ? json(f->max_abs_logprob_diff) : json(nullptr);
  return out;
}

json RunJson(const RunRecord& r) {
  return {{"id", r.id},
          {"kind", RunKindName(r.kind)},
          {"status", RunStatusName(r.status)},
          {"started_ms", r.started_ms},
          {"finished_ms", r.finished_ms > 0 ? json(r.finished_ms) : json(nullptr)},
          {"tag", r.tag},
          {"error", r.error},
          {"build",
           {{"lfmbench_version", r.build.lfmbench_version},
            {"git_commit", r.build.git_commit},
            {"git_dirty", r.build.git_dirty},
            {"build_type", r.build.build_type},
            {"compiler", r.build.compiler}}},
          {"device",
           {{"device_id", r.device.device_id},
            {"cpu_model", r.device.cpu_model},
            {"cpu_cores", r.device.cpu_cores},
            {"isa_flags", r.device.isa_flags},
            {"memory_bytes", r.device.memory_bytes},
            {"os", r.device.os},
            {"hostname", r.device.hostname}}},
          {"model",
           {{"path", r.model.path},
            {"name", r.model.name},
            {"size_bytes", r.model.size_bytes},
            {"sha256", r.model.hash},
            {"hash_kind", r.model.hash_kind},
            {"architecture", r.model.arch},
            {"quant", r.model.quant},
            {"params", r.model.params}}},
          {"backend", r.backend},
          {"threads", r.threads},
          {"command_line", r.command_line},
          {"op_backends", r.op_backends},
          {"origin", r.origin}};
}

json RunReportJson(const RunReport& report) {
  json perf = json::array();
  for (size_t i = 0; i < report.perf.size(); ++i) {
    json row = PerfRowJson(report.perf[i]);
    json ops = json::object();
    for (const OpTime& t : report.op_times[i]) ops[t.op] = t.seconds;
    row["op_seconds"] = ops;
    json layers = json::array();  // [{"layer": L, "tokens": [per expert]}]
    for (const ExpertLoad& cell : report.expert_load[i]) {
      if (layers.empty() || layers.back()["layer"] != cell.layer) {
        layers.push_back({{"layer", cell.layer}, {"tokens", json::array()}});
      }
      json& tokens = layers.back()["tokens"];
      while (static_cast<int>(tokens.size()) < cell.expert) tokens.push_back(0);
      tokens.push_back(cell.tokens);
    }
    row["expert_load"] = layers;
    perf.push_back(row);
  }
  json tasks = json::array();
  for (size_t i = 0; i < report.eval_tasks.size(); ++i) {
    const EvalTask& t = report.eval_tasks[i];
    tasks.push_back({{"task", t.task},
                     {"version", t.task_version},
                     {"n_shot", t.n_shot},
                     {"settings", ParseObject(t.settings_json)},
                     {"samples", report.eval_sample_counts[i]}});
  }
  json scores = json::array();
  for (const EvalScore& s : report.eval_scores) {
    scores.push_back({{"name", s.name},
                      {"is_group", s.is_group},
                      {"metric", s.metric},
                      {"filter", s.filter},
                      {"value", s.value},
                      {"stderr", OptionalNumber(s.std_error)},
                      {"n", s.n},
                      {"higher_is_better", s.higher_is_better}});
  }
  json verdicts = json::array();
  for (const GateVerdict& v : report.gate_verdicts) {
    verdicts.push_back({{"baseline_run", v.baseline_run ? json(*v.baseline_run) : json(nullptr)},
                        {"candidate_run", v.candidate_run ? json(*v.candidate_run) : json(nullptr)},
                        {"backend", v.backend},
                        {"threads", v.threads},
                        {"test", v.test},
                        {"ratio", v.ratio},
                        {"ci_low", OptionalNumber(v.ci_low)},
                        {"ci_high", OptionalNumber(v.ci_high)},
                        {"p_value", OptionalNumber(v.p_value)},
                        {"method", v.method},
                        {"max_regression", v.max_regression},
                        {"verdict", v.verdict},
                        {"created_ms", v.created_ms}});
  }
  return {{"run", RunJson(report.run)},
          {"perf", perf},
          {"eval", {{"tasks", tasks}, {"scores", scores}}},
          {"gate_verdicts", verdicts}};
}

std::string FormatRunReport(const RunReport& report, bool markdown) {
  auto render = [&](const Table& table) { return markdown ? table.ToMarkdown() : table.ToText(); };
  auto section = [&](const std::string& title) {
    return markdown ? fmt::format("\n## {}\n\n", title) : fmt::format("\n{}\n", title);
  };
  std::string text =
      markdown ? fmt::format("# Run {}\n\n```\n{}```\n", report.run.id, ProvenanceText(report.run))
               : ProvenanceText(report.run);
  if (!report.perf.empty())
    text += section("Throughput") + render(PerfTable(report.run, report.perf));
  if (Table ops = OpBreakdownTable(report); !ops.empty()) {
    text += section("Time per op (ms per repetition, share)") + render(ops);
  }
  if (Table load = ExpertLoadTable(report); !load.empty()) {
    text += section("Expert load (tokens per expert per layer)") + render(load);
  }
  if (!report.eval_tasks.empty()) {
    Table tasks;
    tasks.AddColumn("task");
    tasks.AddColumn("version");
    tasks.AddColumn("n_shot", Align::kRight);
    tasks.AddColumn("samples", Align::kRight);
    tasks.AddColumn("settings");
    for (size_t i = 0; i < report.eval_tasks.size(); ++i) {
      const EvalTask& t = report.eval_tasks[i];
      tasks.AddRow({t.task, t.task_version, std::to_string(t.n_shot),
                    std::to_string(report.eval_sample_counts[i]), t.settings_json});
    }
    text += section("Eval tasks") + render(tasks);
  }
  if (!report.eval_scores.empty())
    text += section("Eval scores") + render(EvalScoreTable(report.eval_scores));
  if (!report.gate_verdicts.empty()) {
    Table gate;
    for (const char* column :
         {"baseline", "candidate", "backend", "threads", "test", "ratio", "p", "verdict"}) {
      gate.AddColumn(column);
    }
    for (const GateVerdict& v : report.gate_verdicts) {
      gate.AddRow({v.baseline_run ? std::to_string(*v.baseline_run) : "-",
                   v.candidate_run ? std::to_string(*v.candidate_run) : "-", v.backend,
                   std::to_string(v.threads), v.test, Fixed(v.ratio, 3),
                   v.p_value ? fmt::format("{:.3g}", *v.p_value) : "-", v.verdict});
    }
    text += section("Gate verdicts") + render(gate);
  }
  return text;
}

std::string RunReportCsv(const RunReport& report) {
  if (report.run.kind == RunKind::kEval) {
    Table table;
    for (const char* column :
         {"run", "name", "is_group", "metric", "filter", "value", "stderr", "n"}) {
      table.AddColumn(column);
    }
    for (const EvalScore& s : report.eval_scores) {
      table.AddRow({std::to_string(report.run.id), s.name, s.is_group ? "1" : "0", s.metric,
                    s.filter, fmt::format("{}", s.value),
                    s.std_error ? fmt::format("{}", *s.std_error) : "", std::to_string(s.n)});
    }
    return table.ToCsv();
  }
  Table table;
  for (const char* column :
       {"run", "model", "backend", "threads", "test", "n_prompt", "n_gen", "settings", "fallbacks",
        "reps", "tokens_per_s_median", "tokens_per_s_mean", "tokens_per_s_sd", "peak_rss_bytes",
        "tokens_per_s_samples"}) {
    table.AddColumn(column);
  }
  for (const PerfResult& row : report.perf) {
    const std::vector<double> tps = row.TokensPerSecond();
    std::string samples;
    for (double v : tps) {
      if (!samples.empty()) samples += ' ';
      samples += fmt::format("{}", v);
    }
    auto stat = [&](double (*f)(const std::vector<double>&)) {
      return tps.empty() ? std::string() : fmt::format("{}", f(tps));
    };
    table.AddRow({std::to_string(report.run.id), ModelLabel(report.run), row.backend,
                  std::to_string(row.threads), row.test, std::to_string(row.n_prompt),
                  std::to_string(row.n_gen), row.settings_json, row.Fallbacks(),
                  std::to_string(tps.size()), tps.empty() ? "" : fmt::format("{}", Median(tps)),
                  stat(&Mean), stat(&StdDev), std::to_string(row.peak_rss_bytes), samples});
  }
  return table.ToCsv();
}

Comparison CompareRuns(const RunReport& a, const RunReport& b) {
  Comparison out;
  if (a.run.device.device_id != b.run.device.device_id) {
    out.notes.push_back(fmt::format("different devices: run {} on '{}', run {} on '{}'", a.run.id,
                                    a.run.device.cpu_model, b.run.id, b.run.device.cpu_model));
    const auto label = [](const DeviceInfo& d) {
      std::string text = d.cpu_cores > 0 ? fmt::format("{} x{}", d.cpu_model, d.cpu_cores) : d.cpu_model;
      return d.hostname.empty() ? text : text + ", host " + d.hostname;
    };
    out.device_a = label(a.run.device);
    out.device_b = label(b.run.device);
  }
  if (!SameModel(a.run.model, b.run.model)) {
    out.notes.push_back(fmt::format("models may differ: run {} '{}', run {} '{}'", a.run.id,
                                    ModelLabel(a.run), b.run.id, ModelLabel(b.run)));
  }
  out.perf.AddColumn("backend A");
  out.perf.AddColumn("backend B");
  out.perf.AddColumn("threads", Align::kRight);
  out.perf.AddColumn("test");
  out.perf.AddColumn("A t/s", Align::kRight);
  out.perf.AddColumn("B t/s", Align::kRight);
  out.perf.AddColumn("B/A", Align::kRight);
  out.perf.AddColumn("p", Align::kRight);
  // Full-key matches first; by threads and test only when one side has a single backend.
  const bool loose = SingleBackend(a.perf) || SingleBackend(b.perf);
  for (const PerfResult& rb : b.perf) {
    std::vector<const PerfResult*> matches;
    for (const PerfResult& ra : a.perf) {
      if (RowKey(ra, true) == RowKey(rb, true)) matches = {&ra};
    }
    if (matches.empty() && loose) {
      for (const PerfResult& ra : a.perf) {
        if (RowKey(ra, false) == RowKey(rb, false)) matches.push_back(&ra);
      }
    }
    for (const PerfResult* ra : matches) {
      const auto ta = ra->TokensPerSecond(), tb = rb.TokensPerSecond();
      if (ta.empty() || tb.empty()) continue;
      out.perf.AddRow({ra->backend, rb.backend, std::to_string(rb.threads), rb.test,
                       MedianAndSpread(*ra), MedianAndSpread(rb), Fixed(Median(tb) / Median(ta), 3),
                       fmt::format("{:.3g}", MannWhitneyU(tb, ta).p_value)});
    }
  }
  out.eval.AddColumn("task");
  out.eval.AddColumn("metric");
  out.eval.AddColumn("filter");
  out.eval.AddColumn("A", Align::kRight);
  out.eval.AddColumn("B", Align::kRight);
  out.eval.AddColumn("B-A", Align::kRight);
  for (const EvalScore& sb : b.eval_scores) {
    for (const EvalScore& sa : a.eval_scores) {
      if (sa.name == sb.name && sa.metric == sb.metric && sa.filter == sb.filter) {
        out.eval.AddRow({sb.name, sb.metric, sb.filter, Fixed(sa.value, 4), Fixed(sb.value, 4),
                         fmt::format("{:+.4f}", sb.value - sa.value)});
      }
    }
  }
  return out;
}

}  // namespace lfm::results
