#!/usr/bin/env bash
# `lfmbench eval run --suite lfm2` end to end on a tiny model made here: every benchmark of the
# suite whose task file exists runs, is stored and resumes. The shared data is used in place
# (linked into a data directory); GPQA's and MMMLU's gated or unshipped files are replaced by rows
# written here in their official column formats. By default 1 document per task, 4 generated
# tokens and a 512-token context (prompts are left-truncated as lm-eval does: the 5-shot CoT
# prompts of MMLU-Pro run to thousands of tokens), to fit the CI budget;
# LFM_EVAL_SUITE_LIMIT=5 LFM_EVAL_SUITE_GEN="" LFM_EVAL_SUITE_CTX=4096 runs the issue's
# `--limit 5` with the tasks' own generation lengths and full prompts. Known failure of that
# variant (measured 2026-12-02): IFBench's max_gen_toks 4096 does not fit a 4096-token context
# (the tiny preset's trained length), so the run stops at ifbench after ~24 min on 2 threads.
#   evals/eval_suite_test.sh path/to/lfmbench path/to/shared
set -euo pipefail
. "$(dirname "$0")/../tests/test_lib.sh"
begin_test eval_suite_test "$1" "${2:-}"
limit=${LFM_EVAL_SUITE_LIMIT:-1}
gen=${LFM_EVAL_SUITE_GEN-max_gen_toks=4}
ctx=${LFM_EVAL_SUITE_CTX:-512}

mkdir data
for d in "$shared"/datasets/*/; do ln -s "$d" "data/$(basename "$d")"; done
mkdir data/gpqa data/mmmlu
{
  echo "Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2,Incorrect Answer 3,Record ID"
  for i in 1 2 3; do echo "\"Made-up question $i, with a comma?\",right $i,wrong a$i,wrong b$i,wrong c$i,rec$i"; done
} > data/gpqa/gpqa_diamond.csv
for locale in AR-XY BN-BD DE-DE ES-LA FR-FR HI-IN ID-ID IT-IT JA-JP KO-KR PT-BR SW-KE YO-NG ZH-CN; do
  {
    echo ",Question,A,B,C,D,Answer,Subject"
    for i in 0 1 2 3 4 5 6; do echo "$i,Question $i ($locale),a$i,b$i,c$i,d$i,B,anatomy"; done
  } > "data/mmmlu/mmlu_$locale.csv"
done
"$bin" model make --preset tiny --type q8_0 --seed 5 -q -o tiny.gguf

run() {
  "$bin" eval run -m tiny.gguf --suite lfm2 --limit "$limit" --gen-kwargs "$gen" --data-dir data \
    --db suite.db --output suite.json -t 2 -c "$ctx" -q "$@"
}
run > table1.txt 2> log1.txt || fail "eval run --suite: $(cat log1.txt)"
for row in "^MMLU  *mmlu  *5  *acc" "^MMLU-Pro  *mmlu_pro  *5  *exact_match  *official-extract" \
           "^GPQA  *gpqa_diamond_zeroshot  *0  *acc" "^MMMLU  *mmmlu  *5  *acc" \
           "^GSM8K  *gsm8k  *5  *exact_match  *flexible-extract" "^GSMPlus  *gsm_plus_mini  *5" \
           "^MGSM  *mgsm  *5" "^MATH500  *math500  *0" "^MATH Level 5  *math_level5  *0" \
           "^IFEval  *ifeval  *0  *prompt_level_strict_acc"; do
  grep -q -- "$row" table1.txt || fail "suite table lacks '$row': $(cat table1.txt)"
done
! grep -q "not run" table1.txt || fail "a benchmark did not run: $(cat table1.txt)"
! grep -q "Made-up question" table1.txt log1.txt suite.json || fail "GPQA text printed"
python3 - "$limit" <<'PY' || fail "stored results"
import json, sqlite3, sys
limit = int(sys.argv[1])
db = sqlite3.connect("suite.db")
assert db.execute("select count(*) from runs where status = 'complete'").fetchone()[0] == 1
tasks = {t: json.loads(s) for t, s in db.execute("select task, settings_json from eval_tasks")}
for t in ["mmlu_anatomy", "mmlu_pro_law", "gpqa_diamond_zeroshot", "mmmlu_ja_jp", "gsm8k",
          "gsm_plus_mini", "mgsm_native_cot_sw", "math500", "math_level5", "ifeval"]:
    assert t in tasks, t
    for key in ["task_version", "num_fewshot", "chat", "fewshot_as_multiturn", "data_sha256"]:
        assert key in tasks[t], (t, key)
assert tasks["gpqa_diamond_zeroshot"]["process_docs"] == {"function": "gpqa", "seed": 0}
assert tasks["math500"]["generation"]["max_gen_toks"] > 0
assert tasks["mgsm_native_cot_de"]["num_fewshot"] == 5
names = {n for (n,) in db.execute("select distinct name from eval_scores")}
for n in ["mmlu", "mmlu_pro", "mmmlu", "mgsm", "math500/subject=Precalculus", "math500/level=2",
          "gsm_plus_mini/perturbation_type=numerical substitution"]:
    assert n in names, (n, sorted(names)[:20])
rows = db.execute("select prompt, response, display_ok from eval_samples where task like 'gpqa%'").fetchall()
assert rows and all(not p and not r and not ok for p, r, ok in rows), rows
(n,) = db.execute("select count(*) from eval_samples").fetchone()
expected = (57 + 14 + 1 + 14 + 1 + 1 + 11 + 1 + 1 + 1) * limit
assert n >= expected, (n, expected)
PY
run > table2.txt 2> log2.txt || fail "resume: $(cat log2.txt)"
cmp -s table1.txt table2.txt || fail "resumed table differs"
python3 - <<'PY' || fail "resumed run"
import json
j = json.load(open("suite.json"))
assert j["lfmbench"]["samples_scored"] == 0, j["lfmbench"]
PY
echo "eval_suite_test: all passed"
