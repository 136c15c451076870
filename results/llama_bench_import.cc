#include "results/llama_bench_import.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "results/provenance.h"

namespace lfm::results {
namespace {

using nlohmann::json;

// Fields that describe the run, the row's identity or its timings; everything else in a row is
// a setting.
const std::set<std::string> kNotSettings = {
    "build_commit", "build_number",   "cpu_info",  "gpu_info",  "model_filename", "model_type",
    "model_size",   "model_n_params", "n_threads", "n_prompt",  "n_gen",          "test_time",
    "avg_ns",       "stddev_ns",      "avg_ts",    "stddev_ts", "samples_ns",     "samples_ts"};

// "2025-04-24T11:58:50Z" -> ms since the epoch; 0 when unparsable.
int64_t ParseTestTime(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// The JSON objects of a llama-bench file: a JSON array (-o json) or one object per line
// (-o jsonl).
StatusOr<std::vector<json>> ReadObjects(const std::string& text, const std::string& source) {
  json whole = json::parse(text, nullptr, false);
  if (whole.is_array()) return std::vector<json>(whole.begin(), whole.end());
  std::vector<json> objects;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json object = json::parse(line, nullptr, false);
    if (!object.is_object()) {
      return Error(StatusCode::kDataLoss,
                   "{}: line {}: not llama-bench JSON output (expected `llama-bench -o json` or "
                   "`-o jsonl`)",
                   source, number);
    }
    objects.push_back(std::move(object));
  }
  if (objects.empty())
    return Error(StatusCode::kDataLoss, "{}: no llama-bench results in it", source);
  return objects;
}

template <typename T>
StatusOr<T> Field(const json& row, const char* key, const std::string& where) {
  auto it = row.find(key);
  if (it == row.end() || it->is_null()) {
    return Error(StatusCode::kDataLoss, "{}: missing field '{}'", where, key);
  }
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return Error(StatusCode::kDataLoss, "{}: field '{}' has the wrong type ({})", where, key,
                 it->dump());
  }
}

StatusOr<PerfResult> ParseRow(const json& row, const std::string& where) {
  PerfResult out;
  out.backend = "llama.cpp";
  LFM_ASSIGN_OR_RETURN(out.threads, Field<int>(row, "n_threads", where));
  LFM_ASSIGN_OR_RETURN(out.n_prompt, Field<int>(row, "n_prompt", where));
  LFM_ASSIGN_OR_RETURN(out.n_gen, Field<int>(row, "n_gen", where));
  const int depth = row.value("n_depth", 0);
  out.test = TestName(out.n_prompt, out.n_gen, depth);
  json settings = json::object();
  for (const auto& [key, value] : row.items()) {
    if (!kNotSettings.count(key)) settings[key] = value;
  }
  out.settings_json = settings.dump();
  auto ns = row.find("samples_ns");
  auto ts = row.find("samples_ts");
  if (ns == row.end() || !ns->is_array() || ns->empty()) {
    return Error(StatusCode::kDataLoss,
                 "{}: no 'samples_ns' array: this llama-bench output has no repetitions to import",
                 where);
  }
  for (size_t i = 0; i < ns->size(); ++i) {
    if (!(*ns)[i].is_number())
      return Error(StatusCode::kDataLoss, "{}: samples_ns[{}] is not a number", where, i);
    PerfSample sample;
    sample.rep = static_cast<int>(i);
    sample.seconds = (*ns)[i].get<double>() / 1e9;
    const bool has_ts = ts != row.end() && ts->is_array() && i < ts->size() && (*ts)[i].is_number();
    sample.tokens_per_s = has_ts ? (*ts)[i].get<double>()
                                 : (out.n_prompt + out.n_gen) / std::max(sample.seconds, 1e-12);
    out.samples.push_back(sample);
  }
  return out;
}

// "lfm2moe 8B Q4_0" -> ("lfm2moe", "Q4_0"); llama.cpp writes "<arch> <size> <ftype>".
void SplitModelType(const std::string& type, ModelInfo* model) {
  const size_t first = type.find(' ');
  model->arch = type.substr(0, first);
  const size_t second = first == std::string::npos ? first : type.find(' ', first + 1);
  if (second != std::string::npos) model->quant = type.substr(second + 1);
}

}  // namespace

