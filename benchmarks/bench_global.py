"""Benchmark: one K = 3 global minimum by ``ufmtheory.global_min.certified_minimum`` (prints JSON:
seconds, boxes, width, certified). Usage: python benchmarks/bench_global.py [L] [lam] [max_seconds]."""
import json
import sys

from ufmtheory.global_min import certified_minimum


def main() -> None:
    L = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    lam = sys.argv[2] if len(sys.argv) > 2 else "0.18"
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    r = certified_minimum(3, L, 1, lam, max_seconds=budget)
    d = r.to_dict()
    print(json.dumps({k: d[k] for k in ("L", "lam", "lower", "upper", "width", "certified", "structure",
                                        "boxes", "seconds", "budget_exhausted")}))


if __name__ == "__main__":
    main()
