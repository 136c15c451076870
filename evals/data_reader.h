// Readers for the published benchmark file formats: JSONL (plain or gzip), JSON, CSV (RFC 4180),
// TSV and plain text. Every record comes back as a JSON object, so templates see one kind of
// document whatever the file format was. Malformed input fails naming the file and line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace lfm::evals {

enum class DataFormat { kJsonl, kJson, kCsv, kTsv, kText, kParquet };

// "jsonl", "json", "csv", "tsv", "text", "parquet"; nullopt for an unknown name.
std::optional<DataFormat> ParseDataFormat(const std::string& name);
const char* DataFormatName(DataFormat format);
// The format implied by a file name: .jsonl/.jsonl.gz, .json/.json.gz, .csv, .tsv, .txt, .parquet.
std::optional<DataFormat> FormatFromFileName(const std::string& path);

struct ReadOptions {
  DataFormat format = DataFormat::kJsonl;
  // CSV/TSV: whether the first row names the columns. Without a header, `columns` must name them.
  bool header = true;
  // CSV/TSV column names for header-less files (MGSM's TSVs), or to rename; must match the width.
  std::vector<std::string> columns;
  // JSON: dotted path to the records inside the document ("MGSM_EXEMPLARS.en"); "" = the root.
  // An array's elements or an object's values are the records; an object's key is added to each
  // record as `key_field` when that is non-empty.
  std::string records_path;
  std::string key_field;
};

// Reads every record of `path`. Gzip files are recognised by content, not name. Errors:
// kNotFound (missing file), kDataLoss with "<path>:<line>: <problem>" for malformed rows,
// kUnimplemented for parquet (the datasets keep a .derived.jsonl.gz conversion next to each).
StatusOr<std::vector<nlohmann::json>> ReadRecords(const std::string& path, const ReadOptions& options);

// The whole file, gunzipped when it is gzip-compressed. kNotFound / kIo / kDataLoss on failure.
StatusOr<std::string> ReadMaybeGzipFile(const std::string& path);

// Parses CSV text (RFC 4180: quoted fields may hold the separator, doubled quotes and newlines).
// `name` is used in error messages. Returns rows of fields with the 1-based line each row starts on.
struct CsvRow {
  int line = 0;
  std::vector<std::string> fields;
};
StatusOr<std::vector<CsvRow>> ParseCsv(const std::string& text, char separator,
                                       const std::string& name);
// Splits TSV text (no quoting: fields never hold tabs or newlines) into rows of fields.
std::vector<CsvRow> SplitTsv(const std::string& text);

}  // namespace lfm::evals
