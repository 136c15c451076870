// Microbenchmarks of every compiled kernel backend at the real LFM2-8B-A1B shapes: the MoE FFN
// and the dense linear layers, for 1 token (decode) and 128 / 512 tokens (prefill), with weights
// hot (the same weights every iteration, cache-resident where they fit) and cold (rotating
// through copies larger than the last-level cache, as decode streams them from DRAM).
// Weights are prepared as the engine prepares them at load (Backend::Prepare: the cpu backend's
// interleaved layout where it has one). Counters: FLOP/s (2 per multiply-add) and weight bytes/s.
//   build/benchmarks/bench_kernels [--threads N] [--type q4_0] [google benchmark flags]
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/backend.h"
#include "kernels/quant/fp16.h"
#include "kernels/quant/quantize.h"
#include "kernels/registry.h"

namespace lfm::bench {
namespace {

using kernels::DType;

// Set from the command line before the benchmarks are registered.
int g_threads = 2;
DType g_type = DType::kQ4_0;

constexpr int64_t kD = 2048, kExpertFfn = 1792;
constexpr int kExperts = 32, kUsed = 4;
constexpr int64_t kColdBytes = 512ll << 20;  // rotate through at least this much weight memory

// Random weights of `type` for rows x cols: random bytes with a fixed fp16 scale in every block
// (any bit pattern is a valid block), or random normals for float types.
std::vector<uint8_t> RandomWeights(DType type, int64_t rows, int64_t cols, uint64_t seed) {
  std::vector<uint8_t> w(kernels::RowBytes(type, cols) * rows);
  std::mt19937_64 rng(seed);
  const kernels::DTypeInfo info = kernels::Info(type);
  if (info.block_elems == 1) {
    std::normal_distribution<float> normal(0, 0.02f);
    std::vector<float> row(cols);
    for (int64_t r = 0; r < rows; ++r) {
      for (float& v : row) v = normal(rng);
      kernels::QuantizeRow(type, row.data(), w.data() + r * kernels::RowBytes(type, cols), cols);
    }
    return w;
  }
  for (size_t i = 0; i + 8 <= w.size(); i += 8) {
    const uint64_t bits = rng();
    std::memcpy(&w[i], &bits, 8);
  }
  const uint16_t d = kernels::Fp32ToFp16(0.001f);
  for (size_t off = 0; off < w.size(); off += info.block_bytes) {
    std::memcpy(&w[off + (type == DType::kQ6_K ? 208 : 0)], &d, 2);
    if (type == DType::kQ4_K || type == DType::kQ5_K) std::memcpy(&w[off + 2], &d, 2);
  }
  return w;
}

std::vector<float> RandomActivations(int64_t n, uint64_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> x(n);
  for (float& v : x) v = normal(rng);
  return x;
}

// Number of weight copies to cycle through: 1 when hot, enough to exceed kColdBytes when cold.
int Copies(bool cold, int64_t bytes_per_copy) {
  return cold ? static_cast<int>(std::max<int64_t>(2, (kColdBytes + bytes_per_copy - 1) / bytes_per_copy)) : 1;
}

struct Fixture {
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<kernels::Backend> backend;
};

bool MakeFixture(benchmark::State& state, const std::string& backend_name, Fixture& f) {
  f.pool = std::make_unique<ThreadPool>(g_threads);
  auto backend = kernels::MakeBackend(backend_name, f.pool.get());
  if (!backend.ok()) {
    state.SkipWithError(backend.status().message().c_str());
    return false;
  }
  f.backend = std::move(*backend);
  if (!f.backend->Supports(g_type)) {
    state.SkipWithError("backend does not support this weight type");
    return false;
  }
  return true;
}

void BM_Linear(benchmark::State& state, std::string backend_name, int64_t rows, int64_t cols) {
  const int64_t tokens = state.range(0);
  const bool cold = state.range(1) != 0;
  Fixture f;
  if (!MakeFixture(state, backend_name, f)) return;
  const int64_t bytes = kernels::RowBytes(g_type, cols) * rows;
  std::vector<std::vector<uint8_t>> copies;
  for (int c = 0; c < Copies(cold, bytes); ++c) copies.push_back(RandomWeights(g_type, rows, cols, c + 1));
  std::vector<kernels::WeightView> views;
  for (const auto& c : copies) views.push_back(f.backend->Prepare({c.data(), g_type, rows, cols}, rows));
  const std::vector<float> x = RandomActivations(tokens * cols, 7);
  std::vector<float> y(tokens * rows);
  // One untimed call per copy: backends that repack weights at first use (onednn-s8) are then
  // timed in their steady state, as the engine runs them after loading.
  for (const kernels::WeightView& w : views) f.backend->Linear(w, x.data(), tokens, y.data());
  size_t next = 0;
  for (auto _ : state) {
    const kernels::WeightView& w = views[next];
    next = (next + 1) % views.size();
    f.backend->Linear(w, x.data(), tokens, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * rows * cols * tokens, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Moe(benchmark::State& state, std::string backend_name) {
  const int64_t tokens = state.range(0);
  const bool cold = state.range(1) != 0;
  Fixture f;
  if (!MakeFixture(state, backend_name, f)) return;
  const int64_t gate_bytes = kernels::RowBytes(g_type, kD) * kExpertFfn * kExperts;
  const int64_t down_bytes = kernels::RowBytes(g_type, kExpertFfn) * kD * kExperts;
  struct Layer {
    std::vector<uint8_t> gate, up, down;
  };
  std::vector<Layer> layers;
  for (int c = 0; c < Copies(cold, 2 * gate_bytes + down_bytes); ++c) {
    layers.push_back({RandomWeights(g_type, kExperts * kExpertFfn, kD, 3 * c + 1),
                      RandomWeights(g_type, kExperts * kExpertFfn, kD, 3 * c + 2),
                      RandomWeights(g_type, kExperts * kD, kExpertFfn, 3 * c + 3)});
  }
  // Routing: kUsed distinct experts per token, uniformly spread, weights normalized.
  std::mt19937 rng(5);
  std::vector<int32_t> experts(tokens * kUsed);
  std::vector<float> weights(tokens * kUsed, 1.0f / kUsed);
  for (int64_t t = 0; t < tokens; ++t) {
    std::vector<int32_t> ids(kExperts);
    for (int e = 0; e < kExperts; ++e) ids[e] = e;
    std::shuffle(ids.begin(), ids.end(), rng);
    std::copy(ids.begin(), ids.begin() + kUsed, experts.begin() + t * kUsed);
  }
  std::vector<bool> touched(kExperts, false);
  for (int32_t e : experts) touched[e] = true;
  const int64_t n_touched = std::count(touched.begin(), touched.end(), true);
  const kernels::MoeRouting routing{tokens, kUsed, experts.data(), weights.data()};
  const std::vector<float> x = RandomActivations(tokens * kD, 9);
  std::vector<float> out(tokens * kD);
  std::vector<kernels::MoeWeights> prepared;
  for (const Layer& l : layers) {
    prepared.push_back({kExperts, kD, kExpertFfn,
                        f.backend->Prepare({l.gate.data(), g_type, kExperts * kExpertFfn, kD}, kExpertFfn),
                        f.backend->Prepare({l.up.data(), g_type, kExperts * kExpertFfn, kD}, kExpertFfn),
                        f.backend->Prepare({l.down.data(), g_type, kExperts * kD, kExpertFfn}, kD)});
  }
  // One untimed call per copy (see BM_Linear).
  for (const kernels::MoeWeights& w : prepared) f.backend->Moe(w, x.data(), routing, out.data());
  size_t next = 0;
  for (auto _ : state) {
    const kernels::MoeWeights& w = prepared[next];
    next = (next + 1) % prepared.size();
    f.backend->Moe(w, x.data(), routing, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  const double flops = 2.0 * 3 * kD * kExpertFfn * kUsed * tokens;
  const double bytes = static_cast<double>(2 * gate_bytes + down_bytes) * n_touched / kExperts;
  state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["experts_touched"] = static_cast<double>(n_touched);
}

struct LinearShape {
  const char* name;
  int64_t rows, cols;
};

// From shapes/lfm2_8b_a1b.txt.
constexpr LinearShape kLinearShapes[] = {
    {"conv_in_proj", 6144, 2048}, {"conv_out_proj", 2048, 2048}, {"attn_kv", 512, 2048},
    {"dense_ffn_up", 7168, 2048}, {"dense_ffn_down", 2048, 7168}, {"output_head", 65536, 2048},
};

void RegisterAll() {
  const std::string type(kernels::DTypeName(g_type));
  for (const std::string& backend : kernels::CompiledBackends()) {
    if (backend == "reference") continue;  // the scalar oracle, not a contender
    benchmark::RegisterBenchmark(("moe/" + type + "/" + backend).c_str(), BM_Moe, backend)
        ->ArgNames({"tokens", "cold"})
        ->ArgsProduct({{1, 128, 512}, {0, 1}})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    for (const LinearShape& s : kLinearShapes) {
      benchmark::RegisterBenchmark(("linear/" + type + "/" + s.name + "/" + backend).c_str(), BM_Linear,
                                   backend, s.rows, s.cols)
          ->ArgNames({"tokens", "cold"})
          ->ArgsProduct({{1, 128, 512}, {0, 1}})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace lfm::bench

int main(int argc, char** argv) {
  // Our flags first (--threads N, --type T); the rest goes to Google Benchmark.
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      lfm::bench::g_threads = std::stoi(argv[++i]);
    } else if (arg == "--type" && i + 1 < argc) {
      auto info = lfm::kernels::FindDTypeByName(argv[++i]);
      if (!info) {
        std::fprintf(stderr, "bench_kernels: unknown --type %s\n", argv[i]);
        return 2;
      }
      lfm::bench::g_type = info->type;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  lfm::bench::RegisterAll();
  benchmark::AddCustomContext("threads", std::to_string(lfm::bench::g_threads));
  benchmark::AddCustomContext("weight_type", std::string(lfm::kernels::DTypeName(lfm::bench::g_type)));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
