-- lfmbench results database: the single source of truth for its layout.
--
-- A fresh database is created by running this whole file, which leaves PRAGMA user_version at
-- the schema version below. An older database is brought forward by results/migrations/NNNN_*.sql
-- (file NNNN takes version NNNN-1 to NNNN), applied in order inside one transaction; a test
-- checks that migrating the first version forward gives exactly this schema. A database whose
-- user_version is newer than this file is refused, never touched.
--
-- Conventions:
--   * Times are integer milliseconds since the Unix epoch, UTC (`*_ms` columns).
--   * Booleans are INTEGER 0/1.
--   * `*_json` columns hold a JSON object (validated on write), never NULL ('{}' when empty).
--   * Child rows are deleted with their parent (ON DELETE CASCADE; foreign_keys is on).
--   * "RUN" on the command line is runs.id (or a tag, resolved to the newest run with it).

PRAGMA user_version = 3;

-- One invocation of `lfmbench perf`, `lfmbench eval run`, or one imported llama-bench file.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,                  -- RUN: what `gate`, `results show`, the dashboard use
  kind TEXT NOT NULL CHECK (kind IN ('perf', 'eval', 'import')),
  status TEXT NOT NULL DEFAULT 'running'   -- running: a writer is still adding rows;
    CHECK (status IN ('running', 'complete', 'incomplete', 'failed')),
                                           -- complete: finished normally; incomplete: stopped
                                           -- early (Ctrl-C, crash: every finished row is kept);
                                           -- failed: stopped by an error (see `error`).
  started_ms INTEGER NOT NULL,
  finished_ms INTEGER,                     -- NULL while running
  tag TEXT,                                -- optional user name ('baseline', 'v0.2'); not unique
  resume_key TEXT,                         -- eval runs: hash of what makes two runs "the same"
                                           -- (model hash, tasks, settings); a rerun resumes it
  error TEXT NOT NULL DEFAULT '',          -- why a failed run failed

  -- The writer process, so a 'running' run whose process is gone can be called incomplete.
  writer_host TEXT NOT NULL DEFAULT '',    -- gethostname()
  writer_pid INTEGER NOT NULL DEFAULT 0,
  writer_token TEXT NOT NULL DEFAULT '',   -- '<boot_id>:<process start ticks>': tells a live
                                           -- writer from a later process that reused its pid

  -- Build of lfmbench that wrote the run (lfm_build_info.h), or of the imported tool.
  lfmbench_version TEXT NOT NULL DEFAULT '',
  git_commit TEXT NOT NULL DEFAULT '',     -- short hash; for imports, llama.cpp's build_commit
  git_dirty INTEGER NOT NULL DEFAULT 0,
  build_type TEXT NOT NULL DEFAULT '',     -- 'Release', 'Debug', ...
  compiler TEXT NOT NULL DEFAULT '',       -- 'GNU 12.2.0'

  -- Device. device_id is a stable hash of the hardware fields (not the host name or kernel
  -- version), so "same device" comparisons survive reboots and OS updates.
  device_id TEXT NOT NULL DEFAULT '',
  cpu_model TEXT NOT NULL DEFAULT '',      -- '/proc/cpuinfo model name'
  cpu_cores INTEGER NOT NULL DEFAULT 0,    -- logical CPUs online
  isa_flags TEXT NOT NULL DEFAULT '',      -- comma-separated, from a fixed list: 'avx2,fma,f16c'
  memory_bytes INTEGER NOT NULL DEFAULT 0, -- physical memory (MemTotal)
  os TEXT NOT NULL DEFAULT '',             -- 'Linux 6.1.0-18-amd64 x86_64'
  hostname TEXT NOT NULL DEFAULT '',

  -- Model file.
  model_path TEXT NOT NULL DEFAULT '',
  model_name TEXT NOT NULL DEFAULT '',     -- display name: 'lfm2moe 8B-A1B Q4_0' (llama-bench's
                                           -- model_type for imports)
  model_size_bytes INTEGER NOT NULL DEFAULT 0,
  model_hash TEXT NOT NULL DEFAULT '',     -- SHA-256, lowercase hex
  model_hash_kind TEXT NOT NULL DEFAULT '' -- what model_hash covers: 'file' (every byte) or
    CHECK (model_hash_kind IN ('', 'file', 'header')), -- 'header' (the first N bytes: GGUF
                                           -- header + tensor directory, for files > 1 GB);
                                           -- '' when unknown (imports)
  model_arch TEXT NOT NULL DEFAULT '',     -- general.architecture: 'lfm2moe'
  model_quant TEXT NOT NULL DEFAULT '',    -- tensor types by share of bytes: 'q4_0 94%, f32 6%'
  model_params INTEGER NOT NULL DEFAULT 0, -- total parameters

  -- What was asked for, as typed (per-row values are in perf_results).
  backend TEXT NOT NULL DEFAULT '',        -- '--backend' value: 'all', 'cpu,onednn', 'llama.cpp'
  threads TEXT NOT NULL DEFAULT '',        -- '--threads' value: '1,2'
  command_line TEXT NOT NULL DEFAULT '',   -- argv joined with spaces, shell-quoted where needed
  op_backends_json TEXT NOT NULL DEFAULT '{}', -- (v3) eval runs: backend that actually ran each
                                           -- op, as perf_results.op_backends_json ('{}' for
                                           -- perf runs, whose rows record it, and imports)
  origin TEXT NOT NULL DEFAULT ''          -- (v3) unique across databases: '<writer_host>:
                                           -- <writer_token>:<started_ms>:<64 random bits, hex>'
                                           -- (runs older than v3: '...:<id where first stored>');
                                           -- `results import` keeps it and skips runs whose
                                           -- origin is already here
);
CREATE INDEX runs_by_time ON runs (started_ms);
CREATE INDEX runs_by_tag ON runs (tag) WHERE tag IS NOT NULL;
CREATE INDEX runs_by_resume_key ON runs (resume_key) WHERE resume_key IS NOT NULL;
CREATE UNIQUE INDEX runs_by_origin ON runs (origin) WHERE origin != '';

