"""Benchmark: what the engine's main operations cost, in one run (measure only; prints JSON).

(a) the 50-digit optimum of DNC and of paired at K = 10, L = 2, n = 5, λ = 2^-10 with every critical
    point (``scale.optimal_scale``: interval root isolation, two precisions), against
    ``scipy.optimize.minimize_scalar(method="bounded")`` in float64 on the same f_S(t) (a hand-written
    numpy f: SPEC §2) — seconds of each (medians of ``REPEAT`` calls) and their ratio, and how far the
    float optimum is from the 50-digit one. Both sides build their structure constants before the
    clock starts (the float f its matrix and singular values; the exact side one warm-up call at
    another λ, 2^-9, which makes the per-structure constants and imports, but nothing that depends
    on λ); ``first_call_s`` is the cold first call at λ = 2^-10 in a fresh process, for reference;
(b) ``compare`` of dnc, paired, polygon at 50 digits at the same model (median of ``REPEAT`` calls
    after a warm-up comparison at λ = 2^-9 with the same structures, built before the clock starts;
    ``first_call_s``: the first comparison at λ = 2^-10 including building the three structures);
(c) the phase diagram K 2..16 × L 1..8 with 2 workers (``--full``: K 2..32 × L 1..12);
(d) certified / uncertified time of one tie (DNC | paired, K = 5, L = 2, 50 digits; both after a
    warm-up, so caches help both alike);
(e) ``ufmtheory --help`` start-up: median wall time of a fresh interpreter.

Not a test — the machine may be shared and noisy.

    python benchmarks/bench_engine.py
    python benchmarks/bench_engine.py --full
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from fractions import Fraction

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
K, L, N, LAM, DPS = 10, 2, 5, Fraction(1, 1024), 50
WARM_LAM = Fraction(1, 512)  # the warm-up model's λ (per-structure constants do not depend on λ)
REPEAT = 7


def seconds(fn, repeat: int = 1):
    """(result of the last call, median wall time over ``repeat`` calls)."""
    out, wall, _ = timed(fn, repeat)
    return out, wall


def timed(fn, repeat: int = 1):
    """(result of the last call, median wall time, median CPU time of this process) over ``repeat``
    calls; on a loaded machine the CPU time is the closer estimate of an idle core's wall time."""
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return out, statistics.median(wall), statistics.median(cpu)


def float_objective(structure, model):
    """f_S(t) = (1/K) Σ_c log Σ_c' exp(t(S_c'c − S_cc)) + ((L+1)/2) λ n^{1/(L+1)} t^p Σ_i s_i(S)^p in float64."""
    import numpy as np
    S = np.array(structure.matrix_mp().tolist(), dtype=float)
    p = 2 / (model.L + 1)
    c = float(model.lams[0]) * model.n ** (1 / (model.L + 1)) * np.sum(np.linalg.svd(S, compute_uv=False) ** p)
    G = S - np.diag(S)[None, :]  # column c: S_c'c − S_cc

    def f(t):
        X = t * G
        m = X.max(axis=0)
        return float(np.mean(m + np.log(np.exp(X - m).sum(axis=0))) + (model.L + 1) / 2 * c * t ** p)
    return f


