// Runs untrusted, model-written Python in a child process that cannot harm the host, the results
// database or other candidates. Preferred isolation: bubblewrap (`bwrap`), run under a uid of its
// own (when lfmbench is root) with new user, pid, network, ipc and uts namespaces, only /usr
// (read-only), /proc and /dev visible, and a size-capped tmpfs as the fresh working directory and
// $HOME. Fallback when bwrap cannot run here: rlimits + a process group + a fresh host temp
// directory, a new network namespace when the kernel permits it, and a uid of its own when started
// as root. Both add rlimits (address space, CPU, file size, process count, no core files), a
// wall-clock timeout that SIGKILLs the whole process group, and a cap on captured output.
// `isolation()` says which one is in use; it is stored with every result.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace lfm::evals::code {

struct SandboxLimits {
  double wall_seconds = 10;                 // whole run; then the process group is killed
  int cpu_seconds = 10;                     // RLIMIT_CPU of each process
  int64_t address_space_bytes = 4LL << 30;  // RLIMIT_AS (EvalPlus' default memory cap)
  int64_t file_size_bytes = 16LL << 20;     // RLIMIT_FSIZE: largest file it may write
  int64_t work_dir_bytes = 64LL << 20;      // size of the working directory (bwrap tmpfs)
  int64_t output_bytes = 8LL << 20;         // stdout and stderr each; more kills the run
  int max_processes = 32;                   // RLIMIT_NPROC (per sandbox under bwrap)
};

struct SandboxRequest {
  std::string script;      // Python source, run as `python3 -I -B -c script`
  std::string stdin_data;  // fed on standard input, then closed
  SandboxLimits limits;
};

struct SandboxResult {
  int exit_code = -1;          // the program's exit status; -1 when killed by a signal
  int term_signal = 0;         // the signal that ended it (SIGKILL after a timeout), else 0
  bool timed_out = false;      // wall-clock limit reached; the process group was killed
  bool output_capped = false;  // stdout or stderr passed output_bytes; the group was killed
  std::string stdout_data;     // at most output_bytes
  std::string stderr_data;     // at most output_bytes
  double wall_seconds = 0;
  bool ok() const { return exit_code == 0 && !timed_out && !output_capped; }
};

struct SandboxOptions {
  std::string python = "/usr/bin/python3";  // must lie under /usr for bwrap
  std::string bwrap = "bwrap";              // found on $PATH unless a path is given
  std::string isolation = "auto";           // auto (bwrap, else rlimits) | bwrap | rlimits
};

class Sandbox {
 public:
  // Checks that `python` exists and, for auto/bwrap, that bwrap can start it here (a probe run).
  // kNotFound when python is missing; kUnimplemented when isolation=bwrap cannot run here (the
  // message says why); auto falls back to rlimits and says so in isolation().
  static StatusOr<Sandbox> Make(const SandboxOptions& options);

  // Runs one program. Thread-safe: candidates may run in parallel from several threads. Errors
  // only for host failures (no temp dir, fork failed); whatever the program does is a result.
  StatusOr<SandboxResult> Run(const SandboxRequest& request) const;

  // What isolation is in use, for provenance, e.g. "bwrap 0.8.0 (userns, pidns, netns, ...)".
  const std::string& isolation() const { return isolation_; }
  bool uses_bwrap() const { return !bwrap_path_.empty(); }

 private:
  std::string python_;
  std::string bwrap_path_;  // "" = rlimits fallback
  std::string isolation_;
};

}  // namespace lfm::evals::code
