"""Benchmark (issue 11 item 6): certified K = 3 global minima by ``ufmtheory.global_min.certified_minimum``
at λ = 1/20 — the box route at L = 2 and L = 3 (DNC regime, goal: <= 60 s each on 2 cores) and the
convex-relaxation route at L = 1. Prints JSON: per case seconds, boxes (relaxation: cells), the enclosure,
width, certified, structure, CPU seconds of this process; plus the load average before and after (the machine is shared).
Usage: python benchmarks/bench_global_k3.py [repeats]"""
import json
import os
import sys
import time

from ufmtheory.global_min import certified_minimum


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    out = {"load_before": os.getloadavg()[0], "runs": []}
    for _ in range(repeats):
        for L in (1, 2, 3):
            t0, c0 = time.time(), time.process_time()
            r = certified_minimum(3, L, 1, "1/20", max_seconds=600)
            d = r.to_dict()
            out["runs"].append({"L": L, "lam": "1/20", "route": d.get("route", "boxes"),
                                "seconds": round(time.time() - t0, 2),
                                "cpu_seconds": round(time.process_time() - c0, 2), "boxes": r.boxes, "lower": r.lower,
                                "upper": r.upper, "width": d["width"], "certified": r.certified,
                                "structure": r.structure, "leaves": d.get("leaves_full")})
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
