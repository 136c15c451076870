#include "results/table.h"

#include <algorithm>

#include "base/check.h"

namespace lfm::results {
namespace {

// Display width of UTF-8 text: code points, not bytes (good enough for the names and numbers
// in our tables; wide CJK glyphs would count as one).
size_t Width(const std::string& text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

std::string Pad(const std::string& text, size_t width, Table::Align align) {
  const std::string fill(width > Width(text) ? width - Width(text) : 0, ' ');
  return align == Table::Align::kRight ? fill + text : text + fill;
}

std::string CsvCell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string MarkdownCell(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|') {
      escaped += "\\|";
    } else if (c == '\n') {
      escaped += "<br>";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace

void Table::AddColumn(std::string header, Align align) {
  LFM_CHECK(rows_.empty(), "add columns before rows");
  headers_.push_back(std::move(header));
  aligns_.push_back(align);
}

void Table::AddRow(std::vector<std::string> cells) {
  LFM_CHECK(cells.size() == headers_.size(), "row has {} cells, table has {} columns", cells.size(),
            headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::ToText() const {
  std::vector<size_t> widths;
  for (size_t c = 0; c < headers_.size(); ++c) {
    size_t width = Width(headers_[c]);
    for (const auto& row : rows_) width = std::max(width, Width(row[c]));
    widths.push_back(width);
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) text += "  ";
      text += Pad(cells[c], widths[c], aligns_[c]);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    return text + "\n";
  };
  std::string text = line(headers_);
  std::vector<std::string> rules;
  for (size_t width : widths) rules.push_back(std::string(width, '-'));
  text += line(rules);
  for (const auto& row : rows_) text += line(row);
  return text;
}

std::string Table::ToMarkdown() const {
  std::vector<std::string> rule;
  for (Align align : aligns_) rule.push_back(align == Align::kRight ? "---:" : "---");
  auto line = [](const std::vector<std::string>& cells, bool escape) {
    std::string text = "|";
    for (const auto& cell : cells) text += " " + (escape ? MarkdownCell(cell) : cell) + " |";
    return text + "\n";
  };
  std::string text = line(headers_, true) + line(rule, false);
  for (const auto& row : rows_) text += line(row, true);
  return text;
}

std::string Table::ToCsv() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) text += ',';
      text += CsvCell(cells[c]);
    }
    return text + "\n";
  };
  std::string text = line(headers_);
  for (const auto& row : rows_) text += line(row);
  return text;
}

}  // namespace lfm::results
