// The frame around the views: header, tabs, keyboard shortcuts, and the messages shown when there
// is nothing to draw (loading, missing database, newer schema, no runs).
#include <algorithm>

#include <fmt/format.h>

#include "gui/views.h"
#include "results/provenance.h"

namespace lfm::gui {
namespace {

constexpr const char* kViewTitles[] = {"Runs", "Throughput", "Trends", "Evals", "Compare"};

// A centered panel with a title and an explanation; used for every "cannot show" state.
void DrawMessage(const std::string& title, const std::string& body, const std::string& hint) {
  const float em = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float width = std::min(avail.x - 2 * em, 44 * em);
  ImGui::SetCursorPos(ImVec2((avail.x - width) / 2, ImGui::GetCursorPosY() + avail.y * 0.25f));
  ImGui::BeginChild("message", ImVec2(width, 0), true);
  ImGui::PushTextWrapPos(0);
  ImGui::TextColored(ImVec4(1.0f, 0.72f, 0.35f, 1), "%s", title.c_str());
  ImGui::Separator();
  ImGui::TextUnformatted(body.c_str());
  ImGui::Spacing();
  MutedText(hint);
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
}

void DrawHeader(const Snapshot& snap) {
  ImGui::TextUnformatted("lfmbench dashboard");
  ImGui::SameLine();
  MutedText(fmt::format("{}  |  {} run{}  |  updated {} UTC (read in {:.0f} ms)  |  live",
                        snap.db_path, snap.runs.size(), snap.runs.size() == 1 ? "" : "s",
                        results::FormatTimeMs(snap.loaded_ms).substr(11), snap.load_seconds * 1e3));
}

// Ctrl+1..Ctrl+5 switch views. ImGui 1.86 indexes keys by the platform backend's codes, and
// GLFW's codes for the digit keys are their ASCII characters.
void HandleShortcuts(DashboardState& state) {
  const ImGuiIO& io = ImGui::GetIO();
  if (!io.KeyCtrl) return;
  for (int i = 0; i < 5; ++i) {
    if (ImGui::IsKeyPressed('1' + i, false)) {
      state.view = kAllViews[i];
      state.select_view = true;
    }
  }
}

}  // namespace

std::string_view ViewName(View view) {
  static constexpr std::string_view kNames[] = {"runs", "throughput", "trends", "evals", "compare"};
  return kNames[static_cast<int>(view)];
}

std::optional<View> ParseView(std::string_view name) {
  for (View v : kAllViews) {
    if (ViewName(v) == name) return v;
  }
  return std::nullopt;
}

void SelectRun(DashboardState& state, int64_t id, bool add) {
  auto& sel = state.selected_runs;
  const auto it = std::find(sel.begin(), sel.end(), id);
  if (!add) {
    sel.assign(1, id);
  } else if (it == sel.end()) {
    sel.push_back(id);
  } else {
    sel.erase(it);
  }
}

bool IsSelected(const DashboardState& state, int64_t id) {
  return std::find(state.selected_runs.begin(), state.selected_runs.end(), id) !=
         state.selected_runs.end();
}

ImVec4 StatusColor(results::RunStatus status) {
  switch (status) {
    case results::RunStatus::kRunning:
      return ImVec4(0.45f, 0.7f, 1.0f, 1);
    case results::RunStatus::kComplete:
      return ImVec4(0.45f, 0.85f, 0.5f, 1);
    case results::RunStatus::kIncomplete:
      return ImVec4(1.0f, 0.7f, 0.3f, 1);
    case results::RunStatus::kFailed:
      return ImVec4(1.0f, 0.4f, 0.4f, 1);
  }
  return ImGui::GetStyle().Colors[ImGuiCol_Text];
}

ImU32 VerdictColor(const std::string& verdict) {
  if (verdict == "fail") return IM_COL32(235, 80, 80, 255);
  if (verdict == "improved") return IM_COL32(90, 200, 110, 255);
  if (verdict == "pass") return IM_COL32(175, 175, 185, 255);
  return ImGui::GetColorU32(ImGuiCol_Text);
}

std::string RunLabel(const results::RunRecord& run) {
  return fmt::format("#{} {} {} {} {}", run.id, results::RunKindName(run.kind),
                     TimeLabel(run.started_ms), CommitLabel(run),
                     run.kind == results::RunKind::kEval ? run.model.name : run.backend);
}

bool PerfPairCombo(const char* label, const Snapshot& snap, std::string& device_key,
                   std::string& model_key, const std::string& followed_device,
                   const std::string& followed_model) {
  auto pair_label = [](const results::RunRecord& run) {
    return fmt::format("{} on {}", run.model.name.empty() ? "unnamed model" : run.model.name,
                       DeviceLabel(run));
  };
  const std::vector<const results::RunRecord*> pairs = PerfPairs(snap);
  std::string preview = "follow the selection";
  for (const auto* run : pairs) {
    if (DeviceKey(*run) == device_key && ModelKey(*run) == model_key) preview = pair_label(*run);
    if (device_key.empty() && DeviceKey(*run) == followed_device &&
        ModelKey(*run) == followed_model) {
      preview = pair_label(*run) + " (follows the selection)";
    }
  }
  bool changed = false;
  ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x, 34 * ImGui::GetFontSize()));
  if (ImGui::BeginCombo(label, preview.c_str())) {
    if (ImGui::Selectable("follow the selection", device_key.empty())) {
      device_key.clear();
      model_key.clear();
      changed = true;
    }
    for (size_t i = 0; i < pairs.size(); ++i) {
      const bool is_current = DeviceKey(*pairs[i]) == device_key && ModelKey(*pairs[i]) == model_key;
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::Selectable(pair_label(*pairs[i]).c_str(), is_current)) {
        device_key = DeviceKey(*pairs[i]);
        model_key = ModelKey(*pairs[i]);
        changed = true;
      }
      ImGui::PopID();
    }
    ImGui::EndCombo();
  }
  return changed;
}

