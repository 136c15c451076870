// Imports llama.cpp's `llama-bench -o json` (or `-o jsonl`) output as runs of kind 'import'
// with backend 'llama.cpp', so llama.cpp's numbers sit beside lfmbench's in one database.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "results/records.h"
#include "results/result_store.h"

namespace lfm::results {

// One imported run: the rows of one model file, llama.cpp build and CPU.
struct ImportedRun {
  RunRecord run;                 // started_ms: the earliest test_time
  int64_t finished_ms = 0;       // the latest test_time plus that result's timed samples
  std::vector<PerfResult> rows;  // run_id unset
};

// Parses llama-bench output. Per row it reads model_filename, model_type, model_size,
// model_n_params, n_threads, n_prompt, n_gen, n_depth, test_time, samples_ns and samples_ts
// (the repetitions; required); cpu_info and build_commit go to the run. Every other field
// (n_batch, type_k, use_mmap, ...) becomes the row's settings. When cpu_info names this
// machine's CPU the run gets this machine's device (so device_id matches lfmbench's runs);
// otherwise only the CPU name is known. `source` names the input in errors.
StatusOr<std::vector<ImportedRun>> ParseLlamaBench(const std::string& text,
                                                   const std::string& source);

// Reads `path`, parses it, and stores each run (tagged `tag` when not empty) in one
// transaction; returns the new run ids.
StatusOr<std::vector<int64_t>> ImportLlamaBench(ResultStore& store, const std::string& path,
                                                const std::string& tag);

}  // namespace lfm::results
