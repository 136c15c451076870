// Provenance that needs no engine: this machine, this build, file hashes, the command line and
// the clock. Every stored run carries these so numbers can be traced to where they came from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "results/records.h"

namespace lfm::results {

// Files up to this size are hashed whole; larger ones by their header only (HashModelFile).
inline constexpr int64_t kWholeFileHashLimit = int64_t{1} << 30;  // 1 GiB

// This machine: CPU model and ISA flags (/proc/cpuinfo, CPUID), logical cores, memory
// (/proc/meminfo), OS (uname), host name, and device_id = DeviceId(the result). Never fails;
// what cannot be read stays empty/zero.
DeviceInfo DetectDevice();
// A stable 16-hex-digit id of the hardware: SHA-256 of CPU model, cores, ISA flags and memory
// rounded to GiB (not host name or OS, so it survives renames and kernel updates).
std::string DeviceId(const DeviceInfo& device);

// This lfmbench binary (lfm_build_info.h).
BuildInfo CurrentBuild();

// SHA-256 (lowercase hex) of `data`.
std::string Sha256Hex(std::string_view data);
// SHA-256 of the first `max_bytes` bytes of a file (all of it when max_bytes < 0). Io/NotFound
// naming the path on failure; DataLoss when the file is shorter than max_bytes.
StatusOr<std::string> Sha256File(const std::string& path, int64_t max_bytes = -1);
// Fills model->path, size_bytes, hash and hash_kind: the whole file ("file") when it is at most
// kWholeFileHashLimit bytes, else its first `header_bytes` bytes ("header"): the caller, who
// knows GGUF, passes the size of the header + tensor directory.
Status HashModelFile(const std::string& path, int64_t header_bytes, ModelInfo* model);

// This process's command line (/proc/self/cmdline), arguments shell-quoted where needed.
std::string CurrentCommandLine();
// Peak resident set size of this process so far (VmHWM), 0 when unknown.
int64_t PeakRssBytes();
// Milliseconds since the Unix epoch; and a UTC "2026-11-27 14:03:05" rendering of one.
int64_t NowMs();
std::string FormatTimeMs(int64_t ms);

}  // namespace lfm::results
