#!/usr/bin/env bash
# IFBench end to end: `eval run --tasks ifbench --limit 3` on a tiny model made here (three
# documents generated, scored with IFBench's checkers, stored, reported), then `eval score
# --task ifbench` on responses written here whose verdicts are known.
#   evals/ifbench_cli_test.sh path/to/lfmbench path/to/shared
set -euo pipefail
. "$(dirname "$0")/../tests/test_lib.sh"
begin_test ifbench_cli_test "$1" "${2:-}"

"$bin" model make --preset tiny --type q8_0 --seed 5 -q -o tiny.gguf
"$bin" eval run -m tiny.gguf --tasks ifbench --limit 3 --gen-kwargs max_gen_toks=16 \
  --data-dir "$data" --db results.db --output results.json -t 1 -q > table.txt 2> log.txt \
  || fail "eval run: $(cat log.txt)"
for row in "^ifbench .*prompt_level_loose_acc" "inst_level_strict_acc"; do
  grep -q -- "$row" table.txt || fail "table lacks '$row': $(cat table.txt)"
done
python3 - <<'PY' || fail "results.json / database contents"
import json, sqlite3
j = json.load(open("results.json"))
assert j["n-samples"]["ifbench"] == {"original": 300, "effective": 3}, j["n-samples"]["ifbench"]
assert j["n-shot"]["ifbench"] == 0
for metric in ["prompt_level_loose_acc,none", "inst_level_strict_acc,none"]:
    assert 0.0 <= j["results"]["ifbench"][metric] <= 1.0, j["results"]["ifbench"]
db = sqlite3.connect("results.db")
rows = db.execute("select doc_id, scores_json from eval_samples where task = 'ifbench' order by doc_id").fetchall()
assert [r[0] for r in rows] == [0, 1, 2], rows
for _, scores in rows:
    s = json.loads(scores)
    assert isinstance(s["inst_level_loose_acc,none"], list), s
PY

# eval score: prompt 1 follows its one instruction, prompt 2 one of two (strict), both loose.
cat > responses.jsonl <<'JSONL'
{"key": "a", "prompt": "p", "instruction_id_list": ["format:no_whitespace"], "kwargs": [{"N": null}], "response": "NoSpacesAtAll"}
{"key": "b", "prompt": "p", "instruction_id_list": ["words:paragraph_last_first", "count:numbers"], "kwargs": [{}, {"N": 1.0}], "response": "Love makes love.\nHome is nice 1."}
JSONL
"$bin" eval score --task ifbench --input responses.jsonl --output scored.jsonl > score.txt 2>&1 \
  || fail "eval score: $(cat score.txt)"
python3 - <<'PY' || fail "eval score output: $(cat score.txt)"
import json
lines = [json.loads(l) for l in open("scored.jsonl")]
assert lines[0]["score"]["strict"]["follow_all_instructions"] is True, lines[0]
assert lines[1]["score"]["strict"]["follow_instruction_list"] == [False, True], lines[1]
assert lines[1]["score"]["loose"]["follow_instruction_list"] == [True, True], lines[1]
PY
grep -q "prompt_level_strict_acc *none *0.5000" score.txt || fail "summary: $(cat score.txt)"
echo "ifbench_cli_test: OK"
