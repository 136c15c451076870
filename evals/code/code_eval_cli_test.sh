#!/usr/bin/env bash
# `lfmbench eval run --tasks humanevalplus,livecodebench_v5` end to end on a tiny random model:
# generations are scored in the sandbox, stored with the isolation used, and a second run
# resumes without scoring anything again. LiveCodeBench problems are written here in the release
# format (private tests pickled, zlib-compressed, base64-encoded by Python, as upstream does).
#   code_eval_cli_test.sh LFMBENCH SHARED_DIR
set -euo pipefail
. "$(dirname "$0")/../../tests/test_lib.sh"
begin_test code_eval_cli_test "$1" "${2:-}"

mkdir -p data/livecodebench
ln -s "$(realpath "$shared/datasets/humanevalplus")" data/humanevalplus
python3 - <<'PY'
import base64, json, pickle, zlib
def pack(tests):
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()
stdin_tests = [{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]
func_tests = [{"input": "[1, 2, 3]", "output": "6", "testtype": "functional"}]
problems = [
    {"question_title": "A+B", "question_content": "Read two integers and print their sum.",
     "platform": "atcoder", "question_id": "abc999_a", "contest_id": "abc999",
     "contest_date": "2024-11-02T00:00:00", "starter_code": "", "difficulty": "easy",
     "public_test_cases": json.dumps(stdin_tests),
     "private_test_cases": pack([{"input": "5 -7\n", "output": "-2\n", "testtype": "stdin"}]),
     "metadata": "{}"},
    {"question_title": "Sum", "question_content": "Return the sum of nums.",
     "platform": "leetcode", "question_id": "9999", "contest_id": "weekly-contest-999",
     "contest_date": "2024-12-01T00:00:00",
     "starter_code": "class Solution:\n    def total(self, nums: List[int]) -> int:\n        ",
     "difficulty": "easy", "public_test_cases": json.dumps(func_tests),
     "private_test_cases": pack([{"input": "[]", "output": "0", "testtype": "functional"}]),
     "metadata": json.dumps({"func_name": "total"})},
]
with open("data/livecodebench/test5.jsonl", "w") as f:
    for p in problems:
        f.write(json.dumps(p) + "\n")
PY

"$bin" model make --preset tiny --type q8_0 --seed 5 -q -o tiny.gguf
run() {
  "$bin" eval run -m tiny.gguf --tasks humanevalplus,livecodebench_v5 --limit 2 \
    --gen-kwargs max_gen_toks=48 --data-dir data --db results.db --jobs 2 -t 1 -q "$@"
}
start=$(date +%s.%N)
run > table1.txt 2> log1.txt || fail "eval run: $(cat log1.txt)"
end=$(date +%s.%N)
echo "code_eval_cli_test: first run $(python3 -c "print(round($end - $start, 1))") s"
for row in "^humanevalplus .*pass@1 " "pass@1_base" "^livecodebench_v5 .*pass@1 "; do
  grep -q -- "$row" table1.txt || fail "table lacks '$row': $(cat table1.txt)"
done
python3 - <<'PY' || fail "database contents"
import json, sqlite3
db = sqlite3.connect("results.db")
rows = db.execute("select task, prompt, extracted_json, scores_json from eval_samples order by task, doc_id").fetchall()
assert [r[0] for r in rows] == ["humanevalplus"] * 2 + ["livecodebench_v5"] * 2, [r[0] for r in rows]
for task, prompt, extracted, scores in rows:
    e, s = json.loads(extracted), json.loads(scores)
    assert "sandbox" in e and e["sandbox"], e  # the isolation is stored with every result
    assert s["pass@1,none"] in (0.0, 1.0), s
    if task == "humanevalplus":
        assert e["base"]["status"] in ("pass", "fail", "timeout"), e
        assert "def has_close_elements" in prompt or "def separate_paren_groups" in prompt, prompt[:200]
    else:
        assert "### Question:" in prompt and "### Answer: (use the provided format with backticks)" in prompt
        assert len(e["results"]) >= 1, e
prompts = [r[1] for r in rows if r[0] == "livecodebench_v5"]
assert "# YOUR CODE HERE" in prompts[0] and "def total(self, nums" in prompts[1], prompts
(n,) = db.execute("select count(*) from runs where kind = 'eval' and status = 'complete'").fetchone()
assert n == 1, n
PY
run > table2.txt 2> log2.txt || fail "eval run (resume): $(cat log2.txt)"
cmp -s table1.txt table2.txt || fail "resumed table differs: $(diff table1.txt table2.txt)"
python3 - <<'PY' || fail "resumed run stored more"
import sqlite3
db = sqlite3.connect("results.db")
assert db.execute("select count(*) from runs").fetchone()[0] == 1
assert db.execute("select count(*) from eval_samples").fetchone()[0] == 4
PY
echo "code_eval_cli_test: ok"
