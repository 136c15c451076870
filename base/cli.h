// Helpers shared by every area's CLI11 subcommands: one way to fail, one way to pick threads.
#pragma once

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

}  // namespace lfm
