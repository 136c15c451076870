// Evals view: benchmarks x runs with value ± standard error and n; the settings that change
// numbers (shots, chat, generation, data checksum, spec version) in each row's and cell's
// tooltip, so the scores stay on screen; clicking a benchmark pages through its stored samples (prompt, response, extracted
// answer, pass/fail). Samples marked not-to-display (GPQA) never show any text.
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

// The cell: value ± stderr and the number of samples.
std::string CellText(const results::EvalScore& s) {
  return fmt::format("{}  n={}", ScoreText(s), s.n);
}

// The benchmark table; returns the number of cells with a score.
int DrawScoreTable(const EvalTable& table, DashboardState& state, float height) {
  int cells = 0;
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                                     ImGuiTableFlags_BordersV | ImGuiTableFlags_ScrollY |
                                     ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit;
  const int n_cols = 3 + static_cast<int>(table.runs.size());
  if (!ImGui::BeginTable("scores", n_cols, kFlags, ImVec2(0, height))) return cells;
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("Benchmark");
  ImGui::TableSetupColumn("Metric");
  ImGui::TableSetupColumn("Filter");
  for (const auto* run : table.runs) {
    ImGui::TableSetupColumn(fmt::format("#{} {}", run->id, CommitLabel(*run)).c_str());
  }
  ImGui::TableHeadersRow();
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const EvalRow& row = table.rows[r];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(r));
    const std::string name = (row.is_group ? row.name + " (group)" : row.name) +
                             (row.settings_differ ? " *" : "");
    if (ImGui::Selectable(name.c_str(), state.eval_task == row.name && !row.is_group,
                          ImGuiSelectableFlags_SpanAllColumns) &&
        !row.is_group) {
      state.eval_task = row.name;
      state.eval_samples_run = 0;
      state.eval_sample_offset = 0;
    }
    const auto first = std::find_if(row.cells.begin(), row.cells.end(),
                                    [](const EvalCell& c) { return c.task != nullptr; });
    if (ImGui::IsItemHovered() && first != row.cells.end()) {
      ImGui::SetTooltip("%s", row.settings_differ
                                  ? "* settings differ between runs (hover the cells)"
                                  : SettingsLabel(*first->task).c_str());
    }
    ImGui::PopID();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.metric.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.filter.c_str());
    for (const EvalCell& cell : row.cells) {
      ImGui::TableNextColumn();
      if (!cell.score) continue;
      ++cells;
      ImGui::TextUnformatted(CellText(*cell.score).c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s\nn = %lld samples\n%s", ScoreText(*cell.score).c_str(),
                          static_cast<long long>(cell.score->n),
                          cell.task ? SettingsLabel(*cell.task).c_str() : "(a group)");
      }
    }
  }
  ImGui::EndTable();
  return cells;
}

void ShowField(const char* label, const std::string& text, float lines) {
  ImGui::TextUnformatted(label);
  ImGui::BeginChild(label, ImVec2(0, lines * ImGui::GetTextLineHeightWithSpacing()), true);
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndChild();
}

// The sample pager for state.eval_task over the runs that evaluated it.
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
  MutedText("| click a benchmark to read its samples");
  const bool paging = !state.eval_task.empty();
  const float avail = ImGui::GetContentRegionAvail().y;
  const float table_height =
      paging ? std::min(avail * 0.4f, (table.rows.size() + 2.f) * ImGui::GetTextLineHeightWithSpacing())
             : avail;
  report["cells"] = DrawScoreTable(table, state, table_height);
  if (paging) DrawSamples(snap, table, details, state, report);
}

}  // namespace lfm::gui
