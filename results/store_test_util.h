// Test helpers for the results store: filled-in records and raw SQLite access for checking what
// actually sits in the file.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "results/result_store.h"

namespace lfm::results::testing {

// A run record with every field set to a recognisable value.
inline RunRecord FullRun(RunKind kind = RunKind::kPerf, const std::string& tag = "") {
  RunRecord run;
  run.kind = kind;
  run.started_ms = 1764200000123;
  run.tag = tag;
  run.build = {"0.1.0", "abc123def456", true, "Release", "GNU 12.2.0"};
  run.device = {"0123456789abcdef", "AMD EPYC 9R45",      2,       "avx2,avx512f,fma",
                int64_t{8} << 30,   "Linux 6.1.0 x86_64", "ci-box"};
  run.model = {"/models/8b-q4_0.gguf",
               "lfm2moe 8B-A1B Q4_0",
               4700000000,
               "ff00",
               "header",
               "lfm2moe",
               "q4_0 94%, f32 6%",
               8300000000};
  run.backend = "cpu,onednn";
  run.threads = "1,2";
  run.command_line = "lfmbench perf -m '/models/8b q4_0.gguf'";
  return run;
}

// Opens `path` for writing or fails the test.
inline std::unique_ptr<ResultStore> OpenOrDie(
    const std::string& path, ResultStore::Mode mode = ResultStore::Mode::kReadWrite) {
  auto store = ResultStore::Open(path, mode);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

// A plain sqlite3 connection for inspecting or tampering with a database behind the store.
class RawDb {
 public:
  explicit RawDb(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
  ~RawDb() { sqlite3_close(db_); }
  // Runs SQL; returns the first column of the first row as text ("" when none).
  std::string Query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string result;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return "";
    }
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return result;
  }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql.substr(0, 80) << ": " << (error ? error : "");
    }
    sqlite3_free(error);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace lfm::results::testing
