#include "evals/data_reader.h"

#include <zlib.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

std::string WriteFile(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string WriteGzip(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "/" + name;
  gzFile out = gzopen(path.c_str(), "wb");
  gzwrite(out, content.data(), static_cast<unsigned>(content.size()));
  gzclose(out);
  return path;
}

ReadOptions Format(DataFormat format) {
  ReadOptions options;
  options.format = format;
  return options;
}

TEST(DataReaderTest, JsonlPlainAndGzipGiveTheSameRecords) {
  const std::string text = "{\"a\": 1, \"b\": \"x\"}\n\n{\"a\": 2, \"b\": \"\\u00e9\"}\n";
  auto plain = ReadRecords(WriteFile("d.jsonl", text), Format(DataFormat::kJsonl));
  auto gz = ReadRecords(WriteGzip("d.jsonl.gz", text), Format(DataFormat::kJsonl));
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_TRUE(gz.ok()) << gz.status().message();
  ASSERT_EQ(plain->size(), 2u);  // the blank line is not a record
  EXPECT_EQ(*plain, *gz);
  EXPECT_EQ((*plain)[1]["b"], "\xc3\xa9");
}

TEST(DataReaderTest, MalformedJsonlNamesFileAndLine) {
  const std::string path = WriteFile("bad.jsonl", "{\"a\": 1}\n{\"a\": \n[1, 2]\n");
  auto records = ReadRecords(path, Format(DataFormat::kJsonl));
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(records.status().message(), path + ":2: not valid JSON");

  const std::string array_line = WriteFile("arr.jsonl", "{\"a\": 1}\n[1, 2]\n");
  records = ReadRecords(array_line, Format(DataFormat::kJsonl));
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().message(), array_line + ":2: expected a JSON object, found array");
}

TEST(DataReaderTest, TruncatedGzipIsDataLoss) {
  std::string full;
  for (int i = 0; i < 2000; ++i) full += "{\"i\": " + std::to_string(i) + "}\n";
  const std::string path = WriteGzip("t.jsonl.gz", full);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string cut = WriteFile("cut.jsonl.gz", bytes.substr(0, bytes.size() / 2));
  auto records = ReadRecords(cut, Format(DataFormat::kJsonl));
  ASSERT_FALSE(records.ok());
  EXPECT_NE(records.status().message().find("corrupt or truncated gzip"), std::string::npos);
}

TEST(DataReaderTest, CsvQuotingFollowsRfc4180) {
  // Quoted separators, doubled quotes, a field spanning lines, CRLF line ends, empty fields.
  const std::string text =
      "id,text,n\r\n"
      "1,\"a, b\",2\r\n"
      "2,\"say \"\"hi\"\"\",\r\n"
      "3,\"line one\nline two\",4\n"
      "4,,\"\"\n";
  auto records = ReadRecords(WriteFile("q.csv", text), Format(DataFormat::kCsv));
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 4u);
  EXPECT_EQ((*records)[0]["text"], "a, b");
  EXPECT_EQ((*records)[1]["text"], "say \"hi\"");
  EXPECT_EQ((*records)[1]["n"], "");
  EXPECT_EQ((*records)[2]["text"], "line one\nline two");
  EXPECT_EQ((*records)[2]["n"], "4");
  EXPECT_EQ((*records)[3]["text"], "");
}

TEST(DataReaderTest, CsvErrorsNameTheLine) {
  // Row 3 starts on line 4 because row 2's quoted field spans two lines.
  const std::string text = "a,b\n1,\"x\ny\"\n2,3,4\n";
  const std::string path = WriteFile("w.csv", text);
  auto records = ReadRecords(path, Format(DataFormat::kCsv));
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().message(), path + ":4: 3 fields, expected 2 (as in the header)");

  auto unclosed = ParseCsv("a,b\n1,\"open\n2,3\n", ',', "u.csv");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.status().message(), "u.csv:2: quoted field never closed");

  auto stray = ParseCsv("a,b\n1,x\"y\n", ',', "s.csv");
  ASSERT_FALSE(stray.ok());
  EXPECT_EQ(stray.status().message(), "s.csv:2: stray '\"' inside an unquoted field");
}

