#include "results/sqlite_db.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "base/check.h"

namespace lfm::results {
namespace {

// How long one statement waits for another connection's lock before SQLITE_BUSY, and how many
// times BeginImmediate tries again after that (with a growing pause in between).
constexpr int kBusyTimeoutMs = 30000;
constexpr int kBeginRetries = 4;

// The first line of a statement's SQL, shortened, to name it in an error.
std::string StatementName(sqlite3_stmt* stmt) {
  std::string sql = sqlite3_sql(stmt);
  sql = sql.substr(0, sql.find('\n'));
  if (sql.size() > 60) sql = sql.substr(0, 57) + "...";
  return "statement '" + sql + "'";
}

}  // namespace

Statement::~Statement() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::BindInt(int index, int64_t value) {
  LFM_CHECK(sqlite3_bind_int64(stmt_, index, value) == SQLITE_OK, "bind {}", index);
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  LFM_CHECK(sqlite3_bind_double(stmt_, index, value) == SQLITE_OK, "bind {}", index);
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  LFM_CHECK(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8) == SQLITE_OK,
            "bind {}", index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  LFM_CHECK(sqlite3_bind_null(stmt_, index) == SQLITE_OK, "bind {}", index);
  return *this;
}

Statement& Statement::BindOptionalDouble(int index, std::optional<double> value) {
  return value ? BindDouble(index, *value) : BindNull(index);
}

Statement& Statement::BindOptionalInt(int index, std::optional<int64_t> value) {
  return value ? BindInt(index, *value) : BindNull(index);
}

StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, StatementName(stmt_));
}

Status Statement::Run() {
  LFM_ASSIGN_OR_RETURN(bool row, Step());
  LFM_CHECK(!row, "{} returned a row", StatementName(stmt_));
  return OkStatus();
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (!text) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<double> Statement::OptionalDouble(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Double(column);
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, bool read_only) {
  sqlite3* handle = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close(handle);
    return ::lfm::Error(StatusCode::kIo, "{}: cannot open the results database: {}", path, message);
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);
  return std::unique_ptr<SqliteDb>(new SqliteDb(path, handle));
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteDb::Exec(std::string_view sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus() : Error(rc, what);
}

StatusOr<Statement> SqliteDb::Prepare(const char* sql) {
  auto it = statements_.find(std::string_view(sql));
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, "preparing a query");
    it = statements_.emplace(sql, stmt).first;
  }
  return Statement(this, it->second);
}

Status SqliteDb::BeginImmediate() {
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt <= kBeginRetries; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) break;
  }
  return rc == SQLITE_OK ? OkStatus()
                         : Error(rc, "starting a write (another process holds the lock)");
}

Status SqliteDb::Commit() { return Exec("COMMIT", "committing"); }

void SqliteDb::Rollback() {
  // Fails only when no transaction is open (SQLite already rolled back after an I/O error).
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDb::Changes() const { return sqlite3_changes(db_); }

Status SqliteDb::Error(int rc, std::string_view what) const {
  StatusCode code = StatusCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      code = StatusCode::kIo;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = StatusCode::kDataLoss;
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
      code = StatusCode::kInvalidArgument;
      break;
    default:
      break;
  }
  // The connection's message matches `rc` only when rc is its latest error.
  const char* message =
      sqlite3_extended_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Status(code, fmt::format("{}: {}: {}", path_, what, message));
}

}  // namespace lfm::results
