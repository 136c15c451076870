// ResultStore, second half: perf rows (samples, op times, expert load), eval tasks, samples and
// scores, and gate verdicts.
#include <nlohmann/json.hpp>

#include "results/provenance.h"
#include "results/result_store.h"
#include "results/sqlite_db.h"
#include "results/store_internal.h"

namespace lfm::results {
namespace {

using internal::CanonicalJsonObject;
using internal::JsonToMap;
using internal::MapToJson;

#define LFM_PERF_COLUMNS                                                                    \
  "id, run_id, backend, threads, test, n_prompt, n_gen, peak_rss_bytes, op_backends_json, " \
  "settings_json, fidelity_tokens, fidelity_mean_kl, fidelity_top1, fidelity_max_abs_logprob"

}  // namespace

StatusOr<int64_t> ResultStore::AddPerfResult(const PerfResult& row) {
  int64_t id = 0;
  LFM_RETURN_IF_ERROR(
      Write(fmt::format("AddPerfResult(run {}, {})", row.run_id, row.test), [&]() -> Status {
        LFM_ASSIGN_OR_RETURN(std::string settings,
                             CanonicalJsonObject(row.settings_json, "settings_json"));
        LFM_ASSIGN_OR_RETURN(
            Statement q,
            db_->Prepare(
                "INSERT INTO perf_results (run_id, backend, threads, test, n_prompt, n_gen, "
                "peak_rss_bytes, op_backends_json, settings_json, fidelity_tokens, "
                "fidelity_mean_kl, fidelity_top1, fidelity_max_abs_logprob) VALUES (?, ?, ?, ?, "
                "?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        q.BindInt(1, row.run_id).BindText(2, row.backend).BindInt(3, row.threads);
        q.BindText(4, row.test).BindInt(5, row.n_prompt).BindInt(6, row.n_gen);
        q.BindInt(7, row.peak_rss_bytes).BindText(8, MapToJson(row.op_backends));
        q.BindText(9, settings);
        const std::optional<Fidelity>& f = row.fidelity;
        q.BindInt(10, f ? f->tokens : 0);
        q.BindOptionalDouble(11, f ? std::optional(f->mean_kl) : std::nullopt);
        q.BindOptionalDouble(12, f ? std::optional(f->top1_agreement) : std::nullopt);
        q.BindOptionalDouble(13, f ? std::optional(f->max_abs_logprob_diff) : std::nullopt);
        LFM_RETURN_IF_ERROR(q.Run());
        id = db_->LastInsertRowId();
        for (const PerfSample& sample : row.samples) LFM_RETURN_IF_ERROR(AddPerfSample(id, sample));
        return OkStatus();
      }));
  return id;
}

Status ResultStore::AddPerfSample(int64_t perf_id, const PerfSample& sample) {
  return Write(fmt::format("AddPerfSample(perf row {}, rep {})", perf_id, sample.rep),
               [&]() -> Status {
                 LFM_ASSIGN_OR_RETURN(Statement q,
                                      db_->Prepare("INSERT INTO perf_samples (perf_id, rep, "
                                                   "seconds, tokens_per_s) VALUES (?, ?, ?, ?)"));
                 q.BindInt(1, perf_id).BindInt(2, sample.rep).BindDouble(3, sample.seconds);
                 return q.BindDouble(4, sample.tokens_per_s).Run();
               });
}

Status ResultStore::SetPeakRss(int64_t perf_id, int64_t peak_rss_bytes) {
  return Write(fmt::format("SetPeakRss(perf row {})", perf_id), [&]() -> Status {
    LFM_ASSIGN_OR_RETURN(Statement q,
                         db_->Prepare("UPDATE perf_results SET peak_rss_bytes = ? WHERE id = ?"));
    LFM_RETURN_IF_ERROR(q.BindInt(1, peak_rss_bytes).BindInt(2, perf_id).Run());
    if (db_->Changes() == 0)
      return Error(StatusCode::kNotFound, "{}: no perf row {}", path_, perf_id);
    return OkStatus();
  });
}

Status ResultStore::AddOpBreakdown(int64_t perf_id, const std::vector<OpTime>& ops) {
  return Write(fmt::format("AddOpBreakdown(perf row {})", perf_id), [&]() -> Status {
    LFM_ASSIGN_OR_RETURN(Statement del,
                         db_->Prepare("DELETE FROM perf_op_times WHERE perf_id = ?"));
    LFM_RETURN_IF_ERROR(del.BindInt(1, perf_id).Run());
    for (const OpTime& op : ops) {
      LFM_ASSIGN_OR_RETURN(
          Statement q,
          db_->Prepare("INSERT INTO perf_op_times (perf_id, op, seconds) VALUES (?, ?, ?)"));
      LFM_RETURN_IF_ERROR(q.BindInt(1, perf_id).BindText(2, op.op).BindDouble(3, op.seconds).Run());
    }
    return OkStatus();
  });
}

Status ResultStore::AddExpertLoad(int64_t perf_id, const std::vector<ExpertLoad>& load) {
  return Write(fmt::format("AddExpertLoad(perf row {})", perf_id), [&]() -> Status {
    LFM_ASSIGN_OR_RETURN(Statement del, db_->Prepare("DELETE FROM expert_load WHERE perf_id = ?"));
    LFM_RETURN_IF_ERROR(del.BindInt(1, perf_id).Run());
    for (const ExpertLoad& entry : load) {
      LFM_ASSIGN_OR_RETURN(
          Statement q,
          db_->Prepare(
              "INSERT INTO expert_load (perf_id, layer, expert, tokens) VALUES (?, ?, ?, ?)"));
      q.BindInt(1, perf_id).BindInt(2, entry.layer).BindInt(3, entry.expert);
      LFM_RETURN_IF_ERROR(q.BindInt(4, entry.tokens).Run());
    }
    return OkStatus();
  });
}

StatusOr<PerfResult> ResultStore::ReadPerfResult(int64_t perf_id) {
  PerfResult row;
  {
    LFM_ASSIGN_OR_RETURN(
        Statement q, db_->Prepare("SELECT " LFM_PERF_COLUMNS " FROM perf_results WHERE id = ?"));
    q.BindInt(1, perf_id);
    LFM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) return Error(StatusCode::kNotFound, "{}: no perf row {}", path_, perf_id);
    row.id = q.Int(0);
    row.run_id = q.Int(1);
    row.backend = q.Text(2);
    row.threads = static_cast<int>(q.Int(3));
    row.test = q.Text(4);
    row.n_prompt = static_cast<int>(q.Int(5));
    row.n_gen = static_cast<int>(q.Int(6));
    row.peak_rss_bytes = q.Int(7);
    LFM_ASSIGN_OR_RETURN(
        row.op_backends,
        JsonToMap(q.Text(8), fmt::format("{}: perf row {} op_backends_json", path_, perf_id)));
    row.settings_json = q.Text(9);
    if (q.Int(10) > 0) {
      row.fidelity = Fidelity{static_cast<int>(q.Int(10)), q.Double(11), q.Double(12), q.Double(13)};
    }
  }
  LFM_ASSIGN_OR_RETURN(row.samples, GetPerfSamples(perf_id));
  return row;
}

StatusOr<std::vector<PerfResult>> ResultStore::GetPerfResults(int64_t run_id) {
  std::vector<int64_t> ids;
  {
    LFM_ASSIGN_OR_RETURN(Statement q,
                         db_->Prepare("SELECT id FROM perf_results WHERE run_id = ? ORDER BY id"));
    q.BindInt(1, run_id);
    for (;;) {
      LFM_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      ids.push_back(q.Int(0));
    }
  }
  std::vector<PerfResult> rows;
  for (int64_t id : ids) {
    LFM_ASSIGN_OR_RETURN(PerfResult row, ReadPerfResult(id));
    rows.push_back(std::move(row));
  }
  return rows;
}

StatusOr<std::vector<PerfSample>> ResultStore::GetPerfSamples(int64_t perf_id) {
  LFM_ASSIGN_OR_RETURN(
      Statement q,
      db_->Prepare(
          "SELECT rep, seconds, tokens_per_s FROM perf_samples WHERE perf_id = ? ORDER BY rep"));
  q.BindInt(1, perf_id);
  std::vector<PerfSample> samples;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    samples.push_back({static_cast<int>(q.Int(0)), q.Double(1), q.Double(2)});
  }
  return samples;
}

StatusOr<std::vector<OpTime>> ResultStore::GetOpBreakdown(int64_t perf_id) {
  LFM_ASSIGN_OR_RETURN(
      Statement q,
      db_->Prepare(
          "SELECT op, seconds FROM perf_op_times WHERE perf_id = ? ORDER BY CASE op "
          "WHEN 'conv' THEN 0 WHEN 'attention' THEN 1 WHEN 'router' THEN 2 WHEN 'experts' THEN 3 "
          "WHEN 'dense_ffn' THEN 4 WHEN 'output_head' THEN 5 WHEN 'other' THEN 7 ELSE 6 END, op"));
  q.BindInt(1, perf_id);
  std::vector<OpTime> ops;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ops.push_back({q.Text(0), q.Double(1)});
  }
  return ops;
}

