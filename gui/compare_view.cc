// Compare view: two runs side by side, provenance first (differences highlighted), then matching
// perf rows with the candidate/baseline ratio colored by the regression gate's stored verdict,
// then eval scores.
#include <algorithm>

#include <fmt/format.h>

#include "gui/views.h"
#include "results/provenance.h"

namespace lfm::gui {
namespace {

const ImVec4 kDiffer(1, 0.8f, 0.35f, 1);

void RunCombo(const char* label, const Snapshot& snap, int64_t& id) {
  const results::RunRecord* current = snap.FindRun(id);
  ImGui::SetNextItemWidth(std::min(26 * ImGui::GetFontSize(), ImGui::GetContentRegionAvail().x * 0.3f));
  if (!ImGui::BeginCombo(label, current ? RunLabel(*current).c_str() : "(none)")) return;
  for (const auto& run : snap.runs) {
    if (ImGui::Selectable(RunLabel(run).c_str(), run.id == id)) id = run.id;
  }
  ImGui::EndCombo();
}

void ProvenanceTable(const results::RunRecord* a, const results::RunRecord* b) {
  using Field = std::string (*)(const results::RunRecord&);
  static constexpr std::pair<const char*, Field> kFields[] = {
      {"run", [](const results::RunRecord& r) { return RunLabel(r); }},
      {"status", [](const results::RunRecord& r) { return std::string(results::RunStatusName(r.status)); }},
      {"commit", [](const results::RunRecord& r) { return CommitLabel(r); }},
      {"build", [](const results::RunRecord& r) { return r.build.build_type + ", " + r.build.compiler; }},
      {"device", [](const results::RunRecord& r) { return DeviceLabel(r); }},
      {"ISA", [](const results::RunRecord& r) { return r.device.isa_flags; }},
      {"OS", [](const results::RunRecord& r) { return r.device.os; }},
      {"model", [](const results::RunRecord& r) {
         return r.model.quant.empty() ? r.model.name : r.model.name + " (" + r.model.quant + ")";
       }},
      {"model hash", [](const results::RunRecord& r) { return r.model.hash.substr(0, 16); }},
      {"backend / threads", [](const results::RunRecord& r) { return r.backend + " / " + r.threads; }},
  };
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("provenance", 3, kFlags)) return;
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("Baseline (A)");
  ImGui::TableSetupColumn("Candidate (B)");
  ImGui::TableHeadersRow();
  for (const auto& [name, field] : kFields) {
    const std::string va = a ? field(*a) : "", vb = b ? field(*b) : "";
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    MutedText(name);
    for (const std::string* v : {&va, &vb}) {
      ImGui::TableNextColumn();
      if (va != vb) {
        ImGui::TextColored(kDiffer, "%s", v->c_str());
      } else {
        ImGui::TextUnformatted(v->c_str());
      }
    }
  }
  ImGui::EndTable();
}

std::string StatsText(const RowStats& s) {
  return s.n ? fmt::format("{:.2f} ± {:.2f} (n={})", s.median, s.sd, s.n) : "-";
}

// Returns the number of rows with a stored gate verdict.
int PerfTable(const CompareData& data) {
  int verdicts = 0;
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_BordersV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("perf", 7, kFlags)) return verdicts;
  for (const char* h : {"Backend", "Threads", "Test", "A tokens/s (median ± sd)",
                        "B tokens/s (median ± sd)", "B / A", "Gate verdict"}) {
    ImGui::TableSetupColumn(h);
  }
  ImGui::TableHeadersRow();
  for (const ComparePerfRow& row : data.perf) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.backend.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%d", row.threads);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.test.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(StatsText(row.stats_a).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(StatsText(row.stats_b).c_str());
    ImGui::TableNextColumn();
    if (row.verdict) {
      // The cell's background carries the verdict's color, faded so the number stays readable.
      ImVec4 bg = ImGui::ColorConvertU32ToFloat4(VerdictColor(row.verdict->verdict));
      bg.w = 0.35f;
      ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, ImGui::GetColorU32(bg));
    }
    if (row.ratio > 0) ImGui::Text("%.3f (%+.1f%%)", row.ratio, (row.ratio - 1) * 100);
    ImGui::TableNextColumn();
    if (row.verdict) {
      ++verdicts;
      const results::GateVerdict& v = *row.verdict;
      ImGui::PushStyleColor(ImGuiCol_Text, VerdictColor(v.verdict));
      ImGui::TextUnformatted(v.verdict.c_str());
      ImGui::PopStyleColor();
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s, threshold %.0f%%%s%s", v.method.c_str(), v.max_regression * 100,
                          v.p_value ? fmt::format(", p = {:.3g}", *v.p_value).c_str() : "",
                          v.ci_low && v.ci_high
                              ? fmt::format(", ratio CI [{:.3f}, {:.3f}]", *v.ci_low, *v.ci_high).c_str()
                              : "");
      }
    } else if (row.ratio > 0) {
      MutedText("no verdict stored");
    }
  }
  ImGui::EndTable();
  return verdicts;
}

