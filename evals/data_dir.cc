#include "evals/data_dir.h"

#include <cstdlib>
#include <filesystem>

namespace lfm::evals {

StatusOr<std::string> ResolveDataDir(const std::string& flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!flag.empty()) {
    if (fs::is_directory(flag, ec)) return flag;
    return Error(StatusCode::kNotFound,
                 "--data-dir {}: no such directory (get the data with `lfmbench datasets fetch NAME "
                 "--to {}`)",
                 flag, flag);
  }
  if (const char* env = std::getenv("LFM_DATA_DIR"); env && *env) {
    if (fs::is_directory(env, ec)) return std::string(env);
    return Error(StatusCode::kNotFound,
                 "LFM_DATA_DIR={}: no such directory (unset it, or get the data with `lfmbench "
                 "datasets fetch NAME --to {}`)",
                 env, env);
  }
  for (const char* candidate : {"../shared/datasets", "datasets"}) {
    // ./datasets must hold data, not just the repository's manifest and README.
    if (!fs::is_directory(candidate, ec)) continue;
    for (const auto& entry : fs::directory_iterator(candidate, ec)) {
      if (entry.is_directory(ec)) return std::string(candidate);
    }
  }
  return Error(StatusCode::kNotFound,
               "no benchmark data found: looked at --data-dir (not given), $LFM_DATA_DIR (not set), "
               "../shared/datasets and ./datasets (from {}); download it with `lfmbench datasets "
               "fetch NAME --to datasets` (see `lfmbench datasets list`)",
               fs::current_path(ec).string());
}

}  // namespace lfm::evals
