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

# --samples: n completions per problem, pass@k for every k <= n, each completion stored with its
# verdict; a rerun resumes. Greedy settings are a usage error (n identical samples).
sampled() {
  "$bin" eval run -m tiny.gguf --tasks humanevalplus --limit 2 --samples 3 \
    --gen-kwargs do_sample=true,temperature=0.8,top_p=0.95,max_gen_toks=24 --data-dir data \
    --db sampled.db --jobs 2 -t 1 -q -o sampled.json "$@"
}
sampled > sampled1.txt 2> slog1.txt || fail "eval run --samples: $(cat slog1.txt)"
for row in "pass@1 " "pass@2 " "pass@3 " "pass@3_base "; do
  grep -q -- "$row" sampled1.txt || fail "--samples table lacks '$row': $(cat sampled1.txt)"
done
python3 - <<'PY' || fail "--samples database contents"
import json, sqlite3
db = sqlite3.connect("sampled.db")
rows = db.execute("select extracted_json, scores_json from eval_samples order by doc_id").fetchall()
assert len(rows) == 2, rows
distinct = 0
for extracted, scores in rows:
    e, s = json.loads(extracted), json.loads(scores)
    assert e["n"] == 3 and len(e["samples"]) == 3, e
    assert all("plus" in x["score"] and x["score"]["sandbox"] for x in e["samples"]), e
    assert sorted(s) == sorted("pass@%d%s,none" % (k, b) for k in (1, 2, 3) for b in ("", "_base")), s
    distinct = max(distinct, len({x["response"] for x in e["samples"]}))
assert distinct > 1, "every sample identical: the seeds did not vary"
(settings,) = db.execute("select settings_json from eval_tasks").fetchone()
settings = json.loads(settings)
assert settings["samples"] == 3 and settings["generation"]["temperature"] == 0.8, settings
assert json.load(open("sampled.json"))["config"]["samples_per_doc"] == 3
PY
sampled > sampled2.txt 2> slog2.txt || fail "eval run --samples (resume): $(cat slog2.txt)"
cmp -s sampled1.txt sampled2.txt || fail "resumed --samples table differs"
[ "$(python3 -c 'import sqlite3; print(sqlite3.connect("sampled.db").execute("select count(*) from eval_samples").fetchone()[0])')" = 2 ] ||
  fail "the resumed --samples run stored more samples"
set +e
"$bin" eval run -m tiny.gguf --tasks humanevalplus --limit 1 --samples 2 --data-dir data \
  --db greedy.db -q > /dev/null 2> greedy.txt
status=$?
set -e
[ "$status" = 2 ] || fail "--samples with greedy settings: exit $status, want 2: $(cat greedy.txt)"
grep -q "generates greedily" greedy.txt || fail "greedy --samples message: $(cat greedy.txt)"

# Chat HumanEval+ replies are sanitized (the program that ran is stored); LiveCodeBench's base
# prompt opens with the official few-shot example.
ln -s "$(realpath "$data/livecodebench/fewshot_generation_func.json")" data/livecodebench/
ln -s "$(realpath "$data/livecodebench/fewshot_generation_stdin.json")" data/livecodebench/
"$bin" eval run -m tiny.gguf --tasks humanevalplus_chat --chat --limit 1 --data-dir data \
  --gen-kwargs max_gen_toks=24 --db chat.db -t 1 -q > chat.txt 2> chatlog.txt ||
  fail "eval run humanevalplus_chat --chat: $(cat chatlog.txt)"
"$bin" eval run -m tiny.gguf --tasks livecodebench_v5_base --limit 2 --data-dir data \
  --gen-kwargs max_gen_toks=24 --db base.db -t 1 -q > base.txt 2> baselog.txt ||
  fail "eval run livecodebench_v5_base: $(cat baselog.txt)"
python3 - <<'PY' || fail "chat / base prompts"
import json, sqlite3
(extracted, prompt) = sqlite3.connect("chat.db").execute(
    "select extracted_json, prompt from eval_samples").fetchone()
e = json.loads(extracted)
assert "program" in e and e["plus"]["passed"] is False, e
assert prompt.endswith("passes corresponding tests:\n```python\n"), prompt[-200:]
prompts = [p for (p,) in sqlite3.connect("base.db").execute(
    "select prompt from eval_samples order by doc_id")]
assert prompts[0].startswith("### Question\nYou have $n$ gifts"), prompts[0][:100]
assert prompts[1].startswith("### Question\nYou are given a 0-indexed array"), prompts[1][:100]
assert prompts[1].endswith("### Starter Code\nclass Solution:\n    def total(self, nums: List[int]) -> int:\n        \n\n### Answer\n\n"), prompts[1][-200:]
PY

# `eval score --task humanevalplus_chat` sanitizes a chat reply before running it; the same reply
# scored as a completion (prompt + reply) is a syntax error.
python3 - "$data/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz" > chat_replies.jsonl <<'PY'
import gzip, json, sys
for line in gzip.open(sys.argv[1], "rt"):
    record = json.loads(line)
    if record["task_id"] == "HumanEval/53":
        record["response"] = ("Sure:\n```python\ndef add(x: int, y: int):\n    return x + y\n\n"
                              "print(add(2, 3))\n```\nThat is all.")
        print(json.dumps(record))
PY
for task in humanevalplus_chat humanevalplus; do
  "$bin" eval score --task "$task" --input chat_replies.jsonl --output "scored_$task.jsonl" \
    > /dev/null 2> score.log || fail "eval score --task $task: $(cat score.log)"
done
python3 - <<'PY' || fail "eval score of a chat reply"
import json
chat = json.loads(open("scored_humanevalplus_chat.jsonl").readline())["score"]
completion = json.loads(open("scored_humanevalplus.jsonl").readline())["score"]
assert chat["plus"]["passed"] is True and chat["program"].startswith("def add"), chat
assert completion["base"]["passed"] is False, completion
PY
echo "code_eval_cli_test: ok"
