// A small table formatter for command output: aligned text, Markdown and CSV from the same
// rows, so every command prints tables the same way.
#pragma once

#include <string>
#include <vector>

namespace lfm::results {

class Table {
 public:
  enum class Align { kLeft, kRight };

  // Adds a column; call before AddRow.
  void AddColumn(std::string header, Align align = Align::kLeft);
  // Adds a row with one cell per column (LFM_CHECKed).
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // Columns padded to their widest cell, two spaces apart, a dashed rule under the header.
  std::string ToText() const;
  // A GitHub Markdown table ("|---:|" for right-aligned columns, "|" escaped in cells).
  std::string ToMarkdown() const;
  // RFC 4180 CSV: header row, CRLF-free "\n" line ends, cells with , " or newlines quoted.
  std::string ToCsv() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace lfm::results
