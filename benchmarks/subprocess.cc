#include "benchmarks/subprocess.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace lfm::bench {

StatusOr<std::string> RunCapturingStdout(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return Error(StatusCode::kIo, "pipe: {}", std::strerror(errno));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return Error(StatusCode::kIo, "fork: {}", std::strerror(errno));
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execvp(args[0], args.data());
    fmt::print(stderr, "lfmbench: cannot run {}: {}\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    return Error(StatusCode::kInternal, "{} was killed by signal {}", argv[0], WTERMSIG(status));
  }
  if (WEXITSTATUS(status) != 0) {
    return Error(StatusCode::kInternal, "{} exited with status {}", argv[0], WEXITSTATUS(status));
  }
  return out;
}

}  // namespace lfm::bench
