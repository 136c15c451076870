// The dataset manifest (datasets/manifest.json, compiled in): the 16 benchmarks of the suite, and
// for each its pinned files with upstream URL, SHA-256 and record count. Checks a data directory
// against it; `lfmbench datasets list|fetch` are built on this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "evals/data_reader.h"

namespace lfm::evals {

struct ManifestFile {
  std::string path;    // relative to the data directory, e.g. "gsm8k/test.jsonl"
  DataFormat format = DataFormat::kJsonl;
  bool header = true;  // CSV/TSV: first row is a header (not a record)
  std::string sha256;  // lower-case hex
  int64_t records = 0;
  // How records are counted when that is not "one per row/element": "file" (the file is one
  // record) or a JSON path whose `*` steps are summed ("MGSM_EXEMPLARS.*"). "" = default.
  std::string count;
  std::string license;
  std::string url;           // upstream raw-file URL at the pinned commit; "" for derived files
  std::string derived_from;  // what a derived file was converted from ("" for upstream copies)
};

struct ManifestBenchmark {
  std::string name;   // "gsm8k", "mmlu_pro", ... (the name `datasets fetch` takes)
  std::string title;  // "GSM8K"
  std::vector<ManifestFile> files;
  // Files upstream publishes without a fixed revision (LiveCodeBench's problem files on Hugging
  // Face): `datasets fetch` downloads them unverified (sha256 is "") and prints their checksum.
  std::vector<ManifestFile> unpinned;
  std::string note;   // what is missing and where the official data lives ("" when complete)
};

struct Manifest {
  std::vector<ManifestBenchmark> benchmarks;
  const ManifestBenchmark* Find(const std::string& name) const;
  std::vector<std::string> Names() const;
};

// Parses manifest JSON text; `name` is used in errors. kDataLoss on a malformed manifest.
StatusOr<Manifest> ParseManifest(const std::string& text, const std::string& name);
// The manifest compiled into the binary (datasets/manifest.json). LFM_CHECKs that it parses.
const Manifest& BuiltinManifest();

enum class FileState { kMissing, kOk, kChecksumMismatch, kUnreadable };

struct FileCheck {
  FileState state = FileState::kMissing;
  std::optional<int64_t> records;  // counted records (nullopt: not countable, e.g. parquet)
  std::string sha256;              // actual SHA-256 ("" when missing)
  std::string detail;              // for kUnreadable: why
};

// Hashes and counts `file` under `data_dir`.
FileCheck CheckFile(const std::string& data_dir, const ManifestFile& file);

// Counts records the way the manifest (and SOURCES.md) counts them. kUnimplemented for parquet.
StatusOr<int64_t> CountRecords(const std::string& path, const ManifestFile& file);

}  // namespace lfm::evals
