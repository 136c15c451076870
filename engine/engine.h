// The engine's public API, the only engine header other areas include: open a GGUF model,
// make sequences, run batched prefill and decode (one sequence or a batch) to logits, and
// generate text (engine/batch_generator.h runs many generations together).
// One Engine serves any number of Sequences; calls are not thread-safe (one at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/cli.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "engine/config.h"
#include "engine/op_times.h"
#include "engine/sampler.h"
#include "engine/sequence.h"
#include "engine/tokenizer.h"

namespace lfm::kernels {
class Backend;
}  // namespace lfm::kernels

namespace lfm::engine {

class GgufFile;
struct Lfm2Weights;
class Lfm2Model;

struct EngineOptions {
  std::string model_path;
  std::string backend = "reference";  // a name from kernels::CompiledBackends()
  int threads = DefaultThreads();     // one pool shared by the engine and the backend
  int max_context = 4096;             // tokens a sequence may hold
  bool show_progress = true;          // a progress line on stderr while loading big files
};

struct GenerateOptions {
  SamplerOptions sampling;                // greedy by default
  int max_tokens = 256;                   // tokens to generate at most
  std::vector<std::string> stop_strings;  // the text ends before the first one that appears
  bool stop_at_eog = true;                // end on the tokenizer's end-of-generation tokens
  // Called with each new piece of text once it cannot be part of a stop string and ends on a
  // complete UTF-8 character; the pieces concatenate to the result's text. Return false to stop
  // (the text then also holds what was generated but not yet handed out).
  std::function<bool(std::string_view piece)> on_text;
};

enum class StopReason { kEndOfGeneration, kStopString, kMaxTokens, kContextFull, kCallback };
std::string_view StopReasonName(StopReason reason);  // "eog", "stop_string", ...

struct GenerateResult {
  std::string text;             // the generated text, cut before a matched stop string
  std::vector<int32_t> tokens;  // the sampled tokens, an end-of-generation token excluded
  StopReason stop_reason = StopReason::kMaxTokens;
  int64_t n_prompt_tokens = 0;
  int64_t n_decode_steps = 0;  // single-token forward calls (sampled tokens fed back)
  double prefill_seconds = 0;  // running the prompt
  double decode_seconds = 0;   // the decode steps
  double sample_seconds = 0;   // choosing tokens, all steps

  double prefill_tokens_per_second() const;
  double decode_tokens_per_second() const;
};

class Engine {
 public:
  // Maps the file, reads and validates its config, binds and checks every tensor, creates the
  // backend and gets the weights ready (with progress for big files): each matrix the backend
  // prepares in its own layout (Backend::Prepare) replaces its mapped pages, the others are
  // read once so the first tokens do not wait on the disk. Errors name the file and the problem.
  static StatusOr<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();

  const Lfm2Config& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const EngineOptions& options() const { return options_; }
  std::string_view backend_name() const;
  // Weight types the chosen backend does not support, run on the reference backend instead.
  const std::vector<std::string>& fallback_types() const { return fallback_types_; }

  // An empty sequence holding up to options().max_context tokens.
  std::unique_ptr<Sequence> NewSequence() const;

  // Runs `tokens` after what `seq` already holds, in batches. logits: [n_tokens, n_vocab]
  // when all_positions, else [n_vocab] for the last token. Errors (nothing is run): no tokens,
  // an id outside the vocabulary, or exceeding the sequence's max_context.
  Status Prefill(Sequence& seq, std::span<const int32_t> tokens, std::vector<float>* logits,
                 bool all_positions = false);
  // One token; logits: [n_vocab].
  Status Decode(Sequence& seq, int32_t token, std::vector<float>* logits);
  // One token for each of B distinct sequences in one forward step: the linear layers and the
  // MoE run over all B tokens together (each expert's weights read once for all its tokens),
  // the short conv and attention per sequence on its own state. logits: [B, n_vocab], row b
  // what Decode(*seqs[b], tokens[b]) gives up to float rounding (the backend's kernels for B
  // rows may sum in another order than for one; engine_test.cc states the bound per backend).
  // Errors (nothing is run): size mismatch, a repeated sequence, Prefill's errors.
  Status DecodeBatch(std::span<Sequence* const> seqs, std::span<const int32_t> tokens,
                     std::vector<float>* logits);

  // Runs `prompt` (at least one token) after what `seq` holds, then samples and decodes one
  // token at a time until a stop: an end-of-generation token, a stop string, max_tokens, or the
  // sequence's context filling up. Afterwards `seq` holds the prompt and the tokens fed back.
  // Errors are Prefill's. (A BatchGenerator with one slot; engine/batch_generator.h runs many.)
  StatusOr<GenerateResult> Generate(Sequence& seq, std::span<const int32_t> prompt,
                                    const GenerateOptions& options);

  // Tokens routed to each expert since Open or ResetExpertLoad: [n_layers][n_experts]
  // (empty for dense layers).
  const std::vector<std::vector<int64_t>>& expert_tokens() const;
  void ResetExpertLoad();

  // Forward-pass wall time by op (op_times.h) since Open or ResetOpTimes.
  const OpTimes& op_times() const;
  void ResetOpTimes();

 private:
  Engine() = default;

  EngineOptions options_;
  std::unique_ptr<GgufFile> file_;
  Lfm2Config config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Lfm2Weights> weights_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<kernels::Backend> backend_;
  std::unique_ptr<kernels::Backend> fallback_;
  std::vector<std::string> fallback_types_;
  std::unique_ptr<Lfm2Model> model_;
};

}  // namespace lfm::engine
