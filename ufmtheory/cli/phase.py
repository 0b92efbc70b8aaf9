"""``ufmtheory phase``: the phase diagram over (K, L) — which of zero, DNC, paired, the two-scale odd
paired family and the polygon has the lowest optimum, as exact λ-intervals — and Theorem 1's region.
Winners are "family-relative": the best among the families compared, not proven global optima."""
from __future__ import annotations

import argparse
import sys

from .. import _validate as V
from .. import limits
from .._validate import ParameterError
from ..limits import PHASE_COUPLED_AUTO_CELLS, PHASE_MAX_DPS, PHASE_MAX_K, PHASE_MAX_L, PHASE_MAX_SECONDS
from ..names import FAMILY_NAMES
from ..patterns import require as require_pattern
from ..precision import DEFAULT_DPS
from ..report import csv_text, json_text, text_table
from .common import PLOT_SUFFIXES, OutputFile, int_range, pattern_names, save_figure, write_text


def add_parser(sub):
    p = sub.add_parser(
        "phase", help="phase diagram over (K, L): exact λ-intervals of the lowest optimum (Theorem 1)",
        description="For every K and L: the λ-intervals on which the zero solution, DNC, paired (Eq. 5), "
                    "the two-scale odd-K paired family or the polygon has the lowest optimal loss (linear "
                    "DUFM, CE). Every switch is found by a branch and bound proven with interval arithmetic, "
                    "refined to --dps digits and checked at twice the precision. λ is reported at --n "
                    "(f depends on λ and n only through λ·n^(1/(L+1))). Also compares the set of (K, L) where "
                    "DNC is never optimal with Theorem 1's region, and reports DNC–paired ties.",
        epilog=f"Grids whose estimated time exceeds {PHASE_MAX_SECONDS} s are refused with the estimate.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--K", type=int_range, default=list(range(2, 17)), metavar="RANGE",
                   help=f"classes: e.g. 2..12 or 4,6 (default 2..16; each K <= {PHASE_MAX_K})")
    p.add_argument("--L", type=int_range, default=list(range(1, 9)), metavar="RANGE",
                   help=f"weight matrices: e.g. 1..6 (default 1..8; each L <= {PHASE_MAX_L})")
    p.add_argument("--n", type=int, default=1, help="samples per class (λ is reported at this n)")
    p.add_argument("--structures", default=",".join(FAMILY_NAMES), type=pattern_names("phase"),
                   help=f"comma-separated families from {', '.join(FAMILY_NAMES)} (paired2, paired2c: odd K only; "
                        f"blocks:3+2 for a block partition); '--structures help' lists them")
    p.add_argument("--pairs", default="dnc:paired",
                   help="pairs a:b whose ties are reported even off the envelope (comma-separated; 'none')")
    p.add_argument("--dps", type=int, default=DEFAULT_DPS, help=f"significant digits of every threshold (5..{PHASE_MAX_DPS})")
    p.add_argument("--certify", action="store_true",
                   help="also enclose every threshold with interval arithmetic (slower)")
    p.add_argument("--workers", type=int, default=None, help="worker processes, at most the CPU count (default: CPU count)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", type=OutputFile(suffixes=(".csv", ".txt")),
                   help="write intervals and thresholds as CSV to FILE")
    p.add_argument("--png", metavar="FILE", type=OutputFile(suffixes=PLOT_SUFFIXES),
                   help="write the phase-diagram plot to FILE (.png, .pdf, .svg, …)")
    p.add_argument("--coupled", action=argparse.BooleanOptionalAction, default=None,
                   help="also compare the coupled odd-K family (pairs + centred singleton with coupled scales) in "
                        "the odd-K cells, splitting intervals at its ties (grid + Newton at two precisions, not "
                        f"proven; ≈ 30–60 s per cell). Default: on when at most {PHASE_COUPLED_AUTO_CELLS} odd-K "
                        "cells are requested")
    p.add_argument("--search", type=int, default=0, metavar="N",
                   help="test every interval's winner against the multi-start global search (N starts, at one λ "
                        "inside the interval): 'best-known' if nothing lower is found, else the interval is flagged")
    p.add_argument("--atlas", type=int, default=0, metavar="N",
                   help="the same with the symmetry atlas (N starts per subgroup class; cells with "
                        f"K <= {limits.ATLAS_MAX_K})")
    p.add_argument("--search-seed", type=int, default=0, help="random seed of --search and --atlas")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _pairs(text: str) -> tuple:
    if text.strip().lower() in ("", "none"):
        return ()
    out = []
    for part in text.split(","):
        if ":" not in part:
            raise ParameterError(f"--pairs: expected a:b, got {part!r}")
        a, b = (x.strip() for x in part.split(":", 1))
        for x in (a, b):
            if x not in FAMILY_NAMES:  # named families only (not blocks:…): their labels are the names
                raise ParameterError(f"--pairs: structure must be one of {', '.join(FAMILY_NAMES)}, got {x!r}")
        out.append((a, b))
    return tuple(out)


