-- Version 1 -> 2: perf rows get settings_json, and a row is told apart by its settings too.
-- llama-bench files hold rows that differ only in n_batch, type_k, flash_attn, use_mmap, ...;
-- version 1's UNIQUE (run_id, backend, threads, test) could not store them.
-- SQLite cannot change a UNIQUE constraint in place, so the table is rebuilt (the store runs
-- migrations with foreign_keys off and checks foreign keys before committing).
CREATE TABLE perf_results_v2 (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  backend TEXT NOT NULL,
  threads INTEGER NOT NULL,
  test TEXT NOT NULL,
  n_prompt INTEGER NOT NULL,
  n_gen INTEGER NOT NULL,
  peak_rss_bytes INTEGER NOT NULL DEFAULT 0,
  op_backends_json TEXT NOT NULL DEFAULT '{}',
  settings_json TEXT NOT NULL DEFAULT '{}',
  UNIQUE (run_id, backend, threads, test, settings_json)
);
INSERT INTO perf_results_v2 (id, run_id, backend, threads, test, n_prompt, n_gen, peak_rss_bytes,
                             op_backends_json)
  SELECT id, run_id, backend, threads, test, n_prompt, n_gen, peak_rss_bytes, op_backends_json
  FROM perf_results;
DROP TABLE perf_results;
ALTER TABLE perf_results_v2 RENAME TO perf_results;
