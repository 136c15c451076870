#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/progress.h"
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/weights.h"
#include "kernels/registry.h"

namespace lfm::engine {
namespace {

// Tokens per forward call: bounds the activations of a long prefill (llama.cpp's default
// micro-batch is the same size). Results do not depend on it.
constexpr int64_t kMaxBatch = 512;
// Models with more weight bytes show a progress line while loading.
constexpr uint64_t kProgressBytes = 256ull << 20;

// Reads one byte of every page of [data, data + bytes).
void TouchPages(const void* data, uint64_t bytes) {
  constexpr uint64_t kPage = 4096;
  const auto* p = static_cast<const uint8_t*>(data);
  uint8_t acc = 0;
  for (uint64_t offset = 0; offset < bytes; offset += kPage) acc ^= p[offset];
  static volatile uint8_t sink = 0;
  sink = sink ^ acc;  // a use the compiler must keep
}

uint64_t MatrixBytes(const kernels::WeightView& w) { return w.rows * w.row_bytes(); }

// Gets the weights ready before the first token: each matrix the backend runs goes through its
// Prepare, and when that made a copy (in the backend's own memory or layout) the mapped pages
// are released at once, so the file's pages and the copies are never all resident together; every other
// matrix's pages are read once so that forward calls do not wait on the disk. Norms and other
// small vectors fault in on first use. A progress line for big files.
void LoadWeights(const GgufFile& file, Lfm2Weights& weights, kernels::Backend& backend,
                 bool show_progress) {
  uint64_t total = MatrixBytes(weights.token_embd), done = 0;
  weights.ForEachMatrix([&](const kernels::WeightView& w, int64_t) { total += MatrixBytes(w); });
  std::unique_ptr<Progress> bar;
  if (show_progress && total >= kProgressBytes) {
    bar = std::make_unique<Progress>("loading " + file.path(), total >> 20, "MB");
  }
  auto advance = [&](uint64_t bytes) {
    done += bytes;
    if (bar) bar->Set(done >> 20);
  };
  TouchPages(weights.token_embd.data, MatrixBytes(weights.token_embd));
  advance(MatrixBytes(weights.token_embd));
  weights.ForEachMatrix([&](kernels::WeightView& w, int64_t slice_rows) {
    const uint64_t bytes = MatrixBytes(w);
    const kernels::WeightView prepared =
        backend.Supports(w.type) ? backend.Prepare(w, slice_rows) : w;
    if (prepared.data == w.data) {
      TouchPages(w.data, bytes);
    } else {
      // A tied output head's copy serves the embedding lookups too when it kept the stored
      // layout; else the file's pages stay for them.
      if (w.data == weights.token_embd.data &&
          prepared.layout == kernels::WeightLayout::kStored) {
        weights.token_embd.data = prepared.data;
      }
      if (w.data != weights.token_embd.data) file.ReleasePages(w.data, bytes);
      w = prepared;
    }
    advance(bytes);
  });
}

}  // namespace

Engine::~Engine() = default;

StatusOr<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  if (options.threads < 1) {
    return Error(StatusCode::kInvalidArgument, "threads must be at least 1 (got {})",
                 options.threads);
  }
  if (options.max_context < 1) {
    return Error(StatusCode::kInvalidArgument, "max context must be at least 1 token (got {})",
                 options.max_context);
  }
  std::unique_ptr<Engine> e(new Engine());
  e->options_ = options;
  LFM_ASSIGN_OR_RETURN(e->file_, GgufFile::Open(options.model_path));
  LFM_ASSIGN_OR_RETURN(e->config_, Lfm2Config::FromGguf(*e->file_));
  LFM_ASSIGN_OR_RETURN(Tokenizer tokenizer, Tokenizer::FromGguf(*e->file_));
  e->tokenizer_ = std::make_unique<Tokenizer>(std::move(tokenizer));
  if (e->tokenizer_->n_vocab() != e->config_.n_vocab) {
    return Error(StatusCode::kDataLoss, "{}: the tokenizer has {} tokens but the model {}",
                 options.model_path, e->tokenizer_->n_vocab(), e->config_.n_vocab);
  }
  LFM_ASSIGN_OR_RETURN(Lfm2Weights weights, Lfm2Weights::Bind(*e->file_, e->config_));
  e->weights_ = std::make_unique<Lfm2Weights>(std::move(weights));

