// Chart drawing over ImGui draw lists. Each chart reserves its area with an InvisibleButton (so
// it takes part in layout, hovering and keyboard navigation), draws axes and marks into the
// window's draw list, and shows a tooltip for the mark under the mouse.
#include "gui/charts.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace lfm::gui {
namespace {

constexpr ImU32 kAxisColor = IM_COL32(170, 170, 180, 255);
constexpr ImU32 kGridColor = IM_COL32(255, 255, 255, 28);
constexpr ImU32 kTextColor = IM_COL32(220, 220, 228, 255);
constexpr ImU32 kErrorBarColor = IM_COL32(240, 240, 240, 230);

float Em() { return ImGui::GetFontSize(); }

bool Finite(double v) { return std::isfinite(v); }

ImU32 Brighten(ImU32 color) {
  ImVec4 c = ImGui::ColorConvertU32ToFloat4(color);
  return ImGui::ColorConvertFloat4ToU32(
      ImVec4(std::min(1.f, c.x * 1.25f + 0.08f), std::min(1.f, c.y * 1.25f + 0.08f),
             std::min(1.f, c.z * 1.25f + 0.08f), c.w));
}

// Rounds `raw` up to 1, 2 or 5 times a power of ten.
double NiceStep(double raw) {
  if (!(raw > 0)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
  }
  return 10 * magnitude;
}

// The widget area of a chart and its plot rectangle inside the axis margins.
struct Frame {
  ImVec2 min, max;            // whole widget
  ImVec2 plot_min, plot_max;  // inside the axes
  double y_lo = 0, y_hi = 1;  // value range mapped onto the plot's height
  bool hovered = false, clicked = false;

