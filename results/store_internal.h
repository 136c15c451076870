// Helpers shared by the two halves of ResultStore (result_store.cc: opening, migrations, runs;
// result_store_rows.cc: perf, eval and gate rows). Not for use outside results/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lfm::results::internal {

// `text` parsed as a JSON object and written back compactly with sorted keys (so equal objects
// store equal text); InvalidArgument naming `what` when it is not a JSON object.
StatusOr<std::string> CanonicalJsonObject(std::string_view text, std::string_view what);

// An op -> backend map as a JSON object (sorted keys), and back (DataLoss naming `what` when the
// stored text is not a JSON object).
std::string MapToJson(const std::map<std::string, std::string>& map);
StatusOr<std::map<std::string, std::string>> JsonToMap(const std::string& text,
                                                       std::string_view what);

// Identity of a writer process: host name, pid and a token ("<boot id>:<start ticks>") that a
// later process reusing the pid will not have.
struct WriterIdentity {
  std::string host;
  int64_t pid = 0;
  std::string token;
};
const WriterIdentity& ThisWriter();
// True when the process that wrote (host, pid, token) is still running.
bool WriterAlive(std::string_view host, int64_t pid, std::string_view token);

}  // namespace lfm::results::internal
