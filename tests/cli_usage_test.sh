#!/usr/bin/env bash
# Usage errors CLI11 finds itself (a value that does not convert, a failed check, an unknown
# flag, a missing required option) in every command group: one line on stderr naming the
# command and the flag, nothing on stdout, exit status 2. A command's own failure keeps exit 1;
# --help exits 0.
#   tests/cli_usage_test.sh path/to/lfmbench
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "cli_usage_test: FAIL: $*"; exit 1; }

# usage_error "WORDS THE LINE MUST HOLD" ARGS...: exit 2, one "lfmbench: error:" line.
usage_error() {
  local words=$1; shift
  local rc=0
  "$bin" "$@" > out.txt 2> err.txt || rc=$?
  [ "$rc" = 2 ] || fail "lfmbench $*: exit $rc, not 2: $(cat err.txt)"
  [ ! -s out.txt ] || fail "lfmbench $*: wrote to stdout: $(cat out.txt)"
  [ "$(wc -l < err.txt)" = 1 ] || fail "lfmbench $*: not one line: $(cat err.txt)"
  grep -q "^lfmbench: error: " err.txt || fail "lfmbench $*: $(cat err.txt)"
  for word in $words; do
    grep -qF -- "$word" err.txt || fail "lfmbench $*: no '$word' in: $(cat err.txt)"
  done
}

echo '{}' > in.jsonl
usage_error "lfmbench eval run --limit abc" eval run -m x.gguf --tasks gsm8k --limit abc
usage_error "eval run --limit -3" eval run -m x.gguf --tasks gsm8k --limit -3
usage_error "eval run --threads -3" eval run -m x.gguf --tasks gsm8k --threads -3
usage_error "eval run --num-fewshot -2" eval run -m x.gguf --tasks gsm8k --num-fewshot -2
usage_error "generate --threads" generate -m x.gguf -p hi --threads 0
usage_error "logits --threads abc" logits -m x.gguf --tokens 1 --threads abc
usage_error "model make --threads" model make -o x.gguf --threads -3
usage_error "eval score --bootstrap-iters many" eval score --task gsm8k --input in.jsonl --bootstrap-iters many
usage_error "serve --port 99999" serve -m x.gguf --port 99999
usage_error "demo --threads" demo --threads -1
usage_error "generate --model" generate -p hi                    # a required option missing
usage_error "eval run --nope" eval run -m x.gguf --nope            # an unknown flag
usage_error "lfmbench unknown command 'frobnicate'" frobnicate      # an unknown command
usage_error "lfmbench eval unknown command 'scroe'" eval scroe
usage_error "eval run --limit must be a whole number >= 0, got '2.5'" eval run -m x.gguf --tasks gsm8k --limit 2.5
usage_error "serve --parallel" serve -m x.gguf --parallel 0

# A command's own failure is exit 1 (lfmbench's own one-line message); --help is exit 0.
rc=0; "$bin" model info missing.gguf 2> err.txt || rc=$?
[ "$rc" = 1 ] || fail "model info missing.gguf: exit $rc"
"$bin" eval run --help > help.txt || fail "eval run --help failed"
grep -q -- "--limit" help.txt || fail "eval run --help lacks --limit"
echo "cli_usage_test: all passed"
