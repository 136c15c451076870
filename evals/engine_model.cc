#include "evals/engine_model.h"

#include <algorithm>
#include <cmath>

#include "engine/batch_generator.h"
#include "engine/chat.h"

namespace lfm::evals {
namespace {

// Positions of a continuation scored per Prefill call, bounding the [n, n_vocab] logits buffer.
constexpr size_t kScoreChunk = 256;

// log softmax(logits)[token], in double.
double LogProb(std::span<const float> logits, int32_t token) {
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
  return static_cast<double>(logits[token]) - max - std::log(sum);
}

bool IsArgMax(std::span<const float> logits, int32_t token) {
  return std::max_element(logits.begin(), logits.end()) - logits.begin() == token;
}

}  // namespace

EngineModel::EngineModel(engine::Engine& engine, std::string name, EngineModelOptions options)
    : engine_(engine), name_(std::move(name)), options_(options), cache_(options.cache_entries) {}

std::vector<int32_t> EngineModel::Encode(const std::string& text) const {
  const engine::Tokenizer& tok = engine_.tokenizer();
  std::vector<int32_t> ids = tok.Encode(text, /*add_bos=*/true, /*parse_special=*/true);
  // A rendered chat prompt already starts with BOS: never two.
  if (ids.size() >= 2 && tok.bos_id() >= 0 && ids[0] == tok.bos_id() && ids[1] == tok.bos_id()) {
    ids.erase(ids.begin());
  }
  return ids;
}

void EngineModel::EncodePair(const std::string& context, const std::string& continuation,
                             std::vector<int32_t>* context_tokens,
                             std::vector<int32_t>* continuation_tokens) const {
  std::string ctx = context;
  std::string cont = continuation;
  const size_t end = ctx.find_last_not_of(" \t\n\r\f\v");
  const size_t keep = end == std::string::npos ? 0 : end + 1;
  cont = ctx.substr(keep) + cont;
  ctx.resize(keep);
  const std::vector<int32_t> whole = Encode(ctx + cont);
  *context_tokens = Encode(ctx);
  const size_t n = std::min(context_tokens->size(), whole.size());
  continuation_tokens->assign(whole.begin() + static_cast<std::ptrdiff_t>(n), whole.end());
}

StatusOr<std::unique_ptr<engine::Sequence>> EngineModel::ContinueFrom(std::span<const int32_t> tokens,
                                                                      size_t max_length, size_t* held) {
  const Cache::Entry* entry = options_.prefix_reuse ? cache_.Longest(tokens, max_length) : nullptr;
  std::unique_ptr<engine::Sequence> seq = entry ? entry->state->Fork() : engine_.NewSequence();
  size_t start = entry ? entry->tokens.size() : 0;
  stats_.reused_tokens += static_cast<int64_t>(start);
  if (options_.prefix_reuse) {
    const size_t shared = std::min(CommonPrefix(previous_, tokens), max_length);
    if (shared >= options_.min_shared_tokens && shared > start) {
      std::vector<float> logits;
      LFM_RETURN_IF_ERROR(engine_.Prefill(*seq, tokens.subspan(start, shared - start), &logits));
      stats_.computed_tokens += static_cast<int64_t>(shared - start);
      cache_.Insert(std::vector<int32_t>(tokens.begin(), tokens.begin() + shared), seq->Fork(),
                    std::move(logits));
      start = shared;
    }
  }
  *held = start;
  return seq;
}

StatusOr<const EngineModel::Cache::Entry*> EngineModel::ContextState(std::span<const int32_t> tokens) {
  if (tokens.empty()) return Error(StatusCode::kInvalidArgument, "empty context (the model has no BOS)");
  stats_.prompt_tokens += static_cast<int64_t>(tokens.size());
  if (!options_.prefix_reuse) {
    cache_.Clear();
  } else if (const Cache::Entry* hit = cache_.Longest(tokens, tokens.size());
             hit && hit->tokens.size() == tokens.size()) {
    stats_.reused_tokens += static_cast<int64_t>(tokens.size());
    return hit;
  }
  size_t held = 0;
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<engine::Sequence> seq, ContinueFrom(tokens, tokens.size() - 1, &held));
  std::vector<float> logits;
  LFM_RETURN_IF_ERROR(engine_.Prefill(*seq, tokens.subspan(held), &logits));
  stats_.computed_tokens += static_cast<int64_t>(tokens.size() - held);
  previous_.assign(tokens.begin(), tokens.end());
  return cache_.Insert(std::vector<int32_t>(tokens.begin(), tokens.end()), std::move(seq), std::move(logits));
}

