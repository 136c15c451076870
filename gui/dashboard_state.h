// DashboardState: everything the user has chosen (view, selected runs, filters, focused rows)
// plus what the last frame drew. It is owned by the frame loop and passed to each view; nothing
// in the dashboard is global.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gui/snapshot.h"
#include "gui/view_data.h"

namespace lfm::gui {

enum class View { kRuns, kThroughput, kTrends, kEvals, kCompare };
inline constexpr View kAllViews[] = {View::kRuns, View::kThroughput, View::kTrends, View::kEvals,
                                     View::kCompare};
// "runs", "throughput", "trends", "evals", "compare".
std::string_view ViewName(View view);
std::optional<View> ParseView(std::string_view name);

struct DashboardState {
  View view = View::kRuns;
  bool select_view = true;  // make the tab bar show `view` on the next frame

  // Runs selected in the Runs view, in the order they were picked; they drive the other views.
  std::vector<int64_t> selected_runs;

  // Runs view.
  std::string runs_filter;
  int runs_kind = 0;  // 0 all, 1 perf, 2 eval, 3 import
  RunSort runs_sort;

  // Throughput view: the (device, model) shown ("" = follow the selection) and the perf row
  // whose breakdown and expert load are shown (0 = the first one).
  std::string throughput_device, throughput_model;
  bool throughput_by_device = false;  // the model on every device, side by side
  int64_t focused_perf_id = 0;

  // Trends view: the row key followed (empty device = pick from the selection).
  TrendKey trend_key;
  bool trend_all_backends = false;

  // Evals view: the benchmark row whose samples are paged, and where.
  std::string eval_task;
  int64_t eval_samples_run = 0;
  int64_t eval_sample_offset = 0;

  // Compare view (0 = the default pair for the selection).
  int64_t compare_a = 0, compare_b = 0;

  float ui_scale = 1;  // the DPI scale applied to fonts and sizes

  // Filled while drawing a frame: the details the views need, and a report of what they drew
  // (for --dump-state and the tests).
  DetailRequest detail_request;
  nlohmann::json report;
};

// Toggles `id` in the selection when `add` (Ctrl-click), else makes it the only selected run.
void SelectRun(DashboardState& state, int64_t id, bool add);
bool IsSelected(const DashboardState& state, int64_t id);

}  // namespace lfm::gui