-- One measured configuration of a perf (or import) run: a llama-bench row.
CREATE TABLE perf_results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  backend TEXT NOT NULL,                   -- MoE backend this row asked for: 'cpu', 'llama.cpp'
  threads INTEGER NOT NULL,
  test TEXT NOT NULL,                      -- 'pp128' (prefill 128), 'tg128' (decode 128 after an
                                           -- empty prompt), 'pp512+tg128' (both): see TestName()
  n_prompt INTEGER NOT NULL,
  n_gen INTEGER NOT NULL,
  peak_rss_bytes INTEGER NOT NULL DEFAULT 0, -- process peak resident set after the row; 0 unknown
  op_backends_json TEXT NOT NULL DEFAULT '{}', -- backend that actually ran each op, e.g.
                                           -- {"experts": "onednn", "attention": "cpu"}: an op
                                           -- whose value differs from `backend` fell back
  settings_json TEXT NOT NULL DEFAULT '{}', -- (v2) other settings that tell rows apart, keys
                                           -- sorted: llama-bench's n_batch, type_k, use_mmap..
  -- (v3) Fidelity: the backend's next-token distributions after every token of a fixed prompt
  -- against the `reference` backend's (same model file, same prompt). NULLs when not measured.
  fidelity_tokens INTEGER NOT NULL DEFAULT 0, -- prompt positions compared; 0 = not measured
  fidelity_mean_kl REAL,                   -- mean over positions of KL(reference || backend), nats
  fidelity_top1 REAL,                      -- fraction of positions whose top-1 token agrees
  fidelity_max_abs_logprob REAL,           -- max over positions and tokens of |delta log p|
  UNIQUE (run_id, backend, threads, test, settings_json)
);

-- One timed repetition of a perf_results row (warm-up excluded). Medians, spreads and the gate's
-- tests are computed from these, never stored.
CREATE TABLE perf_samples (
  perf_id INTEGER NOT NULL REFERENCES perf_results (id) ON DELETE CASCADE,
  rep INTEGER NOT NULL,                    -- 0-based repetition index
  seconds REAL NOT NULL,                   -- wall time of the repetition
  tokens_per_s REAL NOT NULL,              -- (n_prompt + n_gen) / seconds, as llama-bench
  PRIMARY KEY (perf_id, rep)
) WITHOUT ROWID;

-- Where the time of a perf_results row went: mean seconds per repetition spent in each op.
-- Op names: conv, attention, router, experts, dense_ffn, output_head, other (kOpNames).
CREATE TABLE perf_op_times (
  perf_id INTEGER NOT NULL REFERENCES perf_results (id) ON DELETE CASCADE,
  op TEXT NOT NULL,
  seconds REAL NOT NULL,
  PRIMARY KEY (perf_id, op)
) WITHOUT ROWID;

