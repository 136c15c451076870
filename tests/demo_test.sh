#!/usr/bin/env bash
# The README's main job, `lfmbench demo`, end to end: a tiny model made, every compiled backend
# profiled into the demo's results database and compared from it, and a short eval run on the
# shared benchmark data.
#   tests/demo_test.sh path/to/lfmbench path/to/shared
set -euo pipefail
. "$(dirname "$0")/./test_lib.sh"
begin_test demo_test "$1" "${2:-}"

"$bin" demo --dir d --data-dir "$data" -t 1 > out.txt 2> err.txt || fail "demo: $(tail -3 err.txt)"
backends=$("$bin" --version | sed -n 's/^backends: //p' | tr ',' '\n' | sed 's/ //g' | grep -v '^reference$' | grep -c .)
[ "$(grep -c "^lfm2moe .* q4_0 .* \(pp64\|tg16\) " out.txt)" -eq $((2 * backends)) ] \
  || fail "perf table: expected pp64 and tg16 rows for $backends backends: $(cat out.txt)"
grep -q "^backend  *threads  *test  *conv  *attention  *router  *experts" out.txt || fail "no op breakdown"
grep -q "^abstract_algebra .* acc " out.txt || fail "no MMLU row in the eval table"
grep -q "^gsm8k .*strict-match" out.txt && grep -q "^ifeval .*prompt_level_strict_acc" out.txt \
  || fail "eval table lacks gsm8k or ifeval"
python3 - <<'PY' || fail "demo database"
import sqlite3
db = sqlite3.connect("d/results.db")
kinds = sorted(k for (k,) in db.execute("select kind from runs where status = 'complete'"))
assert kinds == ["eval", "perf"], kinds
(n,) = db.execute("select count(*) from eval_samples").fetchone()
assert n == 15, n
PY
echo "demo_test: all passed"
