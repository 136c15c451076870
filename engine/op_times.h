// Wall time of the forward pass split by operation, for the profiler's per-op breakdown.
// Timing costs two clock reads per block call, negligible next to the block.
#pragma once

#include <array>
#include <chrono>
#include <string_view>

namespace lfm::engine {

enum class Op { kConv, kAttention, kRouter, kExperts, kDenseFfn, kOutputHead, kOther };
inline constexpr int kNumOps = 7;
// Indexed by Op; the names the results database uses.
inline constexpr std::string_view kOpNames[kNumOps] = {"conv",      "attention",   "router", "experts",
                                                       "dense_ffn", "output_head", "other"};

// Seconds per op since the last Reset. kOther is the embedding, norms and residual adds: the
// forward pass's time not inside a named op.
struct OpTimes {
  std::array<double, kNumOps> seconds{};
  void Reset() { seconds.fill(0); }
  double& operator[](Op op) { return seconds[static_cast<int>(op)]; }
  double operator[](Op op) const { return seconds[static_cast<int>(op)]; }
};

// Adds the time between construction and destruction to (*times)[op]; does nothing when
// `times` is null.
class OpTimer {
 public:
  OpTimer(OpTimes* times, Op op) : times_(times), op_(op), start_(std::chrono::steady_clock::now()) {}
  ~OpTimer() {
    if (times_) (*times_)[op_] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  OpTimer(const OpTimer&) = delete;
  OpTimer& operator=(const OpTimer&) = delete;

 private:
  OpTimes* times_;
  Op op_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace lfm::engine
