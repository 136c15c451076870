// The table formatter's three outputs, including the awkward cells (commas, quotes, newlines,
// pipes, UTF-8).
#include "results/table.h"

#include <gtest/gtest.h>

namespace lfm::results {
namespace {

Table Sample() {
  Table table;
  table.AddColumn("model");
  table.AddColumn("t/s", Table::Align::kRight);
  table.AddRow({"lfm2moe Q4_0", "61.20 ± 0.40"});
  table.AddRow({"a,b \"q\"", "7.00"});
  return table;
}

TEST(TableTest, TextAlignsColumns) {
  EXPECT_EQ(Sample().ToText(),
            "model                  t/s\n"
            "------------  ------------\n"
            "lfm2moe Q4_0  61.20 ± 0.40\n"
            "a,b \"q\"               7.00\n");
}

TEST(TableTest, MarkdownEscapesPipes) {
  Table table = Sample();
  table.AddRow({"x|y", "line\nbreak"});
  EXPECT_EQ(table.ToMarkdown(),
            "| model | t/s |\n"
            "| --- | ---: |\n"
            "| lfm2moe Q4_0 | 61.20 ± 0.40 |\n"
            "| a,b \"q\" | 7.00 |\n"
            "| x\\|y | line<br>break |\n");
}

TEST(TableTest, CsvQuotesPerRfc4180) {
  Table table = Sample();
  table.AddRow({"multi\nline", ""});
  EXPECT_EQ(table.ToCsv(),
            "model,t/s\n"
            "lfm2moe Q4_0,61.20 ± 0.40\n"
            "\"a,b \"\"q\"\"\",7.00\n"
            "\"multi\nline\",\n");
}

}  // namespace
}  // namespace lfm::results
