// End-to-end tests of `lfmbench dashboard --screenshot` in a real window: the test starts its own
// Xvfb (Mesa renders OpenGL 3.3 in software), runs the binary for every view on a database of
// realistic runs, and checks the PNG (size, not blank, chart colors present) and the
// --dump-state report; then the three error cases (missing file, newer schema, no runs).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <stb/stb_image.h>

#include "gui/charts.h"
#include "gui/test_database.h"
#include "results/result_store.h"
#include "tests/test_support.h"

namespace lfm::gui {
namespace {

constexpr int kWidth = 1280, kHeight = 800;

// An Xvfb server on a display number it picks itself (-displayfd), for the whole test program.
class XvfbEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      close(fds[0]);
      const std::string fd = std::to_string(fds[1]);
      execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1920x1200x24", "-nolisten",
             "tcp", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    // Xvfb writes the number and then "\n" in separate writes, and dies if the pipe is closed
    // in between: read through the newline.
    std::string number;
    char c;
    while (read(fds[0], &c, 1) == 1 && c != '\n') number += c;
    close(fds[0]);
    if (number.empty()) {
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      GTEST_FAIL() << "could not start Xvfb (install it: scripts/install-deps.sh)";
    }
    display_ = ":" + number;
    setenv("DISPLAY", display_.c_str(), 1);
  }
  void TearDown() override {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
  std::string display_;
};
const auto* const kXvfb = ::testing::AddGlobalTestEnvironment(new XvfbEnvironment);

struct Png {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;  // [height, width, 3]

  // Distinct colors in the rectangle of fractions [x0, x1) x [y0, y1) of the image.
  size_t DistinctColors(double x0, double y0, double x1, double y1) const {
    std::set<uint32_t> colors;
    for (int y = static_cast<int>(y0 * height); y < static_cast<int>(y1 * height); ++y) {
      for (int x = static_cast<int>(x0 * width); x < static_cast<int>(x1 * width); ++x) {
        const unsigned char* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
        colors.insert(p[0] << 16 | p[1] << 8 | p[2]);
      }
    }
    return colors.size();
  }
  // Pixels exactly of `color` (an ImU32), e.g. a bar's fill.
  size_t CountColor(ImU32 color) const {
    const unsigned char r = color >> IM_COL32_R_SHIFT & 255, g = color >> IM_COL32_G_SHIFT & 255,
                        b = color >> IM_COL32_B_SHIFT & 255;
    size_t n = 0;
    for (size_t i = 0; i < rgb.size(); i += 3) n += rgb[i] == r && rgb[i + 1] == g && rgb[i + 2] == b;
    return n;
  }
};

Png ReadPng(const std::string& path) {
  Png png;
  int channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &png.width, &png.height, &channels, 3);
  if (!data) return png;
  png.rgb.assign(data, data + static_cast<size_t>(png.width) * png.height * 3);
  stbi_image_free(data);
  return png;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Result {
  int exit_code = -1;
  std::string stderr_text;
  nlohmann::json state;
  Png png;
};

class DashboardTest : public ::testing::Test {
 protected:
  // The database of realistic runs, made once. To test on real runs instead, replace the
  // FillTestDatabase call with `lfmbench perf` and `lfmbench eval run` on a tiny model writing
  // to `path`, and take the expected counts from what they wrote.
  static void SetUpTestSuite() {
    dir_ = new std::string(lfm::testing::TempDir());
    db_ = new std::string(*dir_ + "/results.db");
    ASSERT_TRUE(testing::FillTestDatabase(*db_).ok());
  }

  // Runs the dashboard in screenshot mode on `db` showing `view`.
  Result Run(const std::string& db, const std::string& view) {
    const std::string base = *dir_ + "/" + view + std::to_string(counter_++);
    const std::string command = fmt::format(
        "'{}' dashboard --db '{}' --screenshot '{}.png' --view {} --frames 4 --size {}x{} "
        "--scale 1 --dump-state '{}.json' 2> '{}.err'",
        lfm::testing::LfmbenchPath(), db, base, view, kWidth, kHeight, base, base);
    Result r;
    const int status = std::system(command.c_str());
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.stderr_text = ReadFile(base + ".err");
    const std::string state = ReadFile(base + ".json");
    if (!state.empty()) r.state = nlohmann::json::parse(state);
    r.png = ReadPng(base + ".png");
    return r;
  }

  // The PNG has the requested size and a chart area with many colors (antialiased text, bars,
  // cells): a blank or failed render has one or two.
  static void ExpectRendered(const Result& r) {
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    ASSERT_EQ(r.png.width, kWidth);
    ASSERT_EQ(r.png.height, kHeight);
    EXPECT_GE(r.png.DistinctColors(0.05, 0.15, 0.95, 0.95), 16u);
    EXPECT_EQ(r.state["error"], "");
    EXPECT_EQ(r.state["window"]["width"], kWidth);
  }

