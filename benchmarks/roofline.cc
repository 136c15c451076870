#include "benchmarks/roofline.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "base/mapped_file.h"
#include "engine/config.h"
#include "engine/gguf.h"
#include "engine/tensor_list.h"
#include "results/statistics.h"

namespace lfm::bench {
namespace {

// Sums a slice with four independent 64-bit chains; the compiler vectorizes it with the
// widest loads the build allows. Each cache line asks for the one kPrefetchWords ahead into L2,
// as the cpu backend's kernels do: one core's hardware prefetchers alone keep too few lines in
// flight to reach the memory's bandwidth. The sum is returned so the loads cannot be dropped.
uint64_t SumSlice(const uint64_t* p, int64_t n) {
  constexpr int64_t kPrefetchWords = (12 << 10) / 8;
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __builtin_prefetch(p + i + kPrefetchWords, 0, 2);
    s0 += p[i] + p[i + 4];
    s1 += p[i + 1] + p[i + 5];
    s2 += p[i + 2] + p[i + 6];
    s3 += p[i + 3] + p[i + 7];
  }
  for (; i < n; ++i) s0 += p[i];
  return s0 + s1 + s2 + s3;
}

}  // namespace

double MeasureReadBandwidth(int64_t bytes, int threads, int reps) {
  threads = std::max(1, threads);
  const int64_t words = std::max<int64_t>(bytes / 8, threads);
  // On huge pages, as the cpu backend keeps the weights: on 4 KB pages every 4 KB read would
  // also cost a TLB miss (in a virtual machine, a two-level page walk).
  AnonymousBuffer memory(words * 8);
  auto* buffer = reinterpret_cast<uint64_t*>(memory.data());
  std::memset(buffer, 1, words * 8);  // touch every page before timing
  std::vector<uint64_t> sums(threads);
  auto pass = [&] {
    std::vector<std::thread> workers;
    const int64_t chunk = (words + threads - 1) / threads;
    const auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const int64_t begin = std::min(words, t * chunk), end = std::min(words, begin + chunk);
        sums[t] += SumSlice(buffer + begin, end - begin);
      });
    }
    for (std::thread& w : workers) w.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  pass();  // warm-up: threads started, pages resident
  double best = 0;
  for (int r = 0; r < std::max(1, reps); ++r)
    best = std::max(best, static_cast<double>(words * 8) / pass());
  // A sum of 0 cannot happen (every byte is 1); using it keeps the loads observable.
  return sums[0] == 0 ? 0 : best;
}

double DecodeBytes::PerStep(int n_seqs) const {
  if (n_used == 0 || n_seqs <= 1) return static_cast<double>(total());
  const double distinct = n_experts * (1 - std::pow(1 - static_cast<double>(n_used) / n_experts, n_seqs));
  return dense + static_cast<double>(experts) / n_used * distinct;
}

StatusOr<DecodeBytes> DecodeBytesPerToken(const std::string& model_path) {
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<engine::GgufFile> file, engine::GgufFile::Open(model_path));
  LFM_ASSIGN_OR_RETURN(const engine::Lfm2Config config, engine::Lfm2Config::FromGguf(*file));
  DecodeBytes bytes;
  bytes.n_experts = config.n_experts;
  bytes.n_used = config.n_experts_used;
  for (const engine::TensorSpec& spec : engine::ExpectedTensors(config)) {
    const engine::GgufTensorInfo* t = file->FindTensor(spec.name);
    if (t == nullptr) continue;  // optional tensors (a separate output head) may be absent
    const int64_t size = static_cast<int64_t>(t->nbytes);
    if (spec.role == engine::TensorRole::kExpertStack) {
      bytes.experts += size / config.n_experts * config.n_experts_used;
    } else if (spec.role == engine::TensorRole::kEmbedding) {
      bytes.dense += size / config.n_vocab;  // one row looked up per token
    } else {
      bytes.dense += size;
    }
  }
  // The output head: output.weight when the file has one, else the tied token embedding.
  const engine::GgufTensorInfo* head = file->FindTensor("output.weight");
  if (head == nullptr) head = file->FindTensor("token_embd.weight");
  if (head != nullptr) bytes.dense += static_cast<int64_t>(head->nbytes);
  return bytes;
}

StatusOr<std::string> RooflineReport(results::ResultStore& store, int64_t run_id,
                                     const std::string& model_path) {
  LFM_ASSIGN_OR_RETURN(std::vector<results::PerfResult> rows, store.GetPerfResults(run_id));
  std::string out;
  std::map<int, double> bandwidth;  // by thread count, measured once each
  DecodeBytes bytes;
  for (const results::PerfResult& row : rows) {
    if (row.n_gen == 0 || row.samples.empty()) continue;
    if (out.empty()) {
      LFM_ASSIGN_OR_RETURN(bytes, DecodeBytesPerToken(model_path));
      out = fmt::format("decode roofline: {:.3f} GB of weights read per token\n",
                        bytes.total() / 1e9);
    }
    if (!bandwidth.count(row.threads))
      bandwidth[row.threads] = MeasureReadBandwidth(int64_t{512} << 20, row.threads, 3);
    const nlohmann::json settings = nlohmann::json::parse(row.settings_json, nullptr, false);
    const int n_seqs = settings.is_object() ? settings.value("n_seqs", 1) : 1;
    const double roofline = bandwidth[row.threads] * n_seqs / bytes.PerStep(n_seqs);
    const double tps = results::Median(row.TokensPerSecond());
    out += fmt::format(
        "  {} {} {} threads: {:.2f} tokens/s = {:.0f}% of {:.1f} tokens/s ({:.1f} GB/s read)\n",
        row.backend, row.test, row.threads, tps, 100 * tps / roofline, roofline,
        bandwidth[row.threads] / 1e9);
  }
  return out;
}

}  // namespace lfm::bench