  float YOf(double v) const {
    return plot_max.y - static_cast<float>((v - y_lo) / (y_hi - y_lo)) * (plot_max.y - plot_min.y);
  }
  float Width() const { return plot_max.x - plot_min.x; }
  float Height() const { return plot_max.y - plot_min.y; }
};

// Reserves the widget and places the plot rectangle: `left_margin` for value labels, one line on
// top for the axis unit, `bottom_lines` lines of category labels below.
Frame BeginFrame(const char* id, ImVec2 size, float left_margin, int bottom_lines,
                 float right_margin = 0) {
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = std::max(ImGui::GetContentRegionAvail().y, 8 * Em());
  ImGui::InvisibleButton(id, size);
  Frame f;
  f.min = ImGui::GetItemRectMin();
  f.max = ImGui::GetItemRectMax();
  f.hovered = ImGui::IsItemHovered();
  f.clicked = ImGui::IsItemClicked();
  f.plot_min = ImVec2(f.min.x + left_margin, f.min.y + 1.4f * Em());
  f.plot_max = ImVec2(f.max.x - 0.5f * Em() - right_margin,
                      f.max.y - (bottom_lines * 1.15f + 0.4f) * Em());
  return f;
}

float TickLabelWidth(const std::vector<double>& ticks) {
  float width = 0;
  for (double t : ticks) width = std::max(width, ImGui::CalcTextSize(FormatTick(t).c_str()).x);
  return width + 0.6f * Em();
}

// Grid lines, tick labels and the unit label of the value axis.
void DrawValueAxis(ImDrawList* dl, const Frame& f, const std::vector<double>& ticks,
                   const std::string& label) {
  for (double t : ticks) {
    const float y = f.YOf(t);
    dl->AddLine(ImVec2(f.plot_min.x, y), ImVec2(f.plot_max.x, y), kGridColor);
    const std::string text = FormatTick(t);
    const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
    dl->AddText(ImVec2(f.plot_min.x - ts.x - 0.3f * Em(), y - ts.y / 2), kTextColor, text.c_str());
  }
  dl->AddLine(f.plot_min, ImVec2(f.plot_min.x, f.plot_max.y), kAxisColor);
  dl->AddLine(ImVec2(f.plot_min.x, f.plot_max.y), f.plot_max, kAxisColor);
  dl->AddText(ImVec2(f.min.x, f.min.y), kTextColor, label.c_str());
}

// Centered category labels below the plot, clipped to each category's slot; every `step`-th.
void DrawCategoryLabels(ImDrawList* dl, const Frame& f, const std::vector<std::string>& labels,
                        int step = 1) {
  const float slot = f.Width() / std::max<size_t>(1, labels.size());
  for (size_t i = 0; i < labels.size(); i += step) {
    const float center = f.plot_min.x + (i + 0.5f) * slot;
    const ImVec4 clip(center - slot * step / 2, f.plot_max.y, center + slot * step / 2, f.max.y);
    // Each line centered under its slot (a line wider than the slot starts at its left edge).
    float y = f.plot_max.y + 0.25f * Em();
    for (size_t begin = 0; begin <= labels[i].size();) {
      const size_t end = std::min(labels[i].find('\n', begin), labels[i].size());
      const char* text = labels[i].c_str();
      const float half = std::min(ImGui::CalcTextSize(text + begin, text + end).x / 2, slot * step / 2);
      dl->AddText(nullptr, 0, ImVec2(center - half, y), kTextColor, text + begin, text + end, 0, &clip);
      y += ImGui::GetTextLineHeight();
      begin = end + 1;
    }
  }
}

bool MouseIn(ImVec2 a, ImVec2 b) {
  const ImVec2 m = ImGui::GetIO().MousePos;
  return m.x >= a.x && m.x < b.x && m.y >= a.y && m.y < b.y;
}

int MaxLines(const std::vector<std::string>& labels) {
  int lines = 1;
  for (const auto& l : labels) lines = std::max<int>(lines, 1 + std::count(l.begin(), l.end(), '\n'));
  return lines;
}

void DrawMarker(ImDrawList* dl, ImVec2 c, float r, ImU32 color, MarkerShape shape) {
  switch (shape) {
    case MarkerShape::kCircle:
      dl->AddCircleFilled(c, r, color);
      break;
    case MarkerShape::kSquare:
      dl->AddRectFilled(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), color);
      break;
    case MarkerShape::kTriangleDown:
      dl->AddTriangleFilled(ImVec2(c.x - r * 1.2f, c.y - r), ImVec2(c.x + r * 1.2f, c.y - r),
                            ImVec2(c.x, c.y + r * 1.2f), color);
      break;
    case MarkerShape::kCross:
      dl->AddLine(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), color, r * 0.6f);
      dl->AddLine(ImVec2(c.x - r, c.y + r), ImVec2(c.x + r, c.y - r), color, r * 0.6f);
      break;
  }
}

void DrawErrorBar(ImDrawList* dl, float x, float y_lo, float y_hi, float cap) {
  const float thickness = std::max(1.f, Em() / 10);
  dl->AddLine(ImVec2(x, y_lo), ImVec2(x, y_hi), kErrorBarColor, thickness);
  dl->AddLine(ImVec2(x - cap, y_lo), ImVec2(x + cap, y_lo), kErrorBarColor, thickness);
  dl->AddLine(ImVec2(x - cap, y_hi), ImVec2(x + cap, y_hi), kErrorBarColor, thickness);
}

}  // namespace

ImU32 PaletteColor(int i) {
  static constexpr ImU32 kPalette[] = {
      IM_COL32(78, 154, 230, 255),  IM_COL32(244, 143, 51, 255),  IM_COL32(92, 194, 104, 255),
      IM_COL32(230, 88, 95, 255),   IM_COL32(172, 128, 222, 255), IM_COL32(200, 160, 110, 255),
      IM_COL32(236, 132, 196, 255), IM_COL32(160, 160, 168, 255), IM_COL32(200, 205, 80, 255),
      IM_COL32(70, 205, 210, 255),
  };
  constexpr int n = sizeof(kPalette) / sizeof(kPalette[0]);
  return kPalette[((i % n) + n) % n];
}

