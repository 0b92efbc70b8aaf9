"""Benchmark: the proven 50-digit optimum of one structure's scale against a float64 local search.

Measured in one run, so that the ratio survives a loaded machine:
- ``ufmtheory.scale.optimal_scale(S, model, dps=50)`` for S = dnc(K) and paired(K) (every positive
  critical point isolated with interval arithmetic, refined, checked at two precisions);
- ``scipy.optimize.minimize_scalar(method="bounded")`` in float64 on the same f(t) = fit + penalty
  written as SPEC §2 does (numpy over the K×K matrix), on the same search interval [t_lo, t_hi]
  (a local search: no proof, ~8 digits of t); ``ratio_grouped``: against the faster float f that
  groups columns by gap multiset, as the toolkit does (CE only);
- ``scale.compare(model, [dnc, paired, polygon], dps=50)``.
Goal (issue 10): ratio (proven optimum / scipy, per structure) <= 10; compare <= 15 ms on an idle core.
Times are medians of ``--repeat`` rounds in which the timed calls take turns (same load for all),
as wall time and as CPU time of this process (``*_cpu_s``: close to the idle-core time on a loaded
machine); the 1-minute load average is printed with them.

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


def interleaved_times(fns: dict, repeat: int, inner: dict) -> dict:
    """Median wall and CPU (process) seconds per call of each function, the functions taking turns in
    every round so that they see the same machine load; ``inner[name]`` calls per round (fast ones)."""
    wall = {k: [] for k in fns}
    cpu = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            n = inner.get(k, 1)
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(n):
                fn()
            wall[k].append((time.perf_counter() - w0) / n)
            cpu[k].append((time.process_time() - c0) / n)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in fns}


def spec_objective(S, prob: scale.ScaleProblem):
    """f(t) = (1/K) Σ_c log Σ_{c'} exp(t(S_{c'c} − S_cc)) + ((L+1)/2) c t^p in float64, as SPEC §2
    writes it (balanced CE; numpy over the K×K matrix, stabilised log-sum-exp per column)."""
    pen = (prob.L + 1) * float(prob.c) / 2
    p = float(prob.p)
    M = S.matrix_float()
    G = M - np.diag(M)[None, :]  # G[c', c] = S_{c'c} − S_cc

    def f(t):
        z = t * G
        zmax = z.max(axis=0)
        return float(np.mean(zmax + np.log(np.exp(z - zmax).sum(axis=0)))) + pen * t ** p
    return f


def grouped_objective(prob: scale.ScaleProblem):
    """The same f(t) with the columns grouped by gap multiset (``CEFit.types``): fewer exponentials."""
    pen = (prob.L + 1) * float(prob.c) / 2
    p = float(prob.p)
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
    ap.add_argument("--out", help="also write the JSON to this file")
    a = ap.parse_args()
    model = DeepUFM(a.K, a.L, n=a.n, lam=a.lam)  # balanced cross-entropy (the SPEC §2 formula)
    structs = {"dnc": structures.dnc(a.K), "paired": structures.paired(a.K)}
    out = {"K": a.K, "L": a.L, "n": a.n, "lam": a.lam, "dps": a.dps, "repeat": a.repeat,
           "load_average_1min_before": os.getloadavg()[0], "cpu_count": os.cpu_count()}
    per = {}
    for name, S in structs.items():
        opt = scale.optimal_scale(S, model, dps=a.dps)  # warm-up (imports, caches)
        with mpmath.workdps(a.dps):
            prob = scale.ScaleProblem.from_structure(S, model, a.dps)
            lo, hi, _ = prob.search_interval()
        bounds = (float(lo), float(hi))
        f, fg = spec_objective(S, prob), grouped_objective(prob)
        res = minimize_scalar(f, bounds=bounds, method="bounded")
        assert abs(fg(res.x) - f(res.x)) < 1e-12
        t = interleaved_times({"proven": lambda: scale.optimal_scale(S, model, dps=a.dps),
                               "scipy": lambda: minimize_scalar(f, bounds=bounds, method="bounded"),
                               "scipy_grouped": lambda: minimize_scalar(fg, bounds=bounds, method="bounded")},
                              a.repeat, {"scipy": 20, "scipy_grouped": 20})
        per[name] = {"optimal_scale_s": t["proven"][0], "scipy_bounded_s": t["scipy"][0],
                     "ratio": t["proven"][0] / t["scipy"][0],
                     "optimal_scale_cpu_s": t["proven"][1], "scipy_bounded_cpu_s": t["scipy"][1],
                     "ratio_cpu": t["proven"][1] / t["scipy"][1],
                     "scipy_bounded_grouped_s": t["scipy_grouped"][0], "ratio_grouped": t["proven"][0] / t["scipy_grouped"][0],
                     "scale_50": mpmath.nstr(opt.scale, 20), "scipy_t": res.x, "scipy_nfev": res.nfev,
                     "kind": opt.kind, "critical_points": len(opt.critical_points), "boxes": opt.boxes}
    out["structures"] = per
    out["ratio_max"] = max(v["ratio"] for v in per.values())
    out["ratio_cpu_max"] = max(v["ratio_cpu"] for v in per.values())
    three = [structures.dnc(a.K), structures.paired(a.K), structures.polygon(a.K)]
    scale.compare(model, three, dps=a.dps)
    t = interleaved_times({"compare": lambda: scale.compare(model, three, dps=a.dps)}, a.repeat, {})
    out["compare_s"], out["compare_cpu_s"] = t["compare"]
    out["load_average_1min_after"] = os.getloadavg()[0]
    text = json.dumps(out, indent=2)
    print(text)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
