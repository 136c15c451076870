// `lfmbench dashboard`: a window (GLFW + OpenGL 3 + Dear ImGui) over the results database,
// opened read-only; it never loads a model. With --screenshot it renders a few frames of one view
// and writes them to a PNG, which is how the tests (under Xvfb) and the README use it.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "gui/dashboard_state.h"

namespace lfm::gui {

struct DashboardOptions {
  std::string db_path;
  std::string screenshot_path;  // "" = interactive
  std::optional<View> view;     // the view shown first
  int frames = 4;               // frames drawn before the screenshot (tables settle in 2-3)
  int width = 0, height = 0;    // window size in pixels; 0 = fit the monitor
  float scale = 0;              // UI scale; 0 = the monitor's content scale
  std::string dump_state_path;  // "" = none: JSON of what the last frame drew
  bool every_device = false;    // Throughput view starts with every device side by side
};

// Runs the dashboard until its window closes, or, with a screenshot path, for `frames` frames.
// Returns the exit status: 0; or 1 with a one-line message on stderr when no window can be
// opened, or (screenshot mode) when the database cannot be shown (missing, newer schema, no
// runs) -- the PNG and the state dump are still written, showing the message.
int RunDashboard(const DashboardOptions& options);

// Registers `lfmbench dashboard`.
void AddGuiCommands(CLI::App& app);

}  // namespace lfm::gui
