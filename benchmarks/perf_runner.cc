#include "benchmarks/perf_runner.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/interrupt.h"
#include "base/progress.h"
#include "engine/engine.h"
#include "engine/model_info.h"
#include "kernels/registry.h"
#include "results/provenance.h"
#include "results/report.h"

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

results::ModelInfo DescribeModel(const engine::ModelSummary& s) {
  results::ModelInfo m;
  m.name = engine::ShortModelName(s);
  m.arch = s.config.arch_name;
  m.quant = engine::QuantMix(s);
  m.params = s.total_params;
  return m;
}

// Which backend ran each op: the matrix ops on the chosen backend, weight types it lacks on
// the reference backend, the rest (norms, conv, attention, routing) on shared engine code.
std::map<std::string, std::string> OpBackends(const engine::Engine& engine) {
  std::map<std::string, std::string> ops;
  const std::string backend(engine.backend_name());
  ops["linear"] = backend;
  ops["experts"] = backend;
  for (const std::string& type : engine.fallback_types()) ops["linear:" + type] = "reference";
  return ops;
}

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

// One backend x threads configuration: opens the engine and measures every test.
Status RunConfiguration(const PerfOptions& o, const std::string& backend, int threads,
                        int64_t run_id, results::ResultStore& store, Progress* progress) {
  ResetPeakRss();
  engine::EngineOptions eo;
  eo.model_path = o.model_path;
  eo.backend = backend;
  eo.threads = threads;
  eo.max_context = RequiredContext(o.tests);
  eo.show_progress = o.show_progress;
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine, engine::Engine::Open(eo));
  std::mt19937 rng(static_cast<uint32_t>(o.seed));
  for (const PerfTest& test : o.tests) {
    results::PerfResult row;
    row.run_id = run_id;
    row.backend = backend;
    row.threads = threads;
    row.test = test.Name();
    row.n_prompt = test.n_prompt;
    row.n_gen = test.n_gen;
    row.op_backends = OpBackends(*engine);
    LFM_ASSIGN_OR_RETURN(int64_t perf_id, store.AddPerfResult(row));
    for (int w = 0; w < o.warmup; ++w) LFM_RETURN_IF_ERROR(TimeOnce(*engine, test, rng).status());
    engine->ResetExpertLoad();
    engine->ResetOpTimes();
    for (int rep = 0; rep < o.reps; ++rep) {
      if (Interrupted()) return Status(StatusCode::kCancelled, "interrupted");
      LFM_ASSIGN_OR_RETURN(double seconds, TimeOnce(*engine, test, rng, o.slowdown));
      const int tokens = test.n_prompt + test.n_gen;
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
  results::RunRecord run;
  run.kind = results::RunKind::kPerf;
  run.tag = o.tag;
  run.build = results::CurrentBuild();
  run.device = results::DetectDevice();
  run.model = DescribeModel(summary);
  LFM_RETURN_IF_ERROR(results::HashModelFile(o.model_path, summary.header_bytes, &run.model));
  run.backend = o.requested_backends;
  run.threads = fmt::format("{}", fmt::join(o.threads, ","));
  run.command_line = results::CurrentCommandLine();
  LFM_ASSIGN_OR_RETURN(int64_t run_id, store.BeginRun(run));

  InstallInterruptHandler();
  const int64_t total = static_cast<int64_t>(o.backends.size() * o.threads.size() * o.tests.size()) * o.reps;
  std::unique_ptr<Progress> progress;
  if (o.show_progress) progress = std::make_unique<Progress>("perf", total, "samples");
  for (const std::string& backend : o.backends) {
    for (int threads : o.threads) {
      Status s = RunConfiguration(o, backend, threads, run_id, store, progress.get());
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

StatusOr<std::string> PerfTable(results::ResultStore& store, int64_t run_id) {
  LFM_ASSIGN_OR_RETURN(results::RunRecord run, store.GetRun(run_id));
  LFM_ASSIGN_OR_RETURN(std::vector<results::PerfResult> rows, store.GetPerfResults(run_id));
  return results::PerfTable(run, rows).ToText();
}

StatusOr<std::string> PerfJsonLines(results::ResultStore& store, int64_t run_id) {
  LFM_ASSIGN_OR_RETURN(results::RunRecord run, store.GetRun(run_id));
  LFM_ASSIGN_OR_RETURN(std::vector<results::PerfResult> rows, store.GetPerfResults(run_id));
  std::string out;
  for (const results::PerfResult& r : rows) {
    nlohmann::json j = results::PerfRowJson(r);
    j["run_id"] = run_id;
    j["model"] = run.model.name;
    j["model_size"] = run.model.size_bytes;
    j["model_params"] = run.model.params;
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace lfm::bench
