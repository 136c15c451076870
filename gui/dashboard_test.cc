// End-to-end tests of `lfmbench dashboard --screenshot` in a real window: the test starts its own
// Xvfb (Mesa renders OpenGL 3.3 in software), runs the binary for every view on a database of
// realistic runs, and checks the PNG (size, not blank, chart colors present) and the
// --dump-state report; then the three error cases (missing file, newer schema, no runs); then
// every view again on a database written by real `lfmbench perf`, `gate` and `eval run` on a
// tiny model, with the expected counts read from that database.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
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
    for (size_t i = 0; i < rgb.size(); i += 3)
      n += rgb[i] == r && rgb[i + 1] == g && rgb[i + 2] == b;
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

// A perf row as the database holds it: backend, test, threads, the median of its tokens/s
// samples (the middle one, or the mean of the middle two), and its run's CPU and core count.
struct StoredRow {
  std::string backend, test, cpu_model;
  int threads = 0, cpu_cores = 0;
  double median = 0;
  int64_t fidelity_tokens = 0;
  double mean_kl = 0, top1 = 0, max_abs = 0;
};
StoredRow ReadRow(const std::string& db_path, int64_t perf_id) {
  StoredRow row;
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT p.backend, p.test, p.threads, r.cpu_model, r.cpu_cores, "
                     "p.fidelity_tokens, p.fidelity_mean_kl, p.fidelity_top1, "
                     "p.fidelity_max_abs_logprob FROM perf_results p JOIN runs r ON r.id = p.run_id "
                     "WHERE p.id = ?",
                     -1, &q, nullptr);
  sqlite3_bind_int64(q, 1, perf_id);
  if (sqlite3_step(q) == SQLITE_ROW) {
    auto text = [&](int c) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, c))); };
    row.backend = text(0);
    row.test = text(1);
    row.threads = sqlite3_column_int(q, 2);
    row.cpu_model = text(3);
    row.cpu_cores = sqlite3_column_int(q, 4);
    row.fidelity_tokens = sqlite3_column_int64(q, 5);
    row.mean_kl = sqlite3_column_double(q, 6);
    row.top1 = sqlite3_column_double(q, 7);
    row.max_abs = sqlite3_column_double(q, 8);
  }
  sqlite3_finalize(q);
  sqlite3_prepare_v2(db, "SELECT tokens_per_s FROM perf_samples WHERE perf_id = ? ORDER BY 1", -1,
                     &q, nullptr);
  sqlite3_bind_int64(q, 1, perf_id);
  std::vector<double> tps;
  while (sqlite3_step(q) == SQLITE_ROW) tps.push_back(sqlite3_column_double(q, 0));
  sqlite3_finalize(q);
  sqlite3_close(db);
  const size_t n = tps.size();
  if (n > 0) row.median = n % 2 ? tps[n / 2] : (tps[n / 2 - 1] + tps[n / 2]) / 2;
  return row;
}

// Every bar the Throughput view reports drawing shows its row's stored median, under its
// backend (and test), in the series of its thread count (or device): read back from `db`.
void ExpectBarsShowTheDatabase(const std::string& db, const nlohmann::json& throughput,
                               bool by_device) {
  int bars = 0;
  for (const auto& bar : throughput["bar_values"]) {
    const StoredRow row = ReadRow(db, bar["perf_id"].get<int64_t>());
    ++bars;
    EXPECT_NEAR(bar["value"].get<double>(), row.median, 1e-9 * row.median) << bar.dump();
    EXPECT_EQ(bar["category"].get<std::string>().substr(0, row.backend.size()), row.backend)
        << bar.dump();
    const std::string threads = fmt::format("{} thread{}", row.threads, row.threads == 1 ? "" : "s");
    const std::string device =
        row.cpu_cores > 0 ? fmt::format("{} ({} cores)", row.cpu_model, row.cpu_cores) : row.cpu_model;
    EXPECT_EQ(bar["series"], by_device ? device : threads) << bar.dump();
  }
  EXPECT_EQ(bars, throughput["bars"].get<int>());
}

struct Result {
  int exit_code = -1;
  std::string stderr_text;
  nlohmann::json state;
  Png png;
};

class DashboardTest : public ::testing::Test {
 protected:
  // The database of realistic runs (every kind of row, at sizes no tiny model gives), made once.
  static void SetUpTestSuite() {
    dir_ = new std::string(lfm::testing::TempDir());
    db_ = new std::string(*dir_ + "/results.db");
    ASSERT_TRUE(testing::FillTestDatabase(*db_).ok());
  }

