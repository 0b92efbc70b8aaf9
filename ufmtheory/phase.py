"""Phase diagrams over (K, L): which of zero, DNC, paired, polygon (and user families) has the lowest
optimum, as exact λ-intervals, with Theorem 1's region compared (SPEC §4).

Each cell (K, L) is ``thresholds.phase``: a proven branch and bound in μ = Λ n^{1/(L+1)} (μ = λ at n = 1),
every switch of the winner refined to ``dps`` digits and checked at twice the precision. A diagram in μ
converts to any n: λ_n = μ·n^{−1/(L+1)} (SPEC §2), so cells are computed once, at n = 1.
Cells run in parallel worker processes (``workers``), each returning a JSON-ready dict.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor

import mpmath

from . import _validate as V
from .families import FAMILY_NAMES, named_family
from .precision import DEFAULT_DPS, GUARD_DIGITS, check_dps, nstr
from .thresholds import SEARCH_BITS, phase


def stated_region(K: int, L: int) -> bool:
    """Theorem 1's hypotheses: K >= 4 and L >= 3, or K >= 6 and L = 2."""
    return (K >= 4 and L >= 3) or (K >= 6 and L == 2)


def _lam(mu, L: int, n: int, dps: int) -> str:
    if mu == mpmath.inf:
        return "inf"
    with mpmath.workdps(2 * dps + GUARD_DIGITS):
        return nstr(mu / mpmath.root(n, L + 1), dps) if mu != 0 else "0"


