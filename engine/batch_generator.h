// BatchGenerator: continuous batching over one Engine. Up to max_slots generations run at once;
// each step samples one token for every running generation and decodes all of them together in
// one Engine::DecodeBatch (decode is memory-bound: B tokens cost little more than one). A
// finished generation frees its slot at once, so the caller can Add the next one before the
// next Step. Engine::Generate is this driver with one slot; `serve --parallel` and eval
// generation (EngineModel::GenerateUntil) use it with more.
//
// Each generation gets what running it alone gives (same sampling, stop strings, streaming),
// up to the float rounding DecodeBatch states. Not thread-safe, like the Engine.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"

namespace lfm::engine {

class BatchGenerator {
 public:
  // Called once when a generation ends, with its result or the error that ended it.
  using Done = std::function<void(StatusOr<GenerateResult>)>;

  // `engine` must outlive the generator. max_slots >= 1.
  BatchGenerator(Engine& engine, int max_slots);
  ~BatchGenerator();

  int max_slots() const { return max_slots_; }
  int running() const { return static_cast<int>(slots_.size()); }
  bool has_free_slot() const { return running() < max_slots_; }

  // Starts a generation in a free slot: checks the options and runs `prompt` (at least one
  // token) after what `seq` holds; its first token is sampled at the next Step. `seq` must
  // stay alive and untouched until `done` is called; afterwards it holds the prompt and the
  // tokens fed back (as after Engine::Generate). Errors (nothing started, `done` not called):
  // no free slot, bad options, Prefill's errors.
  Status Add(Sequence& seq, std::span<const int32_t> prompt, GenerateOptions options, Done done);

  // One step: every running generation samples its next token; those that stop are finished
  // (their `done` called, their slot freed), the others' tokens run through one DecodeBatch.
  // An engine error finishes every generation of the step with that error.
  void Step();

  // Steps until no generation runs.
  void RunToCompletion();

 private:
  struct Generation;

  Engine& engine_;
  int max_slots_;
  std::vector<std::unique_ptr<Generation>> slots_;  // the running generations, oldest first
};

}  // namespace lfm::engine
