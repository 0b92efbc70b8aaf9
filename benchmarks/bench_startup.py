"""Benchmark: start-up time of the command line against ``python -c pass`` measured in the same run.

Each command runs in a fresh interpreter (``sys.executable``) with this checkout first on PYTHONPATH;
reported: the median wall time over ``--runs`` runs of ``ufmtheory --help``, ``ufmtheory compare
--help`` and a refused input (exit 2 before any work), the baseline, and each one's ratio to it.
The goal (issue 10): each command under 0.5 s. Not a test — the machine may be shared and noisy.

    python benchmarks/bench_startup.py
    python benchmarks/bench_startup.py --runs 9
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COMMANDS = {
    "baseline (python -c pass)": ["-c", "pass"],
    "ufmtheory --help": ["-m", "ufmtheory", "--help"],
    "ufmtheory compare --help": ["-m", "ufmtheory", "compare", "--help"],
    "refused: compare --K 1 --L 2 --lam 0.1": ["-m", "ufmtheory", "compare", "--K", "1", "--L", "2", "--lam", "0.1"],
}


def median_seconds(args, runs, env):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    medians = {name: median_seconds(args, a.runs, env) for name, args in COMMANDS.items()}
    base = medians["baseline (python -c pass)"]
    print(json.dumps({"runs": a.runs,
                      "median_seconds": {k: round(v, 3) for k, v in medians.items()},
                      "ratio_to_baseline": {k: round(v / base, 1) for k, v in medians.items()}}, indent=2))


if __name__ == "__main__":
    main()
