// A terminal progress line with rate and ETA for long work (model load, model writing, eval
// runs, profiling). On a terminal it redraws one line; otherwise it prints a line every 10%.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace lfm {

class Progress {
 public:
  // `unit` names what is counted ("tensors", "samples", "MB"). A total of 0 means unknown.
  Progress(std::string label, int64_t total, std::string unit = "", std::FILE* out = stderr);
  ~Progress() { Finish(); }

  void Advance(int64_t n = 1) { Set(done_ + n); }
  void Set(int64_t done);
  // Raises the total when more work turns out to be needed (a gate taking more rounds).
  void AddTotal(int64_t n) { total_ += n; }
  // Draws the final state and ends the line; later calls do nothing.
  void Finish();

  // Seconds since construction.
  double ElapsedSeconds() const;

 private:
  void Draw(bool final);

  std::string label_;
  int64_t total_;
  std::string unit_;
  std::FILE* out_;
  bool tty_;
  bool finished_ = false;
  int64_t done_ = 0;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1:05:03", "4:07", "0:03".
std::string FormatDuration(double seconds);

}  // namespace lfm
