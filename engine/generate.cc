// Generation: prefill, then sample / decode one token at a time, streaming text that is held
// back only while it could still be the start of a stop string or of a UTF-8 character.
// BatchGenerator runs many generations in one decode step; Engine::Generate is it with one slot.
#include <algorithm>
#include <chrono>
#include <optional>

#include "base/check.h"
#include "engine/batch_generator.h"
#include "engine/engine.h"

namespace lfm::engine {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Length of the longest suffix of `text` that is a proper prefix of some stop string.
size_t StopPrefixSuffix(std::string_view text, const std::vector<std::string>& stops) {
  size_t longest = 0;
  for (const std::string& stop : stops) {
    for (size_t n = std::min(stop.size() - 1, text.size()); n > longest; --n) {
      if (text.substr(text.size() - n) == std::string_view(stop).substr(0, n)) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

// Bytes at the end of `text` that begin a UTF-8 character not yet complete.
size_t IncompleteUtf8Tail(std::string_view text) {
  for (size_t back = 1; back <= std::min<size_t>(3, text.size()); ++back) {
    const auto c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

// Accumulates generated text, finds stop strings and hands out the settled pieces.
class TextStream {
 public:
  explicit TextStream(const GenerateOptions& options) : options_(options) {}

  // Appends a token's bytes. Returns false when a stop string appeared (the text is then cut
  // before it) or the callback asked to stop (then *stopped_by_callback is set).
  bool Append(std::string_view bytes, bool* stopped_by_callback) {
    const size_t search_from = text_.size();
    text_ += bytes;
    size_t cut = std::string::npos;
    for (const std::string& stop : options_.stop_strings) {
      if (stop.empty()) continue;
      const size_t from = search_from >= stop.size() ? search_from - stop.size() + 1 : 0;
      cut = std::min(cut, text_.find(stop, from));
    }
    if (cut != std::string::npos) {
      text_.resize(cut);
      Emit(text_.size());
      return false;
    }
    const size_t held =
        std::max(StopPrefixSuffix(text_, options_.stop_strings), IncompleteUtf8Tail(text_));
    if (!Emit(text_.size() - held)) {
      *stopped_by_callback = true;
      return false;
    }
    return true;
  }

  // Hands out everything not yet emitted (the generation ended without a stop string).
  void Flush() { Emit(text_.size()); }

  std::string& text() { return text_; }

 private:
  // Emits text_[emitted_, end). Returns the callback's answer (true without one).
  bool Emit(size_t end) {
    if (end <= emitted_) return true;
    const std::string_view piece = std::string_view(text_).substr(emitted_, end - emitted_);
    emitted_ = end;
    return options_.on_text ? options_.on_text(piece) : true;
  }

  const GenerateOptions& options_;
  std::string text_;
  size_t emitted_ = 0;
};

}  // namespace

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kEndOfGeneration:
      return "eog";
    case StopReason::kStopString:
      return "stop_string";
    case StopReason::kMaxTokens:
      return "max_tokens";
    case StopReason::kContextFull:
      return "context_full";
    case StopReason::kCallback:
      return "callback";
  }
  return "?";
}

double GenerateResult::prefill_tokens_per_second() const {
  return prefill_seconds > 0 ? n_prompt_tokens / prefill_seconds : 0;
}

double GenerateResult::decode_tokens_per_second() const {
  return decode_seconds > 0 ? n_decode_steps / decode_seconds : 0;
}

// One running generation of a BatchGenerator.
struct BatchGenerator::Generation {
  Generation(Sequence& s, std::span<const int32_t> prompt, GenerateOptions o, Done d)
      : seq(s),
        options(std::move(o)),
        sampler(options.sampling),
        history(prompt.begin(), prompt.end()),
        stream(options),
        done(std::move(d)) {
    result.n_prompt_tokens = static_cast<int64_t>(prompt.size());
  }

  // Samples the next token from `logits`. Returns it when it is to be decoded, or nothing when
  // the generation has ended (result.stop_reason says why).
  std::optional<int32_t> Next(const Tokenizer& tokenizer) {
    if (static_cast<int>(result.tokens.size()) >= options.max_tokens) {
      return Stop(StopReason::kMaxTokens);
    }
    const Clock::time_point sample_start = Clock::now();
    const int32_t token = sampler.Sample(logits, history);  // history: for the repetition penalty
    result.sample_seconds += SecondsSince(sample_start);
    if (options.stop_at_eog && tokenizer.IsEog(token)) return Stop(StopReason::kEndOfGeneration);
    result.tokens.push_back(token);
    history.push_back(token);
    bool stopped_by_callback = false;
    if (!stream.Append(tokenizer.TokenText(token), &stopped_by_callback)) {
      return Stop(stopped_by_callback ? StopReason::kCallback : StopReason::kStopString);
    }
    if (static_cast<int>(result.tokens.size()) >= options.max_tokens) {
      return Stop(StopReason::kMaxTokens);  // no decode needed
    }
    if (seq.length() >= seq.max_context()) return Stop(StopReason::kContextFull);
    return token;
  }

  std::nullopt_t Stop(StopReason reason) {
    result.stop_reason = reason;
    if (reason != StopReason::kStopString && reason != StopReason::kCallback) stream.Flush();
    result.text = std::move(stream.text());
    return std::nullopt;
  }

  Sequence& seq;
  GenerateOptions options;
  Sampler sampler;
  std::vector<int32_t> history;  // prompt and sampled tokens
  TextStream stream;
  Done done;
  GenerateResult result;
  std::vector<float> logits;  // [n_vocab]: those of the next token
};

BatchGenerator::BatchGenerator(Engine& engine, int max_slots)
    : engine_(engine), max_slots_(max_slots) {
  LFM_CHECK(max_slots >= 1, "max_slots {}", max_slots);
}

BatchGenerator::~BatchGenerator() = default;

Status BatchGenerator::Add(Sequence& seq, std::span<const int32_t> prompt, GenerateOptions options,
                           Done done) {
  if (!has_free_slot()) {
    return Error(StatusCode::kInternal, "all {} generation slots are busy", max_slots_);
  }
  LFM_RETURN_IF_ERROR(Sampler::Validate(options.sampling));
  auto g = std::make_unique<Generation>(seq, prompt, std::move(options), std::move(done));
  const Clock::time_point prefill_start = Clock::now();
  LFM_RETURN_IF_ERROR(engine_.Prefill(seq, prompt, &g->logits));
  g->result.prefill_seconds = SecondsSince(prefill_start);
  slots_.push_back(std::move(g));
  return OkStatus();
}

void BatchGenerator::Step() {
  std::vector<Generation*> decoding;
  std::vector<Sequence*> seqs;
  std::vector<int32_t> tokens;
  std::vector<std::unique_ptr<Generation>> finished;
  for (std::unique_ptr<Generation>& g : slots_) {
    if (std::optional<int32_t> token = g->Next(engine_.tokenizer())) {
      decoding.push_back(g.get());
      seqs.push_back(&g->seq);
      tokens.push_back(*token);
    } else {
      finished.push_back(std::move(g));
    }
  }
  std::erase(slots_, nullptr);
  // Slots are free before `done` runs, so a callback may Add the next generation.
  for (std::unique_ptr<Generation>& g : finished) g->done(std::move(g->result));
  if (decoding.empty()) return;

  std::vector<float> logits;  // [B, n_vocab]
  const Clock::time_point decode_start = Clock::now();
  const Status status = engine_.DecodeBatch(seqs, tokens, &logits);
  const double seconds = SecondsSince(decode_start);
  if (!status.ok()) {
    std::vector<std::unique_ptr<Generation>> failed;
    for (std::unique_ptr<Generation>& g : slots_) {
      if (std::find(decoding.begin(), decoding.end(), g.get()) != decoding.end()) {
        failed.push_back(std::move(g));
      }
    }
    std::erase(slots_, nullptr);
    for (std::unique_ptr<Generation>& g : failed) g->done(status);
    return;
  }
  const size_t V = static_cast<size_t>(engine_.config().n_vocab);
  for (size_t b = 0; b < decoding.size(); ++b) {
    Generation& g = *decoding[b];
    g.logits.assign(logits.begin() + b * V, logits.begin() + (b + 1) * V);
    g.result.decode_seconds += seconds;
    ++g.result.n_decode_steps;
  }
}

void BatchGenerator::RunToCompletion() {
  while (running() > 0) Step();
}

StatusOr<GenerateResult> Engine::Generate(Sequence& seq, std::span<const int32_t> prompt,
                                          const GenerateOptions& options) {
  BatchGenerator generator(*this, 1);
  StatusOr<GenerateResult> out = Error(StatusCode::kInternal, "the generation did not finish");
  LFM_RETURN_IF_ERROR(generator.Add(seq, prompt, options,
                                    [&out](StatusOr<GenerateResult> r) { out = std::move(r); }));
  generator.RunToCompletion();
  return out;
}

}  // namespace lfm::engine
