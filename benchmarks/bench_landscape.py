"""Benchmark: the Hessian spectrum at the DNC critical point of the paper's Figure 1 setting
(K = 10, n = 5, d = 70, L = 2, λ = 2^-10; 9,100 parameters) — minimum eigenvalue and nullity.

Goal (issue 5): under 2 minutes and 4 GB on 2 cores. Each case runs in a fresh child process (2 BLAS
threads) and reports wall time and the child's peak resident memory.
- structured: critical points (proven brackets) + the symmetry-adapted block spectrum (exact HVPs on
  ~500 basis vectors, ``landscape.block_spectrum``) + nullity, min/max eigenvalue, orbit dimension;
- lanczos: extreme eigenvalues by ARPACK Lanczos on Hessian-vector products at a random frame;
- baseline (same run): the dense exact Hessian (HVPs on all unit vectors) + LAPACK ``eigvalsh`` at a
  reduced width d_base (default 24: 2,140 parameters), and the structured method at that width; the
  dense cost at d = 70 is extrapolated as (n_70/n_base)³ — the dense Hessian (662 MB) is not formed.

    python benchmarks/bench_landscape.py [--d-base 24]
Exit status 1 if the goal is missed.
"""
import argparse
import json
import multiprocessing as mp
import os
import resource
import time

THREADS = "2"
GOAL_SECONDS, GOAL_BYTES = 120.0, 4 * 1024 ** 3


def _init():
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = THREADS


def _case(name, d, q):
    _init()
    import numpy as np
    import ufmtheory as ut
    from ufmtheory.hessian import dense_hessian, inertia, lanczos_extremes, symmetric_eigenvalues, zero_tolerance
    from ufmtheory.landscape import block_spectrum, critical_points

    t0 = time.perf_counter()
    model = ut.DeepUFM(10, 2, n=5, lam="0.0009765625", d=d)
    pts = critical_points(model, ut.dnc(10), 50)
    large = pts[-1]
    out = {"case": name, "d": d, "parameters": sum(a * b for a, b in model.shapes().values())}
    if name == "structured":
        rows = []
        for pt in pts:
            spec = block_spectrum(pt)
            I = spec.inertia()
            rows.append({"branch": pt.branch, "negative": I.negative, "nullity": I.zero, "positive": I.positive,
                         "min_eig": float(I.min_eig), "max_eig": float(I.max_eig), "tol": float(I.tol),
                         "largest_zero": float(I.largest_zero), "smallest_nonzero": float(I.smallest_nonzero),
                         "transverse_min": float(spec.transverse_min()), "orbit_dimension": spec.orbit_dimension()[0]})
        out["points"] = rows
    elif name == "lanczos":
        lo, hi = lanczos_extremes(model, large.parameters("random", rng=0), k=1)
        out["min_eig"], out["max_eig"] = float(lo[0]), float(hi[0])
    elif name == "dense":
        H = dense_hessian(model, large.parameters("random", rng=0))
        ev = symmetric_eigenvalues(H)
        I = inertia(ev, zero_tolerance(len(ev), float(np.max(np.abs(ev))), False))
        out.update(negative=I.negative, nullity=I.zero, min_eig=float(I.min_eig))
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    q.put(out)


def run_case(name, d):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_case, args=(name, d, q))
    t0 = time.perf_counter()
    p.start()
    out = q.get()
    p.join()
    out["wall_with_startup_s"] = round(time.perf_counter() - t0, 3)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d-base", type=int, default=24, help="width of the dense baseline")
    args = ap.parse_args(argv)
    fig1 = run_case("structured", 70)
    lz = run_case("lanczos", 70)
    base_dense = run_case("dense", args.d_base)
    base_struct = run_case("structured", args.d_base)
    large = fig1["points"][-1]
    scale = (fig1["parameters"] / base_dense["parameters"]) ** 3
    result = {
        "benchmark": "Hessian spectrum at the Figure 1 DNC critical point (K=10, n=5, d=70, L=2, λ=2^-10)",
        "structured_d70": fig1, "lanczos_d70": lz,
        "baseline_dense_dbase": base_dense, "structured_dbase": base_struct,
        "ratio_dense_over_structured_at_dbase": round(base_dense["seconds"] / base_struct["seconds"], 2),
        "dense_d70_extrapolated_s": round(base_dense["seconds"] * scale, 1),
        "agreement": {
            "nullity_dense_vs_structured_at_dbase": [base_dense["nullity"], base_struct["points"][-1]["nullity"]],
            "min_eig_lanczos_vs_structured": [lz["min_eig"], large["min_eig"]],
            "max_eig_lanczos_vs_structured": [lz["max_eig"], large["max_eig"]],
        },
        "goal": {"seconds": GOAL_SECONDS, "bytes": GOAL_BYTES,
                 "met": fig1["wall_with_startup_s"] < GOAL_SECONDS and fig1["peak_rss_bytes"] < GOAL_BYTES},
    }
    print(json.dumps(result, indent=2))
    ok = (result["goal"]["met"] and base_dense["nullity"] == base_struct["points"][-1]["nullity"]
          and abs(lz["max_eig"] - large["max_eig"]) < 1e-8 * large["max_eig"] and large["negative"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
