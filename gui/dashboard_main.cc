// The dashboard's window and frame loop: GLFW + OpenGL 3 + Dear ImGui setup, fonts and DPI scale,
// the data refresher, and the screenshot/state dump of --screenshot. Views live in *_view.cc.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "gui/dashboard.h"
#include "gui/data_refresh.h"
#include "gui/screenshot.h"
#include "gui/views.h"

namespace lfm::gui {
namespace {

constexpr char kFontPath[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";  // fonts-dejavu-core
constexpr float kFontPixels = 15;     // at scale 1: readable on a laptop panel
constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr auto kScreenshotWait = std::chrono::seconds(30);  // per frame, for the data to load

std::string g_glfw_error;  // the last GLFW error, for the "cannot open a window" message

void OnGlfwError(int code, const char* description) {
  g_glfw_error = fmt::format("{} (GLFW error 0x{:x})", description, code);
}

// ImGui 1.86 samples which keys are down once a frame, so a key pressed and released between two
// frames (a quick tap while a frame renders; `xdotool key ctrl+2`) would never read as pressed.
// A release of a key pressed since the last frame, or of a modifier such a key was pressed with,
// is held back until that frame has seen them down.
struct KeyTaps {
  std::vector<int> pressed;  // GLFW keys pressed since the last frame, and their modifiers
  std::vector<std::array<int, 3>> held_releases;  // key, scancode, mods
};
KeyTaps g_key_taps;

void OnKey(GLFWwindow* window, int key, int scancode, int action, int mods) {
  static constexpr std::array<int, 3> kModifiers[] = {
      {GLFW_MOD_CONTROL, GLFW_KEY_LEFT_CONTROL, GLFW_KEY_RIGHT_CONTROL},
      {GLFW_MOD_SHIFT, GLFW_KEY_LEFT_SHIFT, GLFW_KEY_RIGHT_SHIFT},
      {GLFW_MOD_ALT, GLFW_KEY_LEFT_ALT, GLFW_KEY_RIGHT_ALT},
      {GLFW_MOD_SUPER, GLFW_KEY_LEFT_SUPER, GLFW_KEY_RIGHT_SUPER}};
  KeyTaps& taps = g_key_taps;
  if (action == GLFW_PRESS) {
    taps.pressed.push_back(key);
    for (const auto& [mod, left, right] : kModifiers) {
      if (mods & mod) taps.pressed.insert(taps.pressed.end(), {left, right});
    }
    std::erase_if(taps.held_releases, [key](const auto& r) { return r[0] == key; });
  } else if (action == GLFW_RELEASE && std::ranges::count(taps.pressed, key) > 0) {
    taps.held_releases.push_back({key, scancode, mods});
    return;
  }
  ImGui_ImplGlfw_KeyCallback(window, key, scancode, action, mods);
}

// Call after each frame: delivers the key releases held back, and asks for a frame that sees
// them. The same for a mouse button whose press and release both came before this frame (the
// backend showed it down): without a frame that sees it up, the next click would not count
// as a second click.
void ReleaseHeldInput(GLFWwindow* window) {
  const std::vector<std::array<int, 3>> releases = std::move(g_key_taps.held_releases);
  g_key_taps = {};
  for (const auto& [key, scancode, mods] : releases) {
    ImGui_ImplGlfw_KeyCallback(window, key, scancode, GLFW_RELEASE, mods);
  }
  bool released_click = false;
  for (int b = 0; b < 3; ++b) {
    released_click = released_click ||
                     (ImGui::GetIO().MouseDown[b] && glfwGetMouseButton(window, b) == GLFW_RELEASE);
  }
  if (!releases.empty() || released_click) glfwPostEmptyEvent();
}

// Owns GLFW, the window and the ImGui context; tears them down in reverse order.
class Window {
 public:
  ~Window() {
    if (imgui_) {
      ImGui_ImplOpenGL3_Shutdown();
      ImGui_ImplGlfw_Shutdown();
      ImGui::DestroyContext();
    }
    if (window_) glfwDestroyWindow(window_);
    if (glfw_) glfwTerminate();
  }

  Status Open(const DashboardOptions& options) {
    glfwSetErrorCallback(OnGlfwError);
    if (!(glfw_ = glfwInit())) {
      return Error(StatusCode::kUnimplemented,
                   "cannot open a window: {} (no display? under CI run it with xvfb-run -a)",
                   g_glfw_error);
    }
    const float monitor_scale = MonitorScale();
    scale_ = options.scale > 0 ? options.scale : monitor_scale;
    int width = options.width, height = options.height;
    if (width <= 0 || height <= 0) FitMonitor(&width, &height);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_RESIZABLE, options.screenshot_path.empty() ? GLFW_TRUE : GLFW_FALSE);
    window_ = glfwCreateWindow(width, height, "lfmbench dashboard", nullptr, nullptr);
    if (!window_) {
      return Error(StatusCode::kUnimplemented, "cannot create an OpenGL 3.3 window: {}",
                   g_glfw_error);
    }
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(1);

    ImGui::CreateContext();
    imgui_ = true;
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // no imgui.ini in the user's working directory
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    // A screenshot shows the data, not a tooltip under wherever the pointer happens to be.
    if (!options.screenshot_path.empty()) io.ConfigFlags |= ImGuiConfigFlags_NoMouse;
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 0;
    style.FrameRounding = 3;
    style.ScaleAllSizes(scale_);
    LoadFonts();
    ImGui_ImplGlfw_InitForOpenGL(window_, true);
    glfwSetKeyCallback(window_, OnKey);  // forwards to ImGui's, holding back quick releases
    ImGui_ImplOpenGL3_Init("#version 330 core");
    return OkStatus();
  }

  GLFWwindow* get() const { return window_; }
  float scale() const { return scale_; }

 private:
  static float MonitorScale() {
    GLFWmonitor* monitor = glfwGetPrimaryMonitor();
    float x = 1, y = 1;
    if (monitor) glfwGetMonitorContentScale(monitor, &x, &y);
    return std::clamp(std::max(x, y), 1.0f, 4.0f);
  }

  // 1440x900 at the UI scale, shrunk to the monitor's work area.
  void FitMonitor(int* width, int* height) const {
    *width = static_cast<int>(1440 * scale_);
    *height = static_cast<int>(900 * scale_);
    if (GLFWmonitor* monitor = glfwGetPrimaryMonitor()) {
      int x, y, w, h;
      glfwGetMonitorWorkarea(monitor, &x, &y, &w, &h);
      if (w > 0 && h > 0) {
        *width = std::min(*width, w);
        *height = std::min(*height, h - 40);
      }
    }
  }

  // DejaVu Sans at the scaled size (with the few symbols the views use), else ImGui's built-in
  // bitmap font scaled.
  void LoadFonts() const {
    static const ImWchar kRanges[] = {0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x2193,
                                      0x2212, 0x2212, 0x2260, 0x2265, 0x25A0, 0x25CF, 0};
    ImGuiIO& io = ImGui::GetIO();
    if (std::filesystem::exists(kFontPath) &&
        io.Fonts->AddFontFromFileTTF(kFontPath, kFontPixels * scale_, nullptr, kRanges)) {
      return;
    }
    ImFontConfig config;
    config.SizePixels = 13 * scale_;
    io.Fonts->AddFontDefault(&config);
  }

  bool glfw_ = false;
  bool imgui_ = false;
  GLFWwindow* window_ = nullptr;
  float scale_ = 1;
};

// Draws one frame: the dashboard in a window covering the whole viewport.
void DrawFrame(const Snapshot* snap, const Details* details, DashboardState& state) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  constexpr ImGuiWindowFlags kFlags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                      ImGuiWindowFlags_NoSavedSettings |
                                      ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("lfmbench dashboard", nullptr, kFlags);
  DrawDashboard(snap, details, state);
  ImGui::End();
  ImGui::Render();
}

// "lfmbench-dashboard-20261127-140305.png" in the working directory.
std::string SnapshotPath() {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
  return fmt::format("lfmbench-dashboard-{}.png", stamp);
}

Status WriteStateDump(const std::string& path, const DashboardState& state, int width, int height,
                      int frames) {
  nlohmann::json dump = state.report;
  dump["window"] = {{"width", width}, {"height", height}, {"scale", state.ui_scale}};
  dump["frames"] = frames;
  std::ofstream out(path);
  out << dump.dump(2) << "\n";
  if (!out) return Error(StatusCode::kIo, "{}: cannot write the state dump", path);
  return OkStatus();
}

}  // namespace

