// Throughput view: for one device and model (or one model on every device, side by side),
// speed beside fidelity to the reference backend per backend, prefill and decode tokens/s per
// backend and thread count (median bars, +-1 standard deviation whiskers from the stored
// samples), where the time went per op (stacked shares), and the expert load of the focused row
// (layer x expert).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "gui/charts.h"
#include "gui/views.h"
#include "results/report.h"

namespace lfm::gui {
namespace {

constexpr double kNaN = std::nan("");

std::string EntryName(const ThroughputEntry& e) {
  return fmt::format("{}, {} thr, {}", e.data->row.backend, e.data->row.threads, e.data->row.test);
}

std::string EntryNote(const ThroughputEntry& e) {
  const results::PerfResult& row = e.data->row;
  std::string note = fmt::format("run #{}, median of {} samples, sd {:.3g}", e.run->id,
                                 e.stats.n, e.stats.sd);
  if (row.settings_json != "{}") note += "\nsettings " + row.settings_json;
  if (row.peak_rss_bytes > 0) note += fmt::format("\npeak RSS {:.2f} GB", row.peak_rss_bytes / 1e9);
  const std::string fallbacks = row.Fallbacks();
  if (!fallbacks.empty()) note += "\nfell back: " + fallbacks;
  return note + "\nclick: show its op breakdown and expert load";
}

// The bar group of an entry: its backend, plus its test when a phase has several, plus its
// other settings when rows differ only in those (llama-bench imports; the tooltip shows them
// otherwise).
std::string Category(const ThroughputEntry& e, bool several_tests, bool several_settings) {
  std::string cat = e.data->row.backend;
  if (several_tests) cat += "\n" + e.data->row.test;
  if (several_settings) cat += " " + e.data->row.settings_json;
  return cat;
}

// The bar series of an entry: its thread count, or (devices side by side) its device and,
// when the rows have several, its thread count.
std::string SeriesName(const ThroughputEntry& e, bool by_device, bool several_threads) {
  const int t = e.data->row.threads;
  const std::string threads = fmt::format("{} thread{}", t, t == 1 ? "" : "s");
  if (!by_device) return threads;
  return several_threads ? DeviceLabel(*e.run) + ", " + threads : DeviceLabel(*e.run);
}

// Bars of one phase: a group per backend (and test, when several), a bar per thread count (and
// device, when devices are side by side). `ids` receives the perf id under each (series,
// category) for click handling.
GroupedBars PhaseBars(const std::vector<const ThroughputEntry*>& entries, bool by_device,
                      std::vector<std::vector<int64_t>>& ids) {
  std::set<std::string> tests;
  std::set<int> threads;
  std::map<std::tuple<std::string, std::string, int>, int> same_key;  // rows per key
  for (const auto* e : entries) {
    tests.insert(e->data->row.test);
    threads.insert(e->data->row.threads);
    ++same_key[{e->data->row.backend, e->data->row.test, e->data->row.threads}];
  }
  bool several_settings = false;
  for (const auto& [key, n] : same_key) several_settings = several_settings || n > 1;
  const auto category = [&](const ThroughputEntry& e) {
    return Category(e, tests.size() > 1, several_settings);
  };
  GroupedBars bars;
  bars.y_label = "tokens/s";
  std::map<std::string, int> category_index;
  for (const auto* e : entries) {
    const std::string cat = category(*e);
    if (category_index.emplace(cat, static_cast<int>(bars.categories.size())).second) {
      bars.categories.push_back(cat);
    }
  }
  const auto series = [&](const ThroughputEntry& e) {
    return std::make_pair(by_device ? DeviceLabel(*e.run) : std::string(), e.data->row.threads);
  };
  std::map<std::pair<std::string, int>, int> series_index;
  for (const auto* e : entries) series_index.emplace(series(*e), 0);
  for (auto& [key, index] : series_index) {
    const auto* e = *std::find_if(entries.begin(), entries.end(),
                                  [&](const ThroughputEntry* x) { return series(*x) == key; });
    index = static_cast<int>(bars.series.size());
    bars.series.push_back({SeriesName(*e, by_device, threads.size() > 1),
                           PaletteColor(static_cast<int>(bars.series.size()))});
  }
  const size_t n_cat = bars.categories.size(), n_ser = bars.series.size();
  bars.values.assign(n_ser, std::vector<double>(n_cat, kNaN));
  bars.err.assign(n_ser, std::vector<double>(n_cat, 0));
  bars.notes.assign(n_ser, std::vector<std::string>(n_cat));
  ids.assign(n_ser, std::vector<int64_t>(n_cat, 0));
  for (const auto* e : entries) {
    if (e->stats.n == 0) continue;
    const int c = category_index[category(*e)];
    const int s = series_index[series(*e)];
    bars.values[s][c] = e->stats.median;
    bars.err[s][c] = e->stats.sd;
    bars.notes[s][c] = EntryNote(*e);
    ids[s][c] = e->data->row.id;
  }
  return bars;
}

// Draws one phase's chart in a child region; returns the number of bars drawn and appends what
// each bar shows to `values` ({phase, category, series, value, perf_id}).
int DrawPhase(const char* title, const std::vector<const ThroughputEntry*>& entries, bool by_device,
              ImVec2 size, DashboardState& state, nlohmann::json& values) {
  ImGui::BeginChild(title, size);
  ImGui::TextUnformatted(title);
  int marks = 0;
  if (entries.empty()) {
    MutedText("no rows");
  } else {
    std::vector<std::vector<int64_t>> ids;
    const GroupedBars bars = PhaseBars(entries, by_device, ids);
    for (size_t i = 0; i < bars.series.size(); ++i) {
      for (size_t c = 0; c < bars.categories.size(); ++c) {
        if (std::isnan(bars.values[i][c])) continue;
        values.push_back({{"phase", title},
                          {"category", bars.categories[c]},
                          {"series", bars.series[i].name},
                          {"value", bars.values[i][c]},
                          {"perf_id", ids[i][c]}});
      }
    }
    Legend(bars.series);
    const ChartOutput out = GroupedBarChart(title, bars, ImVec2(0, ImGui::GetContentRegionAvail().y));
    if (out.clicked) state.focused_perf_id = ids[out.hovered_series][out.hovered_index];
    marks = out.marks;
  }
  ImGui::EndChild();
  return marks;
}

// Op shares of the rows run with the focused row's thread count, a bar per backend and test
// (every thread count at once would not fit); clicking a bar focuses its row. Returns the number
// of segments drawn.
int DrawOpBreakdown(const ThroughputData& data, const ThroughputEntry& focus, ImVec2 size,
                    DashboardState& state) {
  const int threads = focus.data->row.threads;
  ImGui::BeginChild("ops", size);
  ImGui::Text("Where the time goes, %d thread%s (share of each repetition)", threads,
              threads == 1 ? "" : "s");
  StackedBars bars;
  bars.y_label = "% of time";
  bars.as_percent = true;
  for (size_t i = 0; i < std::size(results::kOpNames); ++i) {
    bars.series.push_back({std::string(results::kOpNames[i]), PaletteColor(static_cast<int>(i))});
  }
  bars.parts.assign(bars.series.size(), {});
  std::vector<int64_t> ids;  // the perf id of each bar
  for (const ThroughputEntry& e : data.entries) {
    if (e.data->ops.empty() || e.data->row.threads != threads) continue;
    bars.categories.push_back(fmt::format("{}\n{}", e.data->row.backend, e.data->row.test));
    ids.push_back(e.data->row.id);
    for (size_t s = 0; s < bars.series.size(); ++s) {
      double seconds = 0;
      for (const auto& op : e.data->ops) {
        if (op.op == bars.series[s].name) seconds = op.seconds;
      }
      bars.parts[s].push_back(seconds);
    }
  }
  int marks = 0;
  if (bars.categories.empty()) {
    MutedText("no op breakdown recorded for these rows");
  } else {
    Legend(bars.series);
    const ChartOutput out =
        StackedBarChart("##ops", bars, ImVec2(0, ImGui::GetContentRegionAvail().y));
    if (out.clicked && out.hovered_index >= 0) state.focused_perf_id = ids[out.hovered_index];
    marks = out.marks;
  }
  ImGui::EndChild();
  return marks;
}

// Speed beside fidelity: a line per backend and thread count (and device), with the median
// tokens/s of its first prefill and decode rows and its fidelity to the reference backend
// (results::FidelityCells). Returns the cells drawn, a row of strings per line.
nlohmann::json DrawSpeedAndFidelity(const ThroughputData& data, float height) {
  struct Line {
    const ThroughputEntry* prefill = nullptr;
    const ThroughputEntry* decode = nullptr;
    const ThroughputEntry* any = nullptr;
  };
  std::map<std::tuple<std::string, std::string, int>, Line> lines;
  for (const ThroughputEntry& e : data.entries) {
    Line& line = lines[{e.data->row.backend, data.by_device ? DeviceLabel(*e.run) : "",
                        e.data->row.threads}];
    if (!line.any || (!line.any->data->row.fidelity && e.data->row.fidelity)) line.any = &e;
    const ThroughputEntry*& phase = e.prefill ? line.prefill : line.decode;
    if (!phase) phase = &e;
  }
  std::vector<std::string> headers = {"backend"};
  if (data.by_device) headers.push_back("device");
  for (const char* h : {"threads", "prefill t/s", "decode t/s", "KL to reference", "top-1 agreement",
                        "max |delta log p|"}) {
    headers.push_back(h);
  }
  const auto speed = [](const ThroughputEntry* e) {
    return e && e->stats.n > 0 ? fmt::format("{:.2f} ({})", e->stats.median, e->data->row.test)
                               : std::string("-");
  };
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& [key, line] : lines) {
    const auto& [backend, device, threads] = key;
    std::vector<std::string> row = {backend};
    if (data.by_device) row.push_back(device);
    row.push_back(std::to_string(threads));
    row.push_back(speed(line.prefill));
    row.push_back(speed(line.decode));
    for (std::string& cell : results::FidelityCells(line.any->data->row.fidelity)) {
      row.push_back(std::move(cell));
    }
    cells.push_back(row);
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("##fidelity", static_cast<int>(headers.size()), flags, ImVec2(0, height))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const std::string& h : headers) ImGui::TableSetupColumn(h.c_str());
    ImGui::TableHeadersRow();
    for (const auto& row : cells) {
      ImGui::TableNextRow();
      for (const auto& cell : row) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(cell.get<std::string>().c_str());
      }
    }
    ImGui::EndTable();
  }
  return cells;
}