void MutedText(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopStyleColor();
}

void DrawDashboard(const Snapshot* snap, const Details* details, DashboardState& state) {
  state.report = nlohmann::json::object();
  state.report["view"] = std::string(ViewName(state.view));
  state.detail_request = {};
  if (!snap) {
    state.report["error"] = "";
    state.report["loading"] = true;
    DrawMessage("Loading", "Reading the results database...", "");
    return;
  }
  state.report["db"] = snap->db_path;
  state.report["runs_total"] = snap->runs.size();
  state.report["selected_runs"] = state.selected_runs;
  if (!snap->error.ok()) {
    state.report["error"] = snap->error.message();
    DrawMessage("Cannot show the results database", snap->error.message(),
                "Check --db PATH. The dashboard retries by itself: it shows the data as soon as "
                "the file is readable.");
    return;
  }
  if (snap->runs.empty()) {
    state.report["error"] = fmt::format("{}: the results database has no runs yet", snap->db_path);
    DrawMessage("No runs yet", state.report["error"].get<std::string>(),
                "Fill it with `lfmbench perf -m MODEL --db PATH` or `lfmbench eval run ... --db "
                "PATH`; this window shows their rows as they are written.");
    return;
  }
  state.report["error"] = "";

  HandleShortcuts(state);
  DrawHeader(*snap);
  if (ImGui::BeginTabBar("views")) {
    for (View v : kAllViews) {
      const int i = static_cast<int>(v);
      const ImGuiTabItemFlags flags =
          state.select_view && state.view == v ? ImGuiTabItemFlags_SetSelected : 0;
      if (!ImGui::BeginTabItem(fmt::format("{} (Ctrl+{})###{}", kViewTitles[i], i + 1,
                                           kViewTitles[i]).c_str(),
                               nullptr, flags)) {
        continue;
      }
      if (!state.select_view) state.view = v;
      state.report["view"] = std::string(ViewName(v));
      switch (v) {
        case View::kRuns:
          DrawRunsView(*snap, state);
          break;
        case View::kThroughput:
          DrawThroughputView(*snap, details, state);
          break;
        case View::kTrends:
          DrawTrendsView(*snap, state);
          break;
        case View::kEvals:
          DrawEvalsView(*snap, details, state);
          break;
        case View::kCompare:
          DrawCompareView(*snap, state);
          break;
      }
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  state.select_view = false;
}

}  // namespace lfm::gui
