"""Benchmark: the proven 50-digit optimum of one structure's scale against a float64 local search.

Measured in one run, so that the ratio survives a loaded machine:
- ``ufmtheory.scale.optimal_scale(S, model, dps=50)`` for S = dnc(K) and paired(K) (every positive
  critical point isolated with interval arithmetic, refined, checked at two precisions);
- ``scipy.optimize.minimize_scalar(method="bounded")`` in float64 on the same f(t) = fit + penalty
  (SPEC §2), on the same search interval [t_lo, t_hi] (a local search: no proof, 16 digits at most);
- ``scale.compare(model, [dnc, paired, polygon], dps=50)``.
Goal (issue 10): ratio (proven optimum / scipy, per structure) <= 10; compare <= 15 ms on an idle core.
Times are the median of ``--repeat`` runs; the 1-minute load average is printed with them.

    python benchmarks/bench_scale_optimum.py                  # K = 10, L = 2, n = 5, λ = 2^-10
    python benchmarks/bench_scale_optimum.py --K 16 --L 3 --repeat 21
"""
import argparse
import json
import math
import os
import statistics
import time

import mpmath
import numpy as np
from scipy.optimize import minimize_scalar

from ufmtheory import scale, structures
from ufmtheory.model import DeepUFM


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def float_objective(prob: scale.ScaleProblem):
    """f(t) = ḡ(t) + ((L+1)/2) c t^p in float64 (numpy log-sum-exp per column type)."""
    pen = (prob.L + 1) * float(prob.c) / 2
    p = float(prob.p)
    if isinstance(prob.fit, scale.MSEFit):
        A, Bc, C = float(prob.fit.A), float(prob.fit.B), float(prob.fit.C)
        return lambda t: A * t * t - Bc * t + C + pen * t ** p
    types = [(float(w), np.array([float(g) for g in gs]), np.log(np.array(ms, dtype=float)))
             for w, gs, ms in prob.fit.types]

    def f(t):
        total = 0.0
        for w, gs, logm in types:
            z = logm - t * gs
            zmax = z.max()
            total += w * (zmax + math.log(np.exp(z - zmax).sum()))
        return total + pen * t ** p
    return f


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--K", type=int, default=10)
    ap.add_argument("--L", type=int, default=2)
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--lam", default="2^-10")
    ap.add_argument("--dps", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=11)
    a = ap.parse_args()
    model = DeepUFM(a.K, a.L, n=a.n, lam=a.lam)
    structs = {"dnc": structures.dnc(a.K), "paired": structures.paired(a.K)}
    out = {"K": a.K, "L": a.L, "n": a.n, "lam": a.lam, "dps": a.dps, "repeat": a.repeat,
           "load_average_1min_before": os.getloadavg()[0], "cpu_count": os.cpu_count()}
    per = {}
    for name, S in structs.items():
        opt = scale.optimal_scale(S, model, dps=a.dps)  # warm-up (imports, caches)
        t_proven = median_time(lambda: scale.optimal_scale(S, model, dps=a.dps), a.repeat)
        with mpmath.workdps(a.dps):
            prob = scale.ScaleProblem.from_structure(S, model, a.dps)
            lo, hi, _ = prob.search_interval()
        f = float_objective(prob)
        bounds = (float(lo), float(hi)) if lo is not None else (0.0, 1.0)
        res = minimize_scalar(f, bounds=bounds, method="bounded")
        t_scipy = median_time(lambda: minimize_scalar(f, bounds=bounds, method="bounded"), a.repeat * 5)
        per[name] = {"optimal_scale_s": t_proven, "scipy_bounded_s": t_scipy, "ratio": t_proven / t_scipy,
                     "scale_50": mpmath.nstr(opt.scale, 20), "scipy_t": res.x, "kind": opt.kind,
                     "critical_points": len(opt.critical_points), "boxes": opt.boxes}
    out["structures"] = per
    out["ratio_max"] = max(v["ratio"] for v in per.values())
    three = [structures.dnc(a.K), structures.paired(a.K), structures.polygon(a.K)]
    scale.compare(model, three, dps=a.dps)
    out["compare_s"] = median_time(lambda: scale.compare(model, three, dps=a.dps), a.repeat)
    out["load_average_1min_after"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