  e->pool_ = std::make_unique<ThreadPool>(options.threads);
  LFM_ASSIGN_OR_RETURN(e->backend_, kernels::MakeBackend(options.backend, e->pool_.get()));
  LFM_ASSIGN_OR_RETURN(e->fallback_, kernels::MakeBackend("reference", e->pool_.get()));
  std::set<std::string> unsupported;
  e->weights_->ForEachMatrix([&](const kernels::WeightView& w, int64_t) {
    if (!e->backend_->Supports(w.type)) unsupported.emplace(kernels::DTypeName(w.type));
  });
  e->fallback_types_.assign(unsupported.begin(), unsupported.end());
  if (!unsupported.empty()) {
    fmt::print(
        stderr,
        "lfmbench: backend '{}' does not support {}: those weights run on the reference backend\n",
        options.backend, fmt::join(unsupported, ", "));
  }
  LoadWeights(*e->file_, *e->weights_, *e->backend_, options.show_progress);
  e->model_ =
      std::make_unique<Lfm2Model>(e->config_, *e->weights_, *e->backend_, *e->fallback_, *e->pool_);
  return e;
}

std::string_view Engine::backend_name() const { return backend_->Name(); }

std::unique_ptr<Sequence> Engine::NewSequence() const {
  return std::make_unique<Sequence>(config_, options_.max_context);
}

namespace {

Status CheckTokens(std::span<const int32_t> tokens, int64_t n_vocab) {
  if (tokens.empty()) return Error(StatusCode::kInvalidArgument, "no tokens to run");
  for (int32_t t : tokens) {
    if (t < 0 || t >= n_vocab) {
      return Error(StatusCode::kInvalidArgument, "token id {} is outside the vocabulary [0, {})", t,
                   n_vocab);
    }
  }
  return OkStatus();
}

Status CheckRoom(const Sequence& seq, int64_t n) {
  if (seq.length() + n <= seq.max_context()) return OkStatus();
  return Error(StatusCode::kInvalidArgument,
               "context full: the sequence holds {} tokens and {} more exceed its max context of "
               "{} (raise the context size)",
               seq.length(), n, seq.max_context());
}

}  // namespace

Status Engine::Prefill(Sequence& seq, std::span<const int32_t> tokens, std::vector<float>* logits,
                       bool all_positions) {
  const int64_t n = static_cast<int64_t>(tokens.size()), V = config_.n_vocab;
  LFM_RETURN_IF_ERROR(CheckTokens(tokens, V));
  LFM_RETURN_IF_ERROR(CheckRoom(seq, n));
  logits->resize((all_positions ? n : 1) * V);
  for (int64_t begin = 0; begin < n; begin += kMaxBatch) {
    const int64_t count = std::min(kMaxBatch, n - begin);
    const bool last_chunk = begin + count == n;
    const Segment segment{&seq, 0, count};
    if (all_positions) {
      model_->Forward({&segment, 1}, tokens.subspan(begin, count), true, logits->data() + begin * V);
    } else if (last_chunk) {
      model_->Forward({&segment, 1}, tokens.subspan(begin, count), false, logits->data());
    } else {
      std::vector<float> unused(V);
      model_->Forward({&segment, 1}, tokens.subspan(begin, count), false, unused.data());
    }
  }
  return OkStatus();
}

Status Engine::Decode(Sequence& seq, int32_t token, std::vector<float>* logits) {
  return Prefill(seq, std::span<const int32_t>(&token, 1), logits, false);
}

Status Engine::DecodeBatch(std::span<Sequence* const> seqs, std::span<const int32_t> tokens,
                           std::vector<float>* logits) {
  const int64_t B = static_cast<int64_t>(seqs.size());
  if (static_cast<int64_t>(tokens.size()) != B) {
    return Error(StatusCode::kInvalidArgument, "{} tokens for {} sequences", tokens.size(), B);
  }
  LFM_RETURN_IF_ERROR(CheckTokens(tokens, config_.n_vocab));
  std::set<const Sequence*> distinct(seqs.begin(), seqs.end());
  if (static_cast<int64_t>(distinct.size()) != B || distinct.count(nullptr)) {
    return Error(StatusCode::kInvalidArgument, "a decode batch needs distinct sequences");
  }
  std::vector<Segment> segments;
  for (int64_t b = 0; b < B; ++b) {
    LFM_RETURN_IF_ERROR(CheckRoom(*seqs[b], 1));
    segments.push_back({seqs[b], b, 1});
  }
  logits->resize(B * config_.n_vocab);
  for (int64_t begin = 0; begin < B; begin += kMaxBatch) {
    const int64_t count = std::min(kMaxBatch, B - begin);
    // Rows are numbered within each forward step.
    std::vector<Segment> step(segments.begin() + begin, segments.begin() + begin + count);
    for (Segment& s : step) s.begin -= begin;
    model_->Forward(step, tokens.subspan(begin, count), false,
                    logits->data() + begin * config_.n_vocab);
  }
  return OkStatus();
}

const std::vector<std::vector<int64_t>>& Engine::expert_tokens() const {
  return model_->expert_tokens();
}

void Engine::ResetExpertLoad() { model_->ResetExpertLoad(); }

const OpTimes& Engine::op_times() const { return model_->op_times(); }

void Engine::ResetOpTimes() { model_->ResetOpTimes(); }

}  // namespace lfm::engine
