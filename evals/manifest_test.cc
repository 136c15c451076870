#include "evals/manifest.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "evals/fetch.h"
#include "evals/sha256.h"
#include "tests/test_support.h"

namespace lfm::evals {
namespace {

namespace fs = std::filesystem;

TEST(ManifestTest, BuiltinManifestNamesTheSixteenBenchmarks) {
  const Manifest& manifest = BuiltinManifest();
  const std::vector<std::string> expected = {
      "mmlu",   "mmlu_pro", "gpqa",  "ifeval",           "ifbench",          "multi_if",
      "gsm8k",  "gsmplus",  "math500", "math_level5",    "mgsm",             "mmmlu",
      "livecodebench_v6",   "livecodebench_v5", "humaneval_plus", "creative_writing_v3"};
  EXPECT_EQ(manifest.Names(), expected);
  for (const auto& bench : manifest.benchmarks) {
    // A benchmark either has pinned files or says where its data lives.
    EXPECT_TRUE(!bench.files.empty() || !bench.note.empty()) << bench.name;
    for (const auto& file : bench.files) {
      EXPECT_EQ(file.sha256.size(), 64u) << file.path;
      if (!file.url.empty()) {
        EXPECT_EQ(file.url.rfind("https://raw.githubusercontent.com/", 0), 0u);
      }
    }
  }
  EXPECT_EQ(manifest.Find("gsm8k")->files.size(), 3u);
  EXPECT_EQ(manifest.Find("nope"), nullptr);
}

TEST(ManifestTest, ParseRejectsMalformedEntries) {
  auto bad = ParseManifest(R"({"benchmarks": [{"name": "x", "title": "X", "files": [
      {"path": "x/a.jsonl", "format": "jsonl", "sha256": "00", "records": 1}]}]})", "m.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "m.json: benchmark x file x/a.jsonl: needs exactly one of 'url' and 'derived_from'");
  bad = ParseManifest(R"({"benchmarks": [{"name": "x", "title": "X", "files": [
      {"path": "x/a.bin", "format": "bin", "sha256": "00", "records": 1, "url": "u"}]}]})", "m.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "m.json: benchmark x file x/a.bin: unknown format 'bin'");
  EXPECT_FALSE(ParseManifest("{", "m.json").ok());
}

// Every pinned file present in the shared datasets matches its checksum and record count.
TEST(ManifestTest, SharedDatasetsMatchTheManifest) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::string dir = shared + "/datasets";
  int checked = 0;
  for (const auto& bench : BuiltinManifest().benchmarks) {
    for (const auto& file : bench.files) {
      const FileCheck check = CheckFile(dir, file);
      ASSERT_EQ(check.state, FileState::kOk) << file.path << " " << check.detail;
      if (file.format != DataFormat::kParquet) {
        ASSERT_TRUE(check.records.has_value()) << file.path;
        EXPECT_EQ(*check.records, file.records) << file.path;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 39);
}

TEST(ManifestTest, CheckFileSeesMissingAndAlteredFiles) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const ManifestFile& file = BuiltinManifest().Find("mgsm")->files[2];  // mgsm/mgsm_en.tsv
  ASSERT_EQ(file.path, "mgsm/mgsm_en.tsv");
  const std::string dir = testing::TempDir();
  EXPECT_EQ(CheckFile(dir, file).state, FileState::kMissing);
  fs::create_directories(dir + "/mgsm");
  fs::copy_file(shared + "/datasets/mgsm/mgsm_en.tsv", dir + "/mgsm/mgsm_en.tsv");
  EXPECT_EQ(CheckFile(dir, file).state, FileState::kOk);
  std::ofstream(dir + "/mgsm/mgsm_en.tsv", std::ios::app) << "One more?\t1\n";
  const FileCheck altered = CheckFile(dir, file);
  EXPECT_EQ(altered.state, FileState::kChecksumMismatch);
  EXPECT_EQ(altered.records, 251);
}

// A loopback HTTP server (python3 -m http.server) serving `root`, on a free port it picks.
class LoopbackServer {
 public:
  explicit LoopbackServer(const std::string& root) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      // Port 0: the kernel picks a free port; the script prints it, then serves.
      const char* script =
          "import functools, http.server, sys\n"
          "class Quiet(http.server.SimpleHTTPRequestHandler):\n"
          "    def log_message(self, *a): pass\n"
          "h = functools.partial(Quiet, directory=sys.argv[1])\n"
          "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
          "print(s.server_address[1], flush=True)\n"
          "s.serve_forever()\n";
      execlp("python3", "python3", "-c", script, root.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::FILE* in = fdopen(out[0], "r");
    if (in && std::fscanf(in, "%d", &port_) != 1) port_ = 0;
    if (in) std::fclose(in);
  }
  ~LoopbackServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(FetchTest, DownloadsVerifiesAndRejectsFromLoopbackServer) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  // The server's root: the shared datasets plus a corrupted copy of one file.
  const std::string root = testing::TempDir();
  fs::create_directory_symlink(shared + "/datasets/gsm8k", root + "/gsm8k");
  fs::create_directories(root + "/bad");
  std::ofstream(root + "/bad/test.jsonl") << "{\"question\": \"tampered\", \"answer\": \"#### 0\"}\n";
  LoopbackServer server(root);
  ASSERT_GT(server.port(), 0) << "could not start python3 -m http.server";

  const ManifestFile& test_file = BuiltinManifest().Find("gsm8k")->files[0];
  ASSERT_EQ(test_file.path, "gsm8k/test.jsonl");
  const std::string dest_dir = testing::TempDir();
  DownloadOptions options;
  options.expected_sha256 = test_file.sha256;
  options.show_progress = false;

  // Good file: arrives, checksum verified, no .part left.
  const std::string dest = dest_dir + "/gsm8k/test.jsonl";
  Status ok = DownloadFile(server.Url("gsm8k/test.jsonl"), dest, options);
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(*Sha256File(dest), test_file.sha256);
  EXPECT_FALSE(fs::exists(dest + ".part"));
  EXPECT_EQ(CheckFile(dest_dir, test_file).state, FileState::kOk);

  // Wrong bytes under the expected name: rejected, nothing written.
  const std::string bad_dest = dest_dir + "/bad/test.jsonl";
  Status mismatch = DownloadFile(server.Url("bad/test.jsonl"), bad_dest, options);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.code(), StatusCode::kDataLoss);
  EXPECT_NE(mismatch.message().find("checksum mismatch: expected sha256 " + test_file.sha256),
            std::string::npos)
      << mismatch.message();
  EXPECT_FALSE(fs::exists(bad_dest));
  EXPECT_FALSE(fs::exists(bad_dest + ".part"));

  // Missing file: a 404 naming the URL.
  Status missing = DownloadFile(server.Url("gsm8k/nope.jsonl"), dest_dir + "/nope.jsonl", options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), server.Url("gsm8k/nope.jsonl") + ": HTTP 404 (not found)");

  // Nothing listening: a network error, not a crash.
  Status refused = DownloadFile("http://127.0.0.1:1/x", dest_dir + "/x", options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), StatusCode::kIo);
}

}  // namespace
}  // namespace lfm::evals