StatusOr<LogLikelihoodResult> EngineModel::ScoreTokens(std::span<const int32_t> context,
                                                       std::span<const int32_t> continuation) {
  LFM_ASSIGN_OR_RETURN(const Cache::Entry* entry, ContextState(context));
  LogLikelihoodResult result;
  result.logprob = LogProb(entry->logits, continuation[0]);
  result.is_greedy = IsArgMax(entry->logits, continuation[0]);
  if (continuation.size() == 1) return result;
  // The rest of the continuation, fed after the context: row i predicts continuation[i + 1].
  std::unique_ptr<engine::Sequence> seq = entry->state->Fork();
  const size_t n_vocab = static_cast<size_t>(engine_.config().n_vocab);
  std::vector<float> logits;
  for (size_t start = 0; start + 1 < continuation.size(); start += kScoreChunk) {
    const size_t n = std::min(kScoreChunk, continuation.size() - 1 - start);
    LFM_RETURN_IF_ERROR(engine_.Prefill(*seq, continuation.subspan(start, n), &logits, /*all_positions=*/true));
    stats_.computed_tokens += static_cast<int64_t>(n);
    for (size_t i = 0; i < n; ++i) {
      std::span<const float> row(logits.data() + i * n_vocab, n_vocab);
      const int32_t next = continuation[start + i + 1];
      result.logprob += LogProb(row, next);
      result.is_greedy = result.is_greedy && IsArgMax(row, next);
    }
  }
  return result;
}

StatusOr<std::vector<LogLikelihoodResult>> EngineModel::LogLikelihood(
    const std::vector<LogLikelihoodRequest>& requests) {
  const size_t max_context = static_cast<size_t>(engine_.options().max_context);
  std::vector<LogLikelihoodResult> results;
  for (const LogLikelihoodRequest& r : requests) {
    if (Cancelled()) return Error(StatusCode::kCancelled, "cancelled");
    std::vector<int32_t> context, continuation;
    EncodePair(r.context, r.continuation, &context, &continuation);
    if (continuation.empty()) return Error(StatusCode::kInvalidArgument, "empty continuation");
    if (continuation.size() > max_context) {
      return Error(StatusCode::kInvalidArgument, "continuation of {} tokens exceeds the context of {}",
                   continuation.size(), max_context);
    }
    // lm-eval keeps the last max_context + 1 tokens of context + continuation.
    const size_t total = context.size() + continuation.size();
    if (total > max_context + 1) context.erase(context.begin(), context.begin() + (total - max_context - 1));
    LFM_ASSIGN_OR_RETURN(LogLikelihoodResult result, ScoreTokens(context, continuation));
    results.push_back(result);
  }
  return results;
}

StatusOr<std::vector<double>> EngineModel::LogLikelihoodRolling(const std::vector<RollingRequest>& requests) {
  const engine::Tokenizer& tok = engine_.tokenizer();
  const int32_t prefix = tok.bos_id() >= 0 ? tok.bos_id() : tok.eos_id();
  if (prefix < 0) return Error(StatusCode::kInvalidArgument, "the model has neither BOS nor EOS");
  const size_t max_len = static_cast<size_t>(engine_.options().max_context);
  std::vector<double> results;
  for (const RollingRequest& r : requests) {
    if (Cancelled()) return Error(StatusCode::kCancelled, "cancelled");
    const std::vector<int32_t> tokens = tok.Encode(r.text, /*add_bos=*/false, /*parse_special=*/true);
    // lm-eval's get_rolling_token_windows with context_len 1, made disjoint: each window scores
    // up to max_len new tokens after the max_len tokens before them (or the prefix token).
    double total = 0;
    size_t predicted = 0;
    while (predicted < tokens.size()) {
      const size_t n = std::min(max_len, tokens.size() - predicted);
      std::vector<int32_t> context;
      if (predicted == 0) {
        context.push_back(prefix);
      } else {
        const size_t from = predicted + n > max_len + 1 ? predicted + n - max_len - 1 : 0;
        context.assign(tokens.begin() + from, tokens.begin() + predicted);
      }
      std::span<const int32_t> continuation(tokens.data() + predicted, n);
      cache_.Clear();  // windows share nothing worth keeping
      previous_.clear();
      LFM_ASSIGN_OR_RETURN(LogLikelihoodResult window, ScoreTokens(context, continuation));
      total += window.logprob;
      predicted += n;
    }
    results.push_back(total);
  }
  return results;
}

