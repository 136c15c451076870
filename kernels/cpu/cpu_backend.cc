#include "kernels/cpu/cpu_backend.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "base/mapped_file.h"
#include "kernels/cpu/gemm.h"
#include "kernels/moe_routing.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/vec_dot.h"

namespace lfm::kernels {
namespace {

// Rows per task: a task streams kTaskRows rows of one matrix (~74 KB of q4_0 at D = 2048),
// small enough to balance two to a few dozen threads, large enough to amortize the hand-off.
constexpr int64_t kTaskRows = 64;

// Up to this many tokens per matrix a product is bound by reading the weights, and each thread
// takes one contiguous run of rows instead of 64-row tasks: one long stream per core, which the
// prefetchers (and the kernels' own prefetch ahead) follow to its end.
constexpr int64_t kStreamMaxTokens = 8;

// Row ranges start and end on multiples of this (the kCpuRows16 and kCpuRows8 groups).
constexpr int64_t kRowAlign = 16;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Activations of `n` rows converted to the vec-dot type of some weight type.
struct QuantizedRows {
  DType type = DType::kF32;
  int64_t row_bytes = 0;
  std::vector<uint8_t> data;  // [n, row_bytes]

  const uint8_t* row(int64_t i) const { return data.data() + i * row_bytes; }
  uint8_t* row(int64_t i) { return data.data() + i * row_bytes; }
};

class CpuBackend : public Backend {
 public:
  explicit CpuBackend(ThreadPool* pool) : pool_(pool) {}

  std::string_view Name() const override { return "cpu"; }

  bool Supports(DType type) const override { return CanVecDot(type); }

  // Every matrix moves to anonymous memory on huge pages: decode streams ~1 GB of weights per
  // token, which on the file's 4 KB pages would cost a TLB miss every 4 KB. Q4_0 / Q8_0 go to the
  // interleaved layout of this CPU's kernels (cpu::InterleavedLayout in gemm.h): one kernel for
  // decode and prefill, no per-call repacking; the rest keep their stored layout.
  WeightView Prepare(const WeightView& w, int64_t slice_rows) override {
    if (w.layout != WeightLayout::kStored) return w;
    const int64_t bytes = w.rows * w.row_bytes();
    auto& buffer = prepared_.emplace_back(std::make_unique<AnonymousBuffer>(bytes));
    WeightView prepared = w;
    prepared.data = buffer->data();
    prepared.layout = cpu::InterleavedLayout(w, slice_rows);
    if (prepared.layout != WeightLayout::kStored) {
      constexpr int64_t kTaskGroups = 16;
      const int64_t groups = w.rows / cpu::GroupRows(prepared.layout);
      RunTasks(CeilDiv(groups, kTaskGroups), [&](int64_t task) {
        cpu::Interleave(w, prepared.layout, task * kTaskGroups,
                        std::min(groups, (task + 1) * kTaskGroups), buffer->data());
      });
    } else {
      constexpr int64_t kTaskBytes = 1 << 20;
      RunTasks(CeilDiv(bytes, kTaskBytes), [&](int64_t task) {
        const int64_t begin = task * kTaskBytes, end = std::min(bytes, begin + kTaskBytes);
        std::memcpy(buffer->data() + begin, static_cast<const uint8_t*>(w.data) + begin,
                    end - begin);
      });
    }
    return prepared;
  }

  void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) override {
    Quantize(w.type, x, n_tokens, w.cols, acts_);
    const bool has_sums = ComputeSums(w, acts_, n_tokens, acts_sums_);
    const cpu::Q8SumsView sums = acts_sums_.View(0);
    const int one_matrix = 0;
    ForRows({&one_matrix, 1}, w.rows, n_tokens, [&](int, int64_t r0, int64_t r1) {
      cpu::GemmRows(w, r0, r1, acts_.data.data(), acts_.row_bytes, n_tokens, y, w.rows,
                    has_sums ? &sums : nullptr);
    });
  }

