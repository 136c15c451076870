#include "evals/report.h"

#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "results/report.h"
#include "results/table.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

// One node of the requested tree: a task or group with its depth.
struct Node {
  std::string name;
  int depth = 0;
  bool is_group = false;
};

std::vector<Node> Tree(const RunResult& result, const TaskRegistry& registry,
                       const std::vector<std::string>& requested) {
  std::set<std::string> have_task, have_group;
  for (const auto& t : result.tasks) have_task.insert(t.name);
  for (const auto& g : result.groups) have_group.insert(g.name);
  std::vector<Node> nodes;
  std::function<void(const std::string&, int)> walk = [&](const std::string& name, int depth) {
    if (have_group.count(name)) {
      nodes.push_back({name, depth, true});
      for (const std::string& m : registry.GroupMembers(*registry.FindGroup(name))) walk(m, depth + 1);
    } else if (have_task.count(name)) {
      nodes.push_back({name, depth, false});
    } else if (auto tasks = registry.ExpandToTasks({name}); tasks.ok()) {  // a tag
      for (const std::string& t : *tasks) walk(t, depth);
    }
  };
  for (const std::string& name : requested) walk(name, 0);
  return nodes;
}

std::string Alias(const std::string& alias, int depth) {
  if (depth == 0) return alias;
  return std::string(depth - 1, ' ') + " - " + alias;
}

std::string StderrText(const MetricResult& m) {
  return m.stderr_value ? fmt::format("{:.4f}", *m.stderr_value) : "N/A";
}

json MetricsJson(const std::string& alias, const std::vector<MetricResult>& metrics) {
  json out = {{"alias", alias}};
  for (const MetricResult& m : metrics) {
    out[m.metric + "," + m.filter] = m.value;
    out[m.metric + "_stderr," + m.filter] = m.stderr_value ? json(*m.stderr_value) : json("N/A");
  }
  return out;
}

json HigherIsBetter(const std::vector<MetricResult>& metrics) {
  json out = json::object();
  for (const MetricResult& m : metrics) out[m.metric] = m.higher_is_better;
  return out;
}

}  // namespace

std::string FormatResults(const RunResult& result, const TaskRegistry& registry,
                          const std::vector<std::string>& requested) {
  std::map<std::string, const TaskResult*> tasks;
  std::map<std::string, const GroupResult*> groups;
  for (const auto& t : result.tasks) tasks[t.name] = &t;
  for (const auto& g : result.groups) groups[g.name] = &g;
  results::Table table;
  table.AddColumn("Tasks");
  table.AddColumn("Version", results::Table::Align::kRight);
  table.AddColumn("Filter");
  table.AddColumn("n-shot", results::Table::Align::kRight);
  table.AddColumn("Metric");
  table.AddColumn("Value", results::Table::Align::kRight);
  table.AddColumn("Stderr", results::Table::Align::kRight);
  table.AddColumn("n", results::Table::Align::kRight);
  for (const Node& node : Tree(result, registry, requested)) {
    const std::vector<MetricResult>* metrics;
    std::string alias, version, shots;
    if (node.is_group) {
      const GroupResult& g = *groups.at(node.name);
      metrics = &g.metrics;
      alias = g.alias;
      version = g.version;
    } else {
      const TaskResult& t = *tasks.at(node.name);
      metrics = &t.metrics;
      alias = t.alias;
      version = t.version;
      shots = std::to_string(t.num_fewshot);
    }
    if (metrics->empty()) table.AddRow({Alias(alias, node.depth), version, "", shots, "", "", "", ""});
    bool first = true;
    for (const MetricResult& m : *metrics) {
      table.AddRow({first ? Alias(alias, node.depth) : "", first ? version : "", m.filter,
                    first ? shots : "", m.metric + (m.higher_is_better ? " ↑" : " ↓"),
                    fmt::format("{:.4f}", m.value), StderrText(m), std::to_string(m.n)});
      first = false;
    }
    if (node.is_group) continue;
    for (const auto& [label, rows] : tasks.at(node.name)->breakdown) {  // report_by rows
      for (const MetricResult& m : rows) {
        table.AddRow({std::string(node.depth + 1, ' ') + "· " + label, "", m.filter, "", m.metric,
                      fmt::format("{:.4f}", m.value), StderrText(m), std::to_string(m.n)});
      }
    }
  }
  return table.ToText();
}

json ResultsJson(const RunResult& result, const TaskRegistry& registry, const ResultsContext& context) {
  json out;
  json results_block = json::object(), groups = json::object(), subtasks = json::object();
  json configs = json::object(), versions = json::object(), shots = json::object();
  json higher = json::object(), samples = json::object();
  const std::vector<Node> tree = Tree(result, registry, context.options.tasks);
  std::map<std::string, int> depth;
  for (const Node& n : tree) depth.emplace(n.name, n.depth);
  for (const GroupResult& g : result.groups) {
    const json metrics = MetricsJson(Alias(g.alias, depth[g.name]), g.metrics);
    results_block[g.name] = metrics;
    groups[g.name] = metrics;
    subtasks[g.name] = g.members;
    versions[g.name] = g.version.empty() ? json(nullptr) : json(g.version);
    higher[g.name] = HigherIsBetter(g.metrics);
  }
  for (const TaskResult& t : result.tasks) {
    results_block[t.name] = MetricsJson(Alias(t.alias, depth[t.name]), t.metrics);
    for (const auto& [label, rows] : t.breakdown) {
      results_block[t.name + "/" + label] = MetricsJson(label, rows);
    }
    if (!subtasks.contains(t.name) && depth[t.name] == 0) subtasks[t.name] = json::array();
    configs[t.name] = t.config;
    versions[t.name] = t.version.empty() ? json(nullptr) : json(t.version);
    shots[t.name] = t.num_fewshot;
    higher[t.name] = HigherIsBetter(t.metrics);
    samples[t.name] = {{"original", t.original_docs}, {"effective", t.effective_docs}};
  }
  out["results"] = results_block;
  out["groups"] = groups;
  out["group_subtasks"] = subtasks;
  out["configs"] = configs;
  out["versions"] = versions;
  out["n-shot"] = shots;
  out["higher_is_better"] = higher;
  out["n-samples"] = samples;
  const RunnerOptions& o = context.options;
  out["config"] = {
      {"model", "lfmbench"},
      {"model_args", context.model_args},
      {"batch_size", o.batch_size},
      {"device", "cpu"},
      {"limit", o.limit ? json(*o.limit) : json(nullptr)},
      {"num_fewshot", o.num_fewshot ? json(*o.num_fewshot) : json(nullptr)},
      {"bootstrap_iters", o.bootstrap_iters},
      {"fewshot_seed", o.seed},
      {"apply_chat_template", o.chat},
      {"gen_kwargs", o.gen_kwargs},
      {"fewshot_as_multiturn", false},
  };
  // --samples n: completions per document (sample j seeded fewshot_seed + j), pass@k for k <= n.
  if (o.samples > 1) out["config"]["samples_per_doc"] = o.samples;
  out["git_hash"] = context.run.build.git_commit;
  out["date"] = static_cast<double>(context.run.started_ms) / 1000.0;
  out["total_evaluation_time_seconds"] = fmt::format("{:.3f}", context.seconds);
  json lfm = results::RunJson(context.run);
  lfm["db"] = context.db_path;
  lfm["samples_scored"] = result.samples_scored;
  lfm["samples_resumed"] = result.samples_resumed;
  out["lfmbench"] = lfm;
  return out;
}

}  // namespace lfm::evals