  // Runs the dashboard in screenshot mode on `db` showing `view` (with `flags`).
  Result Run(const std::string& db, const std::string& view, const std::string& flags = "") {
    const std::string base = *dir_ + "/" + view + std::to_string(counter_++);
    const std::string command = fmt::format(
        "'{}' dashboard --db '{}' --screenshot '{}.png' --view {} --frames 4 --size {}x{} "
        "--scale 1 --dump-state '{}.json' {} 2> '{}.err'",
        lfm::testing::LfmbenchPath(), db, base, view, kWidth, kHeight, base, flags, base);
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
  ExpectBarsShowTheDatabase(*db_, t, /*by_device=*/false);
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
  // One table per run, newest first, each row's settings drawn in the window right of its score.
  const auto& tables = r.state["evals"]["tables"];
  ASSERT_EQ(tables.size(), static_cast<size_t>(expected_.eval_runs));
  EXPECT_EQ(tables[0]["rows"], 6);  // the newer run: gsm8k x2, mmlu_anatomy, gpqa, ifeval, mmlu
  EXPECT_EQ(tables[1]["rows"], 5);  // no ifeval
  for (const auto& t : tables) {
    EXPECT_LT(t["value_right_px"].get<double>(), t["settings_left_px"].get<double>()) << t;
    EXPECT_LT(t["settings_left_px"].get<double>(), kWidth - 100) << t;  // on screen
    // the text itself: the shortest label, "0-shot, chat off, few-shot as multi-turn off", is
    // 44 characters
    EXPECT_GT(t["settings_width_px"].get<double>(), 200) << t;
  }
  const auto has = [&](const nlohmann::json& t, const std::string& text) {
    for (const auto& s : t["settings"]) {
      if (s.get<std::string>() == text) return true;
    }
    return false;
  };
  const std::string newer_gsm8k =
      "8-shot, chat off, few-shot as multi-turn off, max_gen_toks 256, limit 8, data 3f2a9c1e, "
      "spec v3";
  EXPECT_TRUE(has(tables[0], newer_gsm8k)) << tables[0]["settings"];
  EXPECT_FALSE(has(tables[1], newer_gsm8k)) << tables[1]["settings"];  // it ran 5-shot
  EXPECT_TRUE(has(tables[1],
                  "5-shot, chat off, few-shot as multi-turn off, max_gen_toks 256, "
                  "limit 8, data 3f2a9c1e, spec v3"));
  EXPECT_TRUE(
      has(tables[0], "0-shot, chat on, few-shot as multi-turn off, shuffle seed 0, spec v2"))
      << tables[0]["settings"];
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
  EXPECT_LE(r.png.DistinctColors(0, 0, 1, 0.15), 2u);        // blank above the message
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
  const std::string sql =
      fmt::format("PRAGMA user_version = {}", results::ResultStore::SchemaVersion() + 7);
  EXPECT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(handle);
  ExpectError(Run(db, "runs"), db,
              "schema version " + std::to_string(results::ResultStore::SchemaVersion() + 7));
}

// ---- Real runs ------------------------------------------------------------------------------

// `lfmbench <args>` with its output in `log`; the exit code.
int RunLfmbench(const std::string& args, const std::string& log) {
  const std::string command =
      fmt::format("'{}' {} > '{}' 2>&1", lfm::testing::LfmbenchPath(), args, log);
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The first column of the first row of `sql` as an integer (-1 on error).
int64_t QueryInt(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  return value;
}

// Two perf runs of every backend, a gate verdict between them, and an eval run (a generate_until
// task and a log-likelihood task), in the order a user makes them; each view must show what the
// database holds. Short settings: the CI machine has two cores.
TEST_F(DashboardTest, EveryViewOnRealPerfGateAndEvalRuns) {
  LFM_SHARED_DIR_OR_SKIP(shared);
  const std::string model = *dir_ + "/tiny.gguf", db = *dir_ + "/real.db",
                    log = *dir_ + "/real.log";
  const std::string perf =
      fmt::format("perf -m '{}' --backend all --pp 16 --tg 8 --reps 2 -t 1 --db '{}'", model, db);
  for (const std::string& args :
       {fmt::format("model make --preset tiny --type q4_0 -q -o '{}'", model), perf, perf}) {
    ASSERT_EQ(RunLfmbench(args, log), 0) << args << "\n" << ReadFile(log);
  }
  // Exit 1 is a verdict ("slower"): timings of a tiny model on a busy machine vary.
  const int gate = RunLfmbench(fmt::format("gate --db '{}' --baseline 1 --candidate 2", db), log);
  ASSERT_TRUE(gate == 0 || gate == 1) << ReadFile(log);
  const std::string eval = fmt::format(
      "eval run -m '{}' --tasks ifeval,mmlu_anatomy --limit 2 --gen-kwargs max_gen_toks=8 "
      "--backend cpu -t 1 -q --data-dir '{}/datasets' --db '{}'",
      model, shared, db);
  ASSERT_EQ(RunLfmbench(eval, log), 0) << eval << "\n" << ReadFile(log);

  sqlite3* sql = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &sql, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto count = [sql](const std::string& query) { return QueryInt(sql, query); };
  ASSERT_EQ(count("SELECT count(*) FROM runs WHERE status = 'complete'"), 3);
  ASSERT_GT(count("SELECT count(*) FROM gate_verdicts"), 0);
  const int64_t perf_run = count("SELECT max(id) FROM runs WHERE kind = 'perf'");
  const std::string newest = fmt::format("FROM perf_results WHERE run_id = {}", perf_run);
  const int64_t rows = count("SELECT count(*) " + newest);
  ASSERT_GT(rows, 0);

  const Result runs = Run(db, "runs");
  ExpectRendered(runs);
  EXPECT_EQ(runs.state["runs_total"], 3);
  EXPECT_EQ(runs.state["runs"]["rows"], 3);

  // Both perf runs measured the same rows, so the newest run supplies every bar.
  const Result throughput = Run(db, "throughput");
  ExpectRendered(throughput);
  const auto& t = throughput.state["throughput"];
  EXPECT_EQ(t["runs"], nlohmann::json::array({perf_run}));
  EXPECT_EQ(t["entries"], rows);
  EXPECT_EQ(t["prefill_bars"], count("SELECT count(*) " + newest + " AND n_gen = 0"));
  EXPECT_EQ(t["decode_bars"], count("SELECT count(*) " + newest + " AND n_gen > 0"));
  // The op breakdown shows the rows at the focused row's thread count.
  const int64_t focused = t["focused_perf_id"];
  EXPECT_EQ(t["op_segments"],
            count(fmt::format("SELECT count(*) FROM perf_op_times WHERE seconds > 0 AND perf_id "
                              "IN (SELECT id {} AND threads = (SELECT threads FROM perf_results "
                              "WHERE id = {}))",
                              newest, focused)));
  const std::string load = fmt::format("FROM expert_load WHERE perf_id = {}", focused);
  EXPECT_GT(count("SELECT count(*) " + load), 0);
  EXPECT_EQ(t["heatmap_cells"], count("SELECT count(DISTINCT layer) * (max(expert) + 1) " + load));
  EXPECT_GT(throughput.png.CountColor(PaletteColor(0)), 2000u);  // the 1-thread bars
  EXPECT_GT(throughput.png.CountColor(HeatColor(1.0)), 20u);     // the hottest expert
  ExpectBarsShowTheDatabase(db, t, /*by_device=*/false);
  // eval run records the backend that computed each op, as perf does.
  EXPECT_EQ(count("SELECT count(*) FROM runs WHERE kind = 'eval' AND "
                  "json_extract(op_backends_json, '$.experts') = 'cpu'"),
            1);

  const Result trends = Run(db, "trends");
  ExpectRendered(trends);
  const auto& key = trends.state["trends"]["key"];
  const std::string same_key = fmt::format(
      "backend = '{}' AND test = '{}' AND threads = {}", key["backend"].get<std::string>(),
      key["test"].get<std::string>(), key["threads"].get<int>());
  EXPECT_EQ(trends.state["trends"]["points"],
            count("SELECT count(*) FROM perf_results WHERE " + same_key));
  EXPECT_EQ(trends.state["trends"]["verdicts"],
            count("SELECT count(*) FROM gate_verdicts WHERE candidate_run = 2 AND " + same_key));
  EXPECT_GT(trends.png.CountColor(PaletteColor(0)), 100u);  // the line and its markers

  const Result evals = Run(db, "evals");
  ExpectRendered(evals);
  const int64_t scores = count("SELECT count(*) FROM eval_scores");
  EXPECT_GT(scores, 0);
  EXPECT_EQ(evals.state["evals"]["columns"], 1);
  EXPECT_EQ(evals.state["evals"]["rows"], scores);
  EXPECT_EQ(evals.state["evals"]["cells"], scores);
  // The real run's settings (evals/runner.cc TaskSettings) reach the table: each row names its
  // data file's checksum and the spec version.
  const auto& real_table = evals.state["evals"]["tables"][0];
  ASSERT_EQ(real_table["settings"].size(), static_cast<size_t>(scores));
  for (const auto& settings : real_table["settings"]) {
    const std::string text = settings.get<std::string>();
    if (text.starts_with("(group")) continue;
    EXPECT_NE(text.find("chat off"), std::string::npos) << text;
    EXPECT_NE(text.find(", data "), std::string::npos) << text;
    EXPECT_NE(text.find(", spec v"), std::string::npos) << text;
  }

  // The newest run (the eval) has no earlier eval run: Compare opens on the two perf runs.
  const Result compare = Run(db, "compare");
  ExpectRendered(compare);
  const auto& c = compare.state["compare"];
  EXPECT_EQ(c["a"], 1);
  EXPECT_EQ(c["b"], perf_run);
  EXPECT_EQ(c["perf_rows"], rows);
  EXPECT_EQ(c["verdicts"],
            count(fmt::format("SELECT count(*) FROM gate_verdicts WHERE baseline_run = 1 AND "
                              "candidate_run = {}",
                              perf_run)));
  sqlite3_close(sql);
}

// Two machines: a perf run in each one's database (the second's device rewritten to another
// CPU, as another machine would record it), merged with `results import` (twice: nothing more
// arrives), and shown side by side in the Throughput view. Every bar value and every speed and
// fidelity cell the view reports is read back from the merged database.
TEST_F(DashboardTest, DevicesSideBySideAfterImport) {
  const std::string model = *dir_ + "/tiny_devices.gguf", here = *dir_ + "/device_here.db",
                    there = *dir_ + "/device_there.db", log = *dir_ + "/devices.log";
  ASSERT_EQ(RunLfmbench(fmt::format("model make --preset tiny --type q4_0 -q -o '{}'", model), log), 0)
      << ReadFile(log);
  for (const std::string& db : {here, there}) {
    const std::string perf = fmt::format(
        "perf -m '{}' --backend naive,cpu --pp 16 --tg 8 --reps 3 -t 1 --db '{}'", model, db);
    ASSERT_EQ(RunLfmbench(perf, log), 0) << ReadFile(log);
  }
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(there.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "UPDATE runs SET cpu_model = 'Simulated Other CPU', cpu_cores = 64, "
                         "device_id = 'other-device', hostname = 'other-host'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(RunLfmbench(fmt::format("results import '{}' --db '{}'", there, here), log), 0)
        << ReadFile(log);
  }
  sqlite3* sql = nullptr;
  ASSERT_EQ(sqlite3_open_v2(here.c_str(), &sql, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_EQ(QueryInt(sql, "SELECT count(*) FROM runs"), 2);
  EXPECT_EQ(QueryInt(sql, "SELECT count(DISTINCT device_id) FROM runs"), 2);
  const int64_t rows = QueryInt(sql, "SELECT count(*) FROM perf_results");
  EXPECT_EQ(rows, 8);  // 2 devices x 2 backends x 2 tests
  sqlite3_close(sql);

  const Result r = Run(here, "throughput", "--every-device");
  ExpectRendered(r);
  const auto& t = r.state["throughput"];
  EXPECT_EQ(t["by_device"], true);
  EXPECT_EQ(t["runs"], nlohmann::json::array({2, 1}));
  EXPECT_EQ(t["entries"], rows);
  EXPECT_EQ(t["bars"], rows);
  ExpectBarsShowTheDatabase(here, t, /*by_device=*/true);
  std::set<std::string> series;
  for (const auto& bar : t["bar_values"]) series.insert(bar["series"]);
  EXPECT_EQ(series.size(), 2u);
  EXPECT_TRUE(series.count("Simulated Other CPU (64 cores)"));
  // Speed beside fidelity: a line per backend and device with the row's stored numbers.
  const auto& lines = t["speed_and_fidelity"];
  ASSERT_EQ(lines.size(), 4u);
  std::set<std::string> devices;
  for (const auto& bar : t["bar_values"]) {
    const StoredRow row = ReadRow(here, bar["perf_id"].get<int64_t>());
    const std::string device = bar["series"];
    devices.insert(device);
    bool found = false;
    for (const auto& line : lines) {
      if (line[0] != row.backend || line[1] != device) continue;
      found = true;
      EXPECT_EQ(line[2], std::to_string(row.threads));
      EXPECT_EQ(line[row.test == "pp16" ? 3 : 4], fmt::format("{:.2f} ({})", row.median, row.test));
      ASSERT_EQ(row.fidelity_tokens, 64);
      EXPECT_EQ(line[5], fmt::format("{:.2e}", row.mean_kl));
      EXPECT_EQ(line[6], fmt::format("{}/64", std::lround(row.top1 * 64)));
      EXPECT_EQ(line[7], fmt::format("{:.3g}", row.max_abs));
    }
    EXPECT_TRUE(found) << row.backend << " on " << device;
  }
  EXPECT_EQ(devices.size(), 2u);
  // Both devices' bars were drawn: the first two series colors.
  EXPECT_GT(r.png.CountColor(PaletteColor(0)), 500u);
  EXPECT_GT(r.png.CountColor(PaletteColor(1)), 500u);
}

}  // namespace
}  // namespace lfm::gui
