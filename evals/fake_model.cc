#include "evals/fake_model.h"

namespace lfm::evals {

bool FakeModel::Serve() {
  if (script_.before_request) script_.before_request(served_);
  if (Cancelled()) return false;
  ++served_;
  return true;
}

StatusOr<std::vector<LogLikelihoodResult>> FakeModel::LogLikelihood(
    const std::vector<LogLikelihoodRequest>& requests) {
  std::vector<LogLikelihoodResult> results;
  for (const auto& r : requests) {
    if (!Serve()) return Error(StatusCode::kCancelled, "cancelled");
    const double lp = script_.loglikelihood ? script_.loglikelihood(r.context, r.continuation)
                                            : -1.0 * static_cast<double>(r.continuation.size());
    results.push_back({lp, lp == 0.0});
  }
  return results;
}

StatusOr<std::vector<double>> FakeModel::LogLikelihoodRolling(const std::vector<RollingRequest>& requests) {
  std::vector<double> results;
  for (const auto& r : requests) {
    if (!Serve()) return Error(StatusCode::kCancelled, "cancelled");
    results.push_back(script_.rolling ? script_.rolling(r.text) : -1.0 * static_cast<double>(r.text.size()));
  }
  return results;
}

StatusOr<std::vector<std::string>> FakeModel::GenerateUntil(const std::vector<GenerationRequest>& requests) {
  std::vector<std::string> results;
  for (const auto& r : requests) {
    if (!Serve()) return Error(StatusCode::kCancelled, "cancelled");
    results.push_back(CutAtStopStrings(script_.generate ? script_.generate(r) : "", r.until));
  }
  return results;
}

StatusOr<std::string> FakeModel::ApplyChatTemplate(const std::vector<ChatMessage>& messages,
                                                   bool add_generation_prompt) const {
  std::string out;
  for (const auto& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace lfm::evals
