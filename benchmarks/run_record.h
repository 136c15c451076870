// The provenance record of a run on one model file, built one way for `lfmbench perf` and
// `lfmbench eval run`, so both kinds of run of one file carry the same model name, hash, device
// and build, and both say which backend computed each op.
#pragma once

#include <map>
#include <string>

#include "base/status.h"
#include "engine/engine.h"
#include "results/records.h"

namespace lfm::bench {

// A run of `kind` on `model_path`: build, device, model (path, display name, architecture,
// quantization mix, parameters, size, SHA-256), backend and threads as requested, command line.
// Errors: the model file cannot be read or hashed (naming it).
StatusOr<results::RunRecord> BuildRunRecord(results::RunKind kind, const std::string& model_path,
                                            const std::string& backend, const std::string& threads);

// The backend that ran each op of `engine`: the matrix ops ("linear", "experts") on its backend,
// weight types it lacks ("linear:<type>") on the reference backend. The other ops (norms, conv,
// attention, routing) are shared engine code and not listed.
std::map<std::string, std::string> OpBackends(const engine::Engine& engine);

}  // namespace lfm::bench
