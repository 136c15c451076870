// ResultStore on real database files: every record type round-trips, queries filter as
// documented, read-only mode refuses writes, and schema versions are handled (migration from
// the first version, refusal of newer ones and of files that are not ours).
#include "results/result_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "results/provenance.h"
#include "results/store_test_util.h"
#include "tests/test_support.h"

namespace lfm::results {
namespace {

using testing::FullRun;
using testing::OpenOrDie;
using testing::RawDb;
using Mode = ResultStore::Mode;

std::string DbPath() { return ::lfm::testing::TempDir() + "/sub/dir/results.db"; }

TEST(ResultStoreTest, RunRoundTrip) {
  const std::string path = DbPath();  // its folders do not exist yet: Open creates them
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  RunRecord in = FullRun(RunKind::kPerf, "baseline");
  in.resume_key = "key1";
  auto id = store->BeginRun(in);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto out = store->GetRun(*id);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->id, *id);
  EXPECT_EQ(out->kind, RunKind::kPerf);
  EXPECT_EQ(out->status, RunStatus::kRunning);  // this process is alive
  EXPECT_EQ(out->started_ms, in.started_ms);
  EXPECT_EQ(out->finished_ms, 0);
  EXPECT_EQ(out->tag, "baseline");
  EXPECT_EQ(out->resume_key, "key1");
  EXPECT_EQ(out->writer_pid, getpid());
  EXPECT_EQ(out->build.git_commit, in.build.git_commit);
  EXPECT_TRUE(out->build.git_dirty);
  EXPECT_EQ(out->build.build_type, "Release");
  EXPECT_EQ(out->build.compiler, in.build.compiler);
  EXPECT_EQ(out->build.lfmbench_version, "0.1.0");
  EXPECT_EQ(out->device.device_id, in.device.device_id);
  EXPECT_EQ(out->device.cpu_model, in.device.cpu_model);
  EXPECT_EQ(out->device.cpu_cores, 2);
  EXPECT_EQ(out->device.isa_flags, in.device.isa_flags);
  EXPECT_EQ(out->device.memory_bytes, in.device.memory_bytes);
  EXPECT_EQ(out->device.os, in.device.os);
  EXPECT_EQ(out->device.hostname, "ci-box");
  EXPECT_EQ(out->model.path, in.model.path);
  EXPECT_EQ(out->model.name, in.model.name);
  EXPECT_EQ(out->model.size_bytes, in.model.size_bytes);
  EXPECT_EQ(out->model.hash, "ff00");
  EXPECT_EQ(out->model.hash_kind, "header");
  EXPECT_EQ(out->model.arch, "lfm2moe");
  EXPECT_EQ(out->model.quant, in.model.quant);
  EXPECT_EQ(out->model.params, in.model.params);
  EXPECT_EQ(out->backend, "cpu,onednn");
  EXPECT_EQ(out->threads, "1,2");
  EXPECT_EQ(out->command_line, in.command_line);

  ASSERT_TRUE(store->FinishRun(*id, RunStatus::kFailed, "model too big").ok());
  out = store->GetRun(*id);
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->error, "model too big");
  EXPECT_GT(out->finished_ms, 0);
  EXPECT_EQ(store->FinishRun(*id + 100, RunStatus::kComplete).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->GetRun(*id + 100).status().code(), StatusCode::kNotFound);
}

