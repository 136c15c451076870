#include "base/progress.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace lfm {

std::string FormatDuration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::max(0.0, seconds) + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(std::string label, int64_t total, std::string unit, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      out_(out),
      tty_(isatty(fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double Progress::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Set(int64_t done) {
  if (finished_) return;
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  } else {
    const int decile = total_ > 0 ? static_cast<int>(10 * done_ / total_) : last_decile_;
    if (decile == last_decile_) return;
    last_decile_ = decile;
  }
  last_draw_ = now;
  Draw(false);
}

void Progress::Finish() {
  if (finished_) return;
  Draw(true);
  finished_ = true;
}

void Progress::Draw(bool final) {
  const double elapsed = ElapsedSeconds();
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  std::string line = label_;
  if (total_ > 0) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * std::min<int64_t>(done_, total_) / total_);
    line += fmt::format(" [{}{}] {}/{}", std::string(filled, '#'), std::string(kWidth - filled, '.'),
                        done_, total_);
  } else {
    line += fmt::format(" {}", done_);
  }
  if (!unit_.empty()) line += " " + unit_;
  line += fmt::format("  {:.1f}/s", rate);
  if (final) {
    line += fmt::format("  done in {}", FormatDuration(elapsed));
  } else if (total_ > 0 && rate > 0) {
    line += fmt::format("  ETA {}", FormatDuration((total_ - done_) / rate));
  }
  if (tty_) {
    fmt::print(out_, "\r\033[K{}{}", line, final ? "\n" : "");
  } else {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

}  // namespace lfm
