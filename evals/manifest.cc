#include "evals/manifest.h"

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/check.h"
#include "evals/embedded_files.h"
#include "evals/sha256.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

StatusOr<std::string> StringField(const json& obj, const char* key, const std::string& where,
                                  bool required) {
  if (!obj.contains(key) || obj[key].is_null()) {
    if (required) return Error(StatusCode::kDataLoss, "{}: missing '{}'", where, key);
    return std::string();
  }
  if (!obj[key].is_string()) return Error(StatusCode::kDataLoss, "{}: '{}' is not a string", where, key);
  return obj[key].get<std::string>();
}

StatusOr<ManifestFile> ParseFile(const json& obj, const std::string& where, bool pinned) {
  if (!obj.is_object()) return Error(StatusCode::kDataLoss, "{}: a file entry is not an object", where);
  ManifestFile file;
  LFM_ASSIGN_OR_RETURN(file.path, StringField(obj, "path", where, true));
  const std::string at = where + " file " + file.path;
  LFM_ASSIGN_OR_RETURN(std::string format, StringField(obj, "format", at, true));
  auto parsed = ParseDataFormat(format);
  if (!parsed) return Error(StatusCode::kDataLoss, "{}: unknown format '{}'", at, format);
  file.format = *parsed;
  LFM_ASSIGN_OR_RETURN(file.sha256, StringField(obj, "sha256", at, pinned));
  if (!obj.contains("records") || !obj["records"].is_number_integer()) {
    return Error(StatusCode::kDataLoss, "{}: 'records' must be an integer", at);
  }
  file.records = obj["records"].get<int64_t>();
  if (obj.contains("header")) file.header = obj["header"].get<bool>();
  LFM_ASSIGN_OR_RETURN(file.count, StringField(obj, "count", at, false));
  LFM_ASSIGN_OR_RETURN(file.license, StringField(obj, "license", at, false));
  LFM_ASSIGN_OR_RETURN(file.url, StringField(obj, "url", at, false));
  LFM_ASSIGN_OR_RETURN(file.derived_from, StringField(obj, "derived_from", at, false));
  if (file.url.empty() == file.derived_from.empty()) {
    return Error(StatusCode::kDataLoss, "{}: needs exactly one of 'url' and 'derived_from'", at);
  }
  return file;
}

// Sums the sizes of the nodes `path` selects; a `*` step fans out over all children.
int64_t CountAtPath(const json& node, const std::vector<std::string>& steps, size_t i) {
  if (i == steps.size()) return (node.is_array() || node.is_object()) ? node.size() : 1;
  if (steps[i] == "*") {
    int64_t sum = 0;
    for (const auto& child : node) sum += CountAtPath(child, steps, i + 1);
    return sum;
  }
  if (!node.is_object() || !node.contains(steps[i])) return 0;
  return CountAtPath(node[steps[i]], steps, i + 1);
}

}  // namespace

const ManifestBenchmark* Manifest::Find(const std::string& name) const {
  for (const auto& b : benchmarks) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

std::vector<std::string> Manifest::Names() const {
  std::vector<std::string> names;
  for (const auto& b : benchmarks) names.push_back(b.name);
  return names;
}

StatusOr<Manifest> ParseManifest(const std::string& text, const std::string& name) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Error(StatusCode::kDataLoss, "{}: not valid JSON", name);
  if (!root.contains("benchmarks") || !root["benchmarks"].is_array()) {
    return Error(StatusCode::kDataLoss, "{}: missing the 'benchmarks' array", name);
  }
  Manifest manifest;
  for (const json& b : root["benchmarks"]) {
    ManifestBenchmark bench;
    LFM_ASSIGN_OR_RETURN(bench.name, StringField(b, "name", name, true));
    const std::string where = name + ": benchmark " + bench.name;
    LFM_ASSIGN_OR_RETURN(bench.title, StringField(b, "title", where, true));
    LFM_ASSIGN_OR_RETURN(bench.note, StringField(b, "note", where, false));
    if (!b.contains("files") || !b["files"].is_array()) {
      return Error(StatusCode::kDataLoss, "{}: missing the 'files' array", where);
    }
    for (const json& f : b["files"]) {
      LFM_ASSIGN_OR_RETURN(ManifestFile file, ParseFile(f, where, true));
      bench.files.push_back(std::move(file));
    }
    for (const json& f : b.value("unpinned", json::array())) {
      LFM_ASSIGN_OR_RETURN(ManifestFile file, ParseFile(f, where, false));
      if (file.url.empty() || !file.sha256.empty()) {
        return Error(StatusCode::kDataLoss, "{} file {}: an unpinned file has a url and no sha256",
                     where, file.path);
      }
      bench.unpinned.push_back(std::move(file));
    }
    manifest.benchmarks.push_back(std::move(bench));
  }
  return manifest;
}

const Manifest& BuiltinManifest() {
  static const Manifest manifest = [] {
    for (const EmbeddedFile& f : EmbeddedFiles()) {
      if (f.path == "datasets/manifest.json") {
        auto parsed = ParseManifest(std::string(f.content), "datasets/manifest.json");
        LFM_CHECK(parsed.ok(), "{}", parsed.status().message());
        return std::move(parsed).value();
      }
    }
    LFM_CHECK(false, "datasets/manifest.json is not embedded in the binary");
    return Manifest{};
  }();
  return manifest;
}

StatusOr<int64_t> CountRecords(const std::string& path, const ManifestFile& file) {
  if (file.count == "file") return 1;
  if (file.format == DataFormat::kJson && !file.count.empty()) {
    LFM_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipFile(path));
    json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return Error(StatusCode::kDataLoss, "{}: not valid JSON", path);
    std::vector<std::string> steps;
    std::istringstream parts(file.count);
    for (std::string step; std::getline(parts, step, '.');) steps.push_back(step);
    return CountAtPath(root, steps, 0);
  }
  if (file.format == DataFormat::kTsv || file.format == DataFormat::kCsv) {
    // Rows are counted whatever their width: the task spec, not the manifest, names the columns.
    LFM_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipFile(path));
    LFM_ASSIGN_OR_RETURN(std::vector<CsvRow> rows,
                         file.format == DataFormat::kCsv
                             ? ParseCsv(text, ',', path)
                             : StatusOr<std::vector<CsvRow>>(SplitTsv(text)));
    int64_t count = 0;
    for (const CsvRow& row : rows) count += !(row.fields.size() == 1 && row.fields[0].empty());
    return count - (file.header && count > 0 ? 1 : 0);
  }
  ReadOptions options;
  options.format = file.format;
  LFM_ASSIGN_OR_RETURN(std::vector<json> records, ReadRecords(path, options));
  return static_cast<int64_t>(records.size());
}

FileCheck CheckFile(const std::string& data_dir, const ManifestFile& file) {
  FileCheck check;
  const std::string path = (std::filesystem::path(data_dir) / file.path).string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return check;  // kMissing
  auto sha = Sha256File(path);
  if (!sha.ok()) {
    check.state = FileState::kUnreadable;
    check.detail = sha.status().message();
    return check;
  }
  check.sha256 = *sha;
  auto records = CountRecords(path, file);
  if (records.ok()) {
    check.records = *records;
  } else if (records.status().code() != StatusCode::kUnimplemented) {
    check.state = FileState::kUnreadable;
    check.detail = records.status().message();
    return check;
  }
  check.state = check.sha256 == file.sha256 ? FileState::kOk : FileState::kChecksumMismatch;
  return check;
}

}  // namespace lfm::evals