def part_a():
    import mpmath
    from scipy.optimize import minimize_scalar
    import ufmtheory as ut
    model = ut.DeepUFM(K, L, n=N, lam=LAM)
    out = {}
    for name in ("dnc", "paired"):
        s = ut.named(name, K)
        if name == "dnc":  # the cold first call (imports, structure constants), for reference
            _, t_first = seconds(lambda: ut.optimal_scale(s, model, DPS))
        else:
            t_first = None
        ut.optimal_scale(s, ut.DeepUFM(K, L, n=N, lam=WARM_LAM), DPS)  # warm-up at another λ
        opt, t_exact, c_exact = timed(lambda: ut.optimal_scale(s, model, DPS), repeat=REPEAT)
        f = float_objective(s, model)
        hi = float(opt.search_interval[1]) if opt.search_interval[1] is not None else 100.0
        res, t_float, c_float = timed(lambda: minimize_scalar(f, bounds=(0.0, hi), method="bounded"),
                                      repeat=5 * REPEAT)
        with mpmath.workdps(DPS):
            out[name] = {"exact_s": round(t_exact, 5), "scipy_bounded_s": round(t_float, 5),
                         "ratio": round(t_exact / t_float, 1), "exact_cpu_s": round(c_exact, 5),
                         "scipy_bounded_cpu_s": round(c_float, 5), "ratio_cpu": round(c_exact / c_float, 1),
                         "first_call_s": t_first and round(t_first, 3),
                         "critical_points": len(opt.critical_points),
                         "t_exact": mpmath.nstr(opt.scale, 20), "t_scipy": repr(float(res.x)),
                         "loss_exact": mpmath.nstr(opt.loss, 20), "loss_scipy": repr(float(res.fun)),
                         "loss_gap_scipy_minus_exact": mpmath.nstr(mpmath.mpf(float(res.fun)) - opt.loss, 3)}
    return out


def part_b():
    import ufmtheory as ut
    model = ut.DeepUFM(K, L, n=N, lam=LAM)
    _, t_first = seconds(lambda: ut.compare(model, [ut.dnc(K), ut.paired(K), ut.polygon(K)], dps=DPS))
    three = [ut.dnc(K), ut.paired(K), ut.polygon(K)]
    ut.compare(ut.DeepUFM(K, L, n=N, lam=WARM_LAM), three, dps=DPS)  # warm-up at another λ
    res, t, c = timed(lambda: ut.compare(model, three, dps=DPS), repeat=REPEAT)
    return {"seconds": round(t, 4), "cpu_seconds": round(c, 4), "first_call_s": round(t_first, 3),
            "winner": res["winner"]}


def part_c(full: bool):
    from ufmtheory.phase import phase_grid
    Ks, Ls = (range(2, 33), range(1, 13)) if full else (range(2, 17), range(1, 9))
    g, t = seconds(lambda: phase_grid(list(Ks), list(Ls), workers=2))
    return {"grid": f"K {Ks.start}..{Ks.stop - 1} x L {Ls.start}..{Ls.stop - 1}", "cells": len(g["cells"]),
            "workers": 2, "seconds": round(t, 1)}


def part_d():
    import mpmath
    import ufmtheory as ut
    from ufmtheory.families import from_structure
    from ufmtheory.thresholds import ties
    X, Y = from_structure(ut.dnc(5)), from_structure(ut.paired(5))
    ties(X, Y, 2, dps=DPS)  # warm-up: decompositions and Newton starts are cached for both runs
    plain, t_plain = seconds(lambda: ties(X, Y, 2, dps=DPS))
    cert, t_cert = seconds(lambda: ties(X, Y, 2, dps=DPS, certify=True))
    return {"what": "tie dnc|paired, K=5, L=2, 50 digits", "ties": len(cert.ties),
            "uncertified_s": round(t_plain, 2), "certified_s": round(t_cert, 2), "ratio": round(t_cert / t_plain, 2),
            "enclosure_relative_width": (mpmath.nstr((cert.ties[0].enclosure[1] - cert.ties[0].enclosure[0])
                                                     / cert.ties[0].value, 3) if cert.ties else None)}


def part_e(runs: int = 5):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ufmtheory", "--help"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(times), 3), "runs": runs}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="phase diagram K 2..32 x L 1..12 (default K 2..16 x L 1..8)")
    a = ap.parse_args()
    out = {"model": {"K": K, "L": L, "n": N, "lam": "2^-10", "dps": DPS}, "cpus": os.cpu_count()}
    out["startup_help"] = part_e()  # first: before this process warms any cache of the machine
    out["optimum_vs_scipy"] = part_a()
    out["compare_dnc_paired_polygon"] = part_b()
    out["certified_over_uncertified"] = part_d()
    out["phase_diagram"] = part_c(a.full)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
