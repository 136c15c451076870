#include "kernels/onednn/onednn_backend.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/check.h"
#include "kernels/moe_routing.h"
#include "kernels/panel_backend.h"
#include "kernels/quant/fp16.h"
#include "kernels/quant/quantize.h"

// Debian's libdnnl parallelizes on GNU OpenMP; the backend keeps that at one thread per caller.
static_assert(DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP,
              "the onednn backend sets OpenMP's thread count");

namespace lfm::kernels {
namespace {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

bool HasIsa(dnnl::cpu_isa isa, dnnl::cpu_isa feature) {
  return (static_cast<unsigned>(isa) & static_cast<unsigned>(feature)) ==
         static_cast<unsigned>(feature);
}

std::string_view IsaName(dnnl::cpu_isa isa) {
  using dnnl::cpu_isa;
  for (auto [feature, name] : {std::pair{cpu_isa::avx512_core_amx, "avx512_core_amx"},
                               {cpu_isa::avx512_core_bf16, "avx512_core_bf16"},
                               {cpu_isa::avx512_core_vnni, "avx512_core_vnni"},
                               {cpu_isa::avx512_core, "avx512_core"},
                               {cpu_isa::avx2_vnni, "avx2_vnni"},
                               {cpu_isa::avx2, "avx2"},
                               {cpu_isa::avx, "avx"},
                               {cpu_isa::sse41, "sse41"}}) {
    if (HasIsa(isa, feature)) return name;
  }
  return "generic";
}

std::string_view FormatName(OneDnnFormat format) {
  switch (format) {
    case OneDnnFormat::kBf16:
      return "bf16";
    case OneDnnFormat::kS8:
      return "s8";
    case OneDnnFormat::kF32:
      break;
  }
  return "f32";
}

// The packed matmul's element types: source (activations), weights, destination.
struct MatmulTypes {
  dt src, weights, dst;
};

MatmulTypes TypesOf(OneDnnFormat format) {
  return format == OneDnnFormat::kS8 ? MatmulTypes{dt::u8, dt::s8, dt::s32}
                                     : MatmulTypes{dt::bf16, dt::bf16, dt::f32};
}

// Backend `onednn`: the panel frame (panel_backend.h) with oneDNN's f32 GEMM as its product.
class OneDnnF32Backend : public PanelBackend {
 public:
  using PanelBackend::PanelBackend;

  std::string_view Name() const override { return "onednn"; }

  std::string Describe() const override {
    const dnnl_version_t* v = dnnl_version();
    return fmt::format(
        "onednn {}.{}.{} sgemm (isa {}; OpenMP 1 per call): f32 panels (256 KB for one token, "
        "4 MB for more) dequantized on the fly by each of {} engine threads",
        v->major, v->minor, v->patch, IsaName(dnnl::get_effective_cpu_isa()), threads());
  }

