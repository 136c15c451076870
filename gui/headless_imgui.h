// Test helper: a Dear ImGui context without a window or GPU, so charts and views can be drawn and
// inspected (marks, hover, reports) in plain unit tests. ImGui builds its font atlas on the CPU;
// nothing is rendered.
#pragma once

#include <functional>

#include <imgui.h>

namespace lfm::gui::testing {

class HeadlessImGui {
 public:
  explicit HeadlessImGui(ImVec2 display = ImVec2(1280, 800)) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = display;
    io.DeltaTime = 1.0f / 60;
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~HeadlessImGui() { ImGui::DestroyContext(); }
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  // One frame with `draw` inside a window covering the display; the mouse is at `mouse`.
  void Frame(const std::function<void()>& draw, ImVec2 mouse = ImVec2(-1, -1),
             bool mouse_down = false) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = mouse;
    io.MouseDown[0] = mouse_down;
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("test", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings);
    draw();
    ImGui::End();
    ImGui::Render();
  }
};

}  // namespace lfm::gui::testing
