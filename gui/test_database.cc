// FillTestDatabase: realistic perf, import, gate and eval rows through the real ResultStore.
#include "gui/test_database.h"

#include <cmath>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "results/result_store.h"

namespace lfm::gui::testing {
namespace {

using results::ResultStore;
using results::RunKind;
using results::RunRecord;
using results::RunStatus;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kStart = 1795000000000;  // 2026-11-18 (UTC)
constexpr int kReps = 5;
constexpr int kPrompt = 128, kGen = 32;

// Median tokens/s of a configuration at commit c3 (an 8B-A1B Q4_0 model on a 16-core server).
double BaseTps(const std::string& backend, bool prefill, int threads) {
  struct Row { const char* backend; double pp1, pp2, tg1, tg2; };
  static constexpr Row kRows[] = {{"cpu", 21.0, 38.5, 7.2, 12.9},
                                  {"onednn", 29.4, 55.1, 6.8, 12.1},
                                  {"openblas", 25.3, 47.0, 6.5, 11.8},
                                  {"llama.cpp", 0, 61.7, 0, 14.3}};
  for (const Row& r : kRows) {
    if (backend == r.backend) return prefill ? (threads == 1 ? r.pp1 : r.pp2) : (threads == 1 ? r.tg1 : r.tg2);
  }
  return 0;
}

RunRecord MakeRun(RunKind kind, int64_t started_ms, const std::string& commit) {
  RunRecord run;
  run.kind = kind;
  run.started_ms = started_ms;
  run.build = {"0.1.0", commit, false, "Release", "GNU 12.2.0"};
  run.device = {"5e1f0c3a9b7d2e41", "AMD EPYC 9B14 96-Core Processor", 16,
                "avx2,avx512f,f16c,fma", int64_t{64} << 30, "Linux 6.1.0-18-amd64 x86_64",
                "bench-01"};
  run.model = {"/models/lfm2-8b-a1b-q4_0.gguf",
               "lfm2moe 8B-A1B Q4_0",
               4'700'000'000,
               "3f9a5c07e2b14d6f8a0c9e7d5b3a1f2e4c6d8b0a9e7f5d3c1b2a4e6f8d0c9b7a",
               "header",
               "lfm2moe",
               "q4_0 94%, f32 6%",
               8'340'000'000};
  return run;
}

// A perf row with kReps samples jittered by +-1.5% around `median_tps`.
results::PerfResult MakeRow(int64_t run_id, const std::string& backend, int threads, bool prefill,
                            double median_tps) {
  results::PerfResult row;
  row.run_id = run_id;
  row.backend = backend;
  row.threads = threads;
  row.n_prompt = prefill ? kPrompt : 0;
  row.n_gen = prefill ? 0 : kGen;
  row.test = results::TestName(row.n_prompt, row.n_gen);
  row.peak_rss_bytes = 4'900'000'000 + threads * 40'000'000;
  for (int rep = 0; rep < kReps; ++rep) {
    const double tps = median_tps * (1 + 0.015 * std::sin(rep * 2.1 + threads + backend.size()));
    row.samples.push_back({rep, (row.n_prompt + row.n_gen) / tps, tps});
  }
  return row;
}

std::vector<results::OpTime> Ops(const results::PerfResult& row) {
  // Shares of a repetition: decode streams expert weights, so experts dominate it more.
  const bool prefill = row.n_gen == 0;
  const double shares[] = {0.10, prefill ? 0.12 : 0.06, 0.03, prefill ? 0.48 : 0.62,
                           0.12, prefill ? 0.12 : 0.08, 0.03};
  const double seconds = row.samples[0].seconds;
  std::vector<results::OpTime> ops;
  for (size_t i = 0; i < std::size(results::kOpNames); ++i) {
    ops.push_back({std::string(results::kOpNames[i]), shares[i] * seconds});
  }
  return ops;
}

// Top-4 routing over 32 experts in MoE layers 2..23, skewed like a trained router.
std::vector<results::ExpertLoad> Load(const results::PerfResult& row) {
  std::vector<results::ExpertLoad> load;
  const double total = (row.n_prompt + row.n_gen) * 4.0 * kReps;
  for (int layer = 2; layer < 24; ++layer) {
    double norm = 0;
    for (int e = 0; e < 32; ++e) norm += std::pow(1.0 + (e * 7 + layer * 3) % 32, -0.8);
    for (int e = 0; e < 32; ++e) {
      const double w = std::pow(1.0 + (e * 7 + layer * 3) % 32, -0.8) / norm;
      load.push_back({layer, e, std::llround(total * w)});
    }
  }
  return load;
}

// One lfmbench perf run of 3 backends x {1, 2} threads x {pp128, tg32}; `scale` moves every
// median (commit-to-commit drift), `tweak` one row's.
StatusOr<int64_t> AddPerfRun(ResultStore& store, int64_t started_ms, const std::string& commit,
                             double scale, const std::string& tag = "") {
  RunRecord run = MakeRun(RunKind::kPerf, started_ms, commit);
  run.tag = tag;
  run.backend = "cpu,onednn,openblas";
  run.threads = "1,2";
  run.command_line =
      "lfmbench perf -m /models/lfm2-8b-a1b-q4_0.gguf --backend cpu,onednn,openblas --pp 128 "
      "--tg 32 --reps 5 --threads 1,2";
  LFM_ASSIGN_OR_RETURN(const int64_t id, store.BeginRun(run));
  for (const char* backend : {"cpu", "onednn", "openblas"}) {
    for (bool prefill : {true, false}) {
      for (int threads : {1, 2}) {
        double tps = BaseTps(backend, prefill, threads) * scale;
        // The last commit slows cpu decode on 2 threads by 16% and speeds up oneDNN prefill.
        if (commit == "e81f03d" && backend == std::string("cpu") && !prefill && threads == 2) tps *= 0.84;
        if (commit == "e81f03d" && backend == std::string("onednn") && prefill && threads == 2) tps *= 1.10;
        results::PerfResult row = MakeRow(id, backend, threads, prefill, tps);
        row.op_backends = {{"experts", backend}, {"attention", "cpu"}};
        LFM_ASSIGN_OR_RETURN(const int64_t perf_id, store.AddPerfResult(row));
        LFM_RETURN_IF_ERROR(store.AddOpBreakdown(perf_id, Ops(row)));
        LFM_RETURN_IF_ERROR(store.AddExpertLoad(perf_id, Load(row)));
      }
    }
  }
  LFM_RETURN_IF_ERROR(store.FinishRun(id, RunStatus::kComplete));
  return id;
}

Status AddFailedRun(ResultStore& store, int64_t started_ms) {
  RunRecord run = MakeRun(RunKind::kPerf, started_ms, "e81f03d");
  run.backend = "cpu";
  run.threads = "1";
  run.command_line = "lfmbench perf -m /models/lfm2-8b-a1b-q4_0.gguf --backend cpu --threads 1";
  LFM_ASSIGN_OR_RETURN(const int64_t id, store.BeginRun(run));
  results::PerfResult row = MakeRow(id, "cpu", 1, true, 20.0);
  row.samples.resize(2);
  LFM_RETURN_IF_ERROR(store.AddPerfResult(row).status());
  return store.FinishRun(id, RunStatus::kFailed, "out of memory while packing expert weights");
}

Status AddImportRun(ResultStore& store, int64_t started_ms) {
  RunRecord run = MakeRun(RunKind::kImport, started_ms, "b5f0e61");
  run.build = {"b5120", "b5f0e61", false, "", "GNU 12.2.0"};
  run.backend = "llama.cpp";
  run.threads = "2";
  run.command_line = "lfmbench results import-llama-bench llama-bench.json";
  LFM_ASSIGN_OR_RETURN(const int64_t id, store.BeginRun(run));
  for (bool prefill : {true, false}) {
    results::PerfResult row = MakeRow(id, "llama.cpp", 2, prefill, BaseTps("llama.cpp", prefill, 2));
    row.settings_json = R"({"n_batch":2048,"type_k":"f16"})";
    LFM_RETURN_IF_ERROR(store.AddPerfResult(row).status());
  }
  return store.FinishRun(id, RunStatus::kComplete);
}

// The gate's verdict for every row of `candidate` against `baseline`.
Status AddVerdicts(ResultStore& store, int64_t baseline, int64_t candidate, int64_t created_ms) {
  LFM_ASSIGN_OR_RETURN(const auto base_rows, store.GetPerfResults(baseline));
  LFM_ASSIGN_OR_RETURN(const auto cand_rows, store.GetPerfResults(candidate));
  for (const auto& c : cand_rows) {
    for (const auto& b : base_rows) {
      if (b.backend != c.backend || b.threads != c.threads || b.test != c.test) continue;
      results::GateVerdict v;
      v.created_ms = created_ms;
      v.baseline_run = baseline;
      v.candidate_run = candidate;
      v.backend = c.backend;
      v.threads = c.threads;
      v.test = c.test;
      v.ratio = c.samples[0].tokens_per_s / b.samples[0].tokens_per_s;
      v.ci_low = v.ratio - 0.02;
      v.ci_high = v.ratio + 0.02;
      v.method = "mann-whitney";
      v.max_regression = 0.05;
      const bool moved = v.ratio < 0.95 || v.ratio > 1.05;
      v.p_value = moved ? 0.0079 : 0.31;
      v.verdict = v.ratio < 0.95 ? "fail" : v.ratio > 1.05 ? "improved" : "pass";
      LFM_RETURN_IF_ERROR(store.AddGateVerdict(v).status());
    }
  }
  return OkStatus();
}

// Binomial standard error of a mean of n 0/1 scores, as lm-eval computes it.
double StdErr(double p, int n) { return std::sqrt(p * (1 - p) / (n - 1)); }

Status AddTask(ResultStore& store, int64_t run_id, const std::string& task, const std::string& version,
               int n_shot, const std::string& settings, int n, int passed, bool display_ok) {
  LFM_RETURN_IF_ERROR(store.AddEvalTask({run_id, task, version, n_shot, settings}));
  for (int doc = 0; doc < n; ++doc) {
    results::EvalSample s;
    s.run_id = run_id;
    s.task = task;
    s.doc_id = doc;
    s.prompt_hash = fmt::format("{:064x}", doc + 1);
    s.prompt = display_ok ? fmt::format("Question: A baker makes {} loaves a day for {} days. How "
                                        "many loaves does she make?\nAnswer:", 12 + doc, 3 + doc)
                          : kHiddenPrompt;
    const int answer = (12 + doc) * (3 + doc);
    s.target = display_ok ? std::to_string(answer) : "(B)";
    const bool pass = doc < passed;
    const std::string said = std::to_string(pass ? answer : answer + 7);
    s.response = display_ok ? fmt::format(" She makes {} x {} = {} loaves. The answer is {}.",
                                          12 + doc, 3 + doc, said, said)
                            : "(C)";
    s.extracted_json = fmt::format(R"({{"strict-match": "{}"}})", display_ok ? said : "(C)");
    s.scores_json = fmt::format(R"({{"exact_match,strict-match": {}}})", pass ? 1 : 0);
    s.passed = pass;
    s.display_ok = display_ok;
    LFM_RETURN_IF_ERROR(store.AddEvalSample(s));
  }
  return OkStatus();
}

Status AddScore(ResultStore& store, int64_t run_id, const std::string& name, bool group,
                const std::string& metric, const std::string& filter, double value, int n) {
  results::EvalScore s;
  s.run_id = run_id;
  s.name = name;
  s.is_group = group;
  s.metric = metric;
  s.filter = filter;
  s.value = value;
  s.std_error = StdErr(value, n);
  s.n = n;
  return store.AddEvalScore(s);
}

// An eval run; `newer` adds ifeval and runs gsm8k 8-shot instead of 5-shot.
Status AddEvalRun(ResultStore& store, int64_t started_ms, const std::string& commit, bool newer) {
  RunRecord run = MakeRun(RunKind::kEval, started_ms, commit);
  run.backend = "cpu";
  run.threads = "16";
  run.command_line = "lfmbench eval run -m /models/lfm2-8b-a1b-q4_0.gguf --tasks gsm8k,mmlu_anatomy,"
                     "gpqa_main" + std::string(newer ? ",ifeval" : "") + " --limit 8";
  LFM_ASSIGN_OR_RETURN(const int64_t id, store.BeginRun(run));
  const int gsm_pass = newer ? 6 : 5;
  // settings_json as the runner writes it (evals/runner.cc TaskSettings), abridged
  const std::string gsm8k_settings = fmt::format(
      R"({{"num_fewshot": {}, "chat": false, "fewshot_as_multiturn": false, "limit": 8,
          "generation": {{"max_gen_toks": 256}},
          "data_sha256": {{"gsm8k/test.jsonl": "3f2a9c1e7b5d0a4c"}}}})",
      newer ? 8 : 5);
  LFM_RETURN_IF_ERROR(AddTask(store, id, "gsm8k", "3", newer ? 8 : 5, gsm8k_settings, 8, gsm_pass, true));
  LFM_RETURN_IF_ERROR(AddTask(store, id, "mmlu_anatomy", "1", 5, R"({"chat": false, "limit": 8})",
                              5, 3, true));
  LFM_RETURN_IF_ERROR(AddTask(store, id, kHiddenTask, "2", 0,
                              R"({"chat": true, "process_docs": {"function": "gpqa", "seed": 0}})",
                              4, 1, false));
  LFM_RETURN_IF_ERROR(AddScore(store, id, "gsm8k", false, "exact_match", "strict-match", gsm_pass / 8.0, 8));
  LFM_RETURN_IF_ERROR(AddScore(store, id, "gsm8k", false, "exact_match", "flexible-extract",
                               (gsm_pass + 1) / 8.0, 8));
  LFM_RETURN_IF_ERROR(AddScore(store, id, "mmlu_anatomy", false, "acc", "none", 0.6, 5));
  LFM_RETURN_IF_ERROR(AddScore(store, id, kHiddenTask, false, "acc", "none", 0.25, 4));
  LFM_RETURN_IF_ERROR(AddScore(store, id, "mmlu", true, "acc", "none", 0.6, 5));
  if (newer) {
    LFM_RETURN_IF_ERROR(AddTask(store, id, "ifeval", "4", 0, "{}", 3, 2, true));
    LFM_RETURN_IF_ERROR(AddScore(store, id, "ifeval", false, "prompt_level_strict_acc", "none", 2 / 3.0, 3));
  }
  return store.FinishRun(id, RunStatus::kComplete);
}

}  // namespace

