// Runs another program and collects its standard output (used by the A/B gate to run two
// lfmbench builds). Standard error passes through to ours.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace lfm::bench {

// Runs argv[0] (a path, or a name looked up in PATH) with argv; returns its stdout. A failure
// to start, a signal, or a non-zero exit is an error naming the program and the status.
StatusOr<std::string> RunCapturingStdout(const std::vector<std::string>& argv);

}  // namespace lfm::bench