def run(args) -> int:
    from ..phase import CSV_COLUMNS, check_grid, csv_rows, interval_evidence, phase_grid, plot
    _, _, _, dps, _ = check_grid(args.K, args.L, args.n, args.dps, args.workers, args.coupled)
    names = [s.strip() for s in args.structures.split(",") if s.strip()]
    if not names:
        raise ParameterError("--structures: give at least one structure")
    for nm in names:
        require_pattern(nm, "phase", "--structures: structure")
    search = V.integer("--search", args.search, 0, limits.COMPARE_MAX_SEARCH_STARTS)
    atlas = V.integer("--atlas", args.atlas, 0, limits.ATLAS_MAX_STARTS)
    V.integer("--search-seed", args.search_seed, 0)
    if search or atlas:  # a few intervals per cell, each one search / atlas run
        limits.require_seconds("phase --search/--atlas (lower --K, --L, --search or --atlas)",
                               sum(4 * limits.compare_search_seconds(K, L, search) + (30 * atlas if K <= limits.ATLAS_MAX_K else 0)
                                   for K in args.K for L in args.L), limits.PHASE_MAX_SECONDS)
    progress = not args.no_progress and sys.stderr.isatty()
    grid = phase_grid(args.K, args.L, names=names, n=args.n, dps=dps, pairs=_pairs(args.pairs),
                      certify=args.certify, workers=args.workers, progress=progress, coupled=args.coupled)
    if search or atlas:
        interval_evidence(grid, search=search, atlas=atlas, seed=args.search_seed, progress=progress)
    if args.csv:
        write_text(args.csv, csv_text(csv_rows(grid), CSV_COLUMNS))
    if args.png:
        save_figure(plot(grid), args.png, dpi=120, bbox_inches="tight")
    if args.json:
        print(json_text(grid))
        return 0
    rows = []
    for c in grid["cells"]:
        segs = "; ".join(f"{iv['winner']} < {_short(iv['lam_hi'])}" if iv["lam_hi"] != "inf" else iv["winner"]
                         for iv in c["intervals"])
        ties = "; ".join(f"{pair}: {', '.join(_short(t['lam'], 16) for t in rep['ties']) or 'none'}"
                         for pair, rep in c["ties"].items())
        rows.append({"K": c["K"], "L": c["L"], "winners by λ (increasing)": segs, "ties": ties,
                     "Thm 1 region": "yes" if c["in_stated_region"] else "no",
                     "DNC ever best": "yes" if c["dnc_ever_optimal"] else "no"})
    print(f"linear DUFM, CE, n = {grid['n']}; thresholds to {dps} digits (JSON/CSV), shown rounded")
    if "flags" in grid:
        print(f"scope: per interval — each winner is the best among {', '.join(grid['compared'])}; the intervals "
              f"tested below are best-known (nothing lower found) or flagged")
    else:
        print(f"scope: family-relative — each winner is the best among {', '.join(grid['compared'])}, "
              f"not a proven global optimum")
    print(text_table(rows, ["K", "L", "winners by λ (increasing)", "ties", "Thm 1 region", "DNC ever best"],
                     widths={"winners by λ (increasing)": 60, "ties": 40}))
    if "flags" in grid:
        tested = sum("evidence" in iv or "beaten_by" in iv for c in grid["cells"] for iv in c["intervals"])
        print(f"\n{tested} interval(s) tested at one λ each: {tested - len(grid['flags'])} best-known, "
              f"{len(grid['flags'])} flagged")
        for f in grid["flags"]:
            what = f" ({f['pattern']}, {f['isotropy']})" if f["by"] == "atlas" else ""
            print(f"  FLAG K={f['K']} L={f['L']} {f['winner']} on [{_short(f['interval'][0])}, "
                  f"{_short(f['interval'][1])}): the {f['by']}{what} found {f['loss']:.10g} < {f['winner_loss']:.10g} "
                  f"at λ = {f['lam']} — the listed winner is not the optimum there")
    t1 = grid["theorem1"]
    print(f"\nTheorem 1: set of (K, L) where DNC is never the best of the compared families "
          f"{'==' if t1['reproduced'] else '!='} the stated region {{K>=4, L>=3}} ∪ {{K>=6, L=2}} "
          f"(on this grid); {grid['seconds']} s with {grid['workers']} worker(s)")
    print(f"  {t1['scope']}")
    return 0


def _short(x: str, digits: int = 8) -> str:
    if x in ("0", "inf"):
        return x
    from mpmath import mpf, nstr, workdps
    with workdps(digits + 5):
        return nstr(mpf(x), digits)