  static std::string* dir_;
  static std::string* db_;
  static int counter_;
  const testing::TestDatabaseCounts expected_;
};
std::string* DashboardTest::dir_ = nullptr;
std::string* DashboardTest::db_ = nullptr;
int DashboardTest::counter_ = 0;

TEST_F(DashboardTest, RunsView) {
  const Result r = Run(*db_, "runs");
  ExpectRendered(r);
  EXPECT_EQ(r.state["view"], "runs");
  EXPECT_EQ(r.state["runs_total"], expected_.runs);
  EXPECT_EQ(r.state["runs"]["rows"], expected_.runs);
}

TEST_F(DashboardTest, ThroughputView) {
  const Result r = Run(*db_, "throughput");
  ExpectRendered(r);
  const auto& t = r.state["throughput"];
  EXPECT_EQ(t["entries"], expected_.throughput_entries);
  EXPECT_EQ(t["bars"], expected_.prefill_bars + expected_.decode_bars);
  EXPECT_EQ(t["op_segments"], expected_.op_segments);
  EXPECT_EQ(t["heatmap_cells"], expected_.heatmap_cells);
  // The bars were really drawn: solid areas of the first two series colors (1 and 2 threads),
  // and the heat map's scale runs from dark blue to yellow.
  EXPECT_GT(r.png.CountColor(PaletteColor(0)), 2000u);
  EXPECT_GT(r.png.CountColor(PaletteColor(1)), 2000u);
  EXPECT_GT(r.png.CountColor(HeatColor(1.0)), 20u);
}

TEST_F(DashboardTest, TrendsView) {
  const Result r = Run(*db_, "trends");
  ExpectRendered(r);
  EXPECT_EQ(r.state["trends"]["points"], expected_.trend_points);
  EXPECT_EQ(r.state["trends"]["verdicts"], 1);
  EXPECT_GT(r.png.CountColor(PaletteColor(0)), 100u);  // the line and its markers
}

TEST_F(DashboardTest, EvalsView) {
  const Result r = Run(*db_, "evals");
  ExpectRendered(r);
  EXPECT_EQ(r.state["evals"]["rows"], expected_.eval_rows);
  EXPECT_EQ(r.state["evals"]["columns"], expected_.eval_runs);
  EXPECT_EQ(r.state["evals"]["cells"], expected_.eval_cells);
}

TEST_F(DashboardTest, CompareView) {
  const Result r = Run(*db_, "compare");
  ExpectRendered(r);
  EXPECT_EQ(r.state["compare"]["perf_rows"], expected_.compare_perf_rows);
  EXPECT_EQ(r.state["compare"]["verdicts"], expected_.compare_verdicts);
}

// Each error: exit 1, one line on stderr naming the database, the same message in the window
// (the dump's "error"), and a PNG of it; the empty top of the window shows nothing else.
void ExpectError(const Result& r, const std::string& db, const std::string& words) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_text.find(db), std::string::npos) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find(words), std::string::npos) << r.stderr_text;
  EXPECT_EQ(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n'), 1) << r.stderr_text;
  ASSERT_TRUE(r.state.contains("error"));
  EXPECT_NE(r.state["error"].get<std::string>().find(words), std::string::npos);
  ASSERT_EQ(r.png.width, kWidth);
  EXPECT_LE(r.png.DistinctColors(0, 0, 1, 0.15), 2u);       // blank above the message
  EXPECT_GE(r.png.DistinctColors(0.2, 0.25, 0.8, 0.5), 8u);  // the message's text
}

TEST_F(DashboardTest, MissingDatabase) {
  const std::string db = *dir_ + "/no-such.db";
  ExpectError(Run(db, "runs"), db, "no-such.db");
  EXPECT_FALSE(std::ifstream(db).good()) << "a read-only dashboard must not create the file";
}

TEST_F(DashboardTest, EmptyDatabase) {
  const std::string db = *dir_ + "/empty.db";
  ASSERT_TRUE(results::ResultStore::Open(db, results::ResultStore::Mode::kReadWrite).ok());
  ExpectError(Run(db, "throughput"), db, "no runs yet");
}

TEST_F(DashboardTest, NewerSchemaVersion) {
  const std::string db = *dir_ + "/newer.db";
  ASSERT_TRUE(results::ResultStore::Open(db, results::ResultStore::Mode::kReadWrite).ok());
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  const std::string sql = fmt::format("PRAGMA user_version = {}",
                                      results::ResultStore::SchemaVersion() + 7);
  EXPECT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(handle);
  ExpectError(Run(db, "runs"), db,
              "schema version " + std::to_string(results::ResultStore::SchemaVersion() + 7));
}

}  // namespace
}  // namespace lfm::gui
