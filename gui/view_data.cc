// Selection, filtering and matching of snapshot data for the views (see view_data.h).
#include "gui/view_data.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "results/provenance.h"
#include "results/statistics.h"

namespace lfm::gui {
namespace {

using results::RunKind;
using results::RunRecord;
using results::RunStatus;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool Contains(const std::vector<int64_t>& ids, int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// A row's position in the Throughput and Compare orderings: backend, test, threads, then the
// settings that tell rows of one run apart (llama-bench imports).
auto RowOrder(const results::PerfResult& row) {
  return std::make_tuple(row.backend, row.n_gen > 0, row.n_prompt, row.n_gen, row.threads,
                         row.settings_json);
}

std::string RunText(const RunRecord& run) {
  return Lower(fmt::format("{} {} {} {} {} {} {} {} {} {} {}", run.id, TimeLabel(run.started_ms),
                           CommitLabel(run), DeviceLabel(run), run.model.name, run.backend,
                           run.threads, results::RunKindName(run.kind),
                           results::RunStatusName(run.status), run.tag, run.device.hostname));
}

}  // namespace

std::string DeviceKey(const RunRecord& run) {
  return run.device.device_id.empty() ? "cpu:" + run.device.cpu_model : run.device.device_id;
}

std::string ModelKey(const RunRecord& run) {
  return run.model.hash.empty() ? "name:" + run.model.name : run.model.hash;
}

std::string DeviceLabel(const RunRecord& run) {
  const std::string cpu = run.device.cpu_model.empty() ? "unknown CPU" : run.device.cpu_model;
  return run.device.cpu_cores > 0 ? fmt::format("{} ({} cores)", cpu, run.device.cpu_cores) : cpu;
}

std::string CommitLabel(const RunRecord& run) {
  const std::string commit = run.build.git_commit.empty() ? "?" : run.build.git_commit;
  return run.build.git_dirty ? commit + "+dirty" : commit;
}

std::string TimeLabel(int64_t ms) {
  // FormatTimeMs gives "YYYY-MM-DD HH:MM:SS"; minutes are enough on screen.
  return results::FormatTimeMs(ms).substr(0, 16);
}

RowStats StatsOf(const results::PerfResult& row) {
  RowStats stats;
  const std::vector<double> tps = row.TokensPerSecond();
  stats.n = static_cast<int>(tps.size());
  if (tps.empty()) return stats;
  stats.median = results::Median(tps);
  stats.sd = results::StdDev(tps);
  return stats;
}

std::vector<const RunRecord*> FilterRuns(const Snapshot& snap, const std::string& text,
                                         std::optional<RunKind> kind, const RunSort& sort) {
  const std::string needle = Lower(text);
  std::vector<const RunRecord*> out;
  for (const auto& run : snap.runs) {
    if (kind && run.kind != *kind) continue;
    if (!needle.empty() && RunText(run).find(needle) == std::string::npos) continue;
    out.push_back(&run);
  }
  auto key = [&](const RunRecord* r) -> std::string {
    switch (sort.column) {
      case RunColumn::kId:
      case RunColumn::kTime:
        return "";  // numeric: handled below
      case RunColumn::kCommit:
        return CommitLabel(*r);
      case RunColumn::kDevice:
        return DeviceLabel(*r);
      case RunColumn::kModel:
        return r->model.name;
      case RunColumn::kBackend:
        return r->backend;
      case RunColumn::kThreads:
        return r->threads;
      case RunColumn::kKind:
        return std::string(results::RunKindName(r->kind));
      case RunColumn::kStatus:
        return std::string(results::RunStatusName(r->status));
    }
    return "";
  };
  std::stable_sort(out.begin(), out.end(), [&](const RunRecord* x, const RunRecord* y) {
    auto tx = std::make_tuple(sort.column == RunColumn::kTime ? x->started_ms : 0, key(x), x->id);
    auto ty = std::make_tuple(sort.column == RunColumn::kTime ? y->started_ms : 0, key(y), y->id);
    return sort.ascending ? tx < ty : ty < tx;
  });
  return out;
}

std::vector<const RunRecord*> PerfPairs(const Snapshot& snap) {
  std::vector<const RunRecord*> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& run : snap.runs) {
    if (snap.PerfRows(run.id).empty()) continue;
    if (seen.insert({DeviceKey(run), ModelKey(run)}).second) out.push_back(&run);
  }
  return out;
}

ThroughputData SelectThroughput(const Snapshot& snap, const std::vector<int64_t>& selected,
                                std::string device_key, std::string model_key, bool by_device) {
  ThroughputData data;
  data.by_device = by_device;
  if (device_key.empty() || model_key.empty()) {
    const RunRecord* pick = nullptr;
    for (int64_t id : selected) {
      const RunRecord* run = snap.FindRun(id);
      if (run && !snap.PerfRows(id).empty()) {
        pick = run;
        break;
      }
    }
    const std::vector<const RunRecord*> pairs = PerfPairs(snap);
    if (!pick && !pairs.empty()) pick = pairs.front();
    if (!pick) return data;
    device_key = DeviceKey(*pick);
    model_key = ModelKey(*pick);
  }
  data.device_key = device_key;
  data.model_key = model_key;

  std::vector<const RunRecord*> candidates;
  bool any_selected = false;
  for (const auto& run : snap.runs) {
    if (snap.PerfRows(run.id).empty() || (!by_device && DeviceKey(run) != device_key) ||
        ModelKey(run) != model_key) {
      continue;
    }
    candidates.push_back(&run);
    any_selected = any_selected || Contains(selected, run.id);
  }
  std::set<std::tuple<std::string, std::string, int, std::string, std::string>> seen;
  for (const RunRecord* run : candidates) {
    if (any_selected ? !Contains(selected, run->id) : run->status == RunStatus::kFailed) continue;
    bool used = false;
    for (const PerfRowData& row : snap.PerfRows(run->id)) {
      const results::PerfResult& r = row.row;
      if (!seen.insert({DeviceKey(*run), r.backend, r.threads, r.test, r.settings_json}).second) {
        continue;
      }
      data.entries.push_back({run, &row, StatsOf(row.row), row.row.n_gen == 0});
      used = true;
    }
    if (used) data.runs.push_back(run);
  }
  std::stable_sort(data.entries.begin(), data.entries.end(),
                   [](const ThroughputEntry& x, const ThroughputEntry& y) {
                     return std::tuple(RowOrder(x.data->row), DeviceLabel(*x.run)) <
                            std::tuple(RowOrder(y.data->row), DeviceLabel(*y.run));
                   });
  return data;
}

std::vector<TrendKey> TrendKeys(const Snapshot& snap) {
  std::set<std::tuple<std::string, std::string, std::string, std::string, int>> keys;
  for (const auto& run : snap.runs) {
    for (const PerfRowData& row : snap.PerfRows(run.id)) {
      keys.insert({DeviceKey(run), ModelKey(run), row.row.backend, row.row.test, row.row.threads});
    }
  }
  std::vector<TrendKey> out;
  for (const auto& [device, model, backend, test, threads] : keys) {
    out.push_back({device, model, backend, test, threads});
  }
  return out;
}

std::vector<TrendPoint> SelectTrend(const Snapshot& snap, const TrendKey& key) {
  std::vector<TrendPoint> points;
  for (auto it = snap.runs.rbegin(); it != snap.runs.rend(); ++it) {
    const RunRecord& run = *it;
    if (run.status == RunStatus::kFailed || DeviceKey(run) != key.device_key ||
        ModelKey(run) != key.model_key) {
      continue;
    }
    for (const PerfRowData& row : snap.PerfRows(run.id)) {
      const results::PerfResult& r = row.row;
      if (r.backend != key.backend || r.test != key.test || r.threads != key.threads) continue;
      if (r.samples.empty()) continue;
      // One point per run: of rows differing only in settings_json, the first.
      TrendPoint point{&run, StatsOf(r), {}};
      for (const auto& v : snap.verdicts) {
        if (v.candidate_run == run.id && v.backend == r.backend && v.test == r.test &&
            v.threads == r.threads) {
          point.verdicts.push_back(&v);
        }
      }
      points.push_back(std::move(point));
      break;
    }
  }
  return points;
}

std::string SettingsLabel(const results::EvalTask& task) {
  const nlohmann::json s = nlohmann::json::parse(task.settings_json, nullptr, false);
  const auto field = [&](const char* key) {
    return s.is_object() && s.contains(key) ? s[key] : nlohmann::json();
  };
  const auto on_off = [](const nlohmann::json& v) {
    return v.is_boolean() && v.get<bool>() ? "on" : "off";
  };
  std::vector<std::string> parts = {fmt::format("{}-shot", task.n_shot)};
  parts.push_back(fmt::format("chat {}", on_off(field("chat"))));
  parts.push_back(fmt::format("few-shot as multi-turn {}", on_off(field("fewshot_as_multiturn"))));
  const nlohmann::json generation = field("generation");
  if (generation.is_object() && generation.contains("max_gen_toks")) {
    parts.push_back(fmt::format("max_gen_toks {}", generation["max_gen_toks"].dump()));
  }
  const nlohmann::json process_docs = field("process_docs");
  if (process_docs.is_object() && process_docs.contains("seed")) {
    parts.push_back(fmt::format("shuffle seed {}", process_docs["seed"].dump()));
  }
  if (const nlohmann::json limit = field("limit"); limit.is_number()) {
    parts.push_back(fmt::format("limit {}", limit.dump()));
  }
  const nlohmann::json checksums = field("data_sha256");
  if (checksums.is_object()) {
    for (const auto& [file, sha] : checksums.items()) {  // the first 8 hex digits name the data
      if (sha.is_string()) parts.push_back("data " + sha.get<std::string>().substr(0, 8));
    }
  }
  if (!task.task_version.empty()) parts.push_back("spec v" + task.task_version);
  return fmt::format("{}", fmt::join(parts, ", "));
}

EvalTable SelectEvals(const Snapshot& snap, const std::vector<int64_t>& selected, int max_runs) {
  EvalTable table;
  for (const auto& run : snap.runs) {
    if (run.kind == RunKind::kEval && Contains(selected, run.id)) table.runs.push_back(&run);
  }
  table.from_selection = !table.runs.empty();
  if (table.runs.empty()) {
    for (const auto& run : snap.runs) {
      if (run.kind != RunKind::kEval) continue;
      if (static_cast<int>(table.runs.size()) >= max_runs) break;
      table.runs.push_back(&run);
    }
  }
  // Row keys: tasks before groups, then by name, metric, filter.
  std::map<std::tuple<bool, std::string, std::string, std::string>, EvalRow> rows;
  for (size_t col = 0; col < table.runs.size(); ++col) {
    const auto it = snap.evals.find(table.runs[col]->id);
    if (it == snap.evals.end()) continue;
    const EvalRunData& data = it->second;
    for (const auto& score : data.scores) {
      EvalRow& row = rows[{score.is_group, score.name, score.metric, score.filter}];
      if (row.cells.empty()) {
        row = {score.name, score.metric, score.filter, score.is_group,
               std::vector<EvalCell>(table.runs.size()), false};
      }
      row.cells[col].score = &score;
      for (const auto& task : data.tasks) {
        if (task.task == score.name) row.cells[col].task = &task;
      }
    }
  }
  for (auto& [key, row] : rows) {
    std::set<std::string> settings;
    for (const EvalCell& cell : row.cells) {
      if (cell.task) settings.insert(SettingsLabel(*cell.task));
    }
    row.settings_differ = settings.size() > 1;
    table.rows.push_back(std::move(row));
  }
  return table;
}

CompareData SelectCompare(const Snapshot& snap, int64_t a, int64_t b) {
  CompareData data;
  data.a = snap.FindRun(a);
  data.b = snap.FindRun(b);
  data.same_device = data.a && data.b && DeviceKey(*data.a) == DeviceKey(*data.b);

  std::map<std::tuple<std::string, bool, int, int, int, std::string>, ComparePerfRow> perf;
  auto add_rows = [&](const RunRecord* run, bool side_b) {
    if (!run) return;
    for (const PerfRowData& row : snap.PerfRows(run->id)) {
      const results::PerfResult& r = row.row;
      ComparePerfRow& out = perf[RowOrder(r)];
      out.backend = r.backend;
      out.test = r.test;
      out.threads = r.threads;
      out.settings_json = r.settings_json;
      (side_b ? out.b : out.a) = &r;
      (side_b ? out.stats_b : out.stats_a) = StatsOf(r);
    }
  };
  add_rows(data.a, false);
  add_rows(data.b, true);
  for (auto& [key, row] : perf) {
    if (row.stats_a.n > 0 && row.stats_b.n > 0 && row.stats_a.median > 0) {
      row.ratio = row.stats_b.median / row.stats_a.median;
    }
    for (const auto& v : snap.verdicts) {
      if (v.baseline_run == a && v.candidate_run == b && v.backend == row.backend &&
          v.test == row.test && v.threads == row.threads) {
        row.verdict = &v;  // oldest first: the last match is the newest
      }
    }
    data.perf.push_back(row);
  }

  std::map<std::tuple<std::string, std::string, std::string>, CompareScoreRow> scores;
  auto add_scores = [&](const RunRecord* run, bool side_b) {
    if (!run) return;
    const auto it = snap.evals.find(run->id);
    if (it == snap.evals.end()) return;
    for (const auto& s : it->second.scores) {
      CompareScoreRow& out = scores[{s.name, s.metric, s.filter}];
      out.name = s.name;
      out.metric = s.metric;
      out.filter = s.filter;
      (side_b ? out.b : out.a) = &s;
    }
  };
  add_scores(data.a, false);
  add_scores(data.b, true);
  for (auto& [key, row] : scores) data.scores.push_back(row);
  return data;
}

std::pair<int64_t, int64_t> DefaultComparePair(const Snapshot& snap,
                                               const std::vector<int64_t>& selected) {
  std::vector<const RunRecord*> picked;
  for (int64_t id : selected) {
    if (const RunRecord* run = snap.FindRun(id); run && picked.size() < 2) picked.push_back(run);
  }
  if (picked.size() == 2) {
    // The older run is the baseline.
    if (std::tie(picked[1]->started_ms, picked[1]->id) < std::tie(picked[0]->started_ms, picked[0]->id)) {
      std::swap(picked[0], picked[1]);
    }
    return {picked[0]->id, picked[1]->id};
  }
  // The candidate: the selected run, else the newest run that did not fail and has a baseline
  // (else the newest one alone); the baseline: the newest older run that did not fail, of the
  // same kind, on the same device.
  auto baseline_of = [&snap](const RunRecord& candidate) -> const RunRecord* {
    bool older = false;
    for (const auto& run : snap.runs) {
      if (&run == &candidate) {
        older = true;
      } else if (older && run.kind == candidate.kind && run.status != RunStatus::kFailed &&
                 DeviceKey(run) == DeviceKey(candidate)) {
        return &run;
      }
    }
    return nullptr;
  };
  if (!picked.empty()) {
    const RunRecord* baseline = baseline_of(*picked[0]);
    return {baseline ? baseline->id : 0, picked[0]->id};
  }
  const RunRecord* alone = nullptr;
  for (const auto& run : snap.runs) {
    if (run.status == RunStatus::kFailed) continue;
    if (const RunRecord* baseline = baseline_of(run)) return {baseline->id, run.id};
    if (!alone) alone = &run;
  }
  return {0, alone ? alone->id : 0};
}

}  // namespace lfm::gui
