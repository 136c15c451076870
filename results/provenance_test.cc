// Provenance helpers on this machine and on real files: hashes against known digests, the
// header-only mode on a sparse file larger than the whole-file limit, device detection.
#include "results/provenance.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/test_support.h"

namespace lfm::results {
namespace {

// SHA-256 test vectors from FIPS 180-2: "abc" and the empty string.
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(ProvenanceTest, Sha256OfTextAndFiles) {
  EXPECT_EQ(Sha256Hex("abc"), kAbc);
  EXPECT_EQ(Sha256Hex(""), kEmpty);
  const std::string path = ::lfm::testing::TempDir() + "/f.bin";
  std::ofstream(path) << "abcdef";
  EXPECT_EQ(Sha256File(path, 3).value(), kAbc);  // the first 3 bytes only
  EXPECT_EQ(Sha256File(path, 0).value(), kEmpty);
  EXPECT_EQ(Sha256File(path).value(), Sha256Hex("abcdef"));
  auto short_file = Sha256File(path, 7);
  EXPECT_EQ(short_file.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(short_file.status().message(), path + ": shorter than the 7 bytes to hash");
  auto missing = Sha256File(path + ".nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(path + ".nope: cannot open"), std::string::npos);
}

TEST(ProvenanceTest, ModelHashWholeOrHeader) {
  const std::string dir = ::lfm::testing::TempDir();
  ModelInfo small;
  std::ofstream(dir + "/small.gguf") << "abc";
  ASSERT_TRUE(HashModelFile(dir + "/small.gguf", 2, &small).ok());
  EXPECT_EQ(small.hash_kind, "file");  // under the limit: every byte, header_bytes unused
  EXPECT_EQ(small.hash, kAbc);
  EXPECT_EQ(small.size_bytes, 3);
  // A sparse file one byte over the limit takes no disk space but is hashed by its header.
  const std::string big = dir + "/big.gguf";
  std::ofstream(big) << "abc";
  std::filesystem::resize_file(big, kWholeFileHashLimit + 1);
  ModelInfo model;
  ASSERT_TRUE(HashModelFile(big, 3, &model).ok());
  EXPECT_EQ(model.hash_kind, "header");
  EXPECT_EQ(model.hash, kAbc);
  EXPECT_EQ(model.size_bytes, kWholeFileHashLimit + 1);
  EXPECT_EQ(model.path, big);
  EXPECT_EQ(HashModelFile(dir + "/none.gguf", 3, &model).code(), StatusCode::kNotFound);
}

TEST(ProvenanceTest, DetectsThisMachine) {
  const DeviceInfo device = DetectDevice();
  EXPECT_GT(device.cpu_cores, 0);
  EXPECT_GT(device.memory_bytes, int64_t{64} << 20);
  EXPECT_EQ(device.os.rfind("Linux ", 0), 0u) << device.os;
  EXPECT_FALSE(device.hostname.empty());
  EXPECT_EQ(device.device_id.size(), 16u);
  EXPECT_EQ(DetectDevice().device_id, device.device_id);  // stable
  // The id covers the hardware, not the host name or OS.
  DeviceInfo renamed = device;
  renamed.hostname = "elsewhere";
  renamed.os = "Linux 9.9";
  EXPECT_EQ(DeviceId(renamed), device.device_id);
  DeviceInfo bigger = device;
  bigger.memory_bytes += int64_t{4} << 30;
  EXPECT_NE(DeviceId(bigger), device.device_id);
  // Flags come only from the fixed list, comma-separated.
  for (const char* junk : {" ", "fpu", "sse,"}) {
    EXPECT_EQ(device.isa_flags.find(junk), std::string::npos) << device.isa_flags;
  }
}

TEST(ProvenanceTest, BuildCommandLineAndTime) {
  const BuildInfo build = CurrentBuild();
  EXPECT_FALSE(build.git_commit.empty());
  EXPECT_FALSE(build.lfmbench_version.empty());
  EXPECT_NE(CurrentCommandLine().find("results_test"), std::string::npos);
  EXPECT_GT(PeakRssBytes(), 0);
  EXPECT_EQ(FormatTimeMs(0), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTimeMs(1764201785000), "2025-11-27 00:03:05");
  EXPECT_GT(NowMs(), 1764201785000);
}

TEST(RecordsTest, NamesAndTestNames) {
  EXPECT_EQ(TestName(512, 0), "pp512");
  EXPECT_EQ(TestName(0, 128), "tg128");
  EXPECT_EQ(TestName(512, 128), "pp512+tg128");
  EXPECT_EQ(TestName(0, 128, 512), "tg128 @ d512");
  for (RunStatus s :
       {RunStatus::kRunning, RunStatus::kComplete, RunStatus::kIncomplete, RunStatus::kFailed}) {
    EXPECT_EQ(ParseRunStatus(RunStatusName(s)).value(), s);
  }
  EXPECT_EQ(ParseRunKind("import").value(), RunKind::kImport);
  EXPECT_EQ(ParseRunKind("bench").status().message(),
            "unknown run kind 'bench' (perf, eval, import)");
  PerfResult row;
  row.backend = "onednn";
  row.op_backends = {{"experts", "onednn"}, {"attention", "cpu"}, {"router", "naive"}};
  EXPECT_EQ(row.Fallbacks(), "attention:cpu,router:naive");
}

}  // namespace
}  // namespace lfm::results