TEST(DataReaderTest, HeaderlessTsvTakesColumnNamesFromOptions) {
  ReadOptions options = Format(DataFormat::kTsv);
  options.header = false;
  options.columns = {"question", "answer"};
  const std::string path = WriteFile("m.tsv", "What is \"2+2\"?\t4\nAnd 3+3?\t6\n");
  auto records = ReadRecords(path, options);
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0]["question"], "What is \"2+2\"?");  // TSV has no quoting
  EXPECT_EQ((*records)[1]["answer"], "6");

  options.columns = {"question"};
  records = ReadRecords(path, options);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().message(), path + ":1: 2 fields, expected 1 (columns)");

  options.columns.clear();
  EXPECT_FALSE(ReadRecords(path, options).ok());  // header-less without names
}

TEST(DataReaderTest, JsonRecordsPathAndKeyField) {
  const std::string path =
      WriteFile("e.json", R"({"X": {"en": {"1": {"q": "a"}, "2": {"q": "b"}}}, "Y": [1]})");
  ReadOptions options = Format(DataFormat::kJson);
  options.records_path = "X.en";
  options.key_field = "id";
  auto records = ReadRecords(path, options);
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1], json({{"q", "b"}, {"id", "2"}}));

  options.records_path = "X.de";
  records = ReadRecords(path, options);
  ASSERT_FALSE(records.ok());
  EXPECT_NE(records.status().message().find("no 'de'"), std::string::npos);
  options.records_path = "Y";
  EXPECT_FALSE(ReadRecords(path, options).ok());  // elements are not objects
}

TEST(DataReaderTest, MissingFileAndParquetAreClearErrors) {
  auto missing = ReadRecords("/nonexistent/x.jsonl", Format(DataFormat::kJsonl));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "/nonexistent/x.jsonl: no such file");
  auto parquet = ReadRecords(WriteFile("p.parquet", "PAR1"), Format(DataFormat::kParquet));
  ASSERT_FALSE(parquet.ok());
  EXPECT_EQ(parquet.status().code(), StatusCode::kUnimplemented);
}

TEST(DataReaderTest, FormatFromFileName) {
  EXPECT_EQ(FormatFromFileName("a/mmlu_test.derived.jsonl.gz"), DataFormat::kJsonl);
  EXPECT_EQ(FormatFromFileName("x.json"), DataFormat::kJson);
  EXPECT_EQ(FormatFromFileName("mgsm_en.tsv"), DataFormat::kTsv);
  EXPECT_EQ(FormatFromFileName("m.csv"), DataFormat::kCsv);
  EXPECT_EQ(FormatFromFileName("m.bin"), std::nullopt);
}

TEST(DataReaderTest, ReadsThePublishedFiles) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::string data = shared + "/datasets/";
  auto mmlu = ReadRecords(data + "mmlu/mmlu_test.derived.jsonl.gz", Format(DataFormat::kJsonl));
  ASSERT_TRUE(mmlu.ok()) << mmlu.status().message();
  EXPECT_EQ(mmlu->size(), 14042u);
  EXPECT_EQ((*mmlu)[0]["choices"].size(), 4u);

  auto multi_if = ReadRecords(data + "multi-if/multiIF_20241018_english.csv", Format(DataFormat::kCsv));
  ASSERT_TRUE(multi_if.ok()) << multi_if.status().message();
  EXPECT_EQ(multi_if->size(), 909u);
  // Quoted JSON inside CSV survives: the prompt cell parses as a JSON object.
  EXPECT_EQ(json::parse((*multi_if)[0]["turn_1_prompt"].get<std::string>())["role"], "user");

  ReadOptions mgsm = Format(DataFormat::kTsv);
  mgsm.header = false;
  mgsm.columns = {"question", "answer_number"};
  auto en = ReadRecords(data + "mgsm/mgsm_en.tsv", mgsm);
  ASSERT_TRUE(en.ok()) << en.status().message();
  EXPECT_EQ(en->size(), 250u);
  EXPECT_EQ((*en)[0]["answer_number"], "18");
}

}  // namespace
}  // namespace lfm::evals
