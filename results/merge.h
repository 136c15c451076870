// `lfmbench results import OTHER.db`: merges the runs of another machine's results database into
// this one, so devices can be compared side by side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "results/result_store.h"

namespace lfm::results {

struct MergeSummary {
  std::vector<int64_t> added;  // ids here of the runs copied, oldest first
  int already_here = 0;        // runs skipped: their origin is already in this database
};

// Copies every run of the database at `other_path` into `store` with all it holds (perf rows and
// their samples, op times, expert load and fidelity; eval tasks, samples and scores; gate
// verdicts whose runs come along) and its provenance (build, device, model, writer, status,
// times, origin). Idempotent: runs whose origin is already here are skipped, so importing twice
// adds nothing. `other_path` is never written: an older schema is read through a migrated
// temporary copy; a newer one is refused. Each run is copied in one transaction.
StatusOr<MergeSummary> ImportDatabase(ResultStore& store, const std::string& other_path);

}  // namespace lfm::results
