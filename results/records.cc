#include "results/records.h"

#include <fmt/format.h>

namespace lfm::results {
namespace {
constexpr std::string_view kKindNames[] = {"perf", "eval", "import"};
constexpr std::string_view kStatusNames[] = {"running", "complete", "incomplete", "failed"};
}  // namespace

std::string_view RunKindName(RunKind kind) { return kKindNames[static_cast<int>(kind)]; }
std::string_view RunStatusName(RunStatus status) { return kStatusNames[static_cast<int>(status)]; }

StatusOr<RunKind> ParseRunKind(std::string_view name) {
  for (int i = 0; i < 3; ++i) {
    if (kKindNames[i] == name) return static_cast<RunKind>(i);
  }
  return Error(StatusCode::kInvalidArgument, "unknown run kind '{}' (perf, eval, import)", name);
}

StatusOr<RunStatus> ParseRunStatus(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (kStatusNames[i] == name) return static_cast<RunStatus>(i);
  }
  return Error(StatusCode::kInvalidArgument,
               "unknown run status '{}' (running, complete, incomplete, failed)", name);
}

std::string TestName(int n_prompt, int n_gen, int n_depth) {
  std::string name;
  if (n_prompt > 0) name = fmt::format("pp{}", n_prompt);
  if (n_gen > 0) name += fmt::format("{}tg{}", name.empty() ? "" : "+", n_gen);
  if (n_depth > 0) name += fmt::format(" @ d{}", n_depth);
  return name;
}

std::vector<double> PerfResult::TokensPerSecond() const {
  std::vector<double> values;
  values.reserve(samples.size());
  for (const PerfSample& sample : samples) values.push_back(sample.tokens_per_s);
  return values;
}

std::string PerfResult::Fallbacks() const {
  std::string text;
  for (const auto& [op, used] : op_backends) {
    if (used == backend) continue;
    if (!text.empty()) text += ',';
    text += fmt::format("{}:{}", op, used);
  }
  return text;
}

}  // namespace lfm::results