StatusOr<std::vector<ExpertLoad>> ResultStore::GetExpertLoad(int64_t perf_id) {
  LFM_ASSIGN_OR_RETURN(Statement q, db_->Prepare("SELECT layer, expert, tokens FROM expert_load "
                                                 "WHERE perf_id = ? ORDER BY layer, expert"));
  q.BindInt(1, perf_id);
  std::vector<ExpertLoad> load;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    load.push_back({static_cast<int>(q.Int(0)), static_cast<int>(q.Int(1)), q.Int(2)});
  }
  return load;
}

StatusOr<std::vector<PerfRowWithRun>> ResultStore::FindPerfRows(const PerfRowFilter& filter) {
  std::vector<std::pair<int64_t, int64_t>> ids;  // (run id, perf id)
  {
    LFM_ASSIGN_OR_RETURN(
        Statement q,
        db_->Prepare("SELECT r.id, p.id FROM perf_results p JOIN runs r ON r.id = p.run_id "
                     "WHERE (?1 = '' OR r.device_id = ?1) AND (?2 = '' OR r.model_hash = ?2) "
                     "AND (?3 = '' OR p.backend = ?3) AND (?4 = '' OR p.test = ?4) "
                     "AND (?5 = 0 OR p.threads = ?5) ORDER BY r.started_ms, r.id, p.id"));
    q.BindText(1, filter.device_id).BindText(2, filter.model_hash).BindText(3, filter.backend);
    q.BindText(4, filter.test).BindInt(5, filter.threads);
    for (;;) {
      LFM_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      ids.emplace_back(q.Int(0), q.Int(1));
    }
  }
  std::vector<PerfRowWithRun> rows;
  std::map<int64_t, RunRecord> runs;
  for (const auto& [run_id, perf_id] : ids) {
    if (!runs.count(run_id)) {
      LFM_ASSIGN_OR_RETURN(runs[run_id], GetRun(run_id));
    }
    const RunRecord& run = runs[run_id];
    if (filter.complete_runs_only && run.status != RunStatus::kComplete) continue;
    LFM_ASSIGN_OR_RETURN(PerfResult row, ReadPerfResult(perf_id));
    rows.push_back({run, std::move(row)});
  }
  return rows;
}

