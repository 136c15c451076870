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

"$bin" results compare 1 llama > cmp.txt
grep -q "1.000" cmp.txt || fail "compare: $(cat cmp.txt)"
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
"$bin" results migrate --db v1.db | grep -q "v1.db: schema version 2" || fail "migrate"
"$bin" results list --db v1.db | grep -q "  perf  complete  old$" || fail "list after migrate"
echo "results_cli_test: all passed"