  // Expert-major: the (token, slot) pairs of each expert are gathered, then the threads split
  // the active experts' rows (ForRows), so each expert's weights are read once for all its
  // tokens. With one token this is the token-major decode loop: each pair is one expert.
  void Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) override {
    const int64_t D = w.d_model, F = w.d_ffn, n_pairs = r.n_tokens * r.n_used;
    const ExpertGroups& g = groups_;
    groups_.Group(w.n_experts, r);
    Quantize(w.gate.type, x, r.n_tokens, D, acts_);

    // Gather each pair's token activations into expert order: [n_pairs, row_bytes].
    gathered_.type = acts_.type;
    gathered_.row_bytes = acts_.row_bytes;
    gathered_.data.resize(n_pairs * acts_.row_bytes);
    GatherPairRows(r, g, 0, n_pairs, acts_.row(0), acts_.row_bytes, gathered_.row(0));

    const bool has_gathered_sums = ComputeSums(w.gate, gathered_, n_pairs, gathered_sums_);

    // Phase 1: fused gate + up + SiLU into hidden_ [n_pairs, F], by (expert, row range).
    hidden_.resize(n_pairs * F);
    gate_.resize(n_pairs * F);
    const int64_t tokens_per_expert = n_pairs / static_cast<int64_t>(g.active.size());
    ForRows(g.active, F, tokens_per_expert, [&](int e, int64_t r0, int64_t r1) {
      const int64_t first = g.begin[e], n = g.size(e);
      const uint8_t* a = gathered_.row(first);
      float* gate = gate_.data() + first * F;
      float* h = hidden_.data() + first * F;
      const cpu::Q8SumsView sums = gathered_sums_.View(first);
      const cpu::Q8SumsView* s = has_gathered_sums ? &sums : nullptr;
      cpu::GemmRows(w.Gate(e), r0, r1, a, gathered_.row_bytes, n, gate, F, s);
      cpu::GemmRows(w.Up(e), r0, r1, a, gathered_.row_bytes, n, h, F, s);
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t c = r0; c < r1; ++c) h[i * F + c] = Silu(gate[i * F + c]) * h[i * F + c];
      }
    });

    // Phase 2: down projection of every pair into pair_out_ [n_pairs, D] (expert order).
    Quantize(w.down.type, hidden_.data(), n_pairs, F, hidden_acts_);
    const bool has_hidden_sums = ComputeSums(w.down, hidden_acts_, n_pairs, hidden_sums_);
    pair_out_.resize(n_pairs * D);
    ForRows(g.active, D, tokens_per_expert, [&](int e, int64_t r0, int64_t r1) {
      const int64_t first = g.begin[e], n = g.size(e);
      const cpu::Q8SumsView sums = hidden_sums_.View(first);
      cpu::GemmRows(w.Down(e), r0, r1, hidden_acts_.row(first), hidden_acts_.row_bytes, n,
                    pair_out_.data() + first * D, D, has_hidden_sums ? &sums : nullptr);
    });

    SumExpertOutputs(r, g, pair_out_.data(), D, out);
  }

 private:
  // Converts rows of x [n, cols] to the activation format of `weight_type`.
  void Quantize(DType weight_type, const float* x, int64_t n, int64_t cols, QuantizedRows& out) {
    out.type = VecDotType(weight_type);
    out.row_bytes = RowBytes(out.type, cols);
    out.data.resize(n * out.row_bytes);
    auto row = [&](int64_t i) {
      if (out.type == DType::kQ8_0) {
        cpu::QuantizeQ8_0(x + i * cols, cols, out.row(i));
      } else {
        QuantizeActivations(out.type, x + i * cols, out.row(i), cols);
      }
    };
    if (n < 4) {  // decode: not worth waking the pool
      for (int64_t i = 0; i < n; ++i) row(i);
    } else {
      RunTasks(n, row);
    }
  }

  // Fills `sums` for the n rows of `acts` and returns true when the kernels for `w` (a matrix or
  // an expert stack) and n tokens use them (cpu::UsesQ8Sums); once per activation matrix, shared
  // by every expert and task.
  bool ComputeSums(const WeightView& w, const QuantizedRows& acts, int64_t n, cpu::Q8Sums& sums) {
    if (!cpu::UsesQ8Sums(w, n)) return false;
    const int64_t nb = w.cols / kQK, chunk = 64;
    cpu::ResizeQ8Sums(n, nb, sums);
    auto range = [&](int64_t task) {
      cpu::ComputeQ8Sums(acts.data.data(), acts.row_bytes, task * chunk,
                         std::min(n, (task + 1) * chunk), nb, sums);
    };
    if (n <= chunk) {  // decode and short prompts: not worth waking the pool
      range(0);
    } else {
      RunTasks(CeilDiv(n, chunk), range);
    }
    return true;
  }

  // Calls fn(m, r0, r1) over rows [0, rows) of each matrix m in `matrices` (one matrix, or
  // the active experts), in ranges aligned to kRowAlign. `tokens`: the tokens per matrix.
  // Memory-bound products (tokens <= kStreamMaxTokens) give each thread one contiguous run of
  // the rows of all matrices in turn; the others hand out kTaskRows-row tasks dynamically.
  template <typename Fn>
  void ForRows(std::span<const int> matrices, int64_t rows, int64_t tokens, Fn&& fn) {
    const int64_t n = static_cast<int64_t>(matrices.size());
    if (tokens > kStreamMaxTokens || pool_ == nullptr) {
      const int64_t tasks = CeilDiv(rows, kTaskRows);
      RunTasks(n * tasks, [&](int64_t task) {
        const int64_t r0 = task % tasks * kTaskRows;
        fn(matrices[task / tasks], r0, std::min(rows, r0 + kTaskRows));
      });
      return;
    }
    // Thread t takes rows [t * total / T, (t + 1) * total / T) of the matrices laid end to end.
    const int64_t units = n * CeilDiv(rows, kRowAlign), threads = pool_->num_threads();
    RunTasks(threads, [&](int64_t t) {
      const int64_t begin = t * units / threads * kRowAlign,
                    end = (t + 1) * units / threads * kRowAlign;
      const int64_t padded = CeilDiv(rows, kRowAlign) * kRowAlign;  // one matrix, rounded up
      for (int64_t i = begin / padded; i < n && i * padded < end; ++i) {
        const int64_t r0 = std::max(begin - i * padded, int64_t{0});
        const int64_t r1 = std::min(end - i * padded, rows);
        if (r0 < r1) fn(matrices[i], r0, r1);
      }
    });
  }

  template <typename Fn>
  void RunTasks(int64_t n, Fn&& fn) {
    if (pool_) {
      pool_->Run(n, [&](int64_t task, int) { fn(task); });
    } else {
      for (int64_t task = 0; task < n; ++task) fn(task);
    }
  }

  ThreadPool* pool_;
  std::vector<std::unique_ptr<AnonymousBuffer>> prepared_;  // the views Prepare returned
  QuantizedRows acts_, gathered_, hidden_acts_;
  cpu::Q8Sums acts_sums_, gathered_sums_, hidden_sums_;
  std::vector<float> gate_, hidden_, pair_out_;
  ExpertGroups groups_;
};

}  // namespace

std::unique_ptr<Backend> MakeCpuBackend(ThreadPool* pool) {
  return std::make_unique<CpuBackend>(pool);
}

}  // namespace lfm::kernels