int DrawExpertLoad(const ThroughputEntry* focus, const Details* details, ImVec2 size,
                   DashboardState& state) {
  ImGui::BeginChild("experts", size);
  int marks = 0;
  if (!focus) {
    MutedText("no row to show the expert load of");
  } else {
    state.detail_request.expert_load_perf_id = focus->data->row.id;
    ImGui::Text("Expert load: %s (run #%lld)", EntryName(*focus).c_str(),
                static_cast<long long>(focus->run->id));
    if (!details || details->request.expert_load_perf_id != focus->data->row.id) {
      MutedText("loading...");
    } else if (!details->error.ok()) {
      MutedText(details->error.message());
    } else if (details->expert_load.empty()) {
      MutedText("no expert load recorded for this row");
    } else {
      // Rows: the MoE layers present, in order; columns: experts 0..max.
      std::map<int, int> row_of;
      int cols = 0;
      for (const auto& l : details->expert_load) {
        row_of.emplace(l.layer, 0);
        cols = std::max(cols, l.expert + 1);
      }
      HeatMapData map;
      for (auto& [layer, row] : row_of) {
        row = map.rows++;
        map.row_names.push_back(std::to_string(layer));
      }
      map.cols = cols;
      map.values.assign(static_cast<size_t>(map.rows) * cols, 0);
      for (const auto& l : details->expert_load) {
        map.values[static_cast<size_t>(row_of[l.layer]) * cols + l.expert] = static_cast<double>(l.tokens);
      }
      map.row_label = "layer";
      map.col_label = "expert";
      map.value_label = "tokens";
      marks = HeatMap("##experts", map, ImVec2(0, ImGui::GetContentRegionAvail().y)).marks;
    }
  }
  ImGui::EndChild();
  return marks;
}

}  // namespace

