// Small charts drawn with Dear ImGui's draw lists (ImPlot is not packaged in Debian): bars,
// grouped bars with error bars, stacked bars, lines with markers, heat maps, axes with ticks and
// labels, legends and tooltips. Every size is in units of the current font size, so charts follow
// the dashboard's DPI scale.
#pragma once

#include <string>
#include <vector>

#include <imgui.h>

namespace lfm::gui {

// What a chart reports back to its view after drawing.
struct ChartOutput {
  int marks = 0;            // bars, segments, points or cells actually drawn
  int hovered_series = -1;  // series (or heat-map row) under the mouse, -1 when none
  int hovered_index = -1;   // category, point (or heat-map column) under the mouse, -1 when none
  bool clicked = false;     // the hovered mark was clicked this frame
};

// One named, colored series (a bar color within groups, a stack segment, a line).
struct Series {
  std::string name;
  ImU32 color = 0;
};

// The i-th color of the dashboard's categorical palette (distinct on a dark background).
ImU32 PaletteColor(int i);

// "Nice" tick positions in [lo, hi]: multiples of the smallest step of 1, 2 or 5 times a power
// of ten that gives at most `max_ticks` (>= 2) of them. Never empty: {lo} when lo == hi or when
// no such multiple falls inside the range.
std::vector<double> NiceTicks(double lo, double hi, int max_ticks);

// `value` rounded up to a multiple of a nice step near a tenth of it (61.7 -> 70, 437 -> 450):
// the top of a value axis starting at zero. 1 when value <= 0.
double NiceCeiling(double value);

// Short tick label: 1234567 -> "1.23M", 0.5 -> "0.5", 12000 -> "12k".
std::string FormatTick(double value);

// Bars grouped by category: values[s][c] is series s in category c; a NaN value draws nothing.
// err[s][c] (optional, same shape) is the half-width of an error bar drawn around the value.
struct GroupedBars {
  std::vector<std::string> categories;  // x-axis labels, one per group
  std::vector<Series> series;           // one bar per series in each group
  std::vector<std::vector<double>> values;
  std::vector<std::vector<double>> err;
  std::string y_label;  // unit of the value axis, e.g. "tokens/s"
  // Extra tooltip text for the bar (s, c), e.g. sample counts; may be empty.
  std::vector<std::vector<std::string>> notes;
};
ChartOutput GroupedBarChart(const char* id, const GroupedBars& data, ImVec2 size);

// Stacked bars: parts[s][c] is segment s of bar c (non-negative; NaN or 0 draws nothing).
struct StackedBars {
  std::vector<std::string> categories;
  std::vector<Series> series;
  std::vector<std::vector<double>> parts;
  std::string y_label;
  bool as_percent = false;  // normalize each bar to 100% of its total
};
ChartOutput StackedBarChart(const char* id, const StackedBars& data, ImVec2 size);

// How a line chart point is marked.
enum class MarkerShape { kCircle, kSquare, kTriangleDown, kCross };

struct LinePoint {
  int x = 0;            // index into LineChartData::x_labels
  double y = 0;
  double err = 0;       // half-width of a vertical error bar, 0 for none
  ImU32 color = 0;      // marker color; 0 uses the series color
  MarkerShape shape = MarkerShape::kCircle;
  std::string tooltip;  // shown when hovered (below the series name)
};

// Lines over a categorical x axis (e.g. commits in time order).
struct LineChartData {
  std::vector<std::string> x_labels;
  std::vector<Series> series;
  std::vector<std::vector<LinePoint>> points;  // [series][point], points in x order
  std::string y_label;
};
ChartOutput LineChart(const char* id, const LineChartData& data, ImVec2 size);

// A dense grid of values colored on a sequential scale, e.g. tokens routed per layer x expert.
struct HeatMapData {
  int rows = 0, cols = 0;
  std::vector<double> values;  // [rows, cols], row-major
  std::vector<std::string> row_names;  // one per row; empty: the row index
  std::string row_label, col_label, value_label;
};
ChartOutput HeatMap(const char* id, const HeatMapData& data, ImVec2 size);

// The color of `t` in [0, 1] on the heat map's sequential scale (dark blue to yellow).
ImU32 HeatColor(double t);

// A row of colored squares with series names, wrapped to the available width.
void Legend(const std::vector<Series>& series);

}  // namespace lfm::gui
