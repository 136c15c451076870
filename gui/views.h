// The dashboard's views. Each draws one tab from the current Snapshot (and Details, when it needs
// them) into the current ImGui window, updates the user's choices in DashboardState, asks for the
// details it needs in state.detail_request, and records what it drew in state.report[its name].
#pragma once

#include <string>

#include <imgui.h>

#include "gui/dashboard_state.h"
#include "gui/snapshot.h"

namespace lfm::gui {

void DrawRunsView(const Snapshot& snap, DashboardState& state);
void DrawThroughputView(const Snapshot& snap, const Details* details, DashboardState& state);
void DrawTrendsView(const Snapshot& snap, DashboardState& state);
void DrawEvalsView(const Snapshot& snap, const Details* details, DashboardState& state);
void DrawCompareView(const Snapshot& snap, DashboardState& state);

// The whole frame: a header (database, run count, last update), the view tabs and the current
// view; or, when the database cannot be shown (missing, newer schema, no runs), a clear message.
// `snap` is nullptr until the first load.
void DrawDashboard(const Snapshot* snap, const Details* details, DashboardState& state);

// ---- Shared look ----------------------------------------------------------------------------
ImVec4 StatusColor(results::RunStatus status);
// Gate verdict colors: "fail" red, "improved" green, "pass" gray; anything else: text color.
ImU32 VerdictColor(const std::string& verdict);
// A one-line run description for combos and tooltips: "#12 perf 2026-11-27 14:03 abc1234 cpu".
std::string RunLabel(const results::RunRecord& run);
// A combo listing (device, model) pairs with perf data plus "follow the selection" (empty
// keys); updates the two keys and returns true when they changed. While following, the preview
// names the pair the selection resolved to (`followed_*`).
bool PerfPairCombo(const char* label, const Snapshot& snap, std::string& device_key,
                   std::string& model_key, const std::string& followed_device = "",
                   const std::string& followed_model = "");
// Text in a muted color (explanations, empty states).
void MutedText(const std::string& text);

}  // namespace lfm::gui
