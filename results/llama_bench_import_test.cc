// llama-bench import: the documented JSON and JSONL layouts, this-machine device matching,
// errors naming the file and result, and the runs it stores.
#include "results/llama_bench_import.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "results/provenance.h"
#include "results/store_test_util.h"
#include "tests/test_support.h"

namespace lfm::results {
namespace {

std::string Fixture() {
  std::ifstream in(LFM_RESULTS_TESTDATA "/llama_bench.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LlamaBenchImportTest, ParsesTheJsonLayout) {
  auto runs = ParseLlamaBench(Fixture(), "lb.json");
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 1u);
  const ImportedRun& imported = (*runs)[0];
  const RunRecord& run = imported.run;
  EXPECT_EQ(run.kind, RunKind::kImport);
  EXPECT_EQ(run.backend, "llama.cpp");
  EXPECT_EQ(run.threads, "1,2");
  EXPECT_EQ(run.build.git_commit, "a1b2c3d4");
  EXPECT_EQ(run.build.lfmbench_version, "llama.cpp build 7001");
  EXPECT_EQ(run.model.path, "models/8b-q4_0.gguf");
  EXPECT_EQ(run.model.name, "lfm2moe 8B.A1B Q4_0");
  EXPECT_EQ(run.model.arch, "lfm2moe");
  EXPECT_EQ(run.model.quant, "Q4_0");
  EXPECT_EQ(run.model.size_bytes, 4700000000);
  EXPECT_EQ(run.model.params, 8300000000);
  EXPECT_EQ(run.started_ms, 1795741200000);  // 2026-11-27T01:00:00Z, the earliest test_time
  // The last result starts at 01:01:10 and its samples take 0.9 + 0.905 + 0.91 s.
  EXPECT_EQ((*runs)[0].finished_ms, 1795741270000 + 2715);
  // Not this machine's CPU: only the name is known, and the id is derived from it alone.
  EXPECT_EQ(run.device.cpu_model, "AMD EPYC 9R45 (fixture)");
  EXPECT_EQ(run.device.cpu_cores, 0);
  EXPECT_EQ(run.device.device_id, DeviceId(run.device));

  ASSERT_EQ(imported.rows.size(), 6u);
  const PerfResult& first = imported.rows[0];
  EXPECT_EQ(first.backend, "llama.cpp");
  EXPECT_EQ(first.threads, 1);
  EXPECT_EQ(first.test, "pp128");
  ASSERT_EQ(first.samples.size(), 3u);
  EXPECT_DOUBLE_EQ(first.samples[1].seconds, 4.15);
  EXPECT_DOUBLE_EQ(first.samples[1].tokens_per_s, 30.843);
  EXPECT_EQ(imported.rows[1].test, "tg32");
  EXPECT_EQ(imported.rows[5].test, "tg32 @ d128");
  const auto settings = nlohmann::json::parse(first.settings_json);
  EXPECT_EQ(settings["n_batch"], 2048);
  EXPECT_EQ(settings["type_k"], "f16");
  EXPECT_EQ(settings["use_mmap"], true);
  for (const char* timing : {"samples_ns", "samples_ts", "avg_ts", "test_time", "n_threads"}) {
    EXPECT_FALSE(settings.contains(timing)) << timing;
  }
  EXPECT_EQ(nlohmann::json::parse(imported.rows[4].settings_json)["n_batch"], 64);
}

TEST(LlamaBenchImportTest, JsonlAndThisMachine) {
  auto rows = nlohmann::json::parse(Fixture());
  std::string jsonl;
  for (auto& row : rows) {
    row["cpu_info"] = DetectDevice().cpu_model;  // as if llama-bench ran on this machine
    jsonl += row.dump() + "\n";
  }
  auto runs = ParseLlamaBench(jsonl, "lb.jsonl");
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].rows.size(), 6u);
  EXPECT_EQ((*runs)[0].run.device.device_id, DetectDevice().device_id);
  EXPECT_GT((*runs)[0].run.device.cpu_cores, 0);
  // A second model in the same file is a second run.
  rows[0]["model_filename"] = "models/other.gguf";
  runs = ParseLlamaBench(rows.dump(), "lb.json");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 2u);
}

TEST(LlamaBenchImportTest, ErrorsNameTheFileAndResult) {
  auto rows = nlohmann::json::parse(Fixture());
  rows[1].erase("samples_ns");
  auto missing = ParseLlamaBench(rows.dump(), "lb.json");
  EXPECT_EQ(missing.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(missing.status().message(),
            "lb.json: result 2: no 'samples_ns' array: this llama-bench output has no "
            "repetitions to import");
  rows = nlohmann::json::parse(Fixture());
  rows[0]["n_threads"] = "two";
  EXPECT_EQ(ParseLlamaBench(rows.dump(), "lb.json").status().message(),
            "lb.json: result 1: field 'n_threads' has the wrong type (\"two\")");
  EXPECT_EQ(ParseLlamaBench("| model | size |\n", "lb.md").status().message(),
            "lb.md: line 1: not llama-bench JSON output (expected `llama-bench -o json` or "
            "`-o jsonl`)");
  EXPECT_EQ(ParseLlamaBench("", "empty.json").status().message(),
            "empty.json: no llama-bench results in it");
}

TEST(LlamaBenchImportTest, StoresCompleteRuns) {
  const std::string dir = ::lfm::testing::TempDir();
  std::ofstream(dir + "/lb.json") << Fixture();
  auto store = testing::OpenOrDie(dir + "/r.db");
  auto ids = ImportLlamaBench(*store, dir + "/lb.json", "llama");
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  ASSERT_EQ(ids->size(), 1u);
  const RunRecord run = store->GetRun((*ids)[0]).value();
  EXPECT_EQ(run.status, RunStatus::kComplete);
  EXPECT_EQ(run.finished_ms, 1795741270000 + 2715);
  EXPECT_EQ(run.tag, "llama");
  auto rows = store->GetPerfResults(run.id).value();
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[3].samples.size(), 3u);
  EXPECT_EQ(ImportLlamaBench(*store, dir + "/none.json", "").status().message(),
            dir + "/none.json: cannot open");
  // A file that fails while being stored imports nothing: the import is one transaction.
  // Here the last result repeats the first (same threads, test and settings).
  auto rows_json = nlohmann::json::parse(Fixture());
  rows_json.push_back(rows_json[0]);
  std::ofstream(dir + "/dup.json") << rows_json.dump();
  auto dup = ImportLlamaBench(*store, dir + "/dup.json", "");
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidArgument) << dup.status().message();
  EXPECT_EQ(store->ListRuns()->size(), 1u);
}

}  // namespace
}  // namespace lfm::results