 private:
  void Product(const float* panel, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
               int64_t ldy) override {
    omp_set_num_threads(1);  // per calling thread: oneDNN runs on this pool thread only
    // Row-major y [n, rows] = x [n, cols] · panel^T.
    const dnnl_status_t status =
        dnnl_sgemm('N', 'T', n, rows, cols, 1.0f, x, cols, panel, cols, 0.0f, y, ldy);
    LFM_CHECK(status == dnnl_success, "dnnl_sgemm failed with status {}", static_cast<int>(status));
  }
};

// dst [M, rows] = src [M, cols] · W^T with M known only at execution, so one primitive per
// weight shape serves every token count. W is {cols, rows} in whatever layout oneDNN chooses.
// Scratchpads are the caller's: primitives then run concurrently on several threads.
dnnl::matmul::primitive_desc MatmulDesc(const dnnl::engine& engine, OneDnnFormat format,
                                        int64_t rows, int64_t cols) {
  const MatmulTypes types = TypesOf(format);
  const memory::dim m = DNNL_RUNTIME_DIM_VAL;
  const dnnl::matmul::desc desc(memory::desc({m, cols}, types.src, tag::ab),
                                memory::desc({cols, rows}, types.weights, tag::any),
                                memory::desc({m, rows}, types.dst, tag::ab));
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return dnnl::matmul::primitive_desc(desc, attr, engine);
}

bool CanRun(const dnnl::engine& engine, OneDnnFormat format) {
  try {
    MatmulDesc(engine, format, 64, 64);
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

// Rows [first, first + count) of a stored matrix.
struct RowRange {
  WeightView w;
  int64_t first = 0, count = 0;
};

// One slice of a weight matrix, packed: the stacked row ranges `pieces` (one, or for a fused
// expert the same hidden units of gate and of up), as its own oneDNN weights.
struct PackedSlice {
  std::vector<RowRange> pieces;
  int64_t rows = 0;           // Σ pieces' counts
  int64_t first = 0;          // first row (hidden unit for gate+up) of the whole matrix
  memory weights;             // {cols, rows} in the primitive's layout (owns its buffer)
  std::vector<float> scales;  // [rows] kS8 only: W[r] ≈ scales[r] · q[r]
  std::vector<int32_t> sums;  // [rows] kS8 only: Σ_c q[r, c], undoes the zero point
};

// A weight matrix (or an expert's gate and up side by side) split into row slices, so the
// engine's threads each run oneDNN on their own slices.
struct PackedMatrix {
  int64_t cols = 0;
  uint64_t fingerprint = 0;  // of the source bytes, to notice a reused address
  std::vector<PackedSlice> slices;
};

// Activations converted to a matmul source: [n, cols] elements of the source type.
struct Activations {
  int64_t row_bytes = 0;
  std::vector<uint8_t> data;  // [n, row_bytes]
  std::vector<float> scales;  // [n] kS8 only: x[t] ≈ scales[t] · (u[t] - 128)
};

constexpr int kZeroPoint = 128;
// Slices per engine thread: a little slack for the dynamic hand-out of the pool.
constexpr int kSlicesPerThread = 2;

// FNV-1a over a few spread-out samples of the source matrices: cheap enough for every call,
// and different for any two weight tensors that are not copies of each other.
uint64_t Fingerprint(std::span<const WeightView> parts) {
  uint64_t h = 1469598103934665603ull;
  for (const WeightView& w : parts) {
    const auto* bytes = static_cast<const uint8_t*>(w.data);
    const int64_t size = w.rows * w.row_bytes(), sample = std::min<int64_t>(32, size);
    for (int i = 0; i < 16; ++i) {
      const int64_t off = (size - sample) * i / 15;
      for (int64_t b = 0; b < sample; ++b) h = (h ^ bytes[off + b]) * 1099511628211ull;
    }
  }
  return h;
}

// Backend `onednn-s8` (and the unregistered bf16 variant): weights packed once per matrix.
class OneDnnPackedBackend : public Backend {
 public:
  OneDnnPackedBackend(ThreadPool* pool, OneDnnFormat format, dnnl::engine engine)
      : pool_(pool),
        format_(format),
        threads_(pool ? pool->num_threads() : 1),
        engine_(std::move(engine)),
        // Without VNNI the int8 kernels add u8·s8 pairs in saturating int16 (vpmaddubsw):
        // 2 · 255 · 63 < 32767 keeps every pair exact.
        weight_qmax_(HasIsa(dnnl::get_effective_cpu_isa(), dnnl::cpu_isa::avx512_core_vnni) ||
                             HasIsa(dnnl::get_effective_cpu_isa(), dnnl::cpu_isa::avx2_vnni)
                         ? 127
                         : 63),
        threads_state_(threads_) {
    for (PerThread& t : threads_state_) t.stream = dnnl::stream(engine_);
  }

  std::string_view Name() const override {
    return format_ == OneDnnFormat::kS8 ? "onednn-s8" : "onednn-bf16";
  }

  std::string Describe() const override {
    const dnnl_version_t* v = dnnl_version();
    const std::string weights =
        format_ == OneDnnFormat::kS8
            ? fmt::format("s8 weights ({}-bit, per-row scales) x u8 per-token activations",
                          weight_qmax_ == 127 ? 8 : 7)
            : "bf16 weights and activations";
    return fmt::format(
        "onednn {}.{}.{}: {}; isa {}; single-threaded oneDNN calls (OpenMP 1) on row slices "
        "across {} engine threads",
        v->major, v->minor, v->patch, weights, IsaName(dnnl::get_effective_cpu_isa()), threads_);
  }

  bool Supports(DType type) const override { return CanDequantize(type); }

  void Linear(const WeightView& w, const float* x, int64_t n_tokens, float* y) override {
    const PackedMatrix& p = Packed({&w, 1}, false);
    Convert(x, n_tokens, w.cols, &acts_);
    RunTasks(static_cast<int64_t>(p.slices.size()), [&](int64_t task, int thread) {
      const PackedSlice& s = p.slices[task];
      const float* res = Multiply(s, acts_, 0, n_tokens, thread);  // [n_tokens, s.rows]
      for (int64_t t = 0; t < n_tokens; ++t) {
        std::copy(res + t * s.rows, res + (t + 1) * s.rows, y + t * w.rows + s.first);
      }
    });
  }

  // The (token, slot) pairs grouped by expert and their activations gathered; then slices of
  // every used expert's fused gate+up (SiLU·mul on the results) in one parallel pass, slices of
  // the down matrices in a second; then each token's slots summed in order, as the reference.
  void Moe(const MoeWeights& w, const float* x, const MoeRouting& r, float* out) override {
    const int64_t D = w.d_model, F = w.d_ffn, n_pairs = r.n_tokens * r.n_used;
    const ExpertGroups& g = groups_;
    groups_.Group(w.n_experts, r);
    gate_up_.assign(w.n_experts, nullptr);
    down_.assign(w.n_experts, nullptr);
    for (int e : g.active) {  // packs on first use, so before the parallel part
      const WeightView gate_up[] = {w.Gate(e), w.Up(e)}, down[] = {w.Down(e)};
      gate_up_[e] = &Packed(gate_up, true);
      down_[e] = &Packed(down, false);
    }
    Convert(x, r.n_tokens, D, &acts_);
    Gather(acts_, g.order, r.n_used, &gathered_);  // [n_pairs] in expert order

    hidden_.resize(n_pairs * F);  // [n_pairs, F]
    ExpertSlices(gate_up_);
    RunTasks(static_cast<int64_t>(tasks_.size()), [&](int64_t task, int thread) {
      const auto [e, slice] = tasks_[task];
      const PackedSlice& s = gate_up_[e]->slices[slice];
      const int64_t n = g.size(e), units = s.rows / 2;
      const float* res = Multiply(s, gathered_, g.begin[e], n, thread);  // [n, gate | up]
      for (int64_t i = 0; i < n; ++i) {
        const float* gu = res + i * s.rows;
        float* h = hidden_.data() + (g.begin[e] + i) * F + s.first;
        for (int64_t j = 0; j < units; ++j) h[j] = Silu(gu[j]) * gu[units + j];
      }
    });

    Convert(hidden_.data(), n_pairs, F, &hidden_acts_);
    ys_.resize(n_pairs * D);  // [n_pairs, D]
    ExpertSlices(down_);
    RunTasks(static_cast<int64_t>(tasks_.size()), [&](int64_t task, int thread) {
      const auto [e, slice] = tasks_[task];
      const PackedSlice& s = down_[e]->slices[slice];
      const int64_t n = g.size(e);
      const float* res = Multiply(s, hidden_acts_, g.begin[e], n, thread);  // [n, s.rows]
      for (int64_t i = 0; i < n; ++i) {
        std::copy(res + i * s.rows, res + (i + 1) * s.rows,
                  ys_.data() + (g.begin[e] + i) * D + s.first);
      }
    });

    SumExpertOutputs(r, g, ys_.data(), D, out);
  }

 private:
  struct Key {
    const void* first;
    const void* second;  // the up matrix packed beside a gate matrix, else null
    auto operator<=>(const Key&) const = default;
  };
  struct Primitive {
    dnnl::matmul::primitive_desc desc;
    dnnl::matmul matmul;
  };
  // What each engine thread owns: oneDNN wants a stream and a scratchpad per concurrent caller.
  struct PerThread {
    dnnl::stream stream;
    std::vector<uint8_t> scratchpad, staging;
    std::vector<int32_t> acc;  // kS8 matmul output
    std::vector<float> result, row;
  };

  // fn(task, thread) for every task on the engine's threads, each thread running oneDNN
  // single-threaded: OpenMP's thread count is per calling thread, so it is set in every task.
  void RunTasks(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
    const auto task = [&](int64_t i, int thread) {
      omp_set_num_threads(1);
      fn(i, thread);
    };
    if (pool_) {
      pool_->Run(n_tasks, task);
    } else {
      for (int64_t i = 0; i < n_tasks; ++i) task(i, 0);
    }
  }

  void ParallelFor(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn) {
    if (pool_) {
      pool_->ParallelFor(n, fn);
    } else if (n > 0) {
      fn(0, n, 0);
    }
  }

  // Creates the primitives of every slice shape before any parallel use (the map is not
  // thread-safe; the primitives are).
  Primitive& PrimitiveFor(int64_t rows, int64_t cols) {
    auto it = primitives_.find({rows, cols});
    if (it == primitives_.end()) {
      dnnl::matmul::primitive_desc desc = MatmulDesc(engine_, format_, rows, cols);
      dnnl::matmul matmul(desc);
      it = primitives_.emplace(std::pair{rows, cols}, Primitive{desc, matmul}).first;
    }
    return it->second;
  }

  // The packed form of `parts` (one matrix, or gate and up with `fused`), packing it on first
  // use or when the bytes at a known address changed (a new tensor where an old one was).
  const PackedMatrix& Packed(std::span<const WeightView> parts, bool fused) {
    const Key key{parts[0].data, fused ? parts[1].data : nullptr};
    const uint64_t fingerprint = Fingerprint(parts);
    auto it = packed_.find(key);
    if (it == packed_.end() || it->second.fingerprint != fingerprint) {
      PackedMatrix packed = Pack(parts);
      packed.fingerprint = fingerprint;
      it = packed_.insert_or_assign(key, std::move(packed)).first;
    }
    return it->second;
  }

  // Splits the rows of parts[0] (shared by every part) into slices, each stacking that row
  // range of every part, and packs the slices in parallel.
  PackedMatrix Pack(std::span<const WeightView> parts) {
    PackedMatrix p;
    p.cols = parts[0].cols;
    const int64_t rows = parts[0].rows;
    for (const WeightView& w : parts) {
      LFM_CHECK(w.cols == p.cols && w.rows == rows && w.type == parts[0].type,
                "stacked matrices must match");
    }
    const int64_t n_slices =
        std::min<int64_t>(rows, threads_ == 1 ? 1 : kSlicesPerThread * threads_);
    for (int64_t i = 0; i < n_slices; ++i) {
      PackedSlice s;
      s.first = rows * i / n_slices;
      const int64_t count = rows * (i + 1) / n_slices - s.first;
      for (const WeightView& w : parts) s.pieces.push_back({w, s.first, count});
      s.rows = count * static_cast<int64_t>(parts.size());
      s.weights = memory(PrimitiveFor(s.rows, p.cols).desc.weights_desc(), engine_);
      p.slices.push_back(std::move(s));
    }
    RunTasks(n_slices, [&](int64_t i, int thread) { PackSlice(p.cols, thread, &p.slices[i]); });
    return p;
  }

  void PackSlice(int64_t cols, int thread, PackedSlice* s) {
    PerThread& t = threads_state_[thread];
    const MatmulTypes types = TypesOf(format_);
    const memory::desc plain_desc({cols, s->rows}, types.weights, tag::ba);  // W row-major
    const bool direct = s->weights.get_desc() == plain_desc;
    if (!direct) t.staging.resize(plain_desc.get_size());
    auto* plain = direct ? static_cast<uint8_t*>(s->weights.get_data_handle()) : t.staging.data();
    if (format_ == OneDnnFormat::kS8) {
      s->scales.resize(s->rows);
      s->sums.resize(s->rows);
    }
    const int64_t row_bytes = cols * static_cast<int64_t>(memory::data_type_size(types.weights));
    t.row.resize(cols);
    int64_t r = 0;
    for (const RowRange& piece : s->pieces) {
      for (int64_t i = 0; i < piece.count; ++i, ++r) {
        DequantizeRow(piece.w.type, piece.w.row(piece.first + i), t.row.data(), cols);
        StoreRow(t.row.data(), cols, plain + r * row_bytes, s, r);
      }
    }
    if (!direct) {
      memory src(plain_desc, engine_, t.staging.data());
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      const dnnl::reorder::primitive_desc desc(engine_, plain_desc, engine_, s->weights.get_desc(),
                                               attr);
      memory scratchpad = Scratchpad(desc.scratchpad_desc(), t);
      dnnl::reorder(desc).execute(
          t.stream,
          {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, s->weights}, {DNNL_ARG_SCRATCHPAD, scratchpad}});
      t.stream.wait();
    }
  }

  memory Scratchpad(const memory::desc& desc, PerThread& t) {
    t.scratchpad.resize(std::max<size_t>(t.scratchpad.size(), desc.get_size()));
    return memory(desc, engine_, t.scratchpad.data());
  }

  // Writes dequantized weight row r of slice s in the format's weight type.
  void StoreRow(const float* row, int64_t cols, uint8_t* out, PackedSlice* s, int64_t r) const {
    switch (format_) {
      case OneDnnFormat::kS8: {
        float amax = 0;
        for (int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(row[c]));
        const float inv = amax > 0 ? weight_qmax_ / amax : 0.0f;
        int32_t sum = 0;
        for (int64_t c = 0; c < cols; ++c) {
          const int q = NearestInt(row[c] * inv);
          out[c] = static_cast<uint8_t>(static_cast<int8_t>(q));
          sum += q;
        }
        s->scales[r] = amax / weight_qmax_;
        s->sums[r] = sum;
        return;
      }
      default: {
        auto* o = reinterpret_cast<uint16_t*>(out);
        for (int64_t c = 0; c < cols; ++c) o[c] = Fp32ToBf16(row[c]);
      }
    }
  }

  // x [n, cols] to the matmul's source type (per-token u8 with zero point 128 for kS8).
  void Convert(const float* x, int64_t n, int64_t cols, Activations* a) {
    a->row_bytes = cols * static_cast<int64_t>(memory::data_type_size(TypesOf(format_).src));
    a->data.resize(n * a->row_bytes);
    a->scales.resize(format_ == OneDnnFormat::kS8 ? n : 0);
    ParallelFor(n, [&](int64_t begin, int64_t end, int) {
      for (int64_t t = begin; t < end; ++t) {
        const float* xt = x + t * cols;
        uint8_t* out = a->data.data() + t * a->row_bytes;
        if (format_ == OneDnnFormat::kS8) {
          float amax = 0;
          for (int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(xt[c]));
          const float inv = amax > 0 ? 127.0f / amax : 0.0f;
          for (int64_t c = 0; c < cols; ++c) {
            out[c] = static_cast<uint8_t>(NearestInt(xt[c] * inv) + kZeroPoint);
          }
          a->scales[t] = amax / 127.0f;
        } else {
          auto* o = reinterpret_cast<uint16_t*>(out);
          for (int64_t c = 0; c < cols; ++c) o[c] = Fp32ToBf16(xt[c]);
        }
      }
    });
  }

  // to[i] = from[pairs[i] / n_used]: pair i's token's row.
  static void Gather(const Activations& from, std::span<const int64_t> pairs, int n_used,
                     Activations* to) {
    const int64_t n = static_cast<int64_t>(pairs.size());
    to->row_bytes = from.row_bytes;
    to->data.resize(n * from.row_bytes);
    to->scales.resize(from.scales.empty() ? 0 : n);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t t = pairs[i] / n_used;
      std::memcpy(to->data.data() + i * from.row_bytes, from.data.data() + t * from.row_bytes,
                  from.row_bytes);
      if (!from.scales.empty()) to->scales[i] = from.scales[t];
    }
  }

  // Rows [first, first + n) of `a` times slice s's rows: returns the calling thread's
  // f32 result [n, s.rows], valid until its next Multiply.
  const float* Multiply(const PackedSlice& s, const Activations& a, int64_t first, int64_t n,
                        int thread) {
    PerThread& t = threads_state_[thread];
    const MatmulTypes types = TypesOf(format_);
    const int64_t cols = s.weights.get_desc().dims()[0];
    const bool s8 = format_ == OneDnnFormat::kS8;
    t.result.resize(n * s.rows);
    if (s8) t.acc.resize(n * s.rows);
    const Primitive& prim = primitives_.at({s.rows, cols});
    memory src(memory::desc({n, cols}, types.src, tag::ab), engine_,
               const_cast<uint8_t*>(a.data.data() + first * a.row_bytes));
    memory dst(memory::desc({n, s.rows}, types.dst, tag::ab), engine_,
               s8 ? static_cast<void*>(t.acc.data()) : static_cast<void*>(t.result.data()));
    prim.matmul.execute(t.stream,
                        {{DNNL_ARG_SRC, src},
                         {DNNL_ARG_WEIGHTS, s.weights},
                         {DNNL_ARG_DST, dst},
                         {DNNL_ARG_SCRATCHPAD, Scratchpad(prim.desc.scratchpad_desc(), t)}});
    t.stream.wait();
    if (s8) {  // Σ w·x = sw · sx · Σ q_w · (u - 128) = sw · sx · (acc - 128 · Σ q_w)
      for (int64_t i = 0; i < n; ++i) {
        const float sx = a.scales[first + i];
        for (int64_t r = 0; r < s.rows; ++r) {
          t.result[i * s.rows + r] =
              sx * s.scales[r] * static_cast<float>(t.acc[i * s.rows + r] - kZeroPoint * s.sums[r]);
        }
      }
    }
    return t.result.data();
  }

  // tasks_: (expert, slice) for every slice of the used experts' packed matrices.
  void ExpertSlices(const std::vector<const PackedMatrix*>& per_expert) {
    tasks_.clear();
    for (int e = 0; e < static_cast<int>(per_expert.size()); ++e) {
      if (!per_expert[e]) continue;
      for (size_t s = 0; s < per_expert[e]->slices.size(); ++s) tasks_.emplace_back(e, s);
    }
  }

  ThreadPool* pool_;
  const OneDnnFormat format_;
  const int threads_;
  dnnl::engine engine_;
  const int weight_qmax_;  // kS8: largest |q| of a weight
  std::vector<PerThread> threads_state_;
  std::map<std::pair<int64_t, int64_t>, Primitive> primitives_;  // by slice (rows, cols)
  std::map<Key, PackedMatrix> packed_;
  Activations acts_, gathered_, hidden_acts_;
  ExpertGroups groups_;
  std::vector<const PackedMatrix*> gate_up_, down_;  // per expert, null when it has no tokens
  std::vector<std::pair<int, size_t>> tasks_;
  std::vector<float> hidden_, ys_;
};

}  // namespace

StatusOr<std::unique_ptr<Backend>> MakeOneDnnBackend(ThreadPool* pool, OneDnnFormat format) {
  if (format == OneDnnFormat::kF32) return std::unique_ptr<Backend>(new OneDnnF32Backend(pool));
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  if (!CanRun(engine, format)) {
    return Error(StatusCode::kUnimplemented, "oneDNN has no {} matmul for this CPU (isa {})",
                 FormatName(format), IsaName(dnnl::get_effective_cpu_isa()));
  }
  return std::unique_ptr<Backend>(new OneDnnPackedBackend(pool, format, std::move(engine)));
}

}  // namespace lfm::kernels
