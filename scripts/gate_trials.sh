#!/usr/bin/env bash
# Proves the A/B regression gate on this machine: N trials of an A/A comparison (the same build
# twice; each should pass) and N trials with a 20% slowdown injected into B (each should fail).
#   scripts/gate_trials.sh [--bin build/lfmbench] [--trials 20] [--model FILE] [gate ab flags...]
# Without --model a tiny q4_0 model is made in a scratch directory. Prints one line per trial
# and the counts at the end.
set -euo pipefail
bin=build/lfmbench
trials=20
model=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$model" ]; then
  model=$work/tiny.gguf
  "$bin" model make --preset tiny --type q4_0 --seed 1 -q -o "$model"
fi

# One gate ab invocation; prints its exit status (0 pass, 1 regression).
trial() {
  local status=0
  "$bin" gate ab --a "$bin" --b "$bin" -m "$model" "${extra[@]}" "$@" > "$work/out.txt" 2>&1 || status=$?
  if [ "$status" -gt 1 ]; then echo "gate_trials: gate ab failed to run:" >&2; cat "$work/out.txt" >&2; exit 2; fi
  echo "$status"
}

aa_pass=0
slow_fail=0
for i in $(seq "$trials"); do
  s=$(trial)
  [ "$s" -eq 0 ] && aa_pass=$((aa_pass + 1))
  echo "A/A trial $i: $([ "$s" -eq 0 ] && echo pass || echo FAIL)"
done
for i in $(seq "$trials"); do
  s=$(trial --b-args "--inject-slowdown 0.2")
  [ "$s" -eq 1 ] && slow_fail=$((slow_fail + 1))
  echo "20% slowdown trial $i: $([ "$s" -eq 1 ] && echo caught || echo MISSED)"
done
echo "A/A passed $aa_pass/$trials; 20% slowdown caught $slow_fail/$trials"