TEST(ResultStoreTest, PerfRoundTrip) {
  auto store = OpenOrDie(DbPath());
  const int64_t run = store->BeginRun(FullRun()).value();
  PerfResult in;
  in.run_id = run;
  in.backend = "onednn";
  in.threads = 2;
  in.n_prompt = 128;
  in.test = TestName(128, 0);
  in.op_backends = {{"experts", "reference"}, {"attention", "onednn"}};
  in.settings_json = R"({"z": 1, "a": "x"})";
  in.samples = {{0, 2.0, 64.0}, {1, 2.5, 51.2}};
  auto perf = store->AddPerfResult(in);
  ASSERT_TRUE(perf.ok()) << perf.status().message();
  ASSERT_TRUE(store->AddPerfSample(*perf, {2, 1.6, 80.0}).ok());
  // A repetition is stored once.
  EXPECT_EQ(store->AddPerfSample(*perf, {2, 1.0, 1.0}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store->SetPeakRss(*perf, 123456789).ok());
  ASSERT_TRUE(store->AddOpBreakdown(*perf, {{"other", 0.1}, {"experts", 1.5}, {"conv", 0.2}}).ok());
  ASSERT_TRUE(store->AddExpertLoad(*perf, {{1, 3, 40}, {0, 1, 7}, {0, 0, 9}}).ok());
  // Replacing the breakdown replaces, not appends.
  ASSERT_TRUE(
      store->AddOpBreakdown(*perf, {{"other", 0.1}, {"experts", 1.5}, {"conv", 0.25}}).ok());

  auto rows = store->GetPerfResults(run);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 1u);
  const PerfResult& out = (*rows)[0];
  EXPECT_EQ(out.id, *perf);
  EXPECT_EQ(out.backend, "onednn");
  EXPECT_EQ(out.threads, 2);
  EXPECT_EQ(out.test, "pp128");
  EXPECT_EQ(out.n_prompt, 128);
  EXPECT_EQ(out.n_gen, 0);
  EXPECT_EQ(out.peak_rss_bytes, 123456789);
  EXPECT_EQ(out.op_backends, in.op_backends);
  EXPECT_EQ(out.Fallbacks(), "experts:reference");
  EXPECT_EQ(out.settings_json, R"({"a":"x","z":1})");  // canonical: sorted, compact
  ASSERT_EQ(out.samples.size(), 3u);
  EXPECT_EQ(out.samples[2].rep, 2);
  EXPECT_DOUBLE_EQ(out.samples[1].seconds, 2.5);
  EXPECT_EQ(out.TokensPerSecond(), (std::vector<double>{64.0, 51.2, 80.0}));

  auto ops = store->GetOpBreakdown(*perf).value();
  ASSERT_EQ(ops.size(), 3u);  // in kOpNames order
  EXPECT_EQ(ops[0].op, "conv");
  EXPECT_DOUBLE_EQ(ops[0].seconds, 0.25);
  EXPECT_EQ(ops[1].op, "experts");
  EXPECT_EQ(ops[2].op, "other");
  auto load = store->GetExpertLoad(*perf).value();
  ASSERT_EQ(load.size(), 3u);  // by layer, expert
  EXPECT_EQ(load[0].expert, 0);
  EXPECT_EQ(load[0].tokens, 9);
  EXPECT_EQ(load[2].layer, 1);
  EXPECT_EQ(load[2].tokens, 40);

  // Same configuration twice in a run is refused; different settings make a different row.
  EXPECT_EQ(store->AddPerfResult(in).status().code(), StatusCode::kInvalidArgument);
  in.settings_json = R"({"a": "y"})";
  EXPECT_TRUE(store->AddPerfResult(in).ok());
  in.settings_json = "[1, 2]";
  auto bad = store->AddPerfResult(in);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("settings_json is not a JSON object"), std::string::npos)
      << bad.status().message();
}

TEST(ResultStoreTest, FindPerfRowsAcrossRuns) {
  auto store = OpenOrDie(DbPath());
  for (int i = 0; i < 3; ++i) {
    RunRecord r = FullRun();
    r.started_ms += i;
    if (i == 2) r.device.device_id = "other-device";
    const int64_t run = store->BeginRun(r).value();
    for (const char* backend : {"cpu", "naive"}) {
      PerfResult row;
      row.run_id = run;
      row.backend = backend;
      row.threads = 1;
      row.n_gen = 16;
      row.test = TestName(0, 16);
      row.samples = {{0, 1, 16.0 + i}};
      ASSERT_TRUE(store->AddPerfResult(row).ok());
    }
    if (i == 0) {
      ASSERT_TRUE(store->FinishRun(run, RunStatus::kComplete).ok());
    }
  }
  PerfRowFilter filter;
  filter.backend = "cpu";
  filter.test = "tg16";
  EXPECT_EQ(store->FindPerfRows(filter)->size(), 3u);
  filter.device_id = "0123456789abcdef";
  auto rows = store->FindPerfRows(filter).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_LT(rows[0].run.started_ms, rows[1].run.started_ms);  // oldest first
  EXPECT_DOUBLE_EQ(rows[1].row.samples[0].tokens_per_s, 17.0);
  filter.complete_runs_only = true;
  EXPECT_EQ(store->FindPerfRows(filter)->size(), 1u);
  filter.threads = 4;
  EXPECT_EQ(store->FindPerfRows(filter)->size(), 0u);
}

