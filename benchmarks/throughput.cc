#include "benchmarks/throughput.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "results/records.h"

namespace lfm::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void SpinFor(double seconds) {
  const Clock::time_point end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(seconds));
  while (Clock::now() < end) {
  }
}

std::vector<int32_t> RandomTokens(int n, int n_vocab, std::mt19937& rng) {
  std::uniform_int_distribution<int32_t> id(0, n_vocab - 1);
  std::vector<int32_t> tokens(n);
  for (int32_t& t : tokens) t = id(rng);
  return tokens;
}

// tg<N> x<B>: B sequences, each after a one-token prompt, then N timed DecodeBatch steps.
template <typename Timed>
StatusOr<double> TimeBatchedDecode(engine::Engine& engine, const PerfTest& test, std::mt19937& rng,
                                   Timed& timed) {
  const int n_vocab = engine.config().n_vocab;
  std::vector<std::unique_ptr<engine::Sequence>> owned;
  std::vector<engine::Sequence*> seqs;
  std::vector<float> logits;
  for (int b = 0; b < test.n_seqs; ++b) {
    owned.push_back(engine.NewSequence());
    seqs.push_back(owned.back().get());
    LFM_RETURN_IF_ERROR(engine.Prefill(*seqs.back(), RandomTokens(1, n_vocab, rng), &logits));
  }
  double total = 0;
  for (int step = 0; step < test.n_gen; ++step) {
    const std::vector<int32_t> tokens = RandomTokens(test.n_seqs, n_vocab, rng);
    LFM_ASSIGN_OR_RETURN(double s, timed([&] { return engine.DecodeBatch(seqs, tokens, &logits); }));
    total += s;
  }
  return total;
}

}  // namespace

std::string PerfTest::Name() const {
  const std::string name = results::TestName(n_prompt, n_gen);
  return n_seqs > 1 ? fmt::format("{} x{}", name, n_seqs) : name;
}

std::vector<PerfTest> MakeTests(const std::vector<int>& pp, const std::vector<int>& tg,
                                const std::vector<int>& batch) {
  std::vector<PerfTest> tests;
  for (int n : pp) {
    if (n > 0) tests.push_back({n, 0});
  }
  for (int n : tg) {
    for (int b : batch) {
      if (n > 0 && b > 0) tests.push_back({0, n, b});
    }
  }
  return tests;
}

int RequiredContext(const std::vector<PerfTest>& tests) {
  int context = 1;
  for (const PerfTest& t : tests) context = std::max(context, t.n_prompt + t.n_gen + 1);
  return context;
}

StatusOr<double> TimeOnce(engine::Engine& engine, const PerfTest& test, std::mt19937& rng,
                          double slowdown) {
  const int n_vocab = engine.config().n_vocab;
  std::unique_ptr<engine::Sequence> seq = engine.NewSequence();
  std::vector<float> logits;
  auto timed = [&](auto&& forward) -> StatusOr<double> {
    const Clock::time_point start = Clock::now();
    LFM_RETURN_IF_ERROR(forward());
    const double seconds = Seconds(start, Clock::now());
    if (slowdown > 0) SpinFor(seconds * slowdown);
    return seconds * (1 + slowdown);
  };
  if (test.n_prompt > 0) {
    const std::vector<int32_t> tokens = RandomTokens(test.n_prompt, n_vocab, rng);
    return timed([&] { return engine.Prefill(*seq, tokens, &logits); });
  }
  if (test.n_seqs > 1) return TimeBatchedDecode(engine, test, rng, timed);
  const std::vector<int32_t> prompt = RandomTokens(1, n_vocab, rng);
  LFM_RETURN_IF_ERROR(engine.Prefill(*seq, prompt, &logits));
  const std::vector<int32_t> tokens = RandomTokens(test.n_gen, n_vocab, rng);
  double total = 0;
  for (int32_t token : tokens) {
    LFM_ASSIGN_OR_RETURN(double s, timed([&] { return engine.Decode(*seq, token, &logits); }));
    total += s;
  }
  return total;
}

}  // namespace lfm::bench