int RunDashboard(const DashboardOptions& options) {
  Window window;
  if (Status s = window.Open(options); !s.ok()) {
    fmt::print(stderr, "lfmbench: error: {}\n", s.message());
    return 1;
  }
  DataRefresher refresher(options.db_path, kPollInterval, [] { glfwPostEmptyEvent(); });
  DashboardState state;
  state.view = options.view.value_or(View::kRuns);
  state.throughput_by_device = options.every_device;
  state.ui_scale = window.scale();
  const bool screenshot = !options.screenshot_path.empty();

  int frame = 0, width = 0, height = 0;
  while (!glfwWindowShouldClose(window.get())) {
    if (screenshot) {
      // Each frame draws complete data: wait for the snapshot and the details last requested.
      if (!refresher.WaitUntilCurrent(kScreenshotWait)) {
        fmt::print(stderr, "lfmbench: warning: {}: data still loading after {} s\n",
                   options.db_path, kScreenshotWait.count());
      }
      glfwPollEvents();
    } else {
      glfwWaitEventsTimeout(0.5);  // wakes on input, on new data, or twice a second
    }
    const std::shared_ptr<const Snapshot> snap = refresher.snapshot();
    const std::shared_ptr<const Details> details = refresher.details();
    DrawFrame(snap.get(), details.get(), state);
    if (snap && snap->error.ok()) refresher.RequestDetails(state.detail_request);

    glfwGetFramebufferSize(window.get(), &width, &height);
    glViewport(0, 0, width, height);
    glClearColor(0.08f, 0.08f, 0.1f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    ++frame;
    if (screenshot && frame >= options.frames) {
      if (Status s = WriteFramebufferPng(options.screenshot_path, width, height); !s.ok()) {
        fmt::print(stderr, "lfmbench: error: {}\n", s.message());
        return 1;
      }
      break;
    }
    // F12 saves what is on screen (and the state dump, when asked for one); Ctrl+Q quits.
    if (ImGui::IsKeyPressed(GLFW_KEY_F12, false)) {
      const std::string path = SnapshotPath();
      Status s = WriteFramebufferPng(path, width, height);
      if (s.ok() && !options.dump_state_path.empty()) {
        s = WriteStateDump(options.dump_state_path, state, width, height, frame);
      }
      fmt::print(stderr, "{}\n", s.ok() ? "lfmbench: saved " + path : "lfmbench: " + s.message());
    }
    if (ImGui::GetIO().KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Q, false)) {
      glfwSetWindowShouldClose(window.get(), GLFW_TRUE);
    }
    ReleaseHeldInput(window.get());
    glfwSwapBuffers(window.get());
  }

  if (!options.dump_state_path.empty()) {
    if (Status s = WriteStateDump(options.dump_state_path, state, width, height, frame); !s.ok()) {
      fmt::print(stderr, "lfmbench: error: {}\n", s.message());
      return 1;
    }
  }
  const std::string error = state.report.value("error", std::string());
  if (screenshot && (error.size() || state.report.value("loading", false))) {
    fmt::print(stderr, "lfmbench: error: {}\n",
               error.empty() ? options.db_path + ": the database did not load in time" : error);
    return 1;
  }
  return 0;
}

}  // namespace lfm::gui
