// Engine::Generate: prefill, then sample / decode one token at a time, streaming text that is
// held back only while it could still be the start of a stop string or of a UTF-8 character.
#include <algorithm>
#include <chrono>

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

StatusOr<GenerateResult> Engine::Generate(Sequence& seq, std::span<const int32_t> prompt,
                                          const GenerateOptions& options) {
  LFM_RETURN_IF_ERROR(Sampler::Validate(options.sampling));
  GenerateResult result;
  result.n_prompt_tokens = static_cast<int64_t>(prompt.size());
  std::vector<float> logits;  // [n_vocab]
  const Clock::time_point prefill_start = Clock::now();
  LFM_RETURN_IF_ERROR(Prefill(seq, prompt, &logits));
  result.prefill_seconds = SecondsSince(prefill_start);

  Sampler sampler(options.sampling);
  std::vector<int32_t> history(prompt.begin(), prompt.end());  // for the repetition penalty
  TextStream stream(options);
  while (true) {
    if (static_cast<int>(result.tokens.size()) >= options.max_tokens) {
      result.stop_reason = StopReason::kMaxTokens;
      break;
    }
    const Clock::time_point sample_start = Clock::now();
    const int32_t token = sampler.Sample(logits, history);
    result.sample_seconds += SecondsSince(sample_start);
    if (options.stop_at_eog && tokenizer_->IsEog(token)) {
      result.stop_reason = StopReason::kEndOfGeneration;
      break;
    }
    result.tokens.push_back(token);
    history.push_back(token);
    bool stopped_by_callback = false;
    if (!stream.Append(tokenizer_->TokenText(token), &stopped_by_callback)) {
      result.stop_reason = stopped_by_callback ? StopReason::kCallback : StopReason::kStopString;
      break;
    }
    if (static_cast<int>(result.tokens.size()) >= options.max_tokens) continue;  // no decode needed
    if (seq.length() >= seq.max_context()) {
      result.stop_reason = StopReason::kContextFull;
      break;
    }
    const Clock::time_point decode_start = Clock::now();
    LFM_RETURN_IF_ERROR(Decode(seq, token, &logits));
    result.decode_seconds += SecondsSince(decode_start);
    ++result.n_decode_steps;
  }
  if (result.stop_reason != StopReason::kStopString &&
      result.stop_reason != StopReason::kCallback) {
    stream.Flush();
  }
  result.text = std::move(stream.text());
  return result;
}

}  // namespace lfm::engine
