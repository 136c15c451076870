#!/usr/bin/env bash
# Builds the GGUF reader's libFuzzer target with clang and runs it for a bounded time.
#   tests/fuzz_gguf.sh CLANGXX WORKDIR SECONDS
# Seeds: small valid GGUF files written by the project's own writer (gguf_seed_writer).
set -euo pipefail
clangxx=$1 work=$2 seconds=$3
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work/corpus" "$work/crashes"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$src" -I"$work")
"$clangxx" "${flags[@]}" "$src/engine/gguf_fuzzer.cc" "$src/engine/gguf.cc" "$src/kernels/dtype.cc" \
  "$src/base/mapped_file.cc" -lfmt -o "$work/gguf_fuzzer"
"$clangxx" -std=c++20 -O1 -I"$src" "$src/tests/gguf_seed_writer.cc" "$src/engine/gguf.cc" \
  "$src/kernels/dtype.cc" "$src/base/mapped_file.cc" -lfmt -o "$work/gguf_seed_writer"
"$work/gguf_seed_writer" "$work/corpus"
cd "$work"
./gguf_fuzzer -max_total_time="$seconds" -max_len=4096 -artifact_prefix=crashes/ -print_final_stats=1 \
  corpus 2>&1 | tail -n 15
if [ -n "$(ls -A crashes)" ]; then
  echo "fuzz_gguf: the fuzzer found crashing inputs in $work/crashes"; exit 1
fi
echo "fuzz_gguf: no crash in ${seconds}s"
