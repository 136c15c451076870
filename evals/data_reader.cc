#include "evals/data_reader.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace lfm::evals {
namespace {

using nlohmann::json;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

StatusOr<std::string> Gunzip(const std::string& compressed, const std::string& path) {
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header; concatenated members are handled by the loop.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return Error(StatusCode::kInternal, "{}: zlib initialisation failed", path);
  }
  std::string out;
  std::vector<char> buffer(1 << 16);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
    zs.avail_out = static_cast<uInt>(buffer.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer.data(), buffer.size() - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return Error(StatusCode::kDataLoss, "{}: corrupt or truncated gzip data (zlib error {})", path, rc);
  }
  return out;
}

// Splits on '\n', dropping one trailing '\r' per line. A final empty piece (file ending in a
// newline) is not a line.
std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

StatusOr<std::vector<json>> ReadJsonl(const std::string& text, const std::string& path) {
  std::vector<json> records;
  const std::vector<std::string> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t") == std::string::npos) continue;  // blank line
    json record = json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) {
      return Error(StatusCode::kDataLoss, "{}:{}: not valid JSON", path, i + 1);
    }
    if (!record.is_object()) {
      return Error(StatusCode::kDataLoss, "{}:{}: expected a JSON object, found {}", path, i + 1,
                   record.type_name());
    }
    records.push_back(std::move(record));
  }
  return records;
}

StatusOr<std::vector<json>> ReadJson(const std::string& text, const std::string& path,
                                     const ReadOptions& options) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Error(StatusCode::kDataLoss, "{}: not valid JSON", path);
  const json* node = &root;
  std::istringstream parts(options.records_path);
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (part.empty()) continue;
    if (!node->is_object() || !node->contains(part)) {
      return Error(StatusCode::kDataLoss, "{}: no '{}' in the JSON document (records path '{}')", path,
                   part, options.records_path);
    }
    node = &(*node)[part];
  }
  std::vector<json> records;
  if (node->is_array()) {
    for (const json& item : *node) records.push_back(item);
  } else if (node->is_object()) {
    for (const auto& [key, value] : node->items()) {
      json record = value;
      if (!options.key_field.empty() && record.is_object()) record[options.key_field] = key;
      records.push_back(std::move(record));
    }
  } else {
    return Error(StatusCode::kDataLoss, "{}: records path '{}' is a {}, not an array or object", path,
                 options.records_path, node->type_name());
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (!records[i].is_object()) {
      return Error(StatusCode::kDataLoss, "{}: record {} is a {}, not an object", path, i,
                   records[i].type_name());
    }
  }
  return records;
}

