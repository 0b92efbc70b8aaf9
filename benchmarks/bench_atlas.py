"""Benchmark: wall time of the symmetry atlas (``ufmtheory.atlas.atlas``) per K at one (L, n, λ).

Goal: K = 6, one (L, λ), at most 2 minutes on the shared 2-core machine (default 8 starts per subgroup
class, 24 plain-search starts, 30 digits). Prints JSON: seconds per K, the number of subgroup classes,
distinct critical points and the best pattern.

    python benchmarks/bench_atlas.py                   # K = 4, 5, 6 at L = 2, λ = 2^-10
    python benchmarks/bench_atlas.py --K 6 --lam 0.03
"""
import argparse
import json
import time

from ufmtheory.atlas import atlas, subgroup_classes
from ufmtheory.cli.common import exact_number, int_range


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--K", type=int_range, default=[4, 5, 6])
    ap.add_argument("--L", type=int, default=2)
    ap.add_argument("--lam", type=exact_number, default=exact_number("2^-10"))
    ap.add_argument("--starts", type=int, default=8)
    ap.add_argument("--search", type=int, default=24)
    a = ap.parse_args()
    out = {"L": a.L, "lam": str(a.lam), "starts": a.starts, "search": a.search, "goal_seconds_K6": 120, "K": {}}
    for K in a.K:
        t0 = time.perf_counter()
        subgroup_classes.cache_clear()
        r = atlas(K, a.L, a.lam, starts=a.starts, search_starts=a.search)
        out["K"][K] = {"seconds": round(time.perf_counter() - t0, 1), "classes": r["classes"],
                       "critical_points": len(r["rows"]), "best": r["best"]["pattern"] or r["best"]["isotropy"],
                       "best_loss": r["best"]["loss"]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
