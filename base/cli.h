// Helpers shared by every area's CLI11 subcommands: one way to fail, one way to pick threads.
#pragma once

#include <charconv>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/status.h"

namespace lfm {

// Prints "lfmbench: error: <message>" (one line) and ends the command with exit status 1.
[[noreturn]] inline void FailCommand(const std::string& message) {
  fmt::print(stderr, "lfmbench: error: {}\n", message);
  throw CLI::RuntimeError(1);
}

inline void ExitOnError(const Status& status) {
  if (!status.ok()) FailCommand(status.message());
}

template <typename T>
T ValueOrExit(StatusOr<T> result) {
  ExitOnError(result.status());
  return std::move(result).value();
}

inline int DefaultThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

// An option check for a whole number >= `minimum` (a count: threads, --limit, --jobs), whose
// failure reads "--threads: must be a whole number >= 1, got '-3'" (CLI11's PositiveNumber
// prints a range up to 1.8e308 and says nothing of whole numbers).
inline CLI::Validator IntAtLeast(long long minimum) {
  return CLI::Validator(
      [minimum](std::string& text) -> std::string {
        long long value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end != text.data() + text.size() || value < minimum) {
          return fmt::format("must be a whole number >= {}, got '{}'", minimum, text);
        }
        return "";
      },
      fmt::format("INT>={}", minimum));
}

}  // namespace lfm