TEST(ResultStoreTest, EvalRoundTripAndHiddenSamples) {
  const std::string path = DbPath();
  auto store = OpenOrDie(path);
  const int64_t run = store->BeginRun(FullRun(RunKind::kEval)).value();
  EvalSample early;
  early.run_id = run;
  early.task = "gsm8k";
  auto status = store->AddEvalSample(early);  // task not declared yet
  EXPECT_NE(status.message().find("AddEvalTask first"), std::string::npos) << status.message();

  ASSERT_TRUE(store->AddEvalTask({run, "gsm8k", "3.0", 5, R"({"chat": false, "limit": 20})"}).ok());
  ASSERT_TRUE(store->AddEvalTask({run, "gpqa_main", "1.0", 0, "{}"}).ok());
  ASSERT_TRUE(store->AddEvalTask({run, "gsm8k", "3.0", 8, R"({"chat": true})"}).ok());  // update
  for (int doc = 4; doc >= 0; --doc) {
    EvalSample s;
    s.run_id = run;
    s.task = "gsm8k";
    s.doc_id = doc;
    s.prompt_hash = Sha256Hex("prompt" + std::to_string(doc));
    s.prompt = "Question: 2+" + std::to_string(doc) + "?\nAnswer:";
    s.target = std::to_string(2 + doc);
    s.response = "The answer is " + std::to_string(2 + doc);
    s.extracted_json = R"({"strict-match": ")" + std::to_string(2 + doc) + R"("})";
    s.scores_json = R"({"exact_match,strict-match": 1})";
    s.passed = doc % 2 == 0;
    ASSERT_TRUE(store->AddEvalSample(s).ok());
  }
  EvalSample hidden;
  hidden.run_id = run;
  hidden.task = "gpqa_main";
  hidden.doc_id = 7;
  hidden.prompt_hash = "h";
  hidden.prompt = "SECRET QUESTION";
  hidden.target = "SECRET ANSWER";
  hidden.response = "SECRET RESPONSE";
  hidden.extracted_json = R"j({"none": "(B)"})j";
  hidden.display_ok = false;
  ASSERT_TRUE(store->AddEvalSample(hidden).ok());
  // Rewriting a sample replaces it (a resumed run redoing a document).
  hidden.extracted_json = R"j({"none": "(C)"})j";
  ASSERT_TRUE(store->AddEvalSample(hidden).ok());

  EXPECT_EQ(store->DoneEvalSamples(run, "gsm8k").value(), (std::set<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(store->DoneEvalSamples(run, "gpqa_main").value(), (std::set<int64_t>{7}));
  EXPECT_EQ(store->CountEvalSamples(run, "gsm8k").value(), 5);

  auto tasks = store->GetEvalTasks(run).value();
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[1].task, "gsm8k");
  EXPECT_EQ(tasks[1].n_shot, 8);
  EXPECT_EQ(tasks[1].settings_json, R"({"chat":true})");

  auto page = store->GetEvalSamples(run, "gsm8k", 1, 2).value();  // docs 1 and 2
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].doc_id, 1);
  EXPECT_EQ(page[0].prompt, "Question: 2+1?\nAnswer:");
  EXPECT_EQ(page[0].target, "3");
  EXPECT_EQ(page[0].response, "The answer is 3");
  EXPECT_EQ(page[0].extracted_json, R"({"strict-match":"3"})");
  EXPECT_EQ(page[0].scores_json, R"({"exact_match,strict-match":1})");
  EXPECT_EQ(page[0].passed, std::optional<bool>(false));
  EXPECT_EQ(page[1].passed, std::optional<bool>(true));
  EXPECT_EQ(page[0].prompt_hash, Sha256Hex("prompt1"));
  EXPECT_GT(page[0].created_ms, 0);

  auto gpqa = store->GetEvalSamples(run, "gpqa_main", 0, 10).value();
  ASSERT_EQ(gpqa.size(), 1u);
  EXPECT_FALSE(gpqa[0].display_ok);
  EXPECT_EQ(gpqa[0].prompt, "");
  EXPECT_EQ(gpqa[0].response, "");
  EXPECT_EQ(gpqa[0].extracted_json, R"j({"none":"(C)"})j");
  EXPECT_FALSE(gpqa[0].passed.has_value());
  // Not just hidden by the query: the text is not in the file at all.
  EXPECT_EQ(RawDb(path).Query("SELECT count(*) FROM eval_samples WHERE prompt IS NULL AND "
                              "target IS NULL AND response IS NULL AND task = 'gpqa_main'"),
            "1");
  store.reset();  // the last connection to close moves the WAL into the main file
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));
  std::ifstream file(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), {});
  EXPECT_EQ(bytes.find("SECRET"), std::string::npos);
  EXPECT_NE(bytes.find("Question: 2+1?"), std::string::npos);  // the scan itself can see text
}

