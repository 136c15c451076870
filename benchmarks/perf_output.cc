#include "benchmarks/perf_output.h"

#include <fmt/format.h>

#include <cmath>

#include "results/report.h"
#include "results/statistics.h"
#include "results/table.h"

namespace lfm::bench {
namespace {

using nlohmann::json;

// A CSV cell: strings as they are, numbers as JSON writes them, arrays space-separated (as
// llama-bench writes samples_ns), objects as JSON text, null as "".
std::string CsvCell(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string cell;
    for (const json& item : value) {
      if (!cell.empty()) cell += ' ';
      cell += CsvCell(item);
    }
    return cell;
  }
  return value.dump();
}

}  // namespace

StatusOr<PerfFormat> ParsePerfFormat(std::string_view name) {
  if (name == "md") return PerfFormat::kMarkdown;
  if (name == "csv") return PerfFormat::kCsv;
  if (name == "json") return PerfFormat::kJson;
  if (name == "jsonl") return PerfFormat::kJsonLines;
  return Error(StatusCode::kInvalidArgument, "unknown output format '{}' (md, csv, json, jsonl)",
               name);
}

json PerfOutputRow(const results::RunRecord& run, const results::PerfResult& row) {
  json j = results::PerfRowJson(row);
  j["run_id"] = run.id;
  j["model"] = run.model.name;
  j["model_size"] = run.model.size_bytes;
  j["model_params"] = run.model.params;
  // llama-bench's names.
  j["model_filename"] = run.model.path;
  j["model_type"] = run.model.name;
  j["model_n_params"] = run.model.params;
  j["n_threads"] = row.threads;
  j["cpu_info"] = run.device.cpu_model;
  j["build_commit"] = run.build.git_commit;
  // Nanoseconds are integers, as llama-bench writes them.
  std::vector<double> ns, ts;
  std::vector<int64_t> ns_integers;
  for (const results::PerfSample& s : row.samples) {
    ns.push_back(s.seconds * 1e9);
    ns_integers.push_back(std::llround(s.seconds * 1e9));
    ts.push_back(s.tokens_per_s);
  }
  j["samples_ns"] = ns_integers;
  j["samples_ts"] = ts;
  j["avg_ns"] = ns.empty() ? json(nullptr) : json(std::llround(results::Mean(ns)));
  j["stddev_ns"] = ns.empty() ? json(nullptr) : json(std::llround(results::StdDev(ns)));
  j["avg_ts"] = ts.empty() ? json(nullptr) : json(results::Mean(ts));
  j["stddev_ts"] = ts.empty() ? json(nullptr) : json(results::StdDev(ts));
  return j;
}

StatusOr<std::string> FormatPerfRun(results::ResultStore& store, int64_t run_id,
                                    PerfFormat format) {
  LFM_ASSIGN_OR_RETURN(results::RunRecord run, store.GetRun(run_id));
  LFM_ASSIGN_OR_RETURN(std::vector<results::PerfResult> rows, store.GetPerfResults(run_id));
  if (format == PerfFormat::kMarkdown) return results::PerfTable(run, rows).ToMarkdown();
  json all = json::array();
  for (const results::PerfResult& row : rows) all.push_back(PerfOutputRow(run, row));
  switch (format) {
    case PerfFormat::kJson:
      return all.dump(2) + "\n";
    case PerfFormat::kJsonLines: {
      std::string out;
      for (const json& j : all) out += j.dump() + "\n";
      return out;
    }
    case PerfFormat::kCsv: {
      if (all.empty()) return std::string();
      results::Table table;
      std::vector<std::string> keys;  // every field but the per-sample objects (see samples_ts)
      for (const auto& [key, value] : all[0].items()) {
        if (key != "samples") keys.push_back(key);
      }
      for (const std::string& key : keys) table.AddColumn(key);
      for (const json& j : all) {
        std::vector<std::string> cells;
        for (const std::string& key : keys) cells.push_back(CsvCell(j.at(key)));
        table.AddRow(std::move(cells));
      }
      return table.ToCsv();
    }
    case PerfFormat::kMarkdown:
      break;
  }
  return std::string();
}

}  // namespace lfm::bench
