#!/usr/bin/env bash
# Multi-IF end to end: `eval run --tasks multi_if --limit 2` on a tiny model made here — each
# conversation's three turns generated in order, turn k's prompt holding the model's stored
# replies to turns < k, every turn stored as a sample, per-turn and per-language metrics in the
# table and results.json — then the same command again: nothing new generated, same numbers.
#   evals/multi_if_cli_test.sh path/to/lfmbench path/to/shared
set -euo pipefail
bin=$(realpath "$1")
shared=${LFM_SHARED_DIR:-${2:-}}
if [ -z "$shared" ] || [ ! -d "$shared/datasets" ]; then
  if [ "${LFM_REQUIRE_SHARED:-}" = "1" ]; then echo "multi_if_cli_test: FAIL: ../shared is required"; exit 1; fi
  echo "multi_if_cli_test: SKIP: ../shared/datasets not found"; exit 77
fi
data=$(realpath "$shared/datasets")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "multi_if_cli_test: FAIL: $*"; exit 1; }

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
echo "multi_if_cli_test: OK"