StatusOr<std::vector<ImportedRun>> ParseLlamaBench(const std::string& text,
                                                   const std::string& source) {
  LFM_ASSIGN_OR_RETURN(std::vector<json> objects, ReadObjects(text, source));
  const DeviceInfo here = DetectDevice();
  std::map<std::string, size_t> run_index;  // model | commit | cpu -> position in runs
  std::vector<ImportedRun> runs;
  std::vector<std::set<int>> threads;  // per run
  for (size_t i = 0; i < objects.size(); ++i) {
    const json& row = objects[i];
    const std::string where = fmt::format("{}: result {}", source, i + 1);
    if (!row.is_object()) return Error(StatusCode::kDataLoss, "{}: not a JSON object", where);
    LFM_ASSIGN_OR_RETURN(std::string model_file, Field<std::string>(row, "model_filename", where));
    const std::string commit = row.value("build_commit", "");
    const std::string cpu = row.value("cpu_info", "");
    LFM_ASSIGN_OR_RETURN(PerfResult perf, ParseRow(row, where));
    const std::string key = model_file + "|" + commit + "|" + cpu;
    auto [it, added] = run_index.emplace(key, runs.size());
    if (added) {
      ImportedRun imported;
      RunRecord& run = imported.run;
      run.kind = RunKind::kImport;
      run.backend = "llama.cpp";
      run.build.git_commit = commit;
      if (row.contains("build_number")) {
        run.build.lfmbench_version = fmt::format("llama.cpp build {}", row["build_number"].dump());
      }
      if (cpu == here.cpu_model) {
        run.device = here;  // measured on this machine: same device as lfmbench's runs here
      } else {
        run.device.cpu_model = cpu;
        run.device.device_id = DeviceId(run.device);
      }
      run.model.path = model_file;
      run.model.name = row.value("model_type", "");
      run.model.size_bytes = row.value("model_size", int64_t{0});
      run.model.params = row.value("model_n_params", int64_t{0});
      SplitModelType(run.model.name, &run.model);
      run.command_line = CurrentCommandLine();
      runs.push_back(std::move(imported));
      threads.emplace_back();
    }
    ImportedRun& imported = runs[it->second];
    const int64_t time = ParseTestTime(row.value("test_time", ""));
    if (time > 0 && (imported.run.started_ms == 0 || time < imported.run.started_ms)) {
      imported.run.started_ms = time;
    }
    double seconds = 0;
    for (const PerfSample& sample : perf.samples) seconds += sample.seconds;
    imported.finished_ms =
        std::max(imported.finished_ms, time + static_cast<int64_t>(seconds * 1e3));
    threads[it->second].insert(perf.threads);
    imported.rows.push_back(std::move(perf));
  }
  for (size_t r = 0; r < runs.size(); ++r) {
    for (int t : threads[r]) {
      if (!runs[r].run.threads.empty()) runs[r].run.threads += ',';
      runs[r].run.threads += std::to_string(t);
    }
  }
  return runs;
}

StatusOr<std::vector<int64_t>> ImportLlamaBench(ResultStore& store, const std::string& path,
                                                const std::string& tag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(StatusCode::kNotFound, "{}: cannot open", path);
  std::stringstream text;
  text << in.rdbuf();
  LFM_ASSIGN_OR_RETURN(std::vector<ImportedRun> runs, ParseLlamaBench(text.str(), path));
  std::vector<int64_t> ids;
  LFM_RETURN_IF_ERROR(store.InTransaction([&]() -> Status {
    for (ImportedRun& imported : runs) {
      imported.run.tag = tag;
      LFM_ASSIGN_OR_RETURN(int64_t id, store.BeginRun(imported.run));
      for (PerfResult& row : imported.rows) {
        row.run_id = id;
        LFM_RETURN_IF_ERROR(store.AddPerfResult(row).status());
      }
      LFM_RETURN_IF_ERROR(store.FinishRun(id, RunStatus::kComplete, "", imported.finished_ms));
      ids.push_back(id);
    }
    return OkStatus();
  }));
  return ids;
}

}  // namespace lfm::results
