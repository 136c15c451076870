#include "engine/gguf.h"

#include <cstring>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace lfm::engine {
namespace {

using ::testing::HasSubstr;
using kernels::DType;

// Builds GGUF bytes field by field, so tests can write files the writer never would.
class RawGguf {
 public:
  RawGguf& U32(uint32_t v) { return Bytes(&v, 4); }
  RawGguf& U64(uint64_t v) { return Bytes(&v, 8); }
  RawGguf& Str(const std::string& s) {
    U64(s.size());
    return Bytes(s.data(), s.size());
  }
  RawGguf& Bytes(const void* p, size_t n) {
    bytes.append(static_cast<const char*>(p), n);
    return *this;
  }
  RawGguf& PadTo(size_t multiple) {
    while (bytes.size() % multiple) bytes += '\0';
    return *this;
  }
  std::string bytes;
};

// A well-formed file: one string key, one u32 key, two f32 tensors of 8 values each.
struct GoodFile {
  uint32_t version = 3;
  uint64_t n_tensors = 2, n_kv = 2;
  std::string key0 = "general.architecture", key1 = "general.alignment";
  uint32_t key1_type = 4;  // u32
  uint32_t alignment = 32;
  uint32_t t1_type = 0;
  uint64_t t1_offset = 32;
  std::string t1_name = "b";
  size_t data_bytes = 64;

