// Test helper shared by the logits comparisons: an engine's logits after every token of a prefill.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace lfm::testing {

// Logits after every one of `tokens` from `model` run on `backend`, 2 threads: [n, V]. Empty
// (with a test failure recorded) when the engine cannot open or prefill.
inline std::vector<float> AllPositionLogits(const std::string& model, const std::vector<int32_t>& tokens,
                                            const std::string& backend = "reference") {
  engine::EngineOptions options;
  options.model_path = model;
  options.backend = backend;
  options.threads = 2;
  options.show_progress = false;
  auto engine = engine::Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status().message();
  if (!engine.ok()) return {};
  auto seq = (*engine)->NewSequence();
  std::vector<float> logits;
  const Status s = (*engine)->Prefill(*seq, tokens, &logits, /*all_positions=*/true);
  EXPECT_TRUE(s.ok()) << s.message();
  return logits;
}

}  // namespace lfm::testing
