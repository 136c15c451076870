#!/usr/bin/env bash
# End-to-end checks of `lfmbench results ...` on real database files: import, list, show,
# export in every format, compare, migrate, two processes writing at once, and bad input.
#   results/results_cli_test.sh path/to/lfmbench path/to/results/testdata
set -euo pipefail
bin=$(realpath "$1")
data=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "results_cli_test: FAIL: $*"; exit 1; }
# Runs a command that must fail with one line on stderr matching $1.
expect_error() {
  local pattern=$1; shift
  if "$@" > out.txt 2> err.txt; then fail "accepted: $*"; fi
  grep -q -- "$pattern" err.txt || fail "$*: expected '$pattern', got: $(cat err.txt)"
  [ "$(wc -l < err.txt)" -eq 1 ] || fail "$*: error is not one line: $(cat err.txt)"
}

expect_error "r.db: no results database here" "$bin" results list --db r.db

# Import llama-bench output; the default database is results/lfmbench.db under the cwd.
"$bin" results import-llama-bench "$data/llama_bench.json" --tag llama > out.txt
grep -q "^imported run 1: 6 rows of models/8b-q4_0.gguf" out.txt || fail "import: $(cat out.txt)"
[ -f results/lfmbench.db ] || fail "default database not created"
"$bin" results list | grep -q "^  1  .*  import  complete  llama " || fail "list: $("$bin" results list)"
"$bin" results list --json > list.json
python3 - <<'PY' || fail "list --json"
import json
runs = json.load(open("list.json"))
assert len(runs) == 1 and runs[0]["kind"] == "import" and runs[0]["backend"] == "llama.cpp", runs
PY

"$bin" results show llama > show.txt
grep -q "llama.cpp  *1  pp128  *30.48 ± 0.29  3" show.txt || fail "show: $(cat show.txt)"
grep -q "^model name  *lfm2moe 8B.A1B Q4_0" show.txt || fail "show provenance: $(cat show.txt)"

"$bin" results export 1 --format json -o run.json
python3 - <<'PY' || fail "export json"
import json
j = json.load(open("run.json"))
assert j["run"]["id"] == 1 and len(j["perf"]) == 6, j["run"]
row = j["perf"][0]
for key in ("backend", "test", "threads", "tokens_per_s_median", "samples", "peak_rss_bytes"):
    assert key in row, key
assert row["test"] == "pp128" and abs(row["tokens_per_s_median"] - 30.476) < 1e-9, row
PY
"$bin" results export 1 --format csv > run.csv
python3 - <<'PY' || fail "export csv"
import csv
rows = list(csv.DictReader(open("run.csv")))
assert len(rows) == 6 and rows[0]["backend"] == "llama.cpp", rows[0]
assert rows[0]["tokens_per_s_samples"] == "30.476 30.843 30.26", rows[0]
assert '"n_batch":2048' in rows[0]["settings"], rows[0]["settings"]
PY
"$bin" results export 1 --format md | grep -q "^| model | size | params | backend |" || fail "export md"
expect_error "unknown --format 'xml' (json, csv, md)" "$bin" results export 1 --format xml

# compare on two different runs with a known ratio: run 2 is the same file with every sample
# 1.5x faster (samples_ns / 1.5, samples_ts * 1.5), so each row's B/A is 1.500.
python3 - "$data/llama_bench.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
for r in rows:
    r["samples_ns"] = [ns / 1.5 for ns in r["samples_ns"]]
    r["samples_ts"] = [ts * 1.5 for ts in r["samples_ts"]]
json.dump(rows, open("faster.json", "w"))
for r in rows:
    r["model_filename"] = "models/other.gguf"
json.dump(rows, open("other_model.json", "w"))
PY
"$bin" results import-llama-bench faster.json --tag faster > /dev/null
"$bin" results compare llama faster > cmp.txt
python3 - <<'PY' || fail "compare: $(cat cmp.txt)"
lines = open("cmp.txt").read().splitlines()
assert lines[0] == "A = run 1, B = run 2", lines[0]
assert not any(l.startswith("note:") for l in lines), lines  # same model, same device
rows = [l.split() for l in lines if l.startswith("llama.cpp")]
assert len(rows) == 6, rows
# backend A, backend B, threads, test, A median ± sd, B median ± sd, B/A, p
assert all(r[-2] == "1.500" for r in rows), rows
pp128 = [r for r in rows if r[3] == "pp128"]
assert pp128 and pp128[0][4] == "30.48" and pp128[0][7] == "45.71", pp128  # 30.476 x 1.5
PY
"$bin" results import-llama-bench other_model.json --tag other > /dev/null
"$bin" results compare llama other | grep -q "^note: models may differ" ||
  fail "compare of two models: $("$bin" results compare llama other)"
