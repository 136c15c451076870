#include "evals/code/sandbox.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

namespace lfm::evals::code {
namespace {

namespace fs = std::filesystem;

// When lfmbench runs as root, each running sandbox gets a uid of its own, unused on the host, so
// that RLIMIT_NPROC counts only that sandbox's processes (the kernel counts per uid, also across
// user namespaces) and a candidate cannot signal another candidate. A slot is taken for the
// duration of one Run; the pid keeps concurrent lfmbench processes apart.
constexpr uid_t kUidBase = 1'000'000'000;
constexpr int kUidSlots = 256;

class UidSlot {
 public:
  UidSlot() {
    std::lock_guard<std::mutex> lock(Mutex());
    auto& used = Used();
    int slot = 0;
    while (used[slot]) ++slot;  // there are fewer threads than slots
    used[slot] = true;
    slot_ = slot;
    uid_ = kUidBase + static_cast<uid_t>(getpid() % 65536) * kUidSlots + static_cast<uid_t>(slot);
  }
  ~UidSlot() {
    std::lock_guard<std::mutex> lock(Mutex());
    Used()[slot_] = false;
  }
  uid_t uid() const { return uid_; }  // fixed at construction, so the same after fork

 private:
  static std::mutex& Mutex() {
    static std::mutex mu;
    return mu;
  }
  static std::array<bool, kUidSlots>& Used() {
    static std::array<bool, kUidSlots> used{};
    return used;
  }
  int slot_ = 0;
  uid_t uid_ = 0;
};

// argv/envp for execve, built before fork (the child may only make async-signal-safe calls).
struct ExecArgs {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  char* const* Get() {
    pointers.clear();
    for (std::string& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    return pointers.data();
  }
};

std::string FindOnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', begin), dirs.size());
    const std::string candidate = dirs.substr(begin, end - begin) + "/" + name;
    if (end > begin && access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  return "";
}

// The bwrap command line: only /usr and the merged-/usr links, a private /proc and /dev, and a
// tmpfs working directory; the environment is cleared.
std::vector<std::string> BwrapArgs(const std::string& bwrap, const std::string& python,
                                   const SandboxRequest& request) {
  std::vector<std::string> a = {bwrap,       "--unshare-all", "--die-with-parent",
                                "--ro-bind", "/usr",          "/usr"};
  for (const char* top : {"/bin", "/lib", "/lib64", "/sbin"}) {
    std::error_code ec;
    if (fs::is_symlink(top, ec)) {
      a.insert(a.end(), {"--symlink", fs::read_symlink(top, ec).string(), top});
    } else if (fs::is_directory(top, ec)) {
      a.insert(a.end(), {"--ro-bind", top, top});
    }
  }
  a.insert(a.end(), {"--proc",      "/proc",
                     "--dev",       "/dev",
                     "--size",      std::to_string(request.limits.work_dir_bytes),
                     "--tmpfs",     "/work",
                     "--chdir",     "/work",
                     "--clearenv",  "--setenv",
                     "HOME",        "/work",
                     "--setenv",    "TMPDIR",
                     "/work",       "--setenv",
                     "PATH",        "/usr/bin:/bin",
                     "--setenv",    "LANG",
                     "C.UTF-8",     "--",
                     python,        "-I",
                     "-B",          "-c",
                     request.script});
  return a;
}

struct Pipes {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  ~Pipes() {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) close(fd);
    }
  }
};

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Writes "sandbox: <what> failed" to the child's stderr and exits 127 (async-signal-safe).
[[noreturn]] void ChildFailed(const char* what) {
  const char prefix[] = "sandbox: ";
  const char suffix[] = " failed\n";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, what, std::strlen(what));
  (void)!write(2, suffix, sizeof suffix - 1);
  _exit(127);
}