TEST(ResultStoreTest, EvalScoresAndGateVerdicts) {
  auto store = OpenOrDie(DbPath());
  const int64_t run = store->BeginRun(FullRun(RunKind::kEval)).value();
  EvalScore group{run, "mmlu", true, "acc", "none", 0.25, 0.01, 1000, true};
  EvalScore task{run, "gsm8k", false, "exact_match", "strict-match", 0.5, std::nullopt, 20, true};
  ASSERT_TRUE(store->AddEvalScore(group).ok());
  ASSERT_TRUE(store->AddEvalScore(task).ok());
  task.value = 0.55;  // replaced, not duplicated
  ASSERT_TRUE(store->AddEvalScore(task).ok());
  auto scores = store->GetEvalScores(run).value();
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores[0].name, "gsm8k");  // tasks before groups
  EXPECT_DOUBLE_EQ(scores[0].value, 0.55);
  EXPECT_EQ(scores[0].filter, "strict-match");
  EXPECT_FALSE(scores[0].std_error.has_value());
  EXPECT_EQ(scores[0].n, 20);
  EXPECT_TRUE(scores[1].is_group);
  EXPECT_DOUBLE_EQ(*scores[1].std_error, 0.01);

  const int64_t other = store->BeginRun(FullRun()).value();
  GateVerdict v;
  v.baseline_run = other;
  v.candidate_run = run;
  v.backend = "cpu";
  v.threads = 2;
  v.test = "tg128";
  v.ratio = 0.93;
  v.ci_low = 0.9;
  v.ci_high = 0.95;
  v.p_value = 0.004;
  v.method = "mann-whitney";
  v.max_regression = 0.05;
  v.verdict = "fail";
  auto id = store->AddGateVerdict(v);
  ASSERT_TRUE(id.ok()) << id.status().message();
  v.verdict = "maybe";  // not a verdict the schema allows
  EXPECT_EQ(store->AddGateVerdict(v).status().code(), StatusCode::kInvalidArgument);
  auto verdicts = store->GetGateVerdicts(run).value();
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].id, *id);
  EXPECT_EQ(verdicts[0].baseline_run, std::optional<int64_t>(other));
  EXPECT_DOUBLE_EQ(verdicts[0].ratio, 0.93);
  EXPECT_DOUBLE_EQ(*verdicts[0].p_value, 0.004);
  EXPECT_EQ(verdicts[0].verdict, "fail");
  EXPECT_EQ(verdicts[0].test, "tg128");
  EXPECT_GT(verdicts[0].created_ms, 0);
  EXPECT_EQ(store->GetGateVerdicts(other)->size(), 1u);
  EXPECT_EQ(store->GetGateVerdicts()->size(), 1u);
  EXPECT_EQ(store->GetGateVerdicts(other + 5)->size(), 0u);
}