def cell(K: int, L: int, names=None, n: int = 1, dps: int = DEFAULT_DPS, pairs=(("dnc", "paired"),),
         certify: bool = False, search_bits: int = SEARCH_BITS) -> dict:
    """One (K, L) of the phase diagram as a JSON-ready dict (λ at ``n``; μ = λ at n = 1 also given)."""
    t0 = time.perf_counter()
    names = list(names) if names is not None else None
    fams = None
    if names is not None:
        fams = []
        for nm in names:
            if nm in ("paired2", "paired2c") and K % 2 == 0:
                continue  # for even K the two-scale family is paired itself
            fams.append(named_family(nm, K))
    ph = phase(K, L, fams, dps=dps, pairs=pairs, certify=certify, search_bits=search_bits)
    lam = lambda mu: _lam(mu, L, n, dps)  # noqa: E731
    intervals = [{"winner": lab, "lam_lo": lam(a), "lam_hi": lam(b),
                  "log2_lam_lo": None if a == 0 else float(mpmath.log(a / mpmath.root(n, L + 1), 2)),
                  "log2_lam_hi": None if b == mpmath.inf else float(mpmath.log(b / mpmath.root(n, L + 1), 2))}
                 for a, b, lab in ph.intervals]
    folds = {k: t.to_dict(n) for k, t in ph.folds.items()}
    dnc_label = next((lab for lab in list(ph.folds) if "dnc" in lab.split("=")), None)
    loses = []
    if dnc_label is not None:
        fold = ph.folds[dnc_label].value
        for a, b, lab in ph.intervals:
            if "dnc" in lab.split("="):
                continue
            hi = min(b, fold)
            if hi > a:
                loses.append({"to": lab, "lam_lo": lam(a), "lam_hi": lam(hi)})
    return {
        "K": K, "L": L, "n": n, "dps": dps,
        "families": ph.labels, "left_out": ph.dropped,
        "intervals": intervals,
        "switches": [t.to_dict(n) for t in ph.thresholds],
        "zero_thresholds": {k: t.to_dict(n) for k, t in ph.zero.items()},
        "folds": folds,
        "ties": {f"{r.names[0]}|{r.names[1]}": r.to_dict(n) for r in ph.pair_ties},
        "dnc_ever_optimal": ph.family_wins("dnc"),
        "dnc_loses": loses,
        "in_stated_region": stated_region(K, L),
        "completeness": ph.argument,
        "unresolved": [[nstr(a, 12), nstr(b, 12)] for a, b in ph.unresolved],
        "boxes": ph.boxes,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _cell_star(args):
    return cell(*args)


def phase_grid(Ks, Ls, names=None, n: int = 1, dps: int = DEFAULT_DPS, pairs=(("dnc", "paired"),),
               certify: bool = False, workers: int | None = None, progress: bool = False,
               search_bits: int = SEARCH_BITS) -> dict:
    """The phase diagram for every (K, L) in Ks × Ls, with the Theorem 1 comparison.

    ``workers``: processes (default: the number of CPUs; 1 runs in this process)."""
    Ks = sorted({V.integer("K", K, 2) for K in Ks})
    Ls = sorted({V.integer("L", L, 1) for L in Ls})
    n = V.integer("n", n, 1)
    dps = check_dps(dps)
    if names is not None:
        for nm in names:
            if not str(nm).startswith("blocks:"):
                V.choice("structure", nm, FAMILY_NAMES)
    jobs = [(K, L, names, n, dps, pairs, certify, search_bits) for L in Ls for K in Ks]
    # expensive cells first for load balance: large K, then odd K (two-scale family)
    order = sorted(range(len(jobs)), key=lambda i: -(jobs[i][0] + 3 * (jobs[i][0] % 2)))
    workers = (os.cpu_count() or 1) if workers is None else V.integer("workers", workers, 1)
    t0 = time.perf_counter()
    results: dict = {}
    from tqdm import tqdm
    bar = tqdm(total=len(jobs), desc="phase", disable=not progress, leave=False)
    if workers == 1 or len(jobs) == 1:
        for i in order:
            results[i] = _cell_star(jobs[i])
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            futs = {i: ex.submit(_cell_star, jobs[i]) for i in order}
            for i in order:
                results[i] = futs[i].result()
                bar.update()
    bar.close()
    cells = [results[i] for i in range(len(jobs))]
    never = sorted([c["K"], c["L"]] for c in cells if not c["dnc_ever_optimal"])
    region = sorted([K, L] for K in Ks for L in Ls if stated_region(K, L))
    return {
        "n": n, "dps": dps, "K": Ks, "L": Ls,
        "families": names if names is not None else "default (dnc, paired, paired2 and paired2c for odd K, polygon)",
        "theorem1": {
            "stated_region": region,
            "dnc_never_optimal": never,
            "reproduced": never == region,
            "dnc_loses_outside_region": [
                {"K": c["K"], "L": c["L"], "dnc_loses": c["dnc_loses"]}
                for c in cells if not c["in_stated_region"] and c["dnc_loses"]],
        },
        "cells": cells,
        "seconds": round(time.perf_counter() - t0, 2),
        "workers": workers,
    }


CSV_COLUMNS = ["K", "L", "n", "kind", "label", "lam_lo", "lam_hi", "lam", "digits", "certified"]


def csv_rows(grid: dict) -> list:
    """Flat rows: one per interval (kind 'interval'), switch, zero threshold, fold and pairwise tie."""
    rows = []
    for c in grid["cells"]:
        base = {"K": c["K"], "L": c["L"], "n": c["n"]}
        for iv in c["intervals"]:
            rows.append(dict(base, kind="interval", label=iv["winner"], lam_lo=iv["lam_lo"], lam_hi=iv["lam_hi"]))
        for t in c["switches"]:
            rows.append(dict(base, kind=t["kind"] if t["kind"] != "tie" else "switch", label=t["label"],
                             lam=t["lam"], digits=t["digits"], certified=t["certified"]))
        for lab, t in c["folds"].items():
            rows.append(dict(base, kind="fold", label=lab, lam=t["lam"], digits=t["digits"], certified=t["certified"]))
        for pair, rep in c["ties"].items():
            for t in rep["ties"]:
                rows.append(dict(base, kind="tie", label=pair, lam=t["lam"], digits=t["digits"],
                                 certified=t["certified"]))
    return rows


COLORS = {"zero": "#dddddd", "dnc": "#1f77b4", "paired": "#d62728", "paired2": "#ff7f0e", "paired2c": "#8c564b",
          "polygon": "#2ca02c"}


def plot(grid: dict, path: str | None = None, lam_floor_log2: float = -30):
    """One panel per L: for each K a vertical strip coloured by the winner over log₂ λ (at n); ties of
    DNC and paired marked with black ticks. Saved to ``path`` (PNG) when given; returns the figure."""
    import matplotlib
    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    Ls = grid["L"]
    ncol = min(4, len(Ls))
    nrow = (len(Ls) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 3.2 * nrow), squeeze=False, sharey=True)
    used = set()
    for idx, L in enumerate(Ls):
        ax = axes[idx // ncol][idx % ncol]
        for c in (c for c in grid["cells"] if c["L"] == L):
            K = c["K"]
            for iv in c["intervals"]:
                lo = iv["log2_lam_lo"] if iv["log2_lam_lo"] is not None else lam_floor_log2
                hi = iv["log2_lam_hi"] if iv["log2_lam_hi"] is not None else 2
                lo, hi = max(lo, lam_floor_log2), min(hi, 2)
                if hi <= lo:
                    continue
                key = iv["winner"].split("=")[0]
                used.add(iv["winner"])
                ax.add_patch(matplotlib.patches.Rectangle((K - 0.4, lo), 0.8, hi - lo,
                                                          color=COLORS.get(key, "#9467bd"),
                                                          hatch="//" if "=" in iv["winner"] else None, lw=0))
            for rep in c["ties"].values():
                for t in rep["ties"]:
                    if t.get("log2_lam") is not None:
                        ax.plot([K - 0.45, K + 0.45], [float(t["log2_lam"])] * 2, color="k", lw=1.2)
        ax.set_xlim(min(grid["K"]) - 0.6, max(grid["K"]) + 0.6)
        ax.set_ylim(lam_floor_log2, 2)
        ax.set_title(f"L = {L}")
        ax.set_xlabel("K")
        if idx % ncol == 0:
            ax.set_ylabel(f"log2 λ  (n = {grid['n']})")
    for j in range(len(Ls), nrow * ncol):
        axes[j // ncol][j % ncol].axis("off")
    handles = [Patch(color=COLORS.get(lab.split("=")[0], "#9467bd"), label=lab,
                     hatch="//" if "=" in lab else None) for lab in sorted(used)]
    handles.append(matplotlib.lines.Line2D([], [], color="k", label="DNC = paired tie"))
    fig.legend(handles=handles, loc="lower center", ncol=min(6, len(handles)), frameon=False)
    fig.suptitle("Lowest optimum of the linear DUFM (CE), by λ")
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
