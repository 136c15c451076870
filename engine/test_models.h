// Test helper shared by the engine's tests: tiny generated models, each made once per program.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "base/thread_pool.h"
#include "engine/model_maker.h"
#include "kernels/dtype.h"
#include "tests/test_support.h"

namespace lfm::testing {

// A tiny-preset `arch` model of `type` with random weights from `seed`, written once per test
// program into its scratch directory (later calls return the same path). A failure to make it
// is recorded as a test failure.
inline std::string TinyModel(const std::string& arch, kernels::DType type, uint64_t seed) {
  static std::map<std::tuple<std::string, kernels::DType, uint64_t>, std::string> made;
  std::string& path = made[{arch, type, seed}];
  if (!path.empty()) return path;
  engine::MakeModelOptions o;
  o.arch = arch;
  o.type = type;
  o.seed = seed;
  o.output = fmt::format("{}/{}-{}-{}.gguf", TempDir(), arch, kernels::DTypeName(type), seed);
  o.show_progress = false;
  ThreadPool pool(2);
  const Status s = engine::MakeModel(o, pool);
  EXPECT_TRUE(s.ok()) << s.message();
  if (s.ok()) path = o.output;
  return o.output;
}

}  // namespace lfm::testing
