// A thin layer over the sqlite3 C API for ResultStore: one connection, cached prepared
// statements, every error a Status that names the database file. Nothing here knows the schema.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lfm::results {

class SqliteDb;

// A cached prepared statement borrowed from SqliteDb; unbound and reset when it goes out of
// scope, so the next Prepare of the same SQL starts clean. Bind indexes start at 1, columns at 0.
class Statement {
 public:
  Statement(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& BindInt(int index, int64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindNull(int index);
  Statement& BindOptionalDouble(int index, std::optional<double> value);
  Statement& BindOptionalInt(int index, std::optional<int64_t> value);

  // Advances to the next row: true when a row is ready, false when done.
  StatusOr<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();

  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;  // "" for NULL
  bool IsNull(int column) const;
  std::optional<double> OptionalDouble(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Opens `path` read-only, or read-write creating it. Io/NotFound naming the path on failure.
  static StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool read_only);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  const std::string& path() const { return path_; }

  // Runs one or more SQL statements without results; `what` names the step in errors.
  Status Exec(std::string_view sql, std::string_view what);
  // The cached prepared statement for `sql` (a string literal: cached by its text).
  StatusOr<Statement> Prepare(const char* sql);

  // Write transactions: BEGIN IMMEDIATE (takes the write lock up front, waiting and retrying
  // while another writer holds it), COMMIT, ROLLBACK.
  Status BeginImmediate();
  Status Commit();
  void Rollback();

  int64_t LastInsertRowId() const;
  int Changes() const;

  // A Status for sqlite result code `rc` ("PATH: WHAT: sqlite message"): Io for busy, full,
  // I/O, permission and read-only errors; DataLoss for corrupt or non-database files;
  // InvalidArgument for constraint violations; Internal otherwise.
  Status Error(int rc, std::string_view what) const;

 private:
  SqliteDb(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  std::string path_;
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

}  // namespace lfm::results
