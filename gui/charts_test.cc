// Tests of the charts module: tick arithmetic, labels, colors, and each chart drawn in a headless
// ImGui context (marks counted, hover found under the mouse, NaN values skipped).
#include "gui/charts.h"

#include <cmath>

#include <gtest/gtest.h>

#include "gui/headless_imgui.h"

namespace lfm::gui {
namespace {

using testing::HeadlessImGui;

TEST(NiceTicks, StepsOfOneTwoFive) {
  EXPECT_EQ(NiceTicks(0, 100, 6), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(NiceTicks(0, 1, 3), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(NiceTicks(3, 17, 4), (std::vector<double>{5, 10, 15}));
  EXPECT_EQ(NiceTicks(-10, 10, 5), (std::vector<double>{-10, -5, 0, 5, 10}));
}

TEST(NiceTicks, StaysInsideRangeAndUnderMaxCount) {
  for (double lo : {0.0, 0.37, -12.5, 1234.0}) {
    for (double span : {0.001, 1.0, 7.3, 950.0, 1e6}) {
      for (int max_ticks : {2, 3, 6, 10}) {
        const auto ticks = NiceTicks(lo, lo + span, max_ticks);
        ASSERT_FALSE(ticks.empty());
        EXPECT_LE(static_cast<int>(ticks.size()), max_ticks) << lo << " " << span;
        EXPECT_GE(ticks.front(), lo - span * 1e-9);
        EXPECT_LE(ticks.back(), lo + span * (1 + 1e-9));
      }
    }
  }
  EXPECT_EQ(NiceTicks(5, 5, 6), std::vector<double>{5});
  EXPECT_EQ(NiceTicks(0.37, 7.67, 2), (std::vector<double>{5}));  // 10 would leave none
}

TEST(NiceCeiling, RoundsUpToANiceValue) {
  EXPECT_EQ(NiceCeiling(0), 1);
  EXPECT_EQ(NiceCeiling(61.7), 70);
  EXPECT_EQ(NiceCeiling(100), 100);
  EXPECT_EQ(NiceCeiling(437), 450);
  EXPECT_NEAR(NiceCeiling(0.0123), 0.014, 1e-12);
  for (double v : {0.3, 7.0, 55.1, 1e5 + 1}) EXPECT_GE(NiceCeiling(v), v);
}

TEST(FormatTick, ShortLabels) {
  EXPECT_EQ(FormatTick(0), "0");
  EXPECT_EQ(FormatTick(0.5), "0.5");
  EXPECT_EQ(FormatTick(2500), "2500");
  EXPECT_EQ(FormatTick(12000), "12k");
  EXPECT_EQ(FormatTick(1234567), "1.23M");
  EXPECT_EQ(FormatTick(-3e9), "-3G");
}

TEST(HeatColor, EndsDifferAndClamp) {
  EXPECT_NE(HeatColor(0), HeatColor(1));
  EXPECT_EQ(HeatColor(-1), HeatColor(0));
  EXPECT_EQ(HeatColor(2), HeatColor(1));
  EXPECT_EQ(HeatColor(std::nan("")), HeatColor(0));
  // Brightness rises along the scale, so more tokens always reads as lighter.
  auto luma = [](ImU32 c) {
    return 0.3 * ((c >> IM_COL32_R_SHIFT) & 255) + 0.59 * ((c >> IM_COL32_G_SHIFT) & 255) +
           0.11 * ((c >> IM_COL32_B_SHIFT) & 255);
  };
  for (int i = 0; i < 10; ++i) EXPECT_LT(luma(HeatColor(i / 10.0)), luma(HeatColor((i + 1) / 10.0)));
}

TEST(PaletteColor, DistinctAndWraps) {
  for (int i = 0; i < 10; ++i) {
    for (int j = i + 1; j < 10; ++j) EXPECT_NE(PaletteColor(i), PaletteColor(j));
  }
  EXPECT_EQ(PaletteColor(10), PaletteColor(0));
  EXPECT_EQ(PaletteColor(-1), PaletteColor(9));
}

GroupedBars TwoByThree() {
  GroupedBars bars;
  bars.categories = {"cpu", "onednn", "openblas"};
  bars.series = {{"1 thread", PaletteColor(0)}, {"2 threads", PaletteColor(1)}};
  bars.values = {{21, 29, 25}, {38, 55, std::nan("")}};
  bars.err = {{1, 1, 1}, {2, 2, 2}};
  bars.y_label = "tokens/s";
  return bars;
}

TEST(GroupedBarChart, DrawsFiniteBarsAndFindsTheHoveredOne) {
  HeadlessImGui ui(ImVec2(600, 400));
  ChartOutput out;
  ImVec2 min, max;
  const auto draw = [&] {
    out = GroupedBarChart("bars", TwoByThree(), ImVec2(580, 380));
    min = ImGui::GetItemRectMin();
    max = ImGui::GetItemRectMax();
  };
  ui.Frame(draw);
  EXPECT_EQ(out.marks, 5);  // the NaN bar is skipped
  EXPECT_EQ(out.hovered_series, -1);
  // Plot spans (roughly) the item width; the first group's first bar sits at ~12% of it.
  const ImVec2 first_bar(min.x + (max.x - min.x) * 0.14f, (min.y + max.y) / 2);
  ui.Frame(draw, first_bar);
  ui.Frame(draw, first_bar);
  EXPECT_EQ(out.hovered_series, 0);
  EXPECT_EQ(out.hovered_index, 0);
  // The last group's second bar is NaN: hovering there finds nothing.
  const ImVec2 missing(max.x - (max.x - min.x) * 0.08f, (min.y + max.y) / 2);
  ui.Frame(draw, missing);
  EXPECT_EQ(out.hovered_series, -1);
}

TEST(StackedBarChart, DrawsPositiveSegments) {
  HeadlessImGui ui;
  StackedBars bars;
  bars.categories = {"a", "b"};
  bars.series = {{"conv", PaletteColor(0)}, {"experts", PaletteColor(1)}, {"other", PaletteColor(2)}};
  bars.parts = {{1, 2}, {3, 0}, {std::nan(""), 1}};
  bars.as_percent = true;
  ChartOutput out;
  ui.Frame([&] { out = StackedBarChart("stack", bars, ImVec2(400, 300)); });
  EXPECT_EQ(out.marks, 4);  // zero and NaN parts draw nothing
}

TEST(LineChart, DrawsAMarkerPerFinitePoint) {
  HeadlessImGui ui;
  LineChartData data;
  data.x_labels = {"c1", "c2", "c3"};
  data.series = {{"cpu", PaletteColor(0)}, {"onednn", PaletteColor(1)}};
  const auto point = [](int x, double y) {
    LinePoint p;
    p.x = x;
    p.y = y;
    return p;
  };
  LinePoint marked = point(2, 9.0);
  marked.err = 0.5;
  marked.shape = MarkerShape::kTriangleDown;
  data.points = {{point(0, 10.0), point(1, 11.0), marked}, {point(1, std::nan("")), point(2, 12.0)}};
  ChartOutput out;
  ui.Frame([&] { out = LineChart("line", data, ImVec2(400, 300)); });
  EXPECT_EQ(out.marks, 4);
}

TEST(HeatMap, DrawsEveryCellAndReportsTheHoveredCell) {
  HeadlessImGui ui(ImVec2(600, 400));
  HeatMapData map;
  map.rows = 3;
  map.cols = 4;
  map.values = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  map.row_names = {"2", "3", "4"};
  ChartOutput out;
  ImVec2 min, max;
  const auto draw = [&] {
    out = HeatMap("heat", map, ImVec2(580, 380));
    min = ImGui::GetItemRectMin();
    max = ImGui::GetItemRectMax();
  };
  ui.Frame(draw);
  EXPECT_EQ(out.marks, 12);
  // The middle of the widget is inside the plot (margins are a few characters wide).
  const ImVec2 center((min.x + max.x) / 2, (min.y + max.y) / 2);
  ui.Frame(draw, center);
  ui.Frame(draw, center);
  EXPECT_GE(out.hovered_series, 0);
  EXPECT_GE(out.hovered_index, 0);
  EXPECT_LT(out.hovered_series, 3);
  EXPECT_LT(out.hovered_index, 4);
}

}  // namespace
}  // namespace lfm::gui
