"""Benchmark (issue 11 item 6): certified K = 3 global minima (``ufmtheory.global_min``). Prints JSON.

Without arguments, the suite at λ = 1/20: the box route at L = 2 and L = 3 (DNC regime; goal <= 60 s each on
2 cores) and the convex-relaxation route at L = 1, plus the rank <= 1 subproblem at L = 2, λ = 0.18
(``certified_rank1_minimum``): per case seconds, CPU seconds, boxes (relaxation: cells), the enclosure,
width, certified, structure; and the load average before and after (the machine is shared).

    python benchmarks/bench_global.py [--repeats N]
    python benchmarks/bench_global.py L lam [max_seconds]     # one point of the full problem
"""
import json
import os
import sys
import time

from ufmtheory.global_min import certified_minimum, certified_rank1_minimum


def _run(name, fn, L, lam, **kw) -> dict:
    t0, c0 = time.time(), time.process_time()
    r = fn(3, L, 1, lam, **kw)
    d = r.to_dict()
    return {"case": name, "L": L, "lam": lam, "route": d.get("route", "boxes"), "seconds": round(time.time() - t0, 2),
            "cpu_seconds": round(time.process_time() - c0, 2), "boxes": r.boxes, "lower": r.lower, "upper": r.upper,
            "width": d["width"], "certified": r.certified, "structure": r.structure,
            "budget_exhausted": d.get("budget_exhausted")}


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] != "--repeats":
        budget = float(args[2]) if len(args) > 2 else 60.0
        print(json.dumps(_run("point", certified_minimum, int(args[0]), args[1], max_seconds=budget)))
        return
    repeats = int(args[1]) if len(args) > 1 else 1
    out = {"load_before": os.getloadavg()[0], "runs": []}
    for _ in range(repeats):
        for L in (1, 2, 3):
            out["runs"].append(_run("global", certified_minimum, L, "1/20", max_seconds=600))
        out["runs"].append(_run("rank<=1", certified_rank1_minimum, 2, "0.18", max_seconds=600))
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
