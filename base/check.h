// LFM_CHECK aborts with file:line and a formatted message when an invariant is broken (a bug,
// not bad input: bad input returns a Status). LFM_DCHECK is compiled out in release builds.
#pragma once

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace lfm::internal {
[[noreturn]] inline void CheckFailed(const char* file, int line, const char* cond,
                                     const std::string& message) {
  std::fprintf(stderr, "%s:%d: check failed: %s %s\n", file, line, cond, message.c_str());
  std::abort();
}
}  // namespace lfm::internal

#define LFM_CHECK(cond, ...)                                                       \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      ::lfm::internal::CheckFailed(__FILE__, __LINE__, #cond, fmt::format("" __VA_ARGS__)); \
    }                                                                              \
  } while (0)

#ifdef NDEBUG
#define LFM_DCHECK(cond, ...) \
  do {                        \
  } while (0)
#else
#define LFM_DCHECK(cond, ...) LFM_CHECK(cond, __VA_ARGS__)
#endif
