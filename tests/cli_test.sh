#!/usr/bin/env bash
# End-to-end checks of the lfmbench binary: every command a user types, on real files.
#   tests/cli_test.sh path/to/lfmbench
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "cli_test: FAIL: $*"; exit 1; }

"$bin" --version | grep -q "^lfmbench .*commit" || fail "--version"
"$bin" --version | grep -q "^backends: " || fail "--version lists backends"

# model make / info for every preset x type of the tiny model, both architectures.
for arch in lfm2moe lfm2; do
  for type in f32 f16 bf16 q8_0 q4_0; do
    "$bin" model make --preset tiny --arch $arch --type $type --seed 3 -q -o m.gguf
    "$bin" model info m.gguf --json > info.json
    python3 - "$arch" "$type" <<'PY' || fail "model info $arch $type"
import json, sys
arch, t = sys.argv[1], sys.argv[2]
j = json.load(open("info.json"))
assert j["architecture"] == arch, j["architecture"]
assert j["tokenizer"]["pre"] == "lfm2"
assert j["n_tensors"] == (64 if arch == "lfm2moe" else 56), j["n_tensors"]
assert t in j["bytes_by_type"], j["bytes_by_type"]
assert j["active_params"] <= j["total_params"]
PY
  done
done
"$bin" model info m.gguf | grep -q "^architecture  *lfm2" || fail "model info text"

# Bad input: one clear line naming the file, non-zero exit, no crash.
printf 'GGUF\x03\x00\x00\x00' > trunc.gguf
if "$bin" model info trunc.gguf 2> err.txt; then fail "truncated file accepted"; fi
grep -q "trunc.gguf: not a valid GGUF file: truncated" err.txt || fail "truncated message: $(cat err.txt)"
[ "$(wc -l < err.txt)" -eq 1 ] || fail "error is not one line"
if "$bin" model info missing.gguf 2> err.txt; then fail "missing file accepted"; fi
grep -q "missing.gguf: cannot open" err.txt || fail "missing message"
if "$bin" model make --preset nope -o x.gguf 2> err.txt; then fail "bad preset accepted"; fi
grep -q "unknown preset 'nope'" err.txt || fail "bad preset message"
# logits and generate on a tiny model (their output formats are checked from outside).
"$bin" model make --preset tiny --type q4_0 --seed 3 -q -o gen.gguf
"$bin" logits -m gen.gguf --tokens 1,6,72 --all-positions --json > logits.json
python3 -c "import json; j = json.load(open('logits.json')); assert j['n_vocab'] == 512 and len(j['logits']) == 3 and all(len(r) == 512 for r in j['logits'])" ||
  fail "logits --json"
speed='^prefill: [0-9]+ tokens, [0-9.]+ tokens/s; decode: [0-9]+ tokens, [0-9.]+ tokens/s; stop: [a-z_]+$'
"$bin" generate -m gen.gguf -p "Hello" -n 8 -q > greedy.txt && tail -n 1 greedy.txt | grep -Eq "$speed" || fail "generate greedy: $(cat greedy.txt)"
"$bin" generate -m gen.gguf -p "Hello" --chat -n 8 --temp 0.9 --seed 2 --top-k 40 --top-p 0.9 -q > sampled.txt &&
  tail -n 1 sampled.txt | grep -Eq "$speed" || fail "generate sampled: $(cat sampled.txt)"
# Every compiled backend generates (greedy text may differ between backends: see
# engine/backend_logits_test.cc for how closely their logits agree).
for backend in $("$bin" --version | sed -n 's/^backends: //p' | tr -d ' ' | tr ',' ' '); do
  "$bin" generate -m gen.gguf -p "Hello" -n 8 -q --backend "$backend" > gen_$backend.txt &&
    tail -n 1 gen_$backend.txt | grep -Eq "$speed" || fail "generate --backend $backend: $(cat gen_$backend.txt)"
done
if "$bin" generate -m gen.gguf -p "Hello" --backend gpu 2> err.txt; then fail "unknown backend accepted"; fi
grep -q "unknown backend 'gpu'" err.txt || fail "unknown backend message: $(cat err.txt)"
if "$bin" logits -m gen.gguf --tokens 1,9999 2> err.txt; then fail "bad token id accepted"; fi
grep -q "token id 9999 is outside the vocabulary" err.txt || fail "bad token message: $(cat err.txt)"
echo "cli_test: all passed"
