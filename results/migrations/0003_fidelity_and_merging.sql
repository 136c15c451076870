-- Version 2 -> 3:
--   * perf rows carry the backend's fidelity to the `reference` backend beside its speed;
--   * eval runs record the backend that ran each op (perf runs record it per row);
--   * every run has an origin, unique across databases, so `results import` of another
--     machine's database can tell the runs it already holds (importing twice adds nothing).
--     Existing runs get writer host, writer token, start and id (new runs: random bits for
--     the id), so two copies of one database migrated apart still agree.
ALTER TABLE perf_results ADD COLUMN fidelity_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE perf_results ADD COLUMN fidelity_mean_kl REAL;
ALTER TABLE perf_results ADD COLUMN fidelity_top1 REAL;
ALTER TABLE perf_results ADD COLUMN fidelity_max_abs_logprob REAL;
ALTER TABLE runs ADD COLUMN op_backends_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN origin TEXT NOT NULL DEFAULT '';
UPDATE runs SET origin = writer_host || ':' || writer_token || ':' || started_ms || ':' || id;
CREATE UNIQUE INDEX runs_by_origin ON runs (origin) WHERE origin != '';