TEST(ResultStoreTest, ListResolveAndResume) {
  auto store = OpenOrDie(DbPath());
  const int64_t a = store->BeginRun(FullRun(RunKind::kPerf, "nightly")).value();
  const int64_t b = store->BeginRun(FullRun(RunKind::kEval)).value();
  const int64_t c = store->BeginRun(FullRun(RunKind::kPerf, "nightly")).value();
  ASSERT_TRUE(store->FinishRun(a, RunStatus::kComplete).ok());
  EXPECT_EQ(store->ListRuns()->size(), 3u);
  EXPECT_EQ(store->ListRuns()->front().id, c);  // newest first
  RunFilter filter;
  filter.kind = RunKind::kPerf;
  EXPECT_EQ(store->ListRuns(filter)->size(), 2u);
  filter.status = RunStatus::kComplete;
  EXPECT_EQ(store->ListRuns(filter)->size(), 1u);
  filter = {};
  filter.limit = 1;
  EXPECT_EQ(store->ListRuns(filter)->size(), 1u);

  EXPECT_EQ(store->ResolveRun("nightly").value(), c);
  EXPECT_EQ(store->ResolveRun(std::to_string(b)).value(), b);
  auto missing = store->ResolveRun("weekly");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no run with id or tag 'weekly'"), std::string::npos);
  EXPECT_EQ(store->ResolveRun("999").status().code(), StatusCode::kNotFound);

  RunRecord eval = FullRun(RunKind::kEval);
  eval.resume_key = "model+gsm8k+5shot";
  const int64_t e = store->BeginRun(eval).value();
  // While its writer (this process) lives, the run is not resumable by another command.
  EXPECT_FALSE(store->FindResumableRun(eval.resume_key)->has_value());
  EXPECT_EQ(store->ResumeRun(e).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store->FinishRun(e, RunStatus::kIncomplete).ok());
  EXPECT_EQ(store->FindResumableRun(eval.resume_key)->value_or(0), e);
  EXPECT_FALSE(store->FindResumableRun("other key")->has_value());
  ASSERT_TRUE(store->ResumeRun(e).ok());
  auto resumed = store->GetRun(e).value();
  EXPECT_EQ(resumed.status, RunStatus::kRunning);
  EXPECT_EQ(resumed.finished_ms, 0);
}

TEST(ResultStoreTest, DeadWriterReadsIncompleteAndIsMarkedOnOpen) {
  const std::string path = DbPath();
  auto store = OpenOrDie(path);
  const int64_t run = store->BeginRun(FullRun()).value();
  EXPECT_EQ(store->GetRun(run)->status, RunStatus::kRunning);
  // Pretend the writer was an earlier process that had this pid: same pid, another token.
  RawDb raw(path);
  raw.Exec("UPDATE runs SET writer_token = 'old-boot:123' WHERE id = " + std::to_string(run));
  EXPECT_EQ(store->GetRun(run)->status, RunStatus::kIncomplete);
  EXPECT_EQ(raw.Query("SELECT status FROM runs"), "running");  // only reported so far
  auto reader = OpenOrDie(path, Mode::kReadOnly);
  EXPECT_EQ(reader->GetRun(run)->status, RunStatus::kIncomplete);
  auto writer = OpenOrDie(path);  // a read-write open stores it
  EXPECT_EQ(raw.Query("SELECT status FROM runs"), "incomplete");
  EXPECT_NE(raw.Query("SELECT error FROM runs").find("ended without finishing"), std::string::npos);
}