std::vector<double> NiceTicks(double lo, double hi, int max_ticks) {
  if (!(hi > lo) || max_ticks < 2) return {lo};
  // The densest nice step giving at most max_ticks ticks: start a decade below the estimate
  // and walk up 1, 2, 5, 10, ...
  const auto first_and_count = [&](double step) {
    const double first = std::ceil(lo / step - 1e-9);
    return std::make_pair(first, static_cast<int>(std::floor(hi / step + 1e-9) - first) + 1);
  };
  double step = NiceStep((hi - lo) / (max_ticks - 1)) / 10;
  while (first_and_count(step).second > max_ticks) step = NiceStep(step * 1.5);
  const auto [first, count] = first_and_count(step);
  if (count <= 0) return {lo};  // no nice value inside a narrow range
  std::vector<double> ticks;
  for (int i = 0; i < count; ++i) {
    const double t = (first + i) * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

double NiceCeiling(double value) {
  if (!(value > 0)) return 1;
  const double step = NiceStep(value / 10);
  return std::ceil(value / step - 1e-9) * step;
}

std::string FormatTick(double value) {
  const double a = std::abs(value);
  if (a >= 1e9) return fmt::format("{:.3g}G", value / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", value / 1e6);
  if (a >= 1e4) return fmt::format("{:.3g}k", value / 1e3);
  return fmt::format("{:.4g}", value);
}

ImU32 HeatColor(double t) {
  // Stops of a viridis-like sequential scale: dark blue, teal, green, yellow.
  static constexpr float kStops[][3] = {
      {0.14f, 0.11f, 0.33f}, {0.19f, 0.36f, 0.55f}, {0.13f, 0.57f, 0.55f},
      {0.37f, 0.79f, 0.38f}, {0.99f, 0.91f, 0.15f},
  };
  constexpr int n = sizeof(kStops) / sizeof(kStops[0]);
  t = std::clamp(Finite(t) ? t : 0.0, 0.0, 1.0) * (n - 1);
  const int i = std::min(static_cast<int>(t), n - 2);
  const float u = static_cast<float>(t - i);
  auto mix = [&](int k) { return kStops[i][k] + (kStops[i + 1][k] - kStops[i][k]) * u; };
  return ImGui::ColorConvertFloat4ToU32(ImVec4(mix(0), mix(1), mix(2), 1));
}

void Legend(const std::vector<Series>& series) {
  const float box = 0.8f * Em();
  const float right_edge = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
  for (size_t i = 0; i < series.size(); ++i) {
    const float width =
        box + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(series[i].name.c_str()).x;
    if (i > 0) {
      ImGui::SameLine(0, 1.2f * Em());
      if (ImGui::GetCursorScreenPos().x + width > right_edge) ImGui::NewLine();
    }
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float pad = (ImGui::GetTextLineHeight() - box) / 2;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + pad),
                                              ImVec2(p.x + box, p.y + pad + box), series[i].color);
    ImGui::Dummy(ImVec2(box, ImGui::GetTextLineHeight()));
    ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
    ImGui::TextUnformatted(series[i].name.c_str());
  }
}

ChartOutput GroupedBarChart(const char* id, const GroupedBars& data, ImVec2 size) {
  ChartOutput out;
  const size_t n_cat = data.categories.size(), n_ser = data.series.size();
  double top = 0;
  for (size_t s = 0; s < n_ser; ++s) {
    for (size_t c = 0; c < n_cat; ++c) {
      const double v = data.values[s][c];
      const double e = data.err.empty() ? 0 : data.err[s][c];
      if (Finite(v)) top = std::max(top, v + (Finite(e) ? e : 0));
    }
  }
  const double y_hi = NiceCeiling(top);
  const std::vector<double> ticks = NiceTicks(0, y_hi, 6);
  Frame f = BeginFrame(id, size, TickLabelWidth(ticks), MaxLines(data.categories));
  f.y_hi = y_hi;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  DrawValueAxis(dl, f, ticks, data.y_label);
  DrawCategoryLabels(dl, f, data.categories);

  // Bars fill 80% of a group's slot, but no wider than a few characters, centered.
  const float slot = f.Width() / std::max<size_t>(1, n_cat);
  const float bar = std::min(slot * 0.8f / std::max<size_t>(1, n_ser), 4.5f * Em());
  const float inset = (slot - bar * n_ser) / 2;
  for (size_t c = 0; c < n_cat; ++c) {
    for (size_t s = 0; s < n_ser; ++s) {
      const double v = data.values[s][c];
      if (!Finite(v)) continue;
      const float x0 = f.plot_min.x + c * slot + inset + s * bar;
      const ImVec2 column_min(x0, f.plot_min.y), column_max(x0 + bar, f.plot_max.y);
      const bool hovered = f.hovered && MouseIn(column_min, column_max);
      const ImU32 color = hovered ? Brighten(data.series[s].color) : data.series[s].color;
      dl->AddRectFilled(ImVec2(x0 + 1, f.YOf(v)), ImVec2(x0 + bar - 1, f.YOf(0)), color);
      ++out.marks;
      const double e = data.err.empty() ? 0 : data.err[s][c];
      if (Finite(e) && e > 0) {
        DrawErrorBar(dl, x0 + bar / 2, f.YOf(std::max(0.0, v - e)), f.YOf(v + e), bar / 5);
      }
      if (!hovered) continue;
      out.hovered_series = static_cast<int>(s);
      out.hovered_index = static_cast<int>(c);
      out.clicked = f.clicked;
      ImGui::BeginTooltip();
      ImGui::Text("%s | %s", data.series[s].name.c_str(), data.categories[c].c_str());
      ImGui::Text("%.6g ± %.3g %s", v, Finite(e) ? e : 0.0, data.y_label.c_str());
      if (!data.notes.empty() && !data.notes[s][c].empty()) {
        ImGui::TextUnformatted(data.notes[s][c].c_str());
      }
      ImGui::EndTooltip();
    }
  }
  return out;
}

ChartOutput StackedBarChart(const char* id, const StackedBars& data, ImVec2 size) {
  ChartOutput out;
  const size_t n_cat = data.categories.size(), n_ser = data.series.size();
  std::vector<double> totals(n_cat, 0);
  for (size_t s = 0; s < n_ser; ++s) {
    for (size_t c = 0; c < n_cat; ++c) {
      if (Finite(data.parts[s][c]) && data.parts[s][c] > 0) totals[c] += data.parts[s][c];
    }
  }
  const double y_hi =
      data.as_percent ? 100 : NiceCeiling(*std::max_element(totals.begin(), totals.end()));
  const std::vector<double> ticks = NiceTicks(0, y_hi, 6);
  Frame f = BeginFrame(id, size, TickLabelWidth(ticks), MaxLines(data.categories));
  f.y_hi = y_hi;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  DrawValueAxis(dl, f, ticks, data.y_label);
  DrawCategoryLabels(dl, f, data.categories);

  const float slot = f.Width() / std::max<size_t>(1, n_cat);
  const float width = std::min(slot * 0.6f, 4.5f * Em());
  for (size_t c = 0; c < n_cat; ++c) {
    const float x0 = f.plot_min.x + c * slot + (slot - width) / 2, x1 = x0 + width;
    const double scale = data.as_percent && totals[c] > 0 ? 100 / totals[c] : 1;
    double base = 0;
    for (size_t s = 0; s < n_ser; ++s) {
      const double part = data.parts[s][c];
      if (!Finite(part) || part <= 0) continue;
      const ImVec2 a(x0, f.YOf((base + part) * scale)), b(x1, f.YOf(base * scale));
      const bool hovered = f.hovered && MouseIn(a, b);
      dl->AddRectFilled(a, b, hovered ? Brighten(data.series[s].color) : data.series[s].color);
      dl->AddLine(ImVec2(x0, a.y), ImVec2(x1, a.y), IM_COL32(0, 0, 0, 90));
      ++out.marks;
      base += part;
      if (!hovered) continue;
      out.hovered_series = static_cast<int>(s);
      out.hovered_index = static_cast<int>(c);
      out.clicked = f.clicked;
      ImGui::BeginTooltip();
      ImGui::Text("%s | %s", data.categories[c].c_str(), data.series[s].name.c_str());
      ImGui::Text("%.4g %s (%.1f%% of %.4g)", part, data.y_label.c_str(),
                  100 * part / totals[c], totals[c]);
      ImGui::EndTooltip();
    }
  }
  return out;
}

ChartOutput LineChart(const char* id, const LineChartData& data, ImVec2 size) {
  ChartOutput out;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& series : data.points) {
    for (const LinePoint& p : series) {
      if (!Finite(p.y)) continue;
      lo = std::min(lo, p.y - p.err);
      hi = std::max(hi, p.y + p.err);
    }
  }
  if (!(hi >= lo)) lo = 0, hi = 1;
  const double pad = hi > lo ? (hi - lo) * 0.15 : std::max(std::abs(hi) * 0.1, 1.0);
  const double y_lo = lo - pad, y_hi = hi + pad;
  const std::vector<double> ticks = NiceTicks(y_lo, y_hi, 6);
  Frame f = BeginFrame(id, size, TickLabelWidth(ticks), MaxLines(data.x_labels));
  f.y_lo = y_lo;
  f.y_hi = y_hi;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  DrawValueAxis(dl, f, ticks, data.y_label);
  const float slot = f.Width() / std::max<size_t>(1, data.x_labels.size());
  float widest = 0;
  for (const auto& l : data.x_labels) widest = std::max(widest, ImGui::CalcTextSize(l.c_str()).x);
  DrawCategoryLabels(dl, f, data.x_labels,
                     std::max(1, static_cast<int>(std::ceil((widest + Em()) / slot))));

  const float radius = 0.32f * Em();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  float best = (1.2f * Em()) * (1.2f * Em());
  const LinePoint* hovered = nullptr;
  for (size_t s = 0; s < data.points.size(); ++s) {
    const ImU32 color = data.series[s].color;
    ImVec2 previous;
    bool has_previous = false;
    for (const LinePoint& p : data.points[s]) {
      if (!Finite(p.y)) continue;
      const ImVec2 c(f.plot_min.x + (p.x + 0.5f) * slot, f.YOf(p.y));
      if (has_previous) dl->AddLine(previous, c, color, std::max(1.5f, Em() / 8));
      if (p.err > 0) DrawErrorBar(dl, c.x, f.YOf(p.y - p.err), f.YOf(p.y + p.err), radius);
      previous = c;
      has_previous = true;
      const float dx = mouse.x - c.x, dy = mouse.y - c.y;
      if (f.hovered && dx * dx + dy * dy < best) {
        best = dx * dx + dy * dy;
        hovered = &p;
        out.hovered_series = static_cast<int>(s);
        out.hovered_index = p.x;
      }
    }
  }
  // Markers over the lines, the hovered one larger.
  for (size_t s = 0; s < data.points.size(); ++s) {
    for (const LinePoint& p : data.points[s]) {
      if (!Finite(p.y)) continue;
      const ImVec2 c(f.plot_min.x + (p.x + 0.5f) * slot, f.YOf(p.y));
      DrawMarker(dl, c, &p == hovered ? radius * 1.6f : radius,
                 p.color ? p.color : data.series[s].color, p.shape);
      ++out.marks;
    }
  }
  if (hovered) {
    out.clicked = f.clicked;
    ImGui::BeginTooltip();
    ImGui::Text("%s | %s", data.series[out.hovered_series].name.c_str(),
                data.x_labels[hovered->x].c_str());
    ImGui::Text("%.6g ± %.3g %s", hovered->y, hovered->err, data.y_label.c_str());
    if (!hovered->tooltip.empty()) ImGui::TextUnformatted(hovered->tooltip.c_str());
    ImGui::EndTooltip();
  }
  return out;
}

