#!/usr/bin/env bash
# `eval run --batch-size B` decodes a call's generate_until documents together (batched
# decoding, engine/batch_generator.h): on a tiny model with the reference backend, whose batched
# rows are bit-identical to single-sequence decoding (engine/batch_decode_test.cc), gsm8k with
# few-shot prefixes (so prefix reuse forks cached states into the batch) gives every sample the
# same response and scores at batch sizes 1 and 4 (a partial last batch included).
#   evals/eval_batch_test.sh path/to/lfmbench path/to/shared
set -euo pipefail
. "$(dirname "$0")/../tests/test_lib.sh"
begin_test eval_batch_test "$1" "${2:-}"

"$bin" model make --preset tiny --type q4_0 --seed 3 -q -o tiny.gguf
run=(eval run -m tiny.gguf --backend reference -t 2 --tasks gsm8k --limit 5 --num-fewshot 1
     --gen-kwargs max_gen_toks=16 --data-dir "$data" -q)
for b in 1 4; do
  "$bin" "${run[@]}" --batch-size "$b" --db "b$b.db" > "b$b.txt" 2> "b$b.log" \
    || fail "eval run --batch-size $b: $(cat "b$b.log")"
done
cat > compare.py <<'PY'
import sqlite3, sys
def samples(path):
    db = sqlite3.connect(path)
    db.text_factory = bytes
    return dict(((t, d), (r, s)) for t, d, r, s in
                db.execute("select task, doc_id, response, scores_json from eval_samples"))
a, b = samples(sys.argv[1]), samples(sys.argv[2])
assert len(a) == 5 and a.keys() == b.keys(), (sorted(a), sorted(b))
diff = [k for k in a if a[k] != b[k]]
assert not diff, [(k, a[k], b[k]) for k in diff]
# Responses differ between documents: a mix-up of sequences would show.
assert len({r for r, _ in a.values()}) >= 3, a
PY
python3 compare.py b1.db b4.db || fail "--batch-size 4 samples differ from --batch-size 1"
cmp -s b1.txt b4.txt || fail "--batch-size 4 totals differ: $(diff b1.txt b4.txt)"
echo "eval_batch_test: ok"
