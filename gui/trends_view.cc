// Trends view: one perf row (device, model, backend, test, threads) over runs in time order, with
// the regression gate's verdicts marked on the points; hovering a point, or reading the table
// below the chart, gives the exact numbers and run ids.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "gui/charts.h"
#include "gui/views.h"

namespace lfm::gui {
namespace {

// Picks a key for an empty choice: the first row of the first selected perf run, else the key
// with the most points, a failing gate verdict first (a regression is what to look at).
TrendKey DefaultKey(const Snapshot& snap, const DashboardState& state,
                    const std::vector<TrendKey>& keys) {
  for (int64_t id : state.selected_runs) {
    const results::RunRecord* run = snap.FindRun(id);
    const auto& rows = snap.PerfRows(id);
    if (run && !rows.empty()) {
      return {DeviceKey(*run), ModelKey(*run), rows[0].row.backend, rows[0].row.test,
              rows[0].row.threads};
    }
  }
  std::pair<bool, size_t> best(false, 0);
  TrendKey pick = keys.front();
  for (const TrendKey& key : keys) {
    const std::vector<TrendPoint> points = SelectTrend(snap, key);
    bool fails = false;
    for (const TrendPoint& p : points) {
      for (const auto* v : p.verdicts) fails = fails || v->verdict == "fail";
    }
    if (std::make_pair(fails, points.size()) > best) {
      best = {fails, points.size()};
      pick = key;
    }
  }
  return pick;
}

// A combo over the distinct values of one field among `keys` matching the current choice on
// the earlier fields; `set` applies a value to the key.
template <typename Get, typename Set>
void FieldCombo(const char* label, const std::vector<TrendKey>& keys, TrendKey& key, Get get,
                Set set, int depth) {
  std::set<std::string> values;
  for (const TrendKey& k : keys) {
    const bool match = k.device_key == key.device_key && k.model_key == key.model_key &&
                       (depth < 2 || k.backend == key.backend) && (depth < 3 || k.test == key.test);
    if (match) values.insert(get(k));
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(8 * ImGui::GetFontSize());
  if (!ImGui::BeginCombo(label, get(key).c_str())) return;
  for (const std::string& v : values) {
    if (ImGui::Selectable(v.c_str(), v == get(key))) set(key, v);
  }
  ImGui::EndCombo();
}

// Keeps a key valid after a combo changed one field: the first existing key sharing its prefix.
void Repair(const std::vector<TrendKey>& keys, TrendKey& key) {
  if (std::find(keys.begin(), keys.end(), key) != keys.end()) return;
  for (int depth = 3; depth >= 0; --depth) {
    for (const TrendKey& k : keys) {
      const bool match = k.device_key == key.device_key && k.model_key == key.model_key &&
                         (depth < 1 || k.backend == key.backend) && (depth < 2 || k.test == key.test) &&
                         (depth < 3 || k.threads == key.threads);
      if (match) {
        key = k;
        return;
      }
    }
  }
  key = keys.front();
}

std::string VerdictText(const results::GateVerdict& v) {
  std::string text = fmt::format("gate vs run #{}: ratio {:.3f}", v.baseline_run.value_or(0), v.ratio);
  if (v.ci_low && v.ci_high) text += fmt::format(" [{:.3f}, {:.3f}]", *v.ci_low, *v.ci_high);
  if (v.p_value) text += fmt::format(", p={:.3g}", *v.p_value);
  return text + fmt::format(" ({}, max {:.0f}%): {}", v.method, v.max_regression * 100, v.verdict);
}

// The point's marker from its newest verdict: regression, improvement, pass, or none.
void MarkVerdict(const TrendPoint& p, LinePoint& lp) {
  if (p.verdicts.empty()) return;
  const std::string& verdict = p.verdicts.back()->verdict;
  lp.color = VerdictColor(verdict);
  lp.shape = verdict == "fail"       ? MarkerShape::kTriangleDown
             : verdict == "improved" ? MarkerShape::kSquare
                                     : MarkerShape::kCircle;
}

}  // namespace

void DrawTrendsView(const Snapshot& snap, DashboardState& state) {
  nlohmann::json& report = state.report["trends"];
  const std::vector<TrendKey> keys = TrendKeys(snap);
  if (keys.empty()) {
    MutedText("No perf rows yet: run `lfmbench perf -m MODEL`.");
    report["points"] = 0;
    return;
  }
  TrendKey& key = state.trend_key;
  if (key.device_key.empty()) key = DefaultKey(snap, state, keys);
  if (PerfPairCombo("##pair", snap, key.device_key, key.model_key) && key.device_key.empty()) {
    key = DefaultKey(snap, state, keys);
  }
  Repair(keys, key);
  FieldCombo("backend", keys, key, [](const TrendKey& k) { return k.backend; },
             [](TrendKey& k, const std::string& v) { k.backend = v; }, 1);
  FieldCombo("test", keys, key, [](const TrendKey& k) { return k.test; },
             [](TrendKey& k, const std::string& v) { k.test = v; }, 2);
  FieldCombo("threads", keys, key, [](const TrendKey& k) { return std::to_string(k.threads); },
             [](TrendKey& k, const std::string& v) { k.threads = std::stoi(v); }, 3);
  Repair(keys, key);
  ImGui::SameLine();
  ImGui::Checkbox("all backends", &state.trend_all_backends);

  // Series: the chosen backend, or every backend with this test and thread count.
  std::vector<std::string> backends = {key.backend};
  if (state.trend_all_backends) {
    backends.clear();
    for (const TrendKey& k : keys) {
      if (k.device_key == key.device_key && k.model_key == key.model_key && k.test == key.test &&
          k.threads == key.threads) {
        backends.push_back(k.backend);
      }
    }
  }
  std::vector<std::vector<TrendPoint>> series_points;
  std::map<std::pair<int64_t, int64_t>, int> x_of;  // (started_ms, run id) -> x
  for (const std::string& backend : backends) {
    TrendKey k = key;
    k.backend = backend;
    series_points.push_back(SelectTrend(snap, k));
    for (const TrendPoint& p : series_points.back()) x_of[{p.run->started_ms, p.run->id}] = 0;
  }
  LineChartData chart;
  chart.y_label = fmt::format("tokens/s ({}, threads {})", key.test, key.threads);
  for (auto& [run, x] : x_of) {
    x = static_cast<int>(chart.x_labels.size());
    const results::RunRecord* r = snap.FindRun(run.second);
    chart.x_labels.push_back(CommitLabel(*r) + "\n" + TimeLabel(r->started_ms).substr(5));
  }
  int n_points = 0, n_verdicts = 0;
  for (size_t s = 0; s < backends.size(); ++s) {
    chart.series.push_back({backends[s], PaletteColor(static_cast<int>(s))});
    chart.points.emplace_back();
    for (const TrendPoint& p : series_points[s]) {
      LinePoint lp;
      lp.x = x_of[{p.run->started_ms, p.run->id}];
      lp.y = p.stats.median;
      lp.err = p.stats.sd;
      lp.tooltip = fmt::format("run #{}, {} UTC, commit {}\nmedian of {} samples, sd {:.3g}",
                               p.run->id, TimeLabel(p.run->started_ms), CommitLabel(*p.run),
                               p.stats.n, p.stats.sd);
      for (const auto* v : p.verdicts) lp.tooltip += fmt::format("\n{}", VerdictText(*v));
      MarkVerdict(p, lp);
      n_verdicts += !p.verdicts.empty();
      chart.points.back().push_back(std::move(lp));
      ++n_points;
    }
  }

  Legend(chart.series);
  ImGui::SameLine(0, 2 * ImGui::GetFontSize());
  MutedText("markers: circle = no verdict or pass, red triangle = gate fail, green square = improved");
  const float table_height = std::min(10.f, 2.f + n_points) * ImGui::GetTextLineHeightWithSpacing();
  const ChartOutput out = LineChart(
      "##trend", chart, ImVec2(0, ImGui::GetContentRegionAvail().y - table_height));
  if (out.clicked && out.hovered_series >= 0) {
    // Clicking a point selects its run (so Compare and Throughput follow it).
    for (const TrendPoint& p : series_points[out.hovered_series]) {
      if (x_of[{p.run->started_ms, p.run->id}] == out.hovered_index) {
        SelectRun(state, p.run->id, ImGui::GetIO().KeyCtrl);
      }
    }
  }

  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("points", 7, kFlags, ImVec2(0, ImGui::GetContentRegionAvail().y))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* h : {"Backend", "Run", "Time (UTC)", "Commit", "Median t/s", "sd", "Gate"}) {
      ImGui::TableSetupColumn(h);
    }
    ImGui::TableHeadersRow();
    for (size_t s = 0; s < backends.size(); ++s) {
      for (auto it = series_points[s].rbegin(); it != series_points[s].rend(); ++it) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(backends[s].c_str());
        ImGui::TableNextColumn();
        ImGui::Text("#%lld", static_cast<long long>(it->run->id));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(TimeLabel(it->run->started_ms).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(CommitLabel(*it->run).c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.2f", it->stats.median);
        ImGui::TableNextColumn();
        ImGui::Text("%.2f", it->stats.sd);
        ImGui::TableNextColumn();
        if (!it->verdicts.empty()) {
          const auto* v = it->verdicts.back();
          ImGui::PushStyleColor(ImGuiCol_Text, VerdictColor(v->verdict));
          ImGui::TextUnformatted(VerdictText(*v).c_str());
          ImGui::PopStyleColor();
        }
      }
    }
    ImGui::EndTable();
  }
  report["points"] = n_points;
  report["marks"] = out.marks;
  report["series"] = backends.size();
  report["verdicts"] = n_verdicts;
  report["key"] = {{"backend", key.backend}, {"test", key.test}, {"threads", key.threads}};
}

}  // namespace lfm::gui
