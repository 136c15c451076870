// Helpers shared by the test suite: where the reference data lives and scratch directories.
#pragma once

#include <string>

#include <gtest/gtest.h>

namespace lfm::testing {

// The shared reference folder (`../shared` beside the checkout, or $LFM_SHARED_DIR), or "" when
// it is absent, as in a user's clone.
std::string SharedDir();
// True when $LFM_REQUIRE_SHARED=1: CI sets it, so a missing ../shared fails instead of skipping.
bool SharedRequired();
// A fresh empty directory for this test, removed at exit.
std::string TempDir();
// The built lfmbench binary.
std::string LfmbenchPath();

}  // namespace lfm::testing

// Binds `var` to the shared folder, or skips the test with a visible reason (fails under CI).
#define LFM_SHARED_DIR_OR_SKIP(var)                                                        \
  const std::string var = ::lfm::testing::SharedDir();                                     \
  if (var.empty()) {                                                                       \
    if (::lfm::testing::SharedRequired()) FAIL() << "../shared is required but missing";   \
    GTEST_SKIP() << "../shared not found: reference data is only in the project workspace"; \
  }
