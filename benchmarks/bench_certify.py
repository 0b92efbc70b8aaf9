"""Benchmark: certifying one (K, L, λ, n) comparison against the uncertified 50-digit computation.

Case: the Figure-1 setting K = 10, L = 2, n = 5, λ = 2^-10 (DNC vs paired), and K = 10, L = 3,
n = 1, λ = 2^-8. Baseline, measured in the same run: ``ufmtheory.compare`` of DNC and paired at
50 significant digits (proven root brackets, values checked by recomputation — numerical, not
certified). Measured: ``certify_order`` (interval proof over the whole t-range, enclosures carrying
50 digits) and ``check_certificate`` (re-proving the file). Prints JSON with medians over --repeat
runs and the ratios certify/baseline and check/baseline.

    python benchmarks/bench_certify.py [--repeat 5]
"""
import argparse
import json
import statistics
import time
from fractions import Fraction

import ufmtheory as ut
from ufmtheory import certificates as C

CASES = [(10, 2, 5, Fraction(1, 1024)), (10, 3, 1, Fraction(1, 256))]


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--digits", type=int, default=50)
    args = ap.parse_args(argv)
    results = []
    for K, L, n, lam in CASES:
        model = ut.DeepUFM(K, L, n=n, lam=lam)
        base, res = _median_time(lambda: ut.compare(model, [ut.dnc(K), ut.paired(K)], dps=args.digits), args.repeat)
        cert_t, cert = _median_time(lambda: C.certify_order(K, L, n, lam, digits=args.digits), args.repeat)
        check_t, rep = _median_time(lambda: C.check_certificate(cert), args.repeat)
        assert rep.valid and res["winner"] == cert["claim"]["smaller"]
        results.append({
            "case": {"K": K, "L": L, "n": n, "lam": str(lam)},
            "winner": res["winner"],
            "baseline_compare_50_digits_s": round(base, 4),
            "certify_order_s": round(cert_t, 4),
            "check_certificate_s": round(check_t, 4),
            "ratio_certify_over_baseline": round(cert_t / base, 2),
            "ratio_check_over_baseline": round(check_t / base, 2),
            "certificate_bytes": len(C.fmt.dumps(cert)),
        })
    print(json.dumps({"benchmark": "certify one DNC-vs-paired comparison (K = 10)", "repeat": args.repeat,
                      "digits": args.digits, "results": results}, indent=2))


if __name__ == "__main__":
    main()