-- Expert load of a perf_results row: tokens routed to each expert of each MoE layer, summed
-- over the measured repetitions (each token counts once per expert it was routed to).
CREATE TABLE expert_load (
  perf_id INTEGER NOT NULL REFERENCES perf_results (id) ON DELETE CASCADE,
  layer INTEGER NOT NULL,                  -- block index in the model (not the MoE layer count)
  expert INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  PRIMARY KEY (perf_id, layer, expert)
) WITHOUT ROWID;

-- One task evaluated in an eval run, with the settings that change its numbers.
CREATE TABLE eval_tasks (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  task TEXT NOT NULL,                      -- 'gsm8k', 'mmlu_anatomy', 'ifeval'
  task_version TEXT NOT NULL DEFAULT '',   -- the task spec's version
  n_shot INTEGER NOT NULL DEFAULT 0,
  settings_json TEXT NOT NULL DEFAULT '{}', -- chat template, limit, generation settings, ...
  PRIMARY KEY (run_id, task)
) WITHOUT ROWID;

-- One scored document. Written (and committed) as each sample completes, so an interrupted run
-- keeps every finished sample and a rerun skips them (DoneEvalSamples).
CREATE TABLE eval_samples (
  run_id INTEGER NOT NULL,
  task TEXT NOT NULL,
  doc_id INTEGER NOT NULL,                 -- index of the document in the task's split
  prompt_hash TEXT NOT NULL DEFAULT '',    -- SHA-256 of the full prompt, lowercase hex
  prompt TEXT,                             -- full prompt text; NULL when display_ok = 0
  target TEXT,                             -- reference answer; NULL when display_ok = 0
  response TEXT,                           -- generated text (or the runner's JSON of choice
                                           -- log-likelihoods); NULL when display_ok = 0
  extracted_json TEXT NOT NULL DEFAULT '{}', -- answer extracted per filter: {"strict-match": "42"}
  scores_json TEXT NOT NULL DEFAULT '{}',  -- score per "metric,filter": {"exact_match,strict-match": 1}
  passed INTEGER,                          -- 1/0 on the task's primary metric; NULL if none
  display_ok INTEGER NOT NULL DEFAULT 1,   -- 0: the data must never be shown (GPQA); the store
                                           -- then keeps no prompt, target or response text
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, task, doc_id),
  FOREIGN KEY (run_id, task) REFERENCES eval_tasks (run_id, task) ON DELETE CASCADE
) WITHOUT ROWID;

-- Aggregate scores of a task or of a group of tasks ('mmlu', 'mmlu_stem').
CREATE TABLE eval_scores (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name TEXT NOT NULL,                      -- task or group name
  is_group INTEGER NOT NULL DEFAULT 0,
  metric TEXT NOT NULL,                    -- 'acc', 'exact_match', 'prompt_level_strict_acc'
  filter TEXT NOT NULL DEFAULT 'none',     -- lm-eval filter name: 'strict-match', 'none'
  value REAL NOT NULL,
  std_error REAL,                          -- standard error; NULL when not computed
  n INTEGER NOT NULL,                      -- samples behind the value
  higher_is_better INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (run_id, name, metric, filter)
) WITHOUT ROWID;

-- Verdicts of `lfmbench gate`, one per compared row, so trend views can mark them.
CREATE TABLE gate_verdicts (
  id INTEGER PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  baseline_run INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  candidate_run INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  backend TEXT NOT NULL,                   -- the compared row's key: backend, threads, test
  threads INTEGER NOT NULL,
  test TEXT NOT NULL,
  ratio REAL NOT NULL,                     -- candidate median t/s / baseline median t/s
  ci_low REAL,                             -- confidence interval of the ratio, when computed
  ci_high REAL,
  p_value REAL,                            -- two-sided test of "same distribution"
  method TEXT NOT NULL,                    -- 'mann-whitney', 'bootstrap', 'ab-paired', ...
  max_regression REAL NOT NULL,            -- threshold as a fraction: 0.05 for 5%
  verdict TEXT NOT NULL                    -- pass: no significant slowdown beyond the threshold;
    CHECK (verdict IN ('pass', 'fail', 'improved')) -- fail: a regression; improved: faster
);
CREATE INDEX gate_verdicts_by_candidate ON gate_verdicts (candidate_run);