# Another machine's database merges in: every run once (importing twice adds nothing), with its
# provenance; compare then shows the two devices side by side, and the gate refuses to judge
# across them (exit 2: an error, not a verdict).
"$bin" results import-llama-bench "$data/llama_bench.json" --db other.db --tag there > /dev/null
python3 - <<'PY'
import sqlite3
c = sqlite3.connect("other.db")
c.execute("UPDATE runs SET cpu_model = 'Other CPU (simulated)', device_id = 'other-device', "
          "hostname = 'other-host'")
c.commit()
PY
"$bin" results import other.db > merge1.txt
grep -q "^other.db: 1 runs added, 0 already here$" merge1.txt || fail "import: $(cat merge1.txt)"
grep -q "^  run 4: import lfm2moe 8B.A1B Q4_0 on Other CPU (simulated) (other-host)$" merge1.txt ||
  fail "import: $(cat merge1.txt)"
"$bin" results import other.db | grep -q "^other.db: 0 runs added, 1 already here$" ||
  fail "second import added runs: $("$bin" results list)"
python3 - <<'PY' || fail "merged runs"
import sqlite3
here, there = sqlite3.connect("results/lfmbench.db"), sqlite3.connect("other.db")
cols = "kind, status, started_ms, finished_ms, tag, cpu_model, device_id, hostname, model_path, origin"
assert here.execute(f"SELECT {cols} FROM runs WHERE id = 4").fetchone() == \
       there.execute(f"SELECT {cols} FROM runs").fetchone()
assert here.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
q = "SELECT p.test, s.rep, s.tokens_per_s FROM perf_results p JOIN perf_samples s ON s.perf_id = p.id "
assert sorted(here.execute(q + "WHERE p.run_id = 4").fetchall()) == sorted(there.execute(q).fetchall())
PY
"$bin" results compare llama there > cmp_devices.txt
grep -q "^devices side by side: A on AMD EPYC 9R45 (fixture), B on Other CPU (simulated), host other-host$" \
  cmp_devices.txt || fail "compare across devices: $(cat cmp_devices.txt)"
[ "$(grep -c "^llama.cpp  *llama.cpp .* 1.000 " cmp_devices.txt)" = 6 ] || fail "compare rows: $(cat cmp_devices.txt)"
s=0; "$bin" gate --baseline llama --candidate there > /dev/null 2> err.txt || s=$?
[ "$s" = 2 ] && grep -q "device" err.txt || fail "gate across devices: exit $s, $(cat err.txt)"

expect_error "results/lfmbench.db: no run 99" "$bin" results show 99
expect_error "no run with id or tag 'nightly'" "$bin" results show nightly

# Two lfmbench processes importing into one new database at the same moment both succeed.
for trial in 1 2 3; do
  rm -f c.db c.db-wal c.db-shm
  "$bin" results import-llama-bench "$data/llama_bench.json" --db c.db > a.txt &
  a=$!
  "$bin" results import-llama-bench "$data/llama_bench.json" --db c.db > b.txt &
  b=$!
  wait $a || fail "first concurrent import (trial $trial)"
  wait $b || fail "second concurrent import (trial $trial)"
  [ "$("$bin" results list --db c.db --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
    fail "concurrent imports: $("$bin" results list --db c.db)"
done

# Files that are not (current) results databases.
echo "not a database at all, just text......................................................" > junk.db
expect_error "junk.db: not an SQLite database" "$bin" results list --db junk.db
python3 -c "import sqlite3; c = sqlite3.connect('results/lfmbench.db'); c.execute('PRAGMA user_version = 99'); c.commit()"
expect_error "schema version 99 is newer than this lfmbench reads" "$bin" results list
python3 - "$data/schema_v1.sql" <<'PY'
import sqlite3, sys
c = sqlite3.connect("v1.db")
c.executescript(open(sys.argv[1]).read())
c.execute("INSERT INTO runs (kind, status, started_ms, tag) VALUES ('perf', 'complete', 1000, 'old')")
c.commit()
PY
expect_error "results migrate --db v1.db" "$bin" results list --db v1.db
"$bin" results migrate --db v1.db | grep -q "v1.db: schema version 3" || fail "migrate"
"$bin" results list --db v1.db | grep -q "  perf  complete  old$" || fail "list after migrate"
echo "results_cli_test: all passed"