// In the child, between fork and exec: own process group, limits, no privileges. Only
// async-signal-safe calls; a failing step is named on stderr and exits 127.
[[noreturn]] void ExecChild(const Pipes& p, const SandboxLimits& lim, bool new_netns, uid_t uid,
                            const char* workdir, char* const* argv, char* const* envp) {
  setpgid(0, 0);
  dup2(p.in[0], 0);
  dup2(p.out[1], 1);
  dup2(p.err[1], 2);
  auto limit = [](int resource, rlim_t soft, rlim_t hard) {
    struct rlimit r = {soft, hard};
    if (setrlimit(resource, &r) != 0) ChildFailed("setrlimit");
  };
  limit(RLIMIT_AS, lim.address_space_bytes, lim.address_space_bytes);
  limit(RLIMIT_CPU, lim.cpu_seconds, lim.cpu_seconds + 1);
  limit(RLIMIT_FSIZE, lim.file_size_bytes, lim.file_size_bytes);
  limit(RLIMIT_NPROC, lim.max_processes, lim.max_processes);
  limit(RLIMIT_CORE, 0, 0);
  limit(RLIMIT_NOFILE, 256, 256);
  if (new_netns) unshare(CLONE_NEWNET);  // best effort; the probe recorded whether it works
  if (geteuid() == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(uid) != 0 || setuid(uid) != 0) ChildFailed("setuid");
  }
  if (workdir != nullptr && chdir(workdir) != 0) ChildFailed("chdir");
  execve(argv[0], argv, envp);
  ChildFailed("execve");
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Whether this process may create a network namespace (root, or a permitted user namespace).
bool CanUnshareNet() {
  const pid_t pid = fork();
  if (pid == 0) _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

std::string OwnUid() {
  return geteuid() == 0 ? "a private uid per sandbox" : "the uid of lfmbench";
}

std::string BwrapVersion(const std::string& bwrap) {
  std::string out;
  if (FILE* f = popen((bwrap + " --version 2>/dev/null").c_str(), "r")) {
    char buf[128];
    while (fgets(buf, sizeof buf, f)) out += buf;
    pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.empty() ? "bwrap" : out;
}

}  // namespace

StatusOr<Sandbox> Sandbox::Make(const SandboxOptions& options) {
  if (options.isolation != "auto" && options.isolation != "bwrap" &&
      options.isolation != "rlimits") {
    return Error(StatusCode::kInvalidArgument,
                 "sandbox isolation '{}': expected auto, bwrap or rlimits", options.isolation);
  }
  Sandbox s;
  s.python_ = FindOnPath(options.python);
  if (s.python_.empty()) {
    return Error(StatusCode::kNotFound,
                 "python '{}' not found: install python3 (scripts/install-deps.sh)",
                 options.python);
  }
  std::string why_not_bwrap;
  if (options.isolation != "rlimits") {
    const std::string bwrap = FindOnPath(options.bwrap);
    if (bwrap.empty()) {
      why_not_bwrap = "bwrap not found (install bubblewrap)";
    } else if (s.python_.rfind("/usr/", 0) != 0) {
      why_not_bwrap =
          fmt::format("python {} is not under /usr, which is all bwrap shows", s.python_);
    } else {
      s.bwrap_path_ = bwrap;
      SandboxRequest probe;
      probe.script = "print(6 * 7)";
      probe.limits.wall_seconds = 20;
      auto r = s.Run(probe);
      if (!r.ok() || !r->ok() || r->stdout_data != "42\n") {
        why_not_bwrap = fmt::format("bwrap cannot start python here ({})",
                                    r.ok() ? r->stderr_data.substr(0, 200) : r.status().message());
        s.bwrap_path_.clear();
      }
    }
    if (!why_not_bwrap.empty() && options.isolation == "bwrap") {
      return Error(StatusCode::kUnimplemented, "sandbox: {}", why_not_bwrap);
    }
  }
  const std::string rlimits = "rlimits AS/CPU/FSIZE/NPROC, process-group kill, output cap";
  if (s.uses_bwrap()) {
    s.isolation_ =
        fmt::format("{}: user+pid+net+ipc+uts namespaces, {}, read-only /usr, tmpfs /work; {}",
                    BwrapVersion(s.bwrap_path_), OwnUid(), rlimits);
  } else {
    const bool netns = CanUnshareNet();
    s.isolation_ =
        fmt::format("{}{}{} (bwrap unavailable: {})", rlimits,
                    netns ? ", network namespace" : ", NO network isolation",
                    geteuid() == 0 ? ", a private uid per sandbox" : ", same uid as lfmbench",
                    why_not_bwrap.empty() ? "not requested" : why_not_bwrap);
  }
  return s;
}

StatusOr<SandboxResult> Sandbox::Run(const SandboxRequest& request) const {
  const SandboxLimits& lim = request.limits;
  const UidSlot slot;
  ExecArgs argv, envp;
  std::string workdir;  // fallback only: a fresh host directory, removed afterwards
  if (uses_bwrap()) {
    argv.strings = BwrapArgs(bwrap_path_, python_, request);
  } else {
    std::string tmpl = (fs::temp_directory_path() / "lfmbench-sandbox-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Error(StatusCode::kIo, "sandbox: cannot create a temp directory: {}",
                   std::strerror(errno));
    }
    workdir = tmpl;
    if (geteuid() == 0 && chown(workdir.c_str(), slot.uid(), slot.uid()) != 0) {
      fs::remove_all(workdir);
      return Error(StatusCode::kIo, "sandbox: cannot chown {}: {}", workdir, std::strerror(errno));
    }
    argv.strings = {python_, "-I", "-B", "-c", request.script};
    envp.strings = {"HOME=" + workdir, "TMPDIR=" + workdir, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
  }
  const bool new_netns = !uses_bwrap();

  Pipes p;
  if (pipe2(p.in, O_CLOEXEC) != 0 || pipe2(p.out, O_CLOEXEC) != 0 || pipe2(p.err, O_CLOEXEC) != 0) {
    return Error(StatusCode::kIo, "sandbox: pipe: {}", std::strerror(errno));
  }
  char* const* argvp = argv.Get();
  char* const* envpp = envp.Get();
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return Error(StatusCode::kIo, "sandbox: fork: {}", std::strerror(errno));
  if (pid == 0) {
    ExecChild(p, lim, new_netns, slot.uid(), workdir.empty() ? nullptr : workdir.c_str(), argvp,
              envpp);
  }
  setpgid(pid, pid);  // also done by the child; whichever runs first
  CloseFd(p.in[0]);
  CloseFd(p.out[1]);
  CloseFd(p.err[1]);
  for (int fd : {p.in[1], p.out[0], p.err[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

  SandboxResult result;
  size_t written = 0;
  if (request.stdin_data.empty()) CloseFd(p.in[1]);
  bool exited = false;
  int status = 0;
  auto kill_group = [&] {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  };
  while (p.out[0] >= 0 || p.err[0] >= 0) {
    const double left = lim.wall_seconds - Seconds(start);
    if (left <= 0) {
      result.timed_out = true;
      kill_group();
      break;
    }
    pollfd fds[3];
    int n = 0;
    for (int fd : {p.out[0], p.err[0]}) {
      if (fd >= 0) fds[n++] = {fd, POLLIN, 0};
    }
    if (p.in[1] >= 0) fds[n++] = {p.in[1], POLLOUT, 0};
    // Wake up at least every 100 ms to notice an exited child whose pipes a grandchild holds.
    poll(fds, n, static_cast<int>(std::min(left * 1000, 100.0)) + 1);
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == p.in[1]) {
        const ssize_t w = write(p.in[1], request.stdin_data.data() + written,
                                request.stdin_data.size() - written);
        if (w > 0) written += w;
        if (w < 0 && errno != EAGAIN) CloseFd(p.in[1]);
        if (written == request.stdin_data.size()) CloseFd(p.in[1]);
        continue;
      }
      int& fd = fds[i].fd == p.out[0] ? p.out[0] : p.err[0];
      std::string& sink = &fd == &p.out[0] ? result.stdout_data : result.stderr_data;
      char buf[65536];
      const ssize_t r = read(fd, buf, sizeof buf);
      if (r > 0) {
        const size_t room =
            static_cast<size_t>(lim.output_bytes) - std::min(sink.size(), size_t(lim.output_bytes));
        sink.append(buf, std::min(static_cast<size_t>(r), room));
        if (static_cast<size_t>(r) > room) {
          result.output_capped = true;
          kill_group();
        }
      } else if (r == 0 || errno != EAGAIN) {
        CloseFd(fd);
      }
    }
    if (result.output_capped) break;
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      kill(-pid, SIGKILL);  // stragglers that kept the pipes open (daemonized grandchildren)
    }
  }
  if (!exited) {
    if (result.timed_out || result.output_capped) kill_group();
    waitpid(pid, &status, 0);
  }
  kill(-pid, SIGKILL);
  result.wall_seconds = Seconds(start);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    // bwrap reports a child killed by signal N as exit status 128 + N.
    if (uses_bwrap() && result.exit_code > 128 && result.exit_code < 128 + 65) {
      result.term_signal = result.exit_code - 128;
      result.exit_code = -1;
    }
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  if (!workdir.empty()) {
    std::error_code ec;
    fs::remove_all(workdir, ec);
  }
  return result;
}

}  // namespace lfm::evals::code
