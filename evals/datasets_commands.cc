#include "evals/datasets_commands.h"

#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/cli.h"
#include "evals/data_dir.h"
#include "evals/fetch.h"
#include "evals/manifest.h"
#include "evals/sha256.h"

namespace lfm::evals {
namespace {

struct ListArgs {
  std::string data_dir;
};

std::string RecordsText(const FileCheck& check, const ManifestFile& file) {
  if (!check.records) return fmt::format("-/{}", file.records);
  return fmt::format("{}/{}", *check.records, file.records);
}

void RunList(const ListArgs& args) {
  const Manifest& manifest = BuiltinManifest();
  auto dir = ResolveDataDir(args.data_dir);
  if (!dir.ok() && !args.data_dir.empty()) ExitOnError(dir.status());
  if (dir.ok()) {
    fmt::print("data directory: {}\n\n", *dir);
  } else {
    fmt::print("data directory: none found ({})\n\n", dir.status().message());
  }
  fmt::print("{:<20} {:<58} {:>13}  {}\n", "benchmark", "file", "records", "status");
  int ok = 0, bad = 0, missing = 0;
  for (const ManifestBenchmark& bench : manifest.benchmarks) {
    if (bench.files.empty()) fmt::print("{:<20} {:<58} {:>13}  {}\n", bench.name, "-", "-", "no pinned files");
    for (const ManifestFile& file : bench.files) {
      FileCheck check;
      if (dir.ok()) check = CheckFile(*dir, file);
      std::string status;
      switch (check.state) {
        case FileState::kMissing: status = "missing"; ++missing; break;
        case FileState::kOk:
          status = check.records && *check.records != file.records ? "sha256 ok, record count differs"
                                                                   : "ok";
          ++ok;
          break;
        case FileState::kChecksumMismatch: status = "CHECKSUM MISMATCH"; ++bad; break;
        case FileState::kUnreadable: status = "UNREADABLE: " + check.detail; ++bad; break;
      }
      fmt::print("{:<20} {:<58} {:>13}  {}\n", bench.name, file.path,
                 check.state == FileState::kMissing ? fmt::format("-/{}", file.records)
                                                    : RecordsText(check, file),
                 status);
    }
    if (!bench.note.empty()) fmt::print("{:<20} note: {}\n", "", bench.note);
  }
  fmt::print("\n{} ok, {} missing, {} bad", ok, missing, bad);
  if (missing > 0) fmt::print(" (get them with `lfmbench datasets fetch NAME --to DIR`)");
  fmt::print("\n");
}

struct FetchArgs {
  std::string names;
  std::string to;
  std::string base_url;
  bool quiet = false;
};

// Fetches one file; returns "" on success or a one-line reason.
std::string FetchOne(const ManifestFile& file, const FetchArgs& args) {
  namespace fs = std::filesystem;
  const std::string dest = (fs::path(args.to) / file.path).string();
  std::error_code ec;
  if (fs::is_regular_file(dest, ec) && file.sha256.empty()) {
    if (!args.quiet) fmt::print("{}: already present (not pinned upstream)\n", file.path);
    return "";
  }
  if (fs::is_regular_file(dest, ec)) {
    auto check = CheckFile(args.to, file);
    if (check.state == FileState::kOk) {
      if (!args.quiet) fmt::print("{}: already present, checksum ok\n", file.path);
      return "";
    }
  }
  std::string url;
  if (!args.base_url.empty()) {
    std::string base = args.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    url = base + "/" + file.path;
  } else if (!file.url.empty()) {
    url = file.url;
  } else {
    return fmt::format(
        "{}: derived file (converted from {} for this project); no upstream copy exists, so fetch "
        "it from a mirror of the datasets directory with --base-url URL",
        file.path, file.derived_from);
  }
  if (!args.quiet) fmt::print("{}: fetching {}\n", file.path, url);
  DownloadOptions options;
  options.expected_sha256 = file.sha256;
  options.show_progress = !args.quiet;
  Status status = DownloadFile(url, dest, options);
  if (!status.ok()) return status.message();
  if (file.sha256.empty()) {
    auto sha = Sha256File(dest);
    if (!args.quiet) {
      fmt::print("{}: ok, not pinned upstream: sha256 {} (record it to compare runs)\n", file.path,
                 sha.ok() ? *sha : sha.status().message());
    }
    return "";
  }
  if (!args.quiet) fmt::print("{}: ok ({} records expected, sha256 verified)\n", file.path, file.records);
  return "";
}

void RunFetch(const FetchArgs& args) {
  const Manifest& manifest = BuiltinManifest();
  std::vector<const ManifestBenchmark*> selected;
  std::istringstream parts(args.names);
  for (std::string name; std::getline(parts, name, ',');) {
    if (name == "all") {
      for (const auto& b : manifest.benchmarks) selected.push_back(&b);
      continue;
    }
    const ManifestBenchmark* bench = manifest.Find(name);
    if (!bench) {
      FailCommand(fmt::format("unknown benchmark '{}' (known: all, {})", name,
                              fmt::join(manifest.Names(), ", ")));
    }
    selected.push_back(bench);
  }
  std::vector<std::string> failures;
  std::set<std::string> done;
  for (const ManifestBenchmark* bench : selected) {
    if (bench->files.empty()) {
      failures.push_back(fmt::format("{}: no pinned files: {}", bench->name, bench->note));
      continue;
    }
    for (const auto* files : {&bench->files, &bench->unpinned}) {
      for (const ManifestFile& file : *files) {
        if (!done.insert(file.path).second) continue;  // shared by two benchmarks
        std::string failure = FetchOne(file, args);
        if (!failure.empty()) failures.push_back(std::move(failure));
      }
    }
  }
  for (const std::string& failure : failures) fmt::print(stderr, "lfmbench: error: {}\n", failure);
  if (!failures.empty()) throw CLI::RuntimeError(1);
}

}  // namespace

void AddDatasetsCommands(CLI::App& app) {
  CLI::App* datasets = app.add_subcommand("datasets", "List and fetch benchmark data");
  datasets->require_subcommand(1);

  auto list = std::make_shared<ListArgs>();
  CLI::App* list_cmd = datasets->add_subcommand(
      "list", "Each benchmark's files, record counts and whether checksums match the manifest");
  list_cmd->add_option("--data-dir", list->data_dir,
                       "Data directory (default: $LFM_DATA_DIR, ../shared/datasets, ./datasets)");
  list_cmd->callback([list] { RunList(*list); });

  auto fetch = std::make_shared<FetchArgs>();
  CLI::App* fetch_cmd = datasets->add_subcommand(
      "fetch", "Download a benchmark's pinned files and verify their SHA-256");
  fetch_cmd->add_option("name", fetch->names, "Benchmark name(s), comma-separated, or 'all'")->required();
  fetch_cmd->add_option("--to", fetch->to, "Destination data directory")->required();
  fetch_cmd->add_option("--base-url", fetch->base_url,
                        "Fetch <URL>/<path> from a mirror of a datasets directory instead of upstream");
  fetch_cmd->add_flag("-q,--quiet", fetch->quiet, "Print only errors");
  fetch_cmd->callback([fetch] { RunFetch(*fetch); });
}

}  // namespace lfm::evals
