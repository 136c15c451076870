#!/usr/bin/env bash
# Multi-IF end to end: `eval run --tasks multi_if --limit 2` on a tiny model made here — each
# conversation's three turns generated in order, turn k's prompt holding the model's stored
# replies to turns < k, every turn stored as a sample, per-turn and per-language metrics in the
# table and results.json — then the same command again: nothing new generated, same numbers;
# then a run cut by Ctrl-C after its first stored turn and resumed: the same samples and numbers.
#   evals/multi_if_cli_test.sh path/to/lfmbench path/to/shared
set -euo pipefail
. "$(dirname "$0")/../tests/test_lib.sh"
begin_test multi_if_cli_test "$1" "${2:-}"

"$bin" model make --preset tiny --type q8_0 --seed 5 -q -o tiny.gguf
run() {
  "$bin" eval run -m tiny.gguf --tasks multi_if --limit 2 --gen-kwargs max_gen_toks=8 \
    --data-dir "$data" --db results.db --output "$1" -t 1 "${@:3}" > "$2" 2> log.txt \
    || fail "eval run: $(cat log.txt)"
}
run results.json table.txt -q
for row in "^multi_if .*prompt_level_strict_acc" "turn1 " "turn3/English" "overall"; do
  grep -q -- "$row" table.txt || fail "table lacks '$row': $(cat table.txt)"
done
python3 - <<'PY' || fail "results.json / database contents"
import json, sqlite3
j = json.load(open("results.json"))
r = j["results"]["multi_if"]
for turn in (1, 2, 3):
    for suffix in ("", "/English"):
        for metric in ("prompt_level_strict_acc", "inst_level_loose_acc", "overall"):
            key = f"{metric},turn{turn}{suffix}"
            assert 0.0 <= r[key] <= 1.0, (key, r)
db = sqlite3.connect("results.db")
rows = db.execute("select doc_id, prompt, response from eval_samples where task = 'multi_if' "
                  "order by doc_id").fetchall()
# two conversations of three turns each: documents 0-2 and 3-5
assert [r[0] for r in rows] == [0, 1, 2, 3, 4, 5], [r[0] for r in rows]
by_id = {r[0]: r for r in rows}
for conv in (0, 3):
    for turn in (1, 2):
        prompt = by_id[conv + turn][1]
        for earlier in range(turn):  # every earlier reply, in order, inside this turn's prompt
            reply = by_id[conv + earlier][2]
            assert reply.strip() and reply in prompt, (conv, turn, earlier, reply, prompt)
        earlier_prompt = by_id[conv + turn - 1][1]
        assert prompt.startswith(earlier_prompt), (conv, turn)  # the conversation so far, extended
PY

# Rerun: resumes the finished run, generates nothing, reports the same numbers.
run again.json table2.txt
grep -q "0 samples scored, 6 resumed" log.txt || fail "rerun generated again: $(cat log.txt)"
python3 - <<'PY' || fail "resume: $(cat log.txt)"
import json, sqlite3
a, b = json.load(open("results.json")), json.load(open("again.json"))
assert a["results"] == b["results"], (a["results"], b["results"])
db = sqlite3.connect("results.db")
assert db.execute("select count(*) from eval_samples where task = 'multi_if'").fetchone()[0] == 6
assert db.execute("select count(distinct run_id) from eval_samples").fetchone()[0] == 1
PY
cmp -s table.txt table2.txt || fail "tables differ: $(diff table.txt table2.txt)"

# Ctrl-C once turn 1 is stored: the finished turns stay, the rerun generates only the rest
# (turns 2-3 chained on the stored turn-1 replies) and reports what the uninterrupted run did.
"$bin" eval run -m tiny.gguf --tasks multi_if --limit 2 --gen-kwargs max_gen_toks=8 \
  --data-dir "$data" --db cut.db --output cut.json -t 1 -q > /dev/null 2> cut_log.txt &
pid=$!
python3 - <<'PY' || { kill $pid; fail "no sample stored within 60 s"; }
import sqlite3, time
for _ in range(1200):
    try:
        if sqlite3.connect("cut.db").execute("select count(*) from eval_samples").fetchone()[0]: break
    except sqlite3.Error:
        pass
    time.sleep(0.05)
else:
    raise SystemExit(1)
PY
kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" = 130 ] || fail "interrupted run exited $rc: $(cat cut_log.txt)"
stored=$(python3 -c 'import sqlite3; print(sqlite3.connect("cut.db").execute("select count(*) from eval_samples").fetchone()[0])')
[ "$stored" -ge 1 ] && [ "$stored" -lt 6 ] || fail "$stored samples kept after Ctrl-C"
"$bin" eval run -m tiny.gguf --tasks multi_if --limit 2 --gen-kwargs max_gen_toks=8 \
  --data-dir "$data" --db cut.db --output cut.json -t 1 > /dev/null 2> cut_log.txt \
  || fail "resumed run: $(cat cut_log.txt)"
grep -q "$((6 - stored)) samples scored, $stored resumed" cut_log.txt || fail "resume: $(cat cut_log.txt)"
python3 - <<'PY' || fail "the interrupted-and-resumed run differs from the uninterrupted one"
import json, sqlite3
assert json.load(open("cut.json"))["results"] == json.load(open("results.json"))["results"]
q = "select doc_id, prompt, response from eval_samples order by doc_id"
assert sqlite3.connect("cut.db").execute(q).fetchall() == sqlite3.connect("results.db").execute(q).fetchall()
PY
echo "multi_if_cli_test: OK"