Status FillTestDatabase(const std::string& path) {
  LFM_ASSIGN_OR_RETURN(std::unique_ptr<ResultStore> store,
                       ResultStore::Open(path, ResultStore::Mode::kReadWrite));
  ResultStore& s = *store;
  // Ids follow insertion order: 1 E1, 2 import, 3 P1, 4 E2, 5 P2, 6 P3, 7 failed, 8 P4.
  LFM_RETURN_IF_ERROR(AddEvalRun(s, kStart, "4f1c2a9", false));
  LFM_RETURN_IF_ERROR(AddImportRun(s, kStart + kHour / 2));
  LFM_RETURN_IF_ERROR(AddPerfRun(s, kStart + kHour, "4f1c2a9", 0.94).status());
  LFM_RETURN_IF_ERROR(AddEvalRun(s, kStart + kDay, "9d0e7b3", true));
  LFM_RETURN_IF_ERROR(AddPerfRun(s, kStart + kDay + kHour, "9d0e7b3", 0.97).status());
  LFM_ASSIGN_OR_RETURN(const int64_t p3, AddPerfRun(s, kStart + 2 * kDay, "2b7e4c1", 1.0, "baseline"));
  LFM_RETURN_IF_ERROR(AddFailedRun(s, kStart + 2 * kDay + kHour));
  LFM_ASSIGN_OR_RETURN(const int64_t p4, AddPerfRun(s, kStart + 3 * kDay, "e81f03d", 1.02));
  return AddVerdicts(s, p3, p4, kStart + 3 * kDay + kHour);
}

}  // namespace lfm::gui::testing