void ScoreTable(const CompareData& data) {
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_BordersV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("scores", 6, kFlags)) return;
  for (const char* h : {"Benchmark", "Metric", "Filter", "A", "B", "B - A"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  const auto score = [](const results::EvalScore* s) {
    if (!s) return std::string("-");
    return s->std_error ? fmt::format("{:.4f} ± {:.4f}", s->value, *s->std_error)
                        : fmt::format("{:.4f}", s->value);
  };
  for (const CompareScoreRow& row : data.scores) {
    ImGui::TableNextRow();
    for (const std::string* text : {&row.name, &row.metric, &row.filter}) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(text->c_str());
    }
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(score(row.a).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(score(row.b).c_str());
    ImGui::TableNextColumn();
    if (row.a && row.b) ImGui::Text("%+.4f", row.b->value - row.a->value);
  }
  ImGui::EndTable();
}

}  // namespace

void DrawCompareView(const Snapshot& snap, DashboardState& state) {
  if (!snap.FindRun(state.compare_a) || !snap.FindRun(state.compare_b)) {
    const auto [a, b] = DefaultComparePair(snap, state.selected_runs);
    if (!snap.FindRun(state.compare_a)) state.compare_a = a;
    if (!snap.FindRun(state.compare_b)) state.compare_b = b;
  }
  RunCombo("baseline (A)", snap, state.compare_a);
  ImGui::SameLine();
  if (ImGui::Button("swap")) std::swap(state.compare_a, state.compare_b);
  ImGui::SameLine();
  RunCombo("candidate (B)", snap, state.compare_b);
  ImGui::SameLine();
  if (ImGui::Button("use selection")) {
    std::tie(state.compare_a, state.compare_b) = DefaultComparePair(snap, state.selected_runs);
  }

  const CompareData data = SelectCompare(snap, state.compare_a, state.compare_b);
  ImGui::BeginChild("compare");
  ProvenanceTable(data.a, data.b);
  if (data.a && data.b && !data.same_device) {
    ImGui::TextColored(kDiffer,
                       "Different devices: the gate refuses to compare these runs; ratios are "
                       "for information only.");
  }
  int verdicts = 0;
  if (!data.perf.empty()) {
    ImGui::Spacing();
    ImGui::TextUnformatted("Throughput (B / A colored by the verdict lfmbench gate stored for A -> B)");
    verdicts = PerfTable(data);
  }
  if (!data.scores.empty()) {
    ImGui::Spacing();
    ImGui::TextUnformatted("Eval scores");
    ScoreTable(data);
  }
  ImGui::EndChild();

  nlohmann::json& report = state.report["compare"];
  report["a"] = state.compare_a;
  report["b"] = state.compare_b;
  report["perf_rows"] = data.perf.size();
  report["score_rows"] = data.scores.size();
  report["verdicts"] = verdicts;
}

}  // namespace lfm::gui