ChartOutput HeatMap(const char* id, const HeatMapData& data, ImVec2 size) {
  ChartOutput out;
  double top = 0;
  for (double v : data.values) top = Finite(v) ? std::max(top, v) : top;
  const float left = ImGui::CalcTextSize("000").x + 0.8f * Em();
  const float scale_width = 4.5f * Em();
  Frame f = BeginFrame(id, size, left, 2, scale_width);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (data.rows <= 0 || data.cols <= 0) return out;

  const float cw = f.Width() / data.cols, ch = f.Height() / data.rows;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (int r = 0; r < data.rows; ++r) {
    for (int c = 0; c < data.cols; ++c) {
      const double v = data.values[static_cast<size_t>(r) * data.cols + c];
      const ImVec2 a(f.plot_min.x + c * cw, f.plot_min.y + r * ch), b(a.x + cw, a.y + ch);
      dl->AddRectFilled(a, b, HeatColor(top > 0 ? v / top : 0));
      ++out.marks;
      if (f.hovered && mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y < b.y) {
        out.hovered_series = r;
        out.hovered_index = c;
      }
    }
  }
  // Row labels every k-th row, column labels every k-th column, so labels never overlap.
  const int row_step = std::max(1, static_cast<int>(std::ceil(ImGui::GetTextLineHeight() / ch)));
  for (int r = 0; r < data.rows; r += row_step) {
    const std::string t = data.row_names.empty() ? std::to_string(r) : data.row_names[r];
    const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
    dl->AddText(ImVec2(f.plot_min.x - ts.x - 0.3f * Em(), f.plot_min.y + (r + 0.5f) * ch - ts.y / 2),
                kTextColor, t.c_str());
  }
  const int col_step =
      std::max(1, static_cast<int>(std::ceil(ImGui::CalcTextSize("000").x * 1.3f / cw)));
  for (int c = 0; c < data.cols; c += col_step) {
    const std::string t = std::to_string(c);
    const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
    dl->AddText(ImVec2(f.plot_min.x + (c + 0.5f) * cw - ts.x / 2, f.plot_max.y + 0.2f * Em()),
                kTextColor, t.c_str());
  }
  dl->AddText(ImVec2(f.min.x, f.min.y), kTextColor, (data.row_label + " (rows)").c_str());
  const std::string cols = data.col_label + " (columns)";
  dl->AddText(ImVec2(f.plot_min.x + f.Width() / 2 - ImGui::CalcTextSize(cols.c_str()).x / 2,
                     f.plot_max.y + 1.2f * Em()),
              kTextColor, cols.c_str());

  // Color scale on the right: a vertical gradient with its max and zero.
  const float sx = f.plot_max.x + 0.8f * Em(), sw = 0.9f * Em();
  constexpr int kSteps = 32;
  for (int i = 0; i < kSteps; ++i) {
    const float y0 = f.plot_max.y - (i + 1) * f.Height() / kSteps;
    dl->AddRectFilled(ImVec2(sx, y0), ImVec2(sx + sw, y0 + f.Height() / kSteps + 1),
                      HeatColor((i + 0.5) / kSteps));
  }
  dl->AddText(ImVec2(sx + sw + 0.3f * Em(), f.plot_min.y), kTextColor, FormatTick(top).c_str());
  dl->AddText(ImVec2(sx + sw + 0.3f * Em(), f.plot_max.y - Em()), kTextColor, "0");

  if (out.hovered_series >= 0) {
    out.clicked = f.clicked;
    const int r = out.hovered_series, c = out.hovered_index;
    double row_total = 0;
    for (int k = 0; k < data.cols; ++k) row_total += data.values[static_cast<size_t>(r) * data.cols + k];
    const double v = data.values[static_cast<size_t>(r) * data.cols + c];
    ImGui::BeginTooltip();
    const std::string row_name = data.row_names.empty() ? std::to_string(r) : data.row_names[r];
    ImGui::Text("%s %s, %s %d", data.row_label.c_str(), row_name.c_str(), data.col_label.c_str(), c);
    ImGui::Text("%.6g %s (%.2f%% of the row)", v, data.value_label.c_str(),
                row_total > 0 ? 100 * v / row_total : 0.0);
    ImGui::EndTooltip();
  }
  return out;
}

}  // namespace lfm::gui
