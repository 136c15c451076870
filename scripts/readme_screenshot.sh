#!/usr/bin/env bash
# Makes the README's dashboard screenshot: the Throughput view of a results database, rendered in
# a real window under Xvfb (no display needed) and kept under 300 KB (smaller sizes are tried
# until it fits).
#   scripts/readme_screenshot.sh [--db results/lfmbench.db] [--out docs/dashboard-throughput.png]
#                                [--bin build/lfmbench] [--size 1600x1000]
# Fill the database first with real runs, e.g. `build/lfmbench perf -m MODEL --backend all`.
set -euo pipefail

db=results/lfmbench.db
out=docs/dashboard-throughput.png
bin=build/lfmbench
size=1600x1000
max_bytes=$((300 * 1024))

while [ $# -gt 0 ]; do
  case "$1" in
    --db) db=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    *) echo "readme_screenshot: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done

fail() { echo "readme_screenshot: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "$bin: no lfmbench binary (build it, or pass --bin PATH)"
[ -f "$db" ] || fail "$db: no results database (run \`lfmbench perf\` first, or pass --db PATH)"
command -v xvfb-run > /dev/null || fail "xvfb-run not found: install the Debian package 'xvfb' (scripts/install-deps.sh)"
mkdir -p "$(dirname "$out")"

# Each size in turn, largest first, until the PNG fits the budget.
for try in "$size" 1440x900 1280x800; do
  xvfb-run -a -s "-screen 0 1920x1200x24" \
    "$bin" dashboard --db "$db" --view throughput --size "$try" --scale 1 --frames 6 \
    --screenshot "$out"
  bytes=$(stat -c %s "$out")
  if [ "$bytes" -le "$max_bytes" ]; then
    echo "readme_screenshot: wrote $out ($try, $((bytes / 1024)) KB)"
    exit 0
  fi
  echo "readme_screenshot: $try gives $((bytes / 1024)) KB, over $((max_bytes / 1024)) KB; trying smaller" >&2
done
fail "$out is still over $((max_bytes / 1024)) KB at 1280x800"
