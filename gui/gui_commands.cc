// `lfmbench dashboard`: flag parsing for RunDashboard.
#include <cstdio>

#include "base/cli.h"
#include "gui/dashboard.h"
#include "results/result_store.h"

namespace lfm::gui {
namespace {

// "1280x800" -> width, height; InvalidArgument otherwise.
Status ParseSize(const std::string& text, int* width, int* height) {
  char rest = 0;
  if (std::sscanf(text.c_str(), "%dx%d%c", width, height, &rest) != 2 || *width < 64 ||
      *height < 64 || *width > 16384 || *height > 16384) {
    return Error(StatusCode::kInvalidArgument,
                 "--size {}: expected WIDTHxHEIGHT in pixels, each 64..16384, e.g. 1600x1000", text);
  }
  return OkStatus();
}

}  // namespace

void AddGuiCommands(CLI::App& app) {
  auto options = std::make_shared<DashboardOptions>();
  auto view = std::make_shared<std::string>();
  auto size = std::make_shared<std::string>();
  options->db_path = results::kDefaultDbPath;
  CLI::App* cmd = app.add_subcommand(
      "dashboard", "Open a window over the results database (read-only; never loads a model)");
  cmd->add_option("--db", options->db_path, "Results database")->capture_default_str();
  cmd->add_option("--screenshot", options->screenshot_path,
                  "Render --frames frames of --view, write them to this PNG, and exit");
  cmd->add_option("--view", *view, "View shown first: runs, throughput, trends, evals, compare")
      ->check(CLI::IsMember({"runs", "throughput", "trends", "evals", "compare"}));
  cmd->add_option("--frames", options->frames, "Frames drawn before the screenshot")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--size", *size, "Window size in pixels, WIDTHxHEIGHT (default: fit the monitor)");
  cmd->add_option("--scale", options->scale,
                  "UI scale for fonts and sizes (default: the monitor's content scale)")
      ->check(CLI::Range(0.5, 4.0));
  cmd->add_option("--dump-state", options->dump_state_path,
                  "Write JSON of what the last frame drew (counts, bar values, table cells)");
  cmd->add_flag("--every-device", options->every_device,
                "Throughput view: show the model on every device side by side");
  cmd->callback([options, view, size] {
    if (!size->empty()) ExitOnError(ParseSize(*size, &options->width, &options->height));
    if (!view->empty()) options->view = ParseView(*view);
    if (const int status = RunDashboard(*options); status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace lfm::gui
