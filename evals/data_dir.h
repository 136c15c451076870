// Where benchmark data is read from. Order: the --data-dir flag, then $LFM_DATA_DIR, then
// ../shared/datasets (the project workspace layout), then ./datasets; the first that names an
// existing directory wins. A flag or variable naming a missing directory is an error, not a
// fall-through, so a typo is never silently replaced by another copy of the data.
#pragma once

#include <string>

#include "base/status.h"

namespace lfm::evals {

// Returns the data directory. `flag` is the --data-dir value ("" when not given). Fails with
// kNotFound naming every place looked at and the `lfmbench datasets fetch` command to run.
StatusOr<std::string> ResolveDataDir(const std::string& flag);

}  // namespace lfm::evals