  std::string Build() const {
    RawGguf g;
    g.Bytes("GGUF", 4).U32(version).U64(n_tensors).U64(n_kv);
    g.Str(key0).U32(8).Str("lfm2moe");
    g.Str(key1).U32(key1_type).U32(alignment);
    g.Str("a").U32(1).U64(8).U32(0).U64(0);
    g.Str(t1_name).U32(1).U64(8).U32(t1_type).U64(t1_offset);
    g.PadTo(alignment);
    g.bytes.append(data_bytes, '\x01');
    return g.bytes;
  }
};

Status ParseStatus(const std::string& bytes) {
  auto r = GgufFile::Parse("x.gguf", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return r.status();
}

TEST(GgufReaderTest, AcceptsWellFormedFile) {
  const std::string bytes = GoodFile().Build();
  auto file = GgufFile::Parse("x.gguf", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ((*file)->version(), 3u);
  EXPECT_EQ(*(*file)->GetString("general.architecture"), "lfm2moe");
  EXPECT_EQ(*(*file)->GetUInt("general.alignment"), 32u);
  ASSERT_EQ((*file)->tensors().size(), 2u);
  EXPECT_EQ((*file)->FindTensor("b")->offset, 32u);
  EXPECT_EQ((*file)->FindTensor("b")->nbytes, 32u);
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* message;
};

std::vector<BadCase> BadCases() {
  std::vector<BadCase> cases;
  auto with = [](auto edit) {
    GoodFile f;
    edit(f);
    return f.Build();
  };
  std::string bad_magic = GoodFile().Build();
  bad_magic[0] = 'X';
  cases.push_back({"bad magic", bad_magic, "bad magic"});
  cases.push_back({"unknown version", with([](GoodFile& f) { f.version = 7; }), "unknown version 7"});
  cases.push_back({"version 1", with([](GoodFile& f) { f.version = 1; }), "version 1 is not supported"});
  cases.push_back({"absurd kv count", with([](GoodFile& f) { f.n_kv = 1ull << 60; }),
                   "metadata count 1152921504606846976 is impossible"});
  cases.push_back({"absurd tensor count", with([](GoodFile& f) { f.n_tensors = 1ull << 50; }),
                   "tensor count 1125899906842624 is impossible"});
  cases.push_back({"duplicated key", with([](GoodFile& f) { f.key1 = f.key0; }),
                   "duplicated key 'general.architecture'"});
  cases.push_back({"duplicated tensor", with([](GoodFile& f) { f.t1_name = "a"; }),
                   "duplicated tensor 'a'"});
  cases.push_back({"unknown tensor type", with([](GoodFile& f) { f.t1_type = 99; }),
                   "unknown tensor type 99"});
  cases.push_back({"unknown value type", with([](GoodFile& f) { f.key1_type = 42; }),
                   "unknown value type 42"});
  cases.push_back({"misaligned offset", with([](GoodFile& f) { f.t1_offset = 33; }),
                   "not a multiple of the alignment"});
  cases.push_back({"overlapping tensors", with([](GoodFile& f) { f.t1_offset = 0; }),
                   "tensors 'a' and 'b' overlap"});
  cases.push_back({"data out of bounds", with([](GoodFile& f) { f.data_bytes = 40; }),
                   "tensor 'b' (32 bytes at data offset 32) ends past the end"});
  cases.push_back({"bad alignment", with([](GoodFile& f) { f.alignment = 24; }),
                   "general.alignment must be a positive power-of-two"});
  // A string whose length runs past the end of the file.
  RawGguf long_string;
  long_string.Bytes("GGUF", 4).U32(3).U64(0).U64(1).U64(1ull << 40);
  long_string.bytes.append(64, 'k');
  cases.push_back({"absurd string length", long_string.bytes, "claims 1099511627776 bytes"});
  // An array whose count cannot fit in the file.
  RawGguf long_array;
  long_array.Bytes("GGUF", 4).U32(3).U64(0).U64(1).Str("k").U32(9).U32(4).U64(1ull << 40);
  long_array.bytes.append(64, '\0');
  cases.push_back({"absurd array count", long_array.bytes, "array 'k' claims 1099511627776 elements"});
  RawGguf nested;
  nested.Bytes("GGUF", 4).U32(3).U64(0).U64(1).Str("k").U32(9).U32(9).U64(1);
  nested.bytes.append(64, '\0');
  cases.push_back({"nested array", nested.bytes, "nested arrays are not supported"});
  return cases;
}

TEST(GgufReaderTest, EveryMalformedInputGivesAClearError) {
  for (const BadCase& c : BadCases()) {
    Status s = ParseStatus(c.bytes);
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_THAT(s.message(), HasSubstr("x.gguf: not a valid GGUF file:")) << c.name;
    EXPECT_THAT(s.message(), HasSubstr(c.message)) << c.name;
  }
}

TEST(GgufReaderTest, EveryTruncationIsAnErrorNamingTruncation) {
  const std::string bytes = GoodFile().Build();
  for (size_t n = 0; n < bytes.size(); ++n) {
    // Copy into an exactly-sized buffer so AddressSanitizer sees any read past the end.
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    auto r = GgufFile::Parse("x.gguf", prefix.data(), prefix.size());
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_THAT(r.status().message(), ::testing::AnyOf(HasSubstr("truncated"), HasSubstr("left")))
        << n << ": " << r.status().message();
  }
}

TEST(GgufReaderTest, MissingFileNamesThePath) {
  auto r = GgufFile::Open("/nonexistent/model.gguf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/model.gguf: cannot open"));
}

TEST(GgufReaderTest, TypedLookupsReportTheTypeFound) {
  const std::string bytes = GoodFile().Build();
  auto file = GgufFile::Parse("x.gguf", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_TRUE(file.ok());
  auto wrong = (*file)->GetUInt("general.architecture");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "x.gguf: metadata key 'general.architecture' is string, expected an integer");
  auto missing = (*file)->GetFloat("nope");
  EXPECT_EQ(missing.status().message(), "x.gguf: metadata key 'nope' is missing");
}

TEST(GgufWriterTest, RoundTripsEveryValueKindAndTensorData) {
  const std::string path = testing::TempDir() + "/rt.gguf";
  {
    auto w = GgufWriter::Create(path, 64);
    ASSERT_TRUE(w.ok());
    (*w)->AddMetadata("general.alignment", GgufValue::U32(64));
    (*w)->AddMetadata("s", GgufValue::String("héllo"));
    (*w)->AddMetadata("f", GgufValue::F32(0.5f));
    (*w)->AddMetadata("b", GgufValue::Bool(true));
    (*w)->AddMetadata("i", GgufValue::I32(-3));
    (*w)->AddMetadata("ia", GgufValue::I32Array({0, 2, -1}));
    (*w)->AddMetadata("sa", GgufValue::StringArray({"x", "", "Ġz"}));
    (*w)->AddTensor("q", {64, 3}, DType::kQ8_0);
    (*w)->AddTensor("f", {5}, DType::kF32);
    std::vector<uint8_t> q(34 * 2 * 3, 7);
    // Written in two pieces to exercise streaming.
    ASSERT_TRUE((*w)->WriteTensorData(q.data(), 100).ok());
    ASSERT_TRUE((*w)->WriteTensorData(q.data() + 100, q.size() - 100).ok());
    const float f[5] = {1, 2, 3, 4, 5};
    ASSERT_TRUE((*w)->WriteTensorData(f, sizeof(f)).ok());
    ASSERT_TRUE((*w)->Finish().ok());
  }
  auto file = GgufFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  const GgufFile& g = **file;
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(*g.GetString("s"), "héllo");
  EXPECT_EQ(*g.GetFloat("f"), 0.5);
  EXPECT_TRUE(*g.GetBool("b"));
  EXPECT_EQ(*g.GetInt("i"), -3);
  EXPECT_EQ(*g.GetIntArray("ia"), (std::vector<int64_t>{0, 2, -1}));
  EXPECT_EQ(*g.GetStringArray("sa"), (std::vector<std::string>{"x", "", "Ġz"}));
  const GgufTensorInfo* f = g.FindTensor("f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->offset % 64, 0u);
  float back[5];
  std::memcpy(back, g.TensorData(*f), sizeof(back));
  EXPECT_EQ(back[4], 5.0f);
  EXPECT_EQ(g.TensorData(*g.FindTensor("q"))[203], 7);
}

TEST(GgufWriterTest, FailedWriteLeavesNoFileAtTheTarget) {
  const std::string path = testing::TempDir() + "/never.gguf";
  {
    auto w = GgufWriter::Create(path);
    ASSERT_TRUE(w.ok());
    (*w)->AddTensor("t", {32}, DType::kF32);
    // Destroyed before Finish(): the partial file is removed.
  }
  EXPECT_FALSE(std::ifstream(path).good());
  EXPECT_FALSE(std::ifstream(path + ".part").good());
  auto bad = GgufWriter::Create("/nonexistent-dir/x.gguf");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("/nonexistent-dir/x.gguf.part: cannot create"));
}

}  // namespace
}  // namespace lfm::engine
