#!/usr/bin/env bash
# End-to-end: `lfmbench perf` on every backend, the stored-run gate (pass and an injected
# slowdown), `gate ab` with two invocations, and Ctrl-C in the middle of a profile.
#   tests/perf_gate_test.sh path/to/lfmbench
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "perf_gate_test: FAIL: $*"; exit 1; }

"$bin" model make --preset tiny --type q4_0 -q -o tiny.gguf

# 1. perf --json: one row per backend x threads x test, with the documented fields.
"$bin" perf -m tiny.gguf --backend all --pp 16 --tg 8 --reps 3 -t 1 --json --db p.db > rows.jsonl
python3 - <<'PY' || fail "perf --json rows"
import json
rows = [json.loads(l) for l in open("rows.jsonl")]
backends = {r["backend"] for r in rows}
assert {"naive", "cpu"} <= backends, backends
assert len(rows) == 2 * len(backends), len(rows)
for r in rows:
    for k in ("backend", "test", "threads", "tokens_per_s_median", "samples", "peak_rss_bytes"):
        assert k in r, (k, r)
    assert r["test"] in ("pp16", "tg8") and len(r["samples"]) == 3 and r["tokens_per_s_median"] > 0
    assert r["peak_rss_bytes"] > 0
PY
"$bin" perf -m tiny.gguf --backend cpu --pp 16 --tg 8 --reps 2 -t 1 --db p.db | grep -q "cpu .* pp16" \
  || fail "perf table"
python3 - <<'PY' || fail "op breakdown / expert load not stored"
import sqlite3
db = sqlite3.connect("p.db")
ops = dict(db.execute("select op, sum(seconds) from perf_op_times group by op"))
assert set(ops) == {"conv", "attention", "router", "experts", "dense_ffn", "output_head", "other"}, ops
assert all(v >= 0 for v in ops.values()) and ops["experts"] > 0, ops
layers, = db.execute("select count(distinct layer) from expert_load").fetchone()
assert layers == 4, layers  # tiny: 6 layers, the first 2 dense
PY

# 2. Stored-run gate: the same build twice passes with a wide tolerance; a 2x injected slowdown
#    fails at 20% (5 samples each, fully separated: exact Mann-Whitney p = 0.008).
common=(-m tiny.gguf --backend cpu --pp 32 --tg 16 --reps 5 -t 1 --db g.db)
"$bin" perf "${common[@]}" --tag base > /dev/null
"$bin" perf "${common[@]}" > /dev/null
"$bin" perf "${common[@]}" --inject-slowdown 1.0 > /dev/null
"$bin" gate --db g.db --baseline base --candidate 2 --max-regression 60% > gate_same.txt \
  || fail "A/A gate failed: $(cat gate_same.txt)"
if "$bin" gate --db g.db --baseline base --candidate 3 --max-regression 20% > gate_slow.txt; then
  fail "injected slowdown passed the gate: $(cat gate_slow.txt)"
fi
grep -q "gate FAILED" gate_slow.txt || fail "gate output"

# 3. A/B: the same binary against itself passes; against a 2x slowdown it fails.
ab=(gate ab --a "$bin" --b "$bin" -m tiny.gguf --backend cpu -t 1 --pp 32 --tg 16 --rounds 6 --max-rounds 12)
"$bin" "${ab[@]}" --max-regression 40% > ab_same.txt || fail "A/A gate ab failed: $(cat ab_same.txt)"
if "$bin" "${ab[@]}" --b-args "--inject-slowdown 1.0" --max-regression 20% > ab_slow.txt; then
  fail "gate ab passed a 2x slowdown: $(cat ab_slow.txt)"
fi

# 4. Ctrl-C mid-profile: the run stays in the database, marked incomplete, samples kept.
"$bin" perf -m tiny.gguf --backend naive --pp 64 --tg 64 --reps 200 -t 1 --db c.db > /dev/null 2> perf_err.txt &
pid=$!
for _ in $(seq 100); do
  n=$(python3 -c "import sqlite3;print(sqlite3.connect('c.db').execute('select count(*) from perf_samples').fetchone()[0])" 2>/dev/null || echo 0)
  [ "$n" -ge 3 ] && break
  sleep 0.2
done
kill -INT $pid
if wait $pid; then fail "interrupted perf exited 0"; fi
python3 - <<'PY' || fail "interrupted run: $(cat perf_err.txt)"
import sqlite3
db = sqlite3.connect("c.db")
status, = db.execute("select status from runs").fetchone()
n, = db.execute("select count(*) from perf_samples").fetchone()
assert status == "incomplete", status
assert n >= 3, n
PY
echo "perf_gate_test: all passed"