void DrawThroughputView(const Snapshot& snap, const Details* details, DashboardState& state) {
  const auto select = [&] {
    return SelectThroughput(snap, state.selected_runs, state.throughput_device,
                            state.throughput_model, state.throughput_by_device);
  };
  ThroughputData data = select();
  bool changed = PerfPairCombo("model and device", snap, state.throughput_device,
                               state.throughput_model, data.device_key, data.model_key);
  ImGui::SameLine();
  changed |= ImGui::Checkbox("every device", &state.throughput_by_device);
  if (changed) data = select();
  nlohmann::json& report = state.report["throughput"];
  report["by_device"] = data.by_device;
  report["entries"] = data.entries.size();
  report["runs"] = nlohmann::json::array();
  for (const auto* run : data.runs) report["runs"].push_back(run->id);
  if (data.entries.empty()) {
    MutedText("No perf rows yet: run `lfmbench perf -m MODEL` (or select a perf run).");
    report["bars"] = 0;
    return;
  }
  ImGui::SameLine();
  std::string from;
  for (const auto* run : data.runs) from += fmt::format("{}#{}", from.empty() ? "" : ", ", run->id);
  MutedText(fmt::format("newest row per backend, threads and test, from run{} {}",
                        data.runs.size() == 1 ? "" : "s", from));

  std::vector<const ThroughputEntry*> prefill, decode;
  const ThroughputEntry* focus = nullptr;
  for (const ThroughputEntry& e : data.entries) {
    (e.prefill ? prefill : decode).push_back(&e);
    if (e.data->row.id == state.focused_perf_id) focus = &e;
  }
  if (!focus) focus = decode.empty() ? prefill.front() : decode.front();

  const float line = ImGui::GetFrameHeightWithSpacing();
  report["speed_and_fidelity"] = DrawSpeedAndFidelity(
      data, std::min(ImGui::GetContentRegionAvail().y * 0.25f, line * (data.entries.size() + 1.5f)));
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const ImVec2 half(std::floor((avail.x - spacing) / 2), std::floor(avail.y * 0.5f));
  nlohmann::json values = nlohmann::json::array();
  const int prefill_bars =
      DrawPhase("Prefill (prompt processing)", prefill, data.by_device, half, state, values);
  ImGui::SameLine();
  const int decode_bars =
      DrawPhase("Decode (token generation)", decode, data.by_device, half, state, values);
  report["bar_values"] = values;
  const ImVec2 lower(half.x, ImGui::GetContentRegionAvail().y);
  const int segments = DrawOpBreakdown(data, *focus, lower, state);
  ImGui::SameLine();
  const int cells = DrawExpertLoad(focus, details, lower, state);

  report["prefill_bars"] = prefill_bars;
  report["decode_bars"] = decode_bars;
  report["bars"] = prefill_bars + decode_bars;
  report["op_segments"] = segments;
  report["heatmap_cells"] = cells;
  report["focused_perf_id"] = focus->data->row.id;
}

}  // namespace lfm::gui
