#!/usr/bin/env python3
"""lfmbench's `cpu` backend against llama.cpp's own llama-bench on one GGUF file, interleaved.

Each round runs llama-bench, then `lfmbench perf`, with the same prompt/decode sizes, thread
count and repetitions, so a drift in the machine's speed hits both. Prints per test the
median and min-max tokens/s of each and the median of the per-round ratios. Without the
llama.cpp peer (../shared/tools/setup-peer.sh --llama-bench) it prints lfmbench's numbers alone.

  benchmarks/compare_llama.py -m MODEL.gguf [--threads 2] [--pp 512] [--tg 64] [--rounds 3]
                              [--reps 1] [--lfmbench build/lfmbench] [--llama-bench PATH]
                              [--lock FILE] [--isa avx2]
With --isa avx2, lfmbench runs the kernels of a machine with AVX2 but no AVX-512 (LFM_CPU_ISA);
pair it with a llama-bench built for the same instructions, e.g. configured with
  -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
  -DGGML_AVX512=OFF
(setup-peer.sh's cmake line otherwise), to compare the two on such a machine from a bigger one.
With --lock, every llama-bench and lfmbench run holds `flock FILE` while it measures, so that
measurements on a shared machine never overlap while the lock is held only minutes at a time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def default_llama_bench():
    peer = os.environ.get("PEER_DIR", os.path.expanduser("~/.cache/lfmbench-peer"))
    return os.path.join(peer, "llama-bench", "bin", "llama-bench")


LOCK = None


def run(cmd, env=None):
    if LOCK:
        cmd = ["flock", LOCK] + cmd
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"compare_llama: {' '.join(cmd[:3])} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def llama_round(args):
    """{test name: [tokens/s per repetition]} from one llama-bench run."""
    out = run([args.llama_bench, "-m", args.model, "-t", str(args.threads), "-p", str(args.pp), "-n",
               str(args.tg), "-r", str(args.reps), "-o", "json"])
    rows = {}
    for row in json.loads(out):
        name = f"pp{row['n_prompt']}" if row["n_gen"] == 0 else f"tg{row['n_gen']}"
        rows[name] = list(row["samples_ts"])
    return rows


def lfmbench_round(args, db):
    out = run([args.lfmbench, "perf", "-m", args.model, "--backend", args.backend, "--pp", str(args.pp), "--tg",
               str(args.tg), "--reps", str(args.reps), "--threads", str(args.threads), "--json", "--db", db,
               "--no-fidelity"], env=dict(os.environ, LFM_CPU_ISA=args.isa) if args.isa else None)
    rows = {}
    for line in out.splitlines():
        if line.strip():
            row = json.loads(line)
            rows[row["test"]] = [s["tokens_per_s"] for s in row["samples"]]
    return rows


def spread(values):
    return f"{statistics.median(values):8.2f} ({min(values):.2f}-{max(values):.2f})"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-m", "--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pp", type=int, default=512)
    p.add_argument("--tg", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=1, help="repetitions per tool per round")
    p.add_argument("--backend", default="cpu")
    p.add_argument("--lfmbench", default="build/lfmbench")
    p.add_argument("--llama-bench", default=default_llama_bench())
    p.add_argument("--lock", help="hold `flock LOCK` during each measurement")
    p.add_argument("--isa", choices=["avx2", "scalar"], help="cap lfmbench's kernels (LFM_CPU_ISA)")
    args = p.parse_args()
    global LOCK
    LOCK = args.lock
    if not os.path.isfile(args.model):
        sys.exit(f"compare_llama: {args.model}: no such file")
    have_peer = os.access(args.llama_bench, os.X_OK)
    if not have_peer:
        print(f"llama-bench not found at {args.llama_bench}: lfmbench's numbers alone")
    ours, theirs, ratios = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "compare.db")
        for r in range(args.rounds):
            peer_rows = llama_round(args) if have_peer else {}
            our_rows = lfmbench_round(args, db)
            for test, tps in our_rows.items():
                ours.setdefault(test, []).extend(tps)
                if test in peer_rows:
                    theirs.setdefault(test, []).extend(peer_rows[test])
                    ratios.setdefault(test, []).append(statistics.median(tps) / statistics.median(peer_rows[test]))
            print(f"round {r + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    isa = f", lfmbench kernels capped at {args.isa}" if args.isa else ""
    print(f"{os.path.basename(args.model)}, {args.threads} threads, {args.rounds} rounds x {args.reps} reps{isa}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'test':<8} {'llama.cpp t/s median (min-max)':>32} {'lfmbench ' + args.backend + ' t/s':>32} "
          f"{'ratio (min-max)':>22}")
    for test, tps in ours.items():
        peer = spread(theirs[test]) if test in theirs else "-"
        ratio = (f"{statistics.median(ratios[test]):.2f}x ({min(ratios[test]):.2f}-{max(ratios[test]):.2f})"
                 if test in ratios else "-")
        print(f"{test:<8} {peer:>32} {spread(tps):>32} {ratio:>22}")


if __name__ == "__main__":
    main()
