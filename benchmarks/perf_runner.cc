#include "benchmarks/perf_runner.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "base/interrupt.h"
#include "base/progress.h"
#include "benchmarks/fidelity.h"
#include "benchmarks/run_record.h"
#include "engine/engine.h"
#include "engine/model_info.h"
#include "kernels/registry.h"
#include "results/provenance.h"

namespace lfm::bench {
namespace {

// MemAvailable from /proc/meminfo, 0 when unknown.
int64_t AvailableMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

// Resets the kernel's peak-RSS counter (VmHWM) so each configuration reports its own peak.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Mean seconds per repetition in each op.
std::vector<results::OpTime> OpTimesOf(const engine::Engine& engine, int reps) {
  std::vector<results::OpTime> ops;
  for (int op = 0; op < engine::kNumOps; ++op) {
    ops.push_back({std::string(engine::kOpNames[op]), engine.op_times().seconds[op] / reps});
  }
  return ops;
}

std::vector<results::ExpertLoad> ExpertLoadOf(const engine::Engine& engine) {
  std::vector<results::ExpertLoad> load;
  const auto& tokens = engine.expert_tokens();
  for (size_t l = 0; l < tokens.size(); ++l) {
    for (size_t e = 0; e < tokens[l].size(); ++e) {
      load.push_back({static_cast<int>(l), static_cast<int>(e), tokens[l][e]});
    }
  }
  return load;
}

// The reference backend's logits on the fidelity prompt, which every row is compared with.
StatusOr<std::vector<float>> ReferenceLogits(const PerfOptions& o) {
  engine::EngineOptions eo;
  eo.model_path = o.model_path;
  eo.backend = "reference";
  eo.threads = *std::max_element(o.threads.begin(), o.threads.end());
  eo.max_context = kFidelityTokens + 1;
  eo.show_progress = o.show_progress;
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine, engine::Engine::Open(eo));
  return PromptLogits(*engine, FidelityPrompt(engine->config().n_vocab));
}

// One backend x threads configuration: opens the engine, measures its fidelity against
// `reference_logits` (when given) and every test.
Status RunConfiguration(const PerfOptions& o, const std::string& backend, int threads,
                        const std::vector<float>& reference_logits, int64_t run_id,
                        results::ResultStore& store, Progress* progress) {
  ResetPeakRss();
  engine::EngineOptions eo;
  eo.model_path = o.model_path;
  eo.backend = backend;
  eo.threads = threads;
  eo.max_context = std::max(RequiredContext(o.tests), kFidelityTokens + 1);
  eo.show_progress = o.show_progress;
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine, engine::Engine::Open(eo));
  std::optional<results::Fidelity> fidelity;
  if (!reference_logits.empty()) {
    const int n_vocab = engine->config().n_vocab;
    LFM_ASSIGN_OR_RETURN(std::vector<float> logits, PromptLogits(*engine, FidelityPrompt(n_vocab)));
    fidelity = CompareLogits(reference_logits, logits, n_vocab);
  }
  std::mt19937 rng(static_cast<uint32_t>(o.seed));
  for (const PerfTest& test : o.tests) {
    results::PerfResult row;
    row.run_id = run_id;
    row.backend = backend;
    row.threads = threads;
    row.test = test.Name();
    row.n_prompt = test.n_prompt;
    row.n_gen = test.n_gen;
    if (test.n_seqs > 1) row.settings_json = fmt::format("{{\"n_seqs\":{}}}", test.n_seqs);
    row.op_backends = OpBackends(*engine);
    row.fidelity = fidelity;
    LFM_ASSIGN_OR_RETURN(int64_t perf_id, store.AddPerfResult(row));
    for (int w = 0; w < o.warmup; ++w) LFM_RETURN_IF_ERROR(TimeOnce(*engine, test, rng).status());
    engine->ResetExpertLoad();
    engine->ResetOpTimes();
    for (int rep = 0; rep < o.reps; ++rep) {
      if (Interrupted()) return Status(StatusCode::kCancelled, "interrupted");
      LFM_ASSIGN_OR_RETURN(double seconds, TimeOnce(*engine, test, rng, o.slowdown));
      const int tokens = test.tokens();
      LFM_RETURN_IF_ERROR(store.AddPerfSample(perf_id, {rep, seconds, tokens / seconds}));
      if (progress) progress->Advance();
    }
    LFM_RETURN_IF_ERROR(store.AddOpBreakdown(perf_id, OpTimesOf(*engine, o.reps)));
    LFM_RETURN_IF_ERROR(store.AddExpertLoad(perf_id, ExpertLoadOf(*engine)));
    LFM_RETURN_IF_ERROR(store.SetPeakRss(perf_id, results::PeakRssBytes()));
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<std::string>> ResolveBackends(const std::string& list) {
  const std::vector<std::string> compiled = kernels::CompiledBackends();
  std::vector<std::string> names;
  if (list == "all") {
    for (const std::string& n : compiled) {
      if (n != "reference") names.push_back(n);
    }
    return names;
  }
  std::stringstream ss(list);
  for (std::string name; std::getline(ss, name, ',');) {
    if (std::find(compiled.begin(), compiled.end(), name) == compiled.end()) {
      return Error(StatusCode::kInvalidArgument, "unknown backend '{}' (this build has: {}, or all)",
                   name, fmt::join(compiled, ", "));
    }
    names.push_back(name);
  }
  if (names.empty()) return Error(StatusCode::kInvalidArgument, "no backend given");
  return names;
}

StatusOr<int64_t> RunPerf(const PerfOptions& o, results::ResultStore& store) {
  LFM_ASSIGN_OR_RETURN(engine::ModelSummary summary, engine::SummarizeModelFile(o.model_path));
  const int64_t available = AvailableMemoryBytes();
  if (available > 0 && static_cast<int64_t>(summary.file_size) > available) {
    return Error(StatusCode::kInvalidArgument,
                 "{}: the model needs about {:.1f} GiB of memory and only {:.1f} GiB is available",
                 o.model_path, summary.file_size / 1073741824.0, available / 1073741824.0);
  }
  LFM_ASSIGN_OR_RETURN(
      results::RunRecord run,
      BuildRunRecord(results::RunKind::kPerf, o.model_path, o.requested_backends,
                     fmt::format("{}", fmt::join(o.threads, ","))));
  run.tag = o.tag;
  std::vector<float> reference_logits;
  if (o.fidelity) {
    LFM_ASSIGN_OR_RETURN(reference_logits, ReferenceLogits(o));
  }
  LFM_ASSIGN_OR_RETURN(int64_t run_id, store.BeginRun(run));

  InstallInterruptHandler();
  const int64_t total = static_cast<int64_t>(o.backends.size() * o.threads.size() * o.tests.size()) * o.reps;
  std::unique_ptr<Progress> progress;
  if (o.show_progress) progress = std::make_unique<Progress>("perf", total, "samples");
  for (const std::string& backend : o.backends) {
    for (int threads : o.threads) {
      Status s = RunConfiguration(o, backend, threads, reference_logits, run_id, store, progress.get());
      if (!s.ok()) {
        const bool cancelled = s.code() == StatusCode::kCancelled;
        (void)store.FinishRun(run_id, cancelled ? results::RunStatus::kIncomplete : results::RunStatus::kFailed,
                              s.message());
        return cancelled ? Status(StatusCode::kCancelled,
                                  fmt::format("interrupted: run {} kept, marked incomplete", run_id))
                         : s;
      }
    }
  }
  if (progress) progress->Finish();
  LFM_RETURN_IF_ERROR(store.FinishRun(run_id, results::RunStatus::kComplete));
  return run_id;
}

}  // namespace lfm::bench
