#include "results/provenance.h"

#include <openssl/evp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "lfm_build_info.h"

namespace lfm::results {
namespace {

// The ISA extensions that matter to lfmbench's kernels, by their /proc/cpuinfo names (x86 and
// Arm). /proc/cpuinfo lists what the kernel enabled, so an extension the OS does not save
// state for (AVX-512 on some VMs) is not claimed.
constexpr const char* kIsaFlags[] = {"sse4_2",      "avx",         "avx2",     "fma",
                                     "f16c",        "avx512f",     "avx512bw", "avx512vl",
                                     "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile",
                                     "asimd",       "asimddp",     "sve",      "i8mm"};

// The value after ':' of the first /proc/cpuinfo line whose key is one of `keys`.
std::string CpuInfoValue(const std::string& cpuinfo, std::initializer_list<const char*> keys) {
  std::istringstream lines(cpuinfo);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    for (const char* wanted : keys) {
      if (key == wanted) {
        const size_t start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  }
  return "";
}

std::string IsaFlags(const std::string& cpuinfo) {
  std::istringstream words(CpuInfoValue(cpuinfo, {"flags", "Features"}));
  std::string word;
  std::vector<std::string> all;
  while (words >> word) all.push_back(word);
  std::string flags;
  for (const char* flag : kIsaFlags) {
    for (const std::string& have : all) {
      if (have == flag) {
        if (!flags.empty()) flags += ',';
        flags += have;
        break;
      }
    }
  }
  return flags;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                            "0123456789_./=:,+-@%") == std::string::npos) {
    return arg;
  }
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string Hex(const unsigned char* bytes, unsigned int n) {
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) hex += fmt::format("{:02x}", bytes[i]);
  return hex;
}

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

}  // namespace

DeviceInfo DetectDevice() {
  DeviceInfo device;
  const std::string cpuinfo = ReadAll("/proc/cpuinfo");
  device.cpu_model = CpuInfoValue(cpuinfo, {"model name", "Model", "Hardware", "cpu model"});
  device.isa_flags = IsaFlags(cpuinfo);
  device.cpu_cores = static_cast<int>(std::max(0L, sysconf(_SC_NPROCESSORS_ONLN)));
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) device.memory_bytes = int64_t{pages} * page_size;
  struct utsname name;
  if (uname(&name) == 0)
    device.os = fmt::format("{} {} {}", name.sysname, name.release, name.machine);
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) device.hostname = host;
  device.device_id = DeviceId(device);
  return device;
}

std::string DeviceId(const DeviceInfo& device) {
  const int64_t memory_gib = (device.memory_bytes + (int64_t{1} << 29)) >> 30;
  return Sha256Hex(fmt::format("{}|{}|{}|{}", device.cpu_model, device.cpu_cores, device.isa_flags,
                               memory_gib))
      .substr(0, 16);
}

BuildInfo CurrentBuild() {
  BuildInfo build;
  build.lfmbench_version = LFM_VERSION;
  build.git_commit = LFM_GIT_COMMIT;
  build.git_dirty = LFM_GIT_DIRTY;
  build.build_type = LFM_BUILD_TYPE;
  build.compiler = LFM_COMPILER;
  return build;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, length);
}

StatusOr<std::string> Sha256File(const std::string& path, int64_t max_bytes) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"),
                                                          &std::fclose);
  if (!file) {
    return Error(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIo, "{}: cannot open: {}",
                 path, std::strerror(errno));
  }
  DigestContext context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  int64_t remaining = max_bytes < 0 ? INT64_MAX : max_bytes;
  while (remaining > 0) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(remaining, buffer.size()));
    const size_t got = std::fread(buffer.data(), 1, want, file.get());
    if (got == 0) {
      if (std::ferror(file.get()))
        return Error(StatusCode::kIo, "{}: read error while hashing", path);
      if (max_bytes >= 0) {
        return Error(StatusCode::kDataLoss, "{}: shorter than the {} bytes to hash", path,
                     max_bytes);
      }
      break;
    }
    EVP_DigestUpdate(context.get(), buffer.data(), got);
    remaining -= static_cast<int64_t>(got);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  return Hex(digest, length);
}

Status HashModelFile(const std::string& path, int64_t header_bytes, ModelInfo* model) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return Error(StatusCode::kNotFound, "{}: cannot read the model file: {}", path, ec.message());
  model->path = path;
  model->size_bytes = static_cast<int64_t>(size);
  const bool whole = model->size_bytes <= kWholeFileHashLimit;
  LFM_ASSIGN_OR_RETURN(model->hash, Sha256File(path, whole ? -1 : header_bytes));
  model->hash_kind = whole ? "file" : "header";
  return OkStatus();
}

std::string CurrentCommandLine() {
  const std::string raw = ReadAll("/proc/self/cmdline");
  std::string line;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    if (!line.empty()) line += ' ';
    line += ShellQuote(raw.substr(start, end - start));
    start = end + 1;
  }
  return line;
}

int64_t PeakRssBytes() {
  const std::string kib = [] {
    std::istringstream lines(ReadAll("/proc/self/status"));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return line.substr(6);
    }
    return std::string();
  }();
  return kib.empty() ? 0 : std::stoll(kib) * 1024;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTimeMs(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &utc);
  return text;
}

}  // namespace lfm::results