Status ResultStore::AddEvalTask(const EvalTask& task) {
  return Write(fmt::format("AddEvalTask(run {}, {})", task.run_id, task.task), [&]() -> Status {
    LFM_ASSIGN_OR_RETURN(std::string settings,
                         CanonicalJsonObject(task.settings_json, "settings_json"));
    LFM_ASSIGN_OR_RETURN(
        Statement q,
        db_->Prepare("INSERT INTO eval_tasks (run_id, task, task_version, n_shot, settings_json) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, task) DO UPDATE SET "
                     "task_version = excluded.task_version, n_shot = excluded.n_shot, "
                     "settings_json = excluded.settings_json"));
    q.BindInt(1, task.run_id).BindText(2, task.task).BindText(3, task.task_version);
    return q.BindInt(4, task.n_shot).BindText(5, settings).Run();
  });
}

Status ResultStore::AddEvalSample(const EvalSample& sample) {
  return Write(
      fmt::format("AddEvalSample(run {}, {}, doc {})", sample.run_id, sample.task, sample.doc_id),
      [&]() -> Status {
        LFM_ASSIGN_OR_RETURN(std::string extracted,
                             CanonicalJsonObject(sample.extracted_json, "extracted_json"));
        LFM_ASSIGN_OR_RETURN(std::string scores,
                             CanonicalJsonObject(sample.scores_json, "scores_json"));
        LFM_ASSIGN_OR_RETURN(
            Statement q,
            db_->Prepare("INSERT OR REPLACE INTO eval_samples (run_id, task, doc_id, prompt_hash, "
                         "prompt, target, "
                         "response, extracted_json, scores_json, passed, display_ok, created_ms) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        q.BindInt(1, sample.run_id).BindText(2, sample.task).BindInt(3, sample.doc_id);
        q.BindText(4, sample.prompt_hash);
        // Data that must never be shown is never kept.
        if (sample.display_ok) {
          q.BindText(5, sample.prompt).BindText(6, sample.target).BindText(7, sample.response);
        } else {
          q.BindNull(5).BindNull(6).BindNull(7);
        }
        q.BindText(8, extracted).BindText(9, scores);
        sample.passed ? q.BindInt(10, *sample.passed) : q.BindNull(10);
        q.BindInt(11, sample.display_ok);
        q.BindInt(12, sample.created_ms > 0 ? sample.created_ms : NowMs());
        Status status = q.Run();
        if (status.code() == StatusCode::kInvalidArgument) {
          return status.WithPrefix("declare the run and task with AddEvalTask first");
        }
        return status;
      });
}

StatusOr<std::set<int64_t>> ResultStore::DoneEvalSamples(int64_t run_id, const std::string& task) {
  LFM_ASSIGN_OR_RETURN(
      Statement q, db_->Prepare("SELECT doc_id FROM eval_samples WHERE run_id = ? AND task = ?"));
  q.BindInt(1, run_id).BindText(2, task);
  std::set<int64_t> done;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    done.insert(q.Int(0));
  }
  return done;
}

Status ResultStore::AddEvalScore(const EvalScore& score) {
  return Write(
      fmt::format("AddEvalScore(run {}, {} {})", score.run_id, score.name, score.metric),
      [&]() -> Status {
        LFM_ASSIGN_OR_RETURN(
            Statement q,
            db_->Prepare("INSERT OR REPLACE INTO eval_scores (run_id, name, is_group, metric, "
                         "filter, value, "
                         "std_error, n, higher_is_better) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        q.BindInt(1, score.run_id).BindText(2, score.name).BindInt(3, score.is_group);
        q.BindText(4, score.metric).BindText(5, score.filter).BindDouble(6, score.value);
        q.BindOptionalDouble(7, score.std_error).BindInt(8, score.n);
        return q.BindInt(9, score.higher_is_better).Run();
      });
}

StatusOr<std::vector<EvalTask>> ResultStore::GetEvalTasks(int64_t run_id) {
  LFM_ASSIGN_OR_RETURN(
      Statement q,
      db_->Prepare(
          "SELECT task, task_version, n_shot, settings_json FROM eval_tasks WHERE run_id = ? "
          "ORDER BY task"));
  q.BindInt(1, run_id);
  std::vector<EvalTask> tasks;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    tasks.push_back({run_id, q.Text(0), q.Text(1), static_cast<int>(q.Int(2)), q.Text(3)});
  }
  return tasks;
}

StatusOr<std::vector<EvalScore>> ResultStore::GetEvalScores(int64_t run_id) {
  LFM_ASSIGN_OR_RETURN(
      Statement q,
      db_->Prepare("SELECT name, is_group, metric, filter, value, std_error, n, higher_is_better "
                   "FROM eval_scores WHERE run_id = ? ORDER BY is_group, name, metric, filter"));
  q.BindInt(1, run_id);
  std::vector<EvalScore> scores;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    EvalScore score;
    score.run_id = run_id;
    score.name = q.Text(0);
    score.is_group = q.Int(1) != 0;
    score.metric = q.Text(2);
    score.filter = q.Text(3);
    score.value = q.Double(4);
    score.std_error = q.OptionalDouble(5);
    score.n = q.Int(6);
    score.higher_is_better = q.Int(7) != 0;
    scores.push_back(std::move(score));
  }
  return scores;
}

StatusOr<int64_t> ResultStore::CountEvalSamples(int64_t run_id, const std::string& task) {
  LFM_ASSIGN_OR_RETURN(
      Statement q, db_->Prepare("SELECT count(*) FROM eval_samples WHERE run_id = ? AND task = ?"));
  q.BindInt(1, run_id).BindText(2, task);
  LFM_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

StatusOr<std::vector<EvalSample>> ResultStore::GetEvalSamples(int64_t run_id,
                                                              const std::string& task,
                                                              int64_t offset, int64_t limit) {
  LFM_ASSIGN_OR_RETURN(
      Statement q,
      db_->Prepare(
          "SELECT doc_id, prompt_hash, prompt, target, response, extracted_json, scores_json, "
          "passed, "
          "display_ok, created_ms FROM eval_samples WHERE run_id = ? AND task = ? ORDER BY doc_id "
          "LIMIT ? OFFSET ?"));
  q.BindInt(1, run_id).BindText(2, task).BindInt(3, limit).BindInt(4, offset);
  std::vector<EvalSample> samples;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    EvalSample sample;
    sample.run_id = run_id;
    sample.task = task;
    sample.doc_id = q.Int(0);
    sample.prompt_hash = q.Text(1);
    sample.display_ok = q.Int(8) != 0;
    if (sample.display_ok) {  // hidden samples have no text stored; never return any
      sample.prompt = q.Text(2);
      sample.target = q.Text(3);
      sample.response = q.Text(4);
    }
    sample.extracted_json = q.Text(5);
    sample.scores_json = q.Text(6);
    if (!q.IsNull(7)) sample.passed = q.Int(7) != 0;
    sample.created_ms = q.Int(9);
    samples.push_back(std::move(sample));
  }
  return samples;
}

StatusOr<int64_t> ResultStore::AddGateVerdict(const GateVerdict& verdict) {
  int64_t id = 0;
  LFM_RETURN_IF_ERROR(Write("AddGateVerdict", [&]() -> Status {
    LFM_ASSIGN_OR_RETURN(
        Statement q,
        db_->Prepare(
            "INSERT INTO gate_verdicts (created_ms, baseline_run, candidate_run, backend, threads, "
            "test, ratio, ci_low, ci_high, p_value, method, max_regression, verdict) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.BindInt(1, verdict.created_ms > 0 ? verdict.created_ms : NowMs());
    q.BindOptionalInt(2, verdict.baseline_run).BindOptionalInt(3, verdict.candidate_run);
    q.BindText(4, verdict.backend).BindInt(5, verdict.threads).BindText(6, verdict.test);
    q.BindDouble(7, verdict.ratio).BindOptionalDouble(8, verdict.ci_low);
    q.BindOptionalDouble(9, verdict.ci_high).BindOptionalDouble(10, verdict.p_value);
    q.BindText(11, verdict.method).BindDouble(12, verdict.max_regression);
    LFM_RETURN_IF_ERROR(q.BindText(13, verdict.verdict).Run());
    id = db_->LastInsertRowId();
    return OkStatus();
  }));
  return id;
}

StatusOr<std::vector<GateVerdict>> ResultStore::GetGateVerdicts(std::optional<int64_t> run_id) {
  LFM_ASSIGN_OR_RETURN(
      Statement q,
      db_->Prepare("SELECT id, created_ms, baseline_run, candidate_run, backend, threads, test, "
                   "ratio, ci_low, "
                   "ci_high, p_value, method, max_regression, verdict FROM gate_verdicts "
                   "WHERE ?1 IS NULL OR baseline_run = ?1 OR candidate_run = ?1 ORDER BY id"));
  q.BindOptionalInt(1, run_id);
  std::vector<GateVerdict> verdicts;
  for (;;) {
    LFM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    GateVerdict v;
    v.id = q.Int(0);
    v.created_ms = q.Int(1);
    v.baseline_run = q.OptionalInt(2);
    v.candidate_run = q.OptionalInt(3);
    v.backend = q.Text(4);
    v.threads = static_cast<int>(q.Int(5));
    v.test = q.Text(6);
    v.ratio = q.Double(7);
    v.ci_low = q.OptionalDouble(8);
    v.ci_high = q.OptionalDouble(9);
    v.p_value = q.OptionalDouble(10);
    v.method = q.Text(11);
    v.max_regression = q.Double(12);
    v.verdict = q.Text(13);
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

}  // namespace lfm::results