StatusOr<std::vector<json>> RowsToRecords(std::vector<CsvRow> rows, const std::string& path,
                                          const ReadOptions& options) {
  std::vector<std::string> names = options.columns;
  size_t first = 0;
  if (options.header) {
    if (rows.empty()) return Error(StatusCode::kDataLoss, "{}: empty file, expected a header row", path);
    if (names.empty()) names = rows[0].fields;
    first = 1;
  }
  if (names.empty()) {
    return Error(StatusCode::kInvalidArgument,
                 "{}: the file has no header row, so the task spec must name its columns", path);
  }
  std::vector<json> records;
  for (size_t r = first; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (row.fields.size() == 1 && row.fields[0].empty()) continue;  // blank line
    if (row.fields.size() != names.size()) {
      return Error(StatusCode::kDataLoss, "{}:{}: {} fields, expected {} ({})", path, row.line,
                   row.fields.size(), names.size(), options.header ? "as in the header" : "columns");
    }
    json record = json::object();
    for (size_t c = 0; c < names.size(); ++c) record[names[c]] = row.fields[c];
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

std::optional<DataFormat> ParseDataFormat(const std::string& name) {
  if (name == "jsonl") return DataFormat::kJsonl;
  if (name == "json") return DataFormat::kJson;
  if (name == "csv") return DataFormat::kCsv;
  if (name == "tsv") return DataFormat::kTsv;
  if (name == "text") return DataFormat::kText;
  if (name == "parquet") return DataFormat::kParquet;
  return std::nullopt;
}

const char* DataFormatName(DataFormat format) {
  switch (format) {
    case DataFormat::kJsonl: return "jsonl";
    case DataFormat::kJson: return "json";
    case DataFormat::kCsv: return "csv";
    case DataFormat::kTsv: return "tsv";
    case DataFormat::kText: return "text";
    case DataFormat::kParquet: return "parquet";
  }
  return "?";
}

std::optional<DataFormat> FormatFromFileName(const std::string& path) {
  std::string name = path;
  if (EndsWith(name, ".gz")) name.resize(name.size() - 3);
  if (EndsWith(name, ".jsonl")) return DataFormat::kJsonl;
  if (EndsWith(name, ".json")) return DataFormat::kJson;
  if (EndsWith(name, ".csv")) return DataFormat::kCsv;
  if (EndsWith(name, ".tsv")) return DataFormat::kTsv;
  if (EndsWith(name, ".txt")) return DataFormat::kText;
  if (EndsWith(name, ".parquet")) return DataFormat::kParquet;
  return std::nullopt;
}

StatusOr<std::string> ReadMaybeGzipFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error(StatusCode::kNotFound, "{}: no such file", path);
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error(StatusCode::kIo, "{}: read failed", path);
  const bool gzip = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                    static_cast<unsigned char>(bytes[1]) == 0x8b;
  if (!gzip) return bytes;
  return Gunzip(bytes, path);
}

StatusOr<std::vector<CsvRow>> ParseCsv(const std::string& text, char separator,
                                       const std::string& name) {
  std::vector<CsvRow> rows;
  CsvRow row{1, {}};
  std::string field;
  int line = 1;
  int quote_line = 0;         // line where the open quoted field began
  bool in_quotes = false;
  bool field_was_quoted = false;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || field_was_quoted) {
        return Error(StatusCode::kDataLoss, "{}:{}: stray '\"' inside an unquoted field", name, line);
      }
      in_quotes = true;
      field_was_quoted = true;
      quote_line = line;
    } else if (c == separator) {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF: the '\n' ends the row.
    } else if (c == '\n') {
      end_field();
      rows.push_back(std::move(row));
      ++line;
      row = CsvRow{line, {}};
    } else {
      if (field_was_quoted) {
        return Error(StatusCode::kDataLoss, "{}:{}: text after a closing quote", name, line);
      }
      field += c;
    }
  }
  if (in_quotes) {
    return Error(StatusCode::kDataLoss, "{}:{}: quoted field never closed", name, quote_line);
  }
  if (!field.empty() || field_was_quoted || !row.fields.empty()) {
    end_field();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<CsvRow> SplitTsv(const std::string& text) {
  std::vector<CsvRow> rows;
  const std::vector<std::string> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    CsvRow row{static_cast<int>(i + 1), {}};
    size_t start = 0;
    while (true) {
      const size_t tab = lines[i].find('\t', start);
      row.fields.push_back(lines[i].substr(start, tab == std::string::npos ? tab : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

StatusOr<std::vector<json>> ReadRecords(const std::string& path, const ReadOptions& options) {
  if (options.format == DataFormat::kParquet) {
    return Error(StatusCode::kUnimplemented,
                 "{}: parquet is not read by lfmbench; use the .derived.jsonl.gz conversion beside it",
                 path);
  }
  LFM_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipFile(path));
  switch (options.format) {
    case DataFormat::kJsonl:
      return ReadJsonl(text, path);
    case DataFormat::kJson:
      return ReadJson(text, path, options);
    case DataFormat::kCsv: {
      LFM_ASSIGN_OR_RETURN(std::vector<CsvRow> rows, ParseCsv(text, ',', path));
      return RowsToRecords(std::move(rows), path, options);
    }
    case DataFormat::kTsv:
      return RowsToRecords(SplitTsv(text), path, options);
    case DataFormat::kText: {
      std::vector<json> records;
      for (const std::string& line : SplitLines(text)) {
        if (line.find_first_not_of(" \t") != std::string::npos) records.push_back({{"text", line}});
      }
      return records;
    }
    case DataFormat::kParquet:
      break;
  }
  return Error(StatusCode::kInternal, "{}: unhandled format", path);
}

}  // namespace lfm::evals
