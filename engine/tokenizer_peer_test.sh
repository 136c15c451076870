#!/usr/bin/env bash
# `lfmbench tokenize` against llama.cpp's tokenizer (the peer in ../shared/tools): texts on a
# fresh tiny model (or on the GGUF files given after the binary), and, on the tiny model, the
# pre-tokenizer class of every code point. Skips (exit 77) when node, ../shared or the
# peer is missing, unless LFM_REQUIRE_SHARED=1 (CI), where that is a failure.
#   engine/tokenizer_peer_test.sh path/to/lfmbench [MODEL.gguf...]
set -euo pipefail
bin=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
shared=${LFM_SHARED_DIR:-$here/../../shared}

skip() {
  if [ "${LFM_REQUIRE_SHARED:-}" = 1 ]; then echo "tokenizer_peer_test: FAIL: $*"; exit 1; fi
  echo "tokenizer_peer_test: SKIPPED: $*"
  exit 77
}
command -v node > /dev/null || skip "node is not installed"
[ -f "$shared/tools/peer.mjs" ] || skip "$shared/tools/peer.mjs not found"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  "$bin" model make --preset tiny --type q4_0 --seed 5 -q -o "$work/tiny.gguf"
  models=("$work/tiny.gguf")
fi
node "$shared/tools/peer.mjs" info "${models[0]}" > /dev/null 2> "$work/peer.err" ||
  skip "the peer does not run ($(head -c 300 "$work/peer.err")); install it with ../shared/tools/setup-peer.sh"
test="$here/tokenizer_peer_test.mjs"
status=0
node "$test" texts "$bin" "$shared/tools/peer.mjs" "$shared/testdata/tokenizer/texts.jsonl" "$work" \
  "${models[@]}" || status=1
if [ $# -eq 0 ]; then  # the probe vocabulary is built from a generated model
  node "$test" classes "$bin" "$shared/tools/peer.mjs" "$work/tiny.gguf" "$work" || status=1
fi
exit $status
