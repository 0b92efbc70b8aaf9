"""Benchmark: the phase diagram over (K, L) against a baseline measured in the same run.

Baseline: the foundation's proven optimum (``ufmtheory.compare``: dnc, paired, polygon at one λ, 30 digits)
for every cell at a single λ — what one "point" of the diagram costs without this module. The phase
diagram computes every switch over the whole λ axis (proven branch and bound, thresholds to 50 digits,
checked at 100) for the same cells. Reported: both wall times and their ratio; the goal for the default
grid (K <= 16, L <= 8) is under a minute on 2 cores, i.e. a ratio that keeps it there.

    python benchmarks/bench_phase.py                 # default grid K 2..16, L 1..8
    python benchmarks/bench_phase.py --K 2..24 --L 1..12
"""
import argparse
import json
import os
import time
from fractions import Fraction

import ufmtheory as ut
from ufmtheory.cli.common import int_range
from ufmtheory.phase import phase_grid


def baseline(Ks, Ls, lam=Fraction(1, 64)):
    t0 = time.perf_counter()
    for L in Ls:
        for K in Ks:
            ut.compare(ut.DeepUFM(K, L, lam=lam), [ut.dnc(K), ut.paired(K), ut.polygon(K)], dps=30)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--K", type=int_range, default=list(range(2, 17)))
    ap.add_argument("--L", type=int_range, default=list(range(1, 9)))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    tb = baseline(a.K, a.L)
    t0 = time.perf_counter()
    g = phase_grid(a.K, a.L, workers=a.workers)
    tp = time.perf_counter() - t0
    out = {"cells": len(g["cells"]), "workers": a.workers, "baseline_one_lambda_s": round(tb, 2),
           "phase_all_lambda_s": round(tp, 2), "ratio": round(tp / tb, 3),
           "theorem1_reproduced": g["theorem1"]["reproduced"],
           "slowest_cells": sorted(([c["seconds"], c["K"], c["L"]] for c in g["cells"]), reverse=True)[:5]}
    print(json.dumps(out, indent=2) if a.json else
          f"{out['cells']} cells: baseline (compare at one λ, 1 process) {tb:.1f} s; phase diagram over all λ "
          f"({a.workers} workers) {tp:.1f} s; ratio {tp / tb:.2f}; Theorem 1 region reproduced (among the compared families): "
          f"{out['theorem1_reproduced']}")


if __name__ == "__main__":
    main()
