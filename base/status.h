// Status and StatusOr<T>: how every layer reports a recoverable failure (a bad file, a missing
// dataset, an unbuilt backend). Programmer errors use LFM_CHECK (check.h) instead.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace lfm {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller passed something unusable (bad flag, unknown name)
  kNotFound,         // a file, key, tensor or dataset does not exist
  kDataLoss,         // a file exists but is malformed or truncated
  kUnimplemented,    // a valid request this build cannot serve (type, backend)
  kIo,               // the operating system refused (read, write, mmap, disk full)
  kCancelled,        // the user interrupted (Ctrl-C)
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "`prefix`: `message`", to add context on the way up.
  Status WithPrefix(const std::string& prefix) const {
    return ok() ? *this : Status(code_, prefix + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }

template <typename... Args>
Status Error(StatusCode code, fmt::format_string<Args...> format, Args&&... args) {
  return Status(code, fmt::format(format, std::forward<Args>(args)...));
}

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : data_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace lfm

#define LFM_STATUS_CONCAT_INNER(a, b) a##b
#define LFM_STATUS_CONCAT(a, b) LFM_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (a Status) is not ok.
#define LFM_RETURN_IF_ERROR(expr)          \
  do {                                     \
    ::lfm::Status lfm_status_ = (expr);    \
    if (!lfm_status_.ok()) return lfm_status_; \
  } while (0)

// `lhs = value of expr` (a StatusOr), or returns its Status from the enclosing function.
#define LFM_ASSIGN_OR_RETURN(lhs, expr) \
  LFM_ASSIGN_OR_RETURN_IMPL(LFM_STATUS_CONCAT(lfm_statusor_, __LINE__), lhs, expr)
#define LFM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
