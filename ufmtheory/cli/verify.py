"""``ufmtheory verify``: run every registered theorem check and print the table
(theorem, claim, parameters, verdict, evidence). Exit status 1 if a claim that should hold fails."""
from __future__ import annotations

import argparse
import sys
import time

from ..report import csv_text, json_text, text_table
from ..theorems import CheckOptions, REGISTRY, entries

COLUMNS = ["theorem", "claim", "parameters", "verdict", "evidence"]


def add_parser(sub):
    p = sub.add_parser(
        "verify", help="run every registered theorem check (the main job)",
        description="Run the registered theorem checks and print theorem, claim, parameters, verdict "
                    "and evidence. Verdicts: certified (interval/exact proof), holds (computed), fails, "
                    "finding (a computed fact the paper does not state), not applicable. Exit status 1 "
                    "if a claim that should hold fails.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--only", help="comma-separated theorem keys (default: all); see --list")
    p.add_argument("--list", action="store_true", help="list the registered theorems and exit")
    p.add_argument("--quick", action="store_true", help="smaller grids")
    p.add_argument("--dps", type=int, default=30, help="working precision (significant digits)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", help="also write the table as CSV to FILE")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    if args.list:
        for key, e in REGISTRY.items():
            print(f"{key:12s} {e.title} — {e.source}")
        return 0
    keys = [k.strip() for k in args.only.split(",")] if args.only else None
    selected = entries(keys)
    from ..precision import check_dps
    opts = CheckOptions(dps=check_dps(args.dps), quick=args.quick,
                        progress=not args.no_progress and sys.stderr.isatty())
    rows, timings = [], {}
    for e in selected:
        t0 = time.perf_counter()
        rows.extend(e.check(opts))
        timings[e.key] = round(time.perf_counter() - t0, 2)
    failures = [r for r in rows if r.is_failure]
    data = [r.as_dict() for r in rows]
    if args.csv:
        with open(args.csv, "w", encoding="utf-8") as fh:
            fh.write(csv_text(data, COLUMNS))
    if args.json:
        print(json_text({"rows": data, "failures": len(failures), "seconds": timings}))
    else:
        print(text_table(data, COLUMNS, widths={"claim": 46, "parameters": 34, "evidence": 60}))
        print()
        counts = {}
        for r in rows:
            counts[r.verdict] = counts.get(r.verdict, 0) + 1
        print("summary: " + ", ".join(f"{v} {k}" for k, v in counts.items())
              + f"; {len(failures)} failure(s); seconds: {timings}")
    return 1 if failures else 0