StatusOr<std::vector<std::string>> EngineModel::GenerateUntil(const std::vector<GenerationRequest>& requests) {
  const size_t max_context = static_cast<size_t>(engine_.options().max_context);
  // All requests of the call decode together, one token each per step (engine/batch_generator.h);
  // their contexts are prefilled one by one as they are added, reusing cached prefixes.
  engine::BatchGenerator generator(engine_, static_cast<int>(std::max<size_t>(1, requests.size())));
  std::vector<std::unique_ptr<engine::Sequence>> seqs;
  std::vector<StatusOr<engine::GenerateResult>> outs(requests.size(),
                                                     Error(StatusCode::kInternal, "not generated"));
  for (size_t i = 0; i < requests.size(); ++i) {
    const GenerationRequest& r = requests[i];
    if (Cancelled()) return Error(StatusCode::kCancelled, "cancelled");
    if (r.max_tokens < 1 || static_cast<size_t>(r.max_tokens) >= max_context) {
      return Error(StatusCode::kInvalidArgument, "max_gen_toks {} does not fit the context of {}",
                   r.max_tokens, max_context);
    }
    std::vector<int32_t> tokens = Encode(r.context);
    const size_t max_prompt = max_context - static_cast<size_t>(r.max_tokens);
    if (tokens.size() > max_prompt) tokens.erase(tokens.begin(), tokens.end() - max_prompt);
    stats_.prompt_tokens += static_cast<int64_t>(tokens.size());
    size_t held = 0;
    LFM_ASSIGN_OR_RETURN(std::unique_ptr<engine::Sequence> seq, ContinueFrom(tokens, tokens.size() - 1, &held));
    stats_.computed_tokens += static_cast<int64_t>(tokens.size() - held);
    previous_ = tokens;

    engine::GenerateOptions options;
    options.max_tokens = r.max_tokens;
    options.stop_strings = r.until;
    if (r.do_sample && r.temperature > 0) {
      options.sampling.temperature = static_cast<float>(r.temperature);
      options.sampling.top_k = r.top_k;
      options.sampling.top_p = static_cast<float>(r.top_p);
      options.sampling.min_p = static_cast<float>(r.min_p);
      options.sampling.seed = r.seed;
    }
    options.on_text = [this](std::string_view) { return !Cancelled(); };
    seqs.push_back(std::move(seq));
    LFM_RETURN_IF_ERROR(generator.Add(*seqs.back(), std::span<const int32_t>(tokens).subspan(held),
                                      std::move(options),
                                      [&outs, i](StatusOr<engine::GenerateResult> out) { outs[i] = std::move(out); }));
  }
  generator.RunToCompletion();
  std::vector<std::string> results;
  for (size_t i = 0; i < requests.size(); ++i) {
    LFM_RETURN_IF_ERROR(outs[i].status());
    if (outs[i]->stop_reason == engine::StopReason::kCallback) return Error(StatusCode::kCancelled, "cancelled");
    stats_.generated_tokens += static_cast<int64_t>(outs[i]->tokens.size());
    results.push_back(CutAtStopStrings(outs[i]->text, requests[i].until));
  }
  return results;
}

StatusOr<std::string> EngineModel::ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                                     bool add_generation_prompt) const {
  std::vector<engine::ChatMessage> chat;
  for (const ChatMessage& m : messages) chat.push_back({m.role, m.content});
  engine::ChatOptions options;
  options.add_generation_prompt = add_generation_prompt;
  return engine::RenderChat(engine_.tokenizer(), chat, options);
}

}  // namespace lfm::evals
