#include "evals/suite.h"

#include <fmt/format.h>

#include "results/table.h"

namespace lfm::evals {
namespace {

// The GSM8K family is quoted on flexible-extract (the last number: what a chat model's free-form
// answer is scored on); MMLU-Pro on the official cascade; IFEval on prompt-level strict accuracy,
// IFBench on prompt-level loose (its headline).
const std::vector<SuiteBenchmark>& Lfm2() {
  static const auto* suite = new std::vector<SuiteBenchmark>{
      {"MMLU", "mmlu", 5, "acc", "none"},
      {"MMLU-Pro", "mmlu_pro", 5, "exact_match", "official-extract"},
      {"GPQA", "gpqa_diamond_zeroshot", 0, "acc", "none"},
      {"MMMLU", "mmmlu", 5, "acc", "none"},
      {"GSM8K", "gsm8k", 5, "exact_match", "flexible-extract"},
      {"GSMPlus", "gsm_plus_mini", 5, "exact_match", "flexible-extract"},
      {"MGSM", "mgsm", 5, "exact_match", "flexible-extract"},
      {"MATH500", "math500", 0, "exact_match", "none"},
      {"MATH Level 5", "math_level5", 0, "exact_match", "none"},
      {"IFEval", "ifeval", 0, "prompt_level_strict_acc", "none"},
      {"IFBench", "ifbench", 0, "prompt_level_loose_acc", "none"},
      {"Multi-IF", "multi_if", 0, "", ""},  // its first metric
  };
  return *suite;
}

const std::vector<MetricResult>* MetricsOf(const RunResult& result, const std::string& name) {
  for (const GroupResult& g : result.groups) {
    if (g.name == name) return &g.metrics;
  }
  for (const TaskResult& t : result.tasks) {
    if (t.name == name) return &t.metrics;
  }
  return nullptr;
}

}  // namespace

StatusOr<std::vector<SuiteBenchmark>> Suite(const std::string& name) {
  if (name == "lfm2") return Lfm2();
  return Error(StatusCode::kNotFound, "--suite {}: no such suite (lfm2)", name);
}

StatusOr<std::vector<SuiteBenchmark>> AvailableBenchmarks(const std::vector<SuiteBenchmark>& suite,
                                                          const TaskRegistry& registry) {
  std::vector<SuiteBenchmark> out;
  for (const SuiteBenchmark& b : suite) {
    auto tasks = registry.ExpandToTasks({b.task});
    if (!tasks.ok()) continue;
    for (const std::string& name : *tasks) {
      const TaskSpec* task = registry.FindTask(name);
      if (task->num_fewshot != b.num_fewshot) {
        return Error(StatusCode::kInvalidArgument,
                     "{}: num_fewshot {} but the model card's {} is {}-shot", task->file,
                     task->num_fewshot, b.benchmark, b.num_fewshot);
      }
    }
    out.push_back(b);
  }
  return out;
}

std::string FormatSuite(const std::vector<SuiteBenchmark>& suite, const RunResult& result) {
  results::Table table;
  for (const char* column : {"Benchmark", "Task", "n-shot", "Metric", "Filter"}) {
    table.AddColumn(column);
  }
  for (const char* column : {"Value", "Stderr", "n"}) {
    table.AddColumn(column, results::Table::Align::kRight);
  }
  for (const SuiteBenchmark& b : suite) {
    const std::vector<MetricResult>* metrics = MetricsOf(result, b.task);
    const MetricResult* m = nullptr;
    if (metrics != nullptr) {
      for (const MetricResult& candidate : *metrics) {
        if (b.metric.empty() || (candidate.metric == b.metric && candidate.filter == b.filter)) {
          m = &candidate;
          break;
        }
      }
    }
    if (m == nullptr) {
      table.AddRow({b.benchmark, b.task, std::to_string(b.num_fewshot), b.metric, b.filter,
                    "not run", "", ""});
      continue;
    }
    table.AddRow({b.benchmark, b.task, std::to_string(b.num_fewshot), m->metric, m->filter,
                  fmt::format("{:.4f}", m->value),
                  m->stderr_value ? fmt::format("{:.4f}", *m->stderr_value) : "N/A",
                  std::to_string(m->n)});
  }
  return table.ToText();
}

}  // namespace lfm::evals
