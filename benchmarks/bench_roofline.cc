// The decode roofline of this machine for a model file: STREAM-like read bandwidth with 1 and
// N threads, the weight bytes one decoded token reads, and the tokens/s that bandwidth allows.
//   build/benchmarks/bench_roofline [--threads N] [--mib SIZE] [--reps R] [MODEL.gguf]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "benchmarks/roofline.h"

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  int64_t mib = 1024;
  int reps = 5;
  std::string model;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--threads" || arg == "--mib" || arg == "--reps") && i + 1 < argc) {
      const long v = std::strtol(argv[++i], nullptr, 10);
      if (v < 1) {
        std::fprintf(stderr, "bench_roofline: %s %s: expected a positive integer\n", arg.c_str(),
                     argv[i]);
        return 2;
      }
      if (arg == "--threads") threads = static_cast<int>(v);
      if (arg == "--reps") reps = static_cast<int>(v);
      if (arg == "--mib") mib = v;
    } else if (!arg.empty() && arg[0] != '-' && model.empty()) {
      model = arg;
    } else {
      std::fprintf(stderr,
                   "usage: bench_roofline [--threads N] [--mib SIZE] [--reps R] [MODEL.gguf]\n");
      return 2;
    }
  }
  const double bw1 = lfm::bench::MeasureReadBandwidth(mib << 20, 1, reps);
  const double bwn = lfm::bench::MeasureReadBandwidth(mib << 20, threads, reps);
  std::printf(
      "read bandwidth (%lld MiB buffer, best of %d): 1 thread %.2f GB/s, %d threads %.2f GB/s\n",
      static_cast<long long>(mib), reps, bw1 / 1e9, threads, bwn / 1e9);
  if (model.empty()) return 0;
  auto bytes = lfm::bench::DecodeBytesPerToken(model);
  if (!bytes.ok()) {
    std::fprintf(stderr, "bench_roofline: %s\n", std::string(bytes.status().message()).c_str());
    return 1;
  }
  const double total = static_cast<double>(bytes->total());
  std::printf("%s: %.3f GB read per decoded token (experts %.3f, the rest %.3f)\n", model.c_str(),
              total / 1e9, bytes->experts / 1e9, bytes->dense / 1e9);
  std::printf("decode roofline: %.1f tokens/s at 1 thread, %.1f tokens/s at %d threads\n",
              bw1 / total, bwn / total, threads);
  return 0;
}
