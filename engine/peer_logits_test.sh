#!/usr/bin/env bash
# `lfmbench logits` against llama.cpp's logits (the peer in ../shared/tools) on tiny lfm2moe models
# made by `lfmbench model make` in f32, q8_0 and q4_0, with the tolerances of
# engine/llamacpp_reference_test.cc (see the comments there for why they are what they are).
# Skips (exit 77) when node, ../shared or the peer is missing, unless LFM_REQUIRE_SHARED=1 (CI),
# where that is a failure.
#   engine/peer_logits_test.sh path/to/lfmbench
set -euo pipefail
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
shared=${LFM_SHARED_DIR:-$here/../../shared}

skip() {
  if [ "${LFM_REQUIRE_SHARED:-}" = 1 ]; then echo "peer_logits_test: FAIL: $*"; exit 1; fi
  echo "peer_logits_test: SKIPPED: $*"
  exit 77
}
command -v node > /dev/null || skip "node is not installed"
[ -f "$shared/tools/peer.mjs" ] || skip "$shared/tools/peer.mjs not found"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" model make --preset tiny --type f32 --seed 11 -q -o "$work/f32.gguf"
node "$shared/tools/peer.mjs" info "$work/f32.gguf" > /dev/null 2> "$work/peer.err" ||
  skip "the peer does not run ($(head -c 300 "$work/peer.err")); install it with ../shared/tools/setup-peer.sh"

# 40 tokens: BOS, then ids spread over the vocabulary.
tokens=1$(for i in $(seq 1 39); do printf ',%d' $(( (i * 97 + 13) % 512 )); done)
status=0
for type in f32 q8_0 q4_0; do
  model="$work/$type.gguf"
  [ -f "$model" ] || "$bin" model make --preset tiny --type $type --seed 11 -q -o "$model"
  node "$shared/tools/peer.mjs" logits "$model" --tokens "$tokens" --positions all --full \
    --out "$work/peer-$type.json" > /dev/null 2>&1
  "$bin" logits -m "$model" --tokens "$tokens" --all-positions --json -t 1 > "$work/ours-$type.json"
  python3 "$here/compare_logits.py" --type "$type" "$work/ours-$type.json" "$work/peer-$type.json" ||
    status=1
done
# The comparison can fail: one f32 logit moved by 0.05 must be caught.
if python3 "$here/compare_logits.py" --type f32 --perturb "$work/ours-f32.json" "$work/peer-f32.json" > /dev/null; then
  echo "peer_logits_test: FAIL: a perturbed logit was not caught"
  status=1
fi
[ $status -eq 0 ] && echo "peer_logits_test: all passed"
exit $status
