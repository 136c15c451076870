// Evals view: one table per eval run — a row per benchmark / metric / filter with value ±
// standard error and n, then the settings that change its numbers (n-shot, chat template,
// few-shot as multi-turn, max tokens, shuffle seed, limit, data checksum, spec version) as the
// last column, visible without hovering and never pushing the scores off screen. Clicking a
// benchmark pages through that run's stored samples (prompt, response, extracted answer,
// pass/fail). Samples marked not-to-display (GPQA) never show any text.
#include <algorithm>

#include <fmt/format.h>

#include "gui/views.h"

namespace lfm::gui {
namespace {

constexpr int kMaxRunColumns = 8;

std::string ScoreText(const results::EvalScore& s) {
  return s.std_error ? fmt::format("{:.4f} ± {:.4f}", s.value, *s.std_error)
                     : fmt::format("{:.4f}", s.value);
}

// Run `col` of `table`: its rows, the settings last. Reports what was drawn and where, so a test
// can check that the scores and the settings are inside the window.
void DrawRunTable(const EvalTable& table, size_t col, DashboardState& state,
                  nlohmann::json& report) {
  const results::RunRecord& run = *table.runs[col];
  std::vector<const EvalRow*> rows;
  for (const EvalRow& row : table.rows) {
    if (row.cells[col].score) rows.push_back(&row);
  }
  nlohmann::json drawn = {
      {"run", run.id}, {"rows", rows.size()}, {"settings", nlohmann::json::array()}};
  ImGui::TextUnformatted(RunLabel(run).c_str());
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_BordersV | ImGuiTableFlags_SizingFixedFit |
                                     ImGuiTableFlags_ScrollX;
  // the header and the rows, and room for the horizontal scroll bar
  const float height = (rows.size() + 1) * ImGui::GetTextLineHeightWithSpacing() +
                       ImGui::GetStyle().ScrollbarSize + 4;
  ImGui::PushID(static_cast<int>(run.id));
  if (ImGui::BeginTable("scores", 6, kFlags, ImVec2(0, height))) {
    for (const char* name : {"Benchmark", "Metric", "Filter", "Value", "n", "Settings"}) {
      ImGui::TableSetupColumn(name);
    }
    ImGui::TableHeadersRow();
    float value_right = 0, settings_left = 1e9f, settings_width = 1e9f;
    for (size_t r = 0; r < rows.size(); ++r) {
      const EvalRow& row = *rows[r];
      const EvalCell& cell = row.cells[col];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(static_cast<int>(r));
      const bool selected = state.eval_task == row.name && state.eval_samples_run == run.id;
      if (ImGui::Selectable(row.is_group ? (row.name + " (group)").c_str() : row.name.c_str(),
                            selected && !row.is_group, ImGuiSelectableFlags_SpanAllColumns) &&
          !row.is_group) {
        state.eval_task = row.name;
        state.eval_samples_run = run.id;
        state.eval_sample_offset = 0;
      }
      ImGui::PopID();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(row.metric.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(row.filter.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(ScoreText(*cell.score).c_str());
      value_right = std::max(value_right, ImGui::GetItemRectMax().x);
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(cell.score->n));
      ImGui::TableNextColumn();
      const std::string settings =
          cell.task ? SettingsLabel(*cell.task) : "(group of the tasks above)";
      ImGui::TextUnformatted(settings.c_str());
      settings_left = std::min(settings_left, ImGui::GetItemRectMin().x);
      if (cell.task) settings_width = std::min(settings_width, ImGui::GetItemRectSize().x);
      drawn["settings"].push_back(settings);
    }
    ImGui::EndTable();
    drawn["value_right_px"] = value_right;
    drawn["settings_left_px"] = settings_left;
    drawn["settings_width_px"] = settings_width;  // the narrowest task settings text drawn
  }
  ImGui::PopID();
  report["tables"].push_back(std::move(drawn));
}

void ShowField(const char* label, const std::string& text, float lines) {
  ImGui::TextUnformatted(label);
  ImGui::BeginChild(label, ImVec2(0, lines * ImGui::GetTextLineHeightWithSpacing()), true);
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
}

// The sample pager for state.eval_task in state.eval_samples_run (the run whose row was
// clicked; the first run that evaluated the task when that one did not).
void DrawSamples(const Snapshot& snap, const EvalTable& table, const Details* details,
                 DashboardState& state, nlohmann::json& report) {
  std::vector<const results::RunRecord*> runs;
  for (const auto* run : table.runs) {
    const auto it = snap.evals.find(run->id);
    if (it != snap.evals.end() && it->second.sample_counts.count(state.eval_task)) runs.push_back(run);
  }
  if (runs.empty()) return;
  const auto current = std::find_if(runs.begin(), runs.end(), [&](const auto* r) {
    return r->id == state.eval_samples_run;
  });
  const results::RunRecord* run = current == runs.end() ? runs.front() : *current;
  state.eval_samples_run = run->id;
  const int64_t count = snap.evals.at(run->id).sample_counts.at(state.eval_task);
  state.eval_sample_offset = std::clamp<int64_t>(state.eval_sample_offset, 0, std::max<int64_t>(0, count - 1));

  ImGui::Separator();
  ImGui::Text("Samples of %s in", state.eval_task.c_str());
  ImGui::SameLine();
  ImGui::SetNextItemWidth(24 * ImGui::GetFontSize());
  if (ImGui::BeginCombo("##sample_run", RunLabel(*run).c_str())) {
    for (const auto* r : runs) {
      if (ImGui::Selectable(RunLabel(*r).c_str(), r == run)) {
        state.eval_samples_run = r->id;
        state.eval_sample_offset = 0;
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::ArrowButton("##prev", ImGuiDir_Left)) state.eval_sample_offset = std::max<int64_t>(0, state.eval_sample_offset - 1);
  ImGui::SameLine();
  ImGui::Text("sample %lld of %lld", static_cast<long long>(count ? state.eval_sample_offset + 1 : 0),
              static_cast<long long>(count));
  ImGui::SameLine();
  if (ImGui::ArrowButton("##next", ImGuiDir_Right) && state.eval_sample_offset + 1 < count) {
    ++state.eval_sample_offset;
  }
  report["samples_task"] = state.eval_task;
  report["samples_run"] = run->id;
  report["samples_count"] = count;
  if (count == 0) return;

  state.detail_request.samples_run_id = run->id;
  state.detail_request.samples_task = state.eval_task;
  state.detail_request.samples_offset = state.eval_sample_offset;
  state.detail_request.samples_limit = 1;
  if (!details || details->request.samples_run_id != run->id ||
      details->request.samples_task != state.eval_task ||
      details->request.samples_offset != state.eval_sample_offset) {
    MutedText("loading...");
    return;
  }
  if (!details->error.ok() || details->samples.empty()) {
    MutedText(details->error.ok() ? "sample not found" : details->error.message());
    return;
  }
  const results::EvalSample& sample = details->samples.front();
  ImGui::SameLine(0, 2 * ImGui::GetFontSize());
  ImGui::Text("doc %lld", static_cast<long long>(sample.doc_id));
  ImGui::SameLine();
  if (sample.passed) {
    ImGui::TextColored(*sample.passed ? ImVec4(0.45f, 0.85f, 0.5f, 1) : ImVec4(1, 0.4f, 0.4f, 1),
                       *sample.passed ? "PASS" : "FAIL");
  } else {
    MutedText("no primary metric");
  }
  if (!sample.display_ok) {
    // Never show any text of such a sample, even if the store returned some.
    report["sample_hidden"] = true;
    ImGui::TextColored(ImVec4(1, 0.75f, 0.3f, 1),
                       "This benchmark's data is marked not-to-display (e.g. GPQA, to keep it out "
                       "of training sets): only its scores are shown.");
    ImGui::TextUnformatted(("scores: " + sample.scores_json).c_str());
    return;
  }
  report["sample_hidden"] = false;
  report["sample_doc_id"] = sample.doc_id;
  const float rows = std::max(3.f, ImGui::GetContentRegionAvail().y /
                                        ImGui::GetTextLineHeightWithSpacing() - 9);
  ShowField("Prompt", sample.prompt, rows * 0.55f);
  ShowField("Response", sample.response, rows * 0.45f);
  ImGui::Text("Target: %s", sample.target.c_str());
  ImGui::Text("Extracted: %s", sample.extracted_json.c_str());
  ImGui::Text("Scores: %s", sample.scores_json.c_str());
}

}  // namespace

void DrawEvalsView(const Snapshot& snap, const Details* details, DashboardState& state) {
  nlohmann::json& report = state.report["evals"];
  const EvalTable table = SelectEvals(snap, state.selected_runs, kMaxRunColumns);
  report["columns"] = table.runs.size();
  report["rows"] = table.rows.size();
  if (table.runs.empty()) {
    MutedText("No eval runs yet: run `lfmbench eval run ...`.");
    report["cells"] = 0;
    return;
  }
  MutedText(table.from_selection
                ? "the selected eval runs"
                : fmt::format("the newest {} eval runs (select eval runs in Runs to choose)",
                              table.runs.size()));
  ImGui::SameLine();
  MutedText("| one table per run | click a benchmark to read its samples");
  const bool paging = !state.eval_task.empty();
  const float avail = ImGui::GetContentRegionAvail().y;
  report["tables"] = nlohmann::json::array();
  ImGui::BeginChild("eval_tables", ImVec2(0, paging ? avail * 0.4f : avail));
  int cells = 0;
  for (size_t col = 0; col < table.runs.size(); ++col) {
    DrawRunTable(table, col, state, report);
    cells += report["tables"].back()["rows"].get<int>();
  }
  ImGui::EndChild();
  report["cells"] = cells;
  if (paging) DrawSamples(snap, table, details, state, report);
}

}  // namespace lfm::gui
