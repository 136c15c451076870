#include "tests/test_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace lfm::testing {
namespace fs = std::filesystem;

std::string SharedDir() {
  if (const char* env = std::getenv("LFM_SHARED_DIR"); env && *env) {
    return fs::is_directory(env) ? std::string(env) : "";
  }
  const fs::path shared = fs::path(LFM_SOURCE_DIR).parent_path() / "shared";
  return fs::is_directory(shared / "testdata") ? shared.string() : "";
}

bool SharedRequired() {
  const char* env = std::getenv("LFM_REQUIRE_SHARED");
  return env && std::string(env) == "1";
}

namespace {
struct TempDirs {
  std::vector<fs::path> paths;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& p : paths) fs::remove_all(p, ec);
  }
};
}  // namespace

std::string TempDir() {
  static TempDirs dirs;
  std::string pattern = (fs::temp_directory_path() / "lfmbench-test-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  if (!made) return "";
  dirs.paths.emplace_back(made);
  return made;
}

std::string LfmbenchPath() { return LFM_LFMBENCH_PATH; }

}  // namespace lfm::testing
