#!/usr/bin/env python3
"""Compares `lfmbench logits --all-positions --json` with llama.cpp's (peer.mjs logits --full).

The agreement measures and per-type tolerances are those of engine/llamacpp_reference_test.cc,
where the comments say why they are what they are. Exit status 0 when within tolerance.
  compare_logits.py --type q4_0 OURS.json PEER.json [--perturb]
--perturb adds 0.05 to one logit first: the comparison must then fail (shows the check can fail).
"""
import argparse
import json
import math
import sys

# type: (max |d log-softmax|, median over positions of the per-position max, mean KL,
#        largest llama.cpp top-1/top-2 gap at which the top-1 may differ; 0 = never)
TOLERANCES = {
    "f32": (1e-2, 1e-2, 1e-4, 0.0),
    "f16": (3e-2, 3e-2, 1e-4, 0.0),
    "bf16": (3e-2, 3e-2, 1e-4, 0.0),
    "q8_0": (4.0, 0.4, 0.05, 1.0),
    "q4_0": (4.0, 0.4, 0.05, 1.0),
}


def log_softmax(row):
    m = max(row)
    s = math.log(sum(math.exp(x - m) for x in row))
    return [x - m - s for x in row]


def argmax(v):
    return max(range(len(v)), key=v.__getitem__)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--type", required=True, choices=sorted(TOLERANCES))
    parser.add_argument("--perturb", action="store_true")
    parser.add_argument("ours")
    parser.add_argument("peer")
    args = parser.parse_args()
    ours = json.load(open(args.ours))["logits"]
    peer = json.load(open(args.peer))["positions"]
    if len(ours) != len(peer) or len(ours[0]) != len(peer[0]["logprobs"]):
        sys.exit(f"compare_logits: shapes differ: {len(ours)}x{len(ours[0])} vs "
                 f"{len(peer)}x{len(peer[0]['logprobs'])}")
    if args.perturb:
        ours[len(ours) // 2][7] += 0.05

    position_max, kls, worst_gap, mismatches = [], [], 0.0, 0
    for row, ref in zip(ours, peer):
        mine, theirs = log_softmax(row), ref["logprobs"]
        position_max.append(max(abs(a - b) for a, b in zip(mine, theirs)))
        kls.append(sum(math.exp(b) * (b - a) for a, b in zip(mine, theirs)))
        a, b = argmax(mine), argmax(theirs)
        if a != b:
            mismatches += 1
            worst_gap = max(worst_gap, theirs[b] - theirs[a])
    max_diff, median = max(position_max), sorted(position_max)[len(position_max) // 2]
    mean_kl = sum(kls) / len(kls)
    tol = TOLERANCES[args.type]
    ok = (max_diff <= tol[0] and median <= tol[1] and mean_kl <= tol[2] and
          (mismatches == 0 or worst_gap < tol[3]))
    print(f"{args.type}: max |d log-softmax| {max_diff:.3g} (<= {tol[0]}), median {median:.3g} "
          f"(<= {tol[1]}), mean KL {mean_kl:.2e} (<= {tol[2]}), top-1 mismatches {mismatches} of "
          f"{len(ours)} (largest llama.cpp gap {worst_gap:.3g}, allowed < {tol[3]}): "
          f"{'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