TEST(ResultStoreTest, TransactionsCommitTogetherOrNotAtAll) {
  auto store = OpenOrDie(DbPath());
  const int64_t run = store->BeginRun(FullRun()).value();
  PerfResult row;
  row.run_id = run;
  row.backend = "cpu";
  row.threads = 1;
  row.n_gen = 4;
  row.test = "tg4";
  const int64_t perf = store->AddPerfResult(row).value();
  Status status = store->InTransaction([&]() -> Status {
    LFM_RETURN_IF_ERROR(store->AddPerfSample(perf, {0, 1, 4}));
    // A nested failure that the outer body tolerates undoes only the nested part.
    EXPECT_FALSE(store
                     ->InTransaction([&]() -> Status {
                       LFM_RETURN_IF_ERROR(store->AddPerfSample(perf, {1, 1, 4}));
                       return Error(StatusCode::kInternal, "inner failure");
                     })
                     .ok());
    LFM_RETURN_IF_ERROR(store->AddPerfSample(perf, {2, 1, 4}));
    return OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  auto samples = store->GetPerfSamples(perf).value();
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[1].rep, 2);
  status = store->InTransaction([&]() -> Status {
    LFM_RETURN_IF_ERROR(store->AddPerfSample(perf, {3, 1, 4}));
    return Error(StatusCode::kCancelled, "stop");
  });
  EXPECT_EQ(status.code(), StatusCode::kCancelled);
  EXPECT_EQ(store->GetPerfSamples(perf)->size(), 2u);
}

TEST(ResultStoreTest, ReadOnlyRefusesWritesAndSeesChanges) {
  const std::string path = DbPath();
  auto missing = ResultStore::Open(path, Mode::kReadOnly);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(path + ": no results database"), std::string::npos);
  auto writer = OpenOrDie(path);
  const int64_t run = writer->BeginRun(FullRun()).value();
  auto reader = OpenOrDie(path, Mode::kReadOnly);
  const int64_t before = reader->ChangeCounter().value();
  EXPECT_EQ(reader->ChangeCounter().value(), before);  // nothing new
  auto status = reader->BeginRun(FullRun()).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("opened read-only"), std::string::npos) << status.message();
  EXPECT_FALSE(reader->FinishRun(run, RunStatus::kComplete).ok());
  EXPECT_FALSE(reader->AddEvalScore({run, "x", false, "acc", "none", 1, {}, 1, true}).ok());
  EXPECT_EQ(reader->ListRuns()->size(), 1u);
  ASSERT_TRUE(writer->FinishRun(run, RunStatus::kComplete).ok());
  EXPECT_NE(reader->ChangeCounter().value(), before);  // the writer's commit shows
  EXPECT_EQ(reader->GetRun(run)->status, RunStatus::kComplete);
}

// The structure of every table (columns, keys, indexes, foreign keys), to compare schemas
// built different ways.
std::string SchemaShape(const std::string& path) {
  RawDb raw(path);
  return raw.Query(
      "SELECT group_concat(line, char(10)) FROM ("
      "SELECT m.name || ' col ' || c.name || ' ' || c.type || ' ' || c.'notnull' || ' ' || "
      "  ifnull(c.dflt_value, '-') || ' ' || c.pk AS line "
      "  FROM sqlite_schema m, pragma_table_info(m.name) c WHERE m.type = 'table' "
      "UNION ALL SELECT m.name || ' idx ' || i.'unique' || ' ' || i.origin || ' ' || "
      "  (SELECT group_concat(name) FROM pragma_index_info(i.name)) || ' ' || i.partial "
      "  FROM sqlite_schema m, pragma_index_list(m.name) i WHERE m.type = 'table' "
      "UNION ALL SELECT m.name || ' fk ' || f.'table' || ' ' || f.'from' || ' ' || "
      "  ifnull(f.'to', '-') || ' ' || f.on_delete FROM sqlite_schema m, "
      "  pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY line)");
}

