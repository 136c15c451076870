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
# The official multi-language file's format (multi_if_all; rows written here in Chinese, Hindi
# and Russian): every turn of every language stored, and rows per turn and language.
mkdir -p mdata/multi-if
python3 - <<'PY'
import csv, json
with open("mdata/multi-if/multiIF_20241018.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["turns", "responses"] + [f"turn_{k}_{p}" for k in (1, 2, 3)
               for p in ("prompt", "instruction_id_list", "kwargs")] + ["key", "turn_index", "language"])
    for key, language, text in [("3:1:zh", "Chinese", "用中文写一句话。"),
                                ("4:1:hi", "Hindi", "हिंदी में एक वाक्य लिखिए।"),
                                ("5:1:ru", "Russian", "Напишите одно предложение.")]:
        turns = []
        for k in (1, 2, 3):
            ids = ["length_constraints:number_words", "length_constraints:number_sentences"][:min(k, 2)]
            kwargs = [json.dumps({"num_words": 5, "relation": "at least"}),
                      json.dumps({"num_sentences": 2, "relation": "less than"})][:len(ids)]
            turns += [json.dumps({"role": "user", "content": f"{text} ({k})"}, ensure_ascii=False),
                      json.dumps(ids), json.dumps(kwargs)]
        w.writerow(["", ""] + turns + [key, 0, language])
PY
"$bin" eval run -m tiny.gguf --tasks multi_if_all --gen-kwargs max_gen_toks=8 --data-dir mdata \
  --db langs.db --output langs.json -t 1 -q > langs.txt 2> log.txt || fail "multi_if_all: $(cat log.txt)"
python3 - <<'PY' || fail "multi_if_all results: $(cat langs.txt)"
import json, sqlite3
r = json.load(open("langs.json"))["results"]["multi_if_all"]
for turn in (1, 2, 3):
    for language in ("Chinese", "Hindi", "Russian"):
        assert 0.0 <= r[f"overall,turn{turn}/{language}"] <= 1.0, (turn, language, r)
db = sqlite3.connect("langs.db")
assert db.execute("select count(*) from eval_samples where task = 'multi_if_all'").fetchone()[0] == 9
PY
echo "multi_if_cli_test: OK"
