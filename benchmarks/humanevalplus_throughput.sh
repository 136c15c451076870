#!/usr/bin/env bash
# HumanEval+ throughput of the code sandbox: the canonical solutions of every EVERY-th task fed
# through `lfmbench eval score --task humanevalplus` (each candidate runs its base and plus tests
# in the sandbox), with --jobs 1 and --jobs 2 interleaved for REPS rounds. Prints each run's
# candidates per second and the median per job count. A timing measurement: run it alone, e.g.
#   flock /tmp/lfm-bench.lock benchmarks/humanevalplus_throughput.sh build/lfmbench ../shared/datasets
# Usage: humanevalplus_throughput.sh LFMBENCH DATA_DIR [EVERY=8] [REPS=3] [SANDBOX=auto]
set -euo pipefail
bin=$(realpath "$1")
data=$(realpath "$2")
every=${3:-8}
reps=${4:-3}
sandbox=${5:-auto}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$data/humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz" "$every" > "$work/in.jsonl" <<'PY'
import gzip, json, sys
for i, line in enumerate(gzip.open(sys.argv[1], "rt")):
    if i % int(sys.argv[2]) == 0:
        record = json.loads(line)
        record["response"] = record["canonical_solution"]
        print(json.dumps(record))
PY
n=$(wc -l < "$work/in.jsonl")
echo "candidates: $n (every ${every}th task), sandbox: $sandbox, rounds: $reps"
for rep in $(seq "$reps"); do
  for jobs in 1 2; do
    start=$(date +%s.%N)
    "$bin" eval score --task humanevalplus --jobs "$jobs" --sandbox "$sandbox" \
      --input "$work/in.jsonl" --output "$work/out.jsonl" > /dev/null 2> "$work/log.txt" ||
      { cat "$work/log.txt"; exit 1; }
    end=$(date +%s.%N)
    python3 -c "print('jobs $jobs round $rep: %.1f s, %.2f candidates/s' % ($end - $start, $n / ($end - $start)))" |
      tee -a "$work/times.txt"
  done
done
python3 - "$work/times.txt" <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    jobs, rate = re.match(r"jobs (\d+) .*, ([\d.]+) candidates/s", line).groups()
    rates.setdefault(jobs, []).append(float(rate))
for jobs, xs in sorted(rates.items()):
    print("jobs %s: median %.2f candidates/s (min %.2f, max %.2f, %d runs)" %
          (jobs, statistics.median(xs), min(xs), max(xs), len(xs)))
if "1" in rates and "2" in rates:
    print("speed-up jobs 2 / jobs 1: %.2fx" % (statistics.median(rates["2"]) / statistics.median(rates["1"])))
PY