TEST(ResultStoreTest, MigratesTheFirstSchemaVersion) {
  const std::string dir = ::lfm::testing::TempDir();
  const std::string old_path = dir + "/v1.db", fresh_path = dir + "/fresh.db";
  {
    std::ifstream in(LFM_RESULTS_TESTDATA "/schema_v1.sql");
    std::string v1((std::istreambuf_iterator<char>(in)), {});
    ASSERT_NE(v1.find("PRAGMA user_version = 1;"), std::string::npos);
    RawDb raw(old_path);
    raw.Exec(v1);
    raw.Exec(
        "INSERT INTO runs (id, kind, status, started_ms) VALUES (5, 'perf', 'complete', 1);"
        "INSERT INTO perf_results (id, run_id, backend, threads, test, n_prompt, n_gen, "
        "  op_backends_json) VALUES (9, 5, 'cpu', 2, 'tg8', 0, 8, '{\"experts\":\"cpu\"}');"
        "INSERT INTO perf_samples VALUES (9, 0, 0.5, 16.0), (9, 1, 0.25, 32.0);"
        "INSERT INTO perf_op_times VALUES (9, 'experts', 0.4);"
        "INSERT INTO expert_load VALUES (9, 0, 3, 12);");
  }
  ASSERT_NE(SchemaShape(old_path), "");
  auto store = OpenOrDie(old_path);
  ASSERT_TRUE(store);
  RawDb raw(old_path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), std::to_string(ResultStore::SchemaVersion()));
  // Rows, and the children of the rebuilt table, survive.
  auto rows = store->GetPerfResults(5).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, 9);
  EXPECT_EQ(rows[0].settings_json, "{}");
  EXPECT_EQ(rows[0].op_backends.at("experts"), "cpu");
  EXPECT_EQ(rows[0].samples.size(), 2u);
  EXPECT_EQ(store->GetOpBreakdown(9)->size(), 1u);
  EXPECT_EQ(store->GetExpertLoad(9)->size(), 1u);
  // Foreign keys still point at the rebuilt table: deleting the run deletes its rows.
  raw.Exec("PRAGMA foreign_keys = ON; DELETE FROM runs WHERE id = 5");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM perf_samples"), "0");
  // A migrated file has exactly the structure of a fresh one.
  OpenOrDie(fresh_path);
  EXPECT_EQ(SchemaShape(old_path), SchemaShape(fresh_path));
}

TEST(ResultStoreTest, RefusesNewerVersionsAndForeignFiles) {
  const std::string dir = ::lfm::testing::TempDir();
  const std::string path = dir + "/newer.db";
  OpenOrDie(path);
  RawDb(path).Exec("PRAGMA user_version = 99");
  for (Mode mode : {Mode::kReadWrite, Mode::kReadOnly}) {
    auto store = ResultStore::Open(path, mode);
    EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(store.status().message(),
              fmt::format("{}: results database schema version 99 is newer than this lfmbench "
                          "reads (up to {}): use a newer lfmbench",
                          path, ResultStore::SchemaVersion()));
  }
  EXPECT_EQ(RawDb(path).Query("PRAGMA user_version"), "99");  // untouched

  const std::string garbage = dir + "/garbage.db";
  std::ofstream(garbage) << "this is not a database, just some text that is long enough......."
                            "..................................................................";
  auto store = ResultStore::Open(garbage, Mode::kReadWrite);
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store.status().message(), garbage + ": not an SQLite database");

  const std::string other = dir + "/other.db";
  RawDb(other).Exec("CREATE TABLE notes (text TEXT)");
  store = ResultStore::Open(other, Mode::kReadWrite);
  EXPECT_NE(store.status().message().find("not an lfmbench results database"), std::string::npos);
  EXPECT_EQ(RawDb(other).Query("SELECT count(*) FROM sqlite_schema"), "1");  // untouched

  const std::string old = dir + "/old.db";
  OpenOrDie(old);
  RawDb(old).Exec("PRAGMA user_version = 1");
  store = ResultStore::Open(old, Mode::kReadOnly);
  EXPECT_NE(store.status().message().find("lfmbench results migrate"), std::string::npos)
      << store.status().message();
}

}  // namespace
}  // namespace lfm::results
