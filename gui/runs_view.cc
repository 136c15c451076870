// Runs view: a sortable, filterable table of every run; clicking selects (Ctrl-click adds), and
// the selection drives the other views. The first selected run's provenance is shown below.
#include <imgui.h>
#include <imgui_stdlib.h>  // after imgui.h, which it needs

#include <fmt/format.h>

#include "gui/views.h"
#include "results/provenance.h"

namespace lfm::gui {
namespace {

using results::RunRecord;

constexpr const char* kKindFilters[] = {"all kinds", "perf", "eval", "import"};

std::optional<results::RunKind> KindFilter(int index) {
  switch (index) {
    case 1:
      return results::RunKind::kPerf;
    case 2:
      return results::RunKind::kEval;
    case 3:
      return results::RunKind::kImport;
  }
  return std::nullopt;
}

void ReadSortSpecs(DashboardState& state) {
  ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
  if (!specs || !specs->SpecsDirty || specs->SpecsCount == 0) return;
  state.runs_sort.column = static_cast<RunColumn>(specs->Specs[0].ColumnUserID);
  state.runs_sort.ascending = specs->Specs[0].SortDirection == ImGuiSortDirection_Ascending;
  specs->SpecsDirty = false;
}

// One table row; returns true when it was activated (double-click or Enter).
bool DrawRunRow(const RunRecord& run, DashboardState& state) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  bool activated = false;
  const std::string id = fmt::format("{}", run.id);
  if (ImGui::Selectable(id.c_str(), IsSelected(state, run.id),
                        ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
    SelectRun(state, run.id, ImGui::GetIO().KeyCtrl);
    activated = ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left);
  }
  const auto cell = [](const std::string& text) {
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(text.c_str());
  };
  cell(TimeLabel(run.started_ms));
  cell(CommitLabel(run));
  cell(DeviceLabel(run));
  cell(run.model.name);
  cell(run.backend);
  cell(run.threads);
  cell(std::string(results::RunKindName(run.kind)));
  ImGui::TableNextColumn();
  ImGui::TextColored(StatusColor(run.status), "%s", results::RunStatusName(run.status).data());
  cell(run.tag);
  return activated;
}

void DrawProvenance(const RunRecord& run) {
  ImGui::PushTextWrapPos(0);
  ImGui::Text("Run #%lld  %s  %s  started %s UTC%s", static_cast<long long>(run.id),
              results::RunKindName(run.kind).data(), results::RunStatusName(run.status).data(),
              results::FormatTimeMs(run.started_ms).c_str(),
              run.finished_ms ? (", finished " + results::FormatTimeMs(run.finished_ms)).c_str() : "");
  if (!run.error.empty()) ImGui::TextColored(StatusColor(run.status), "error: %s", run.error.c_str());
  MutedText(fmt::format("build: lfmbench {} commit {} {} {}", run.build.lfmbench_version,
                        CommitLabel(run), run.build.build_type, run.build.compiler));
  MutedText(fmt::format("device: {}, {} GiB, ISA {}, {} ({}), id {}", DeviceLabel(run),
                        run.device.memory_bytes >> 30, run.device.isa_flags, run.device.os,
                        run.device.hostname, run.device.device_id));
  MutedText(fmt::format("model: {} ({}, {}, {:.2f} GB, {} params) {} sha256[{}] {}",
                        run.model.name, run.model.arch, run.model.quant,
                        run.model.size_bytes / 1e9, run.model.params, run.model.path,
                        run.model.hash_kind, run.model.hash.substr(0, 16)));
  MutedText("command: " + run.command_line);
  ImGui::PopTextWrapPos();
}

}  // namespace

void DrawRunsView(const Snapshot& snap, DashboardState& state) {
  const float em = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(22 * em);
  ImGui::InputTextWithHint("##filter", "filter: text in any column", &state.runs_filter);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(9 * em);
  ImGui::Combo("##kind", &state.runs_kind, kKindFilters, IM_ARRAYSIZE(kKindFilters));

  const std::vector<const RunRecord*> shown =
      FilterRuns(snap, state.runs_filter, KindFilter(state.runs_kind), state.runs_sort);
  ImGui::SameLine();
  ImGui::Text("%zu of %zu runs, %zu selected", shown.size(), snap.runs.size(),
              state.selected_runs.size());
  ImGui::SameLine();
  if (ImGui::SmallButton("clear selection")) state.selected_runs.clear();
  ImGui::SameLine();
  MutedText("(click selects, Ctrl+click adds, double-click opens)");

  const RunRecord* first = state.selected_runs.empty() ? nullptr : snap.FindRun(state.selected_runs[0]);
  const float details_height = first ? 6.5f * ImGui::GetTextLineHeightWithSpacing() : 0;
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg |
                                     ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersV |
                                     ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  // Not resizable: fixed columns then fit their content every frame, also as new runs arrive.
  const ImVec2 size(0, ImGui::GetContentRegionAvail().y - details_height);
  if (ImGui::BeginTable("runs", 10, kFlags, size)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    const auto column = [](const char* name, RunColumn id, ImGuiTableColumnFlags flags = 0) {
      ImGui::TableSetupColumn(name, flags, 0, static_cast<ImGuiID>(id));
    };
    column("ID", RunColumn::kId);
    column("Time (UTC)", RunColumn::kTime,
           ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_PreferSortDescending);
    column("Commit", RunColumn::kCommit);
    column("Device", RunColumn::kDevice);
    column("Model", RunColumn::kModel);
    column("Backend", RunColumn::kBackend);
    column("Threads", RunColumn::kThreads);
    column("Kind", RunColumn::kKind);
    column("Status", RunColumn::kStatus);
    ImGui::TableSetupColumn("Tag", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    ReadSortSpecs(state);

    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(shown.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        if (!DrawRunRow(*shown[i], state)) continue;
        state.view = shown[i]->kind == results::RunKind::kEval ? View::kEvals : View::kThroughput;
        state.select_view = true;
      }
    }
    ImGui::EndTable();
  }
  if (first) DrawProvenance(*first);

  nlohmann::json& report = state.report["runs"];
  report["rows"] = shown.size();
  report["runs_total"] = snap.runs.size();
  report["selected"] = state.selected_runs.size();
}

}  // namespace lfm::gui
