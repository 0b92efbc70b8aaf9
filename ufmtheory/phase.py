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

import mpmath
import numpy as np

from . import _validate as V
from .limits import (COUPLED_MAX_DPS, PHASE_COUPLED_AUTO_CELLS, PHASE_MAX_DPS, coupled_phase_seconds, PHASE_MAX_K, PHASE_MAX_L, PHASE_MAX_N, PHASE_MAX_SECONDS, phase_cell_seconds,
                     require_seconds)
from .names import COUPLED_NAME, FAMILY_NAMES
from .patterns import require as require_pattern
from .processes import process_executor
from .precision import DEFAULT_DPS, GUARD_DIGITS, SEARCH_BITS, nstr


#: What the Theorem 1 comparison of ``phase_grid`` proves, and what is relative to the compared families.
THEOREM1_SCOPE = ("family-relative: where DNC is never optimal, a compared structure beats it at every λ (so no DNC "
                  "solution is a global minimum there, proven); where DNC is 'ever optimal' it is only the best "
                  "of the compared families, so 'reproduced' means the region is reproduced among them")


def stated_region(K: int, L: int) -> bool:
    """Theorem 1's hypotheses: K >= 4 and L >= 3, or K >= 6 and L = 2."""
    return (K >= 4 and L >= 3) or (K >= 6 and L == 2)


def _lam(mu, L: int, n: int, dps: int) -> str:
    if mu == mpmath.inf:
        return "inf"
    with mpmath.workdps(2 * dps + GUARD_DIGITS):
        return nstr(mu / mpmath.root(n, L + 1), dps) if mu != 0 else "0"


#: What an interval of a paired2c winner means next to the coupled family (``coupled``): paired2c is its face
#: γ = 0, where ∂f/∂γ = (2m/K) e^{−a}/S > 0, so it is not a critical point when its singleton scale is positive.
PAIRED2C_NOTE = ("upper bound: paired2c is the face γ = 0 of the coupled family and not a critical point when its "
                 "singleton scale is positive (∂f/∂γ = (2m/K)e^{−a}/S ≠ 0 there)")


def cell(K: int, L: int, names=None, n: int = 1, dps: int = DEFAULT_DPS, pairs=(("dnc", "paired"),),
         certify: bool = False, search_bits: int = SEARCH_BITS, coupled: bool = False) -> dict:
    """One (K, L) of the phase diagram as a JSON-ready dict (λ at ``n``; μ = λ at n = 1 also given).
    ``coupled`` (odd K >= 3): also compare the coupled family (``coupled.phase_overlay``: the intervals are
    split at its ties with the winners, to ``dps`` digits at two precisions; not proven like the rest)."""
    from .families import named_family  # sympy: only once a cell is computed
    from .thresholds import phase
    t0 = time.perf_counter()
    names = list(names) if names is not None else None
    fams = None
    if names is not None:
        fams = []
        for nm in names:
            if not require_pattern(nm, "phase", "structure").accepts_K(K):
                continue  # e.g. the odd-K two-scale families: for even K they are paired itself
            fams.append(named_family(nm, K))
    ph = phase(K, L, fams, dps=dps, pairs=pairs, certify=certify, search_bits=search_bits)
    lam = lambda mu: _lam(mu, L, n, dps)  # noqa: E731
    ivs = list(ph.intervals)
    overlay = None
    if coupled and K % 2 == 1 and K >= 3:
        from .coupled import phase_overlay
        overlay = phase_overlay(K, L, ivs, dps=dps)
        ivs = overlay["intervals"]
    intervals = [{"winner": lab, "lam_lo": lam(a), "lam_hi": lam(b),
                  "log2_lam_lo": None if a == 0 else float(mpmath.log(a / mpmath.root(n, L + 1), 2)),
                  "log2_lam_hi": None if b == mpmath.inf else float(mpmath.log(b / mpmath.root(n, L + 1), 2)),
                  "scope": "family-relative"}
                 for a, b, lab in ivs]
    for iv in intervals:
        if "paired2c" in iv["winner"].split("=") and overlay is not None:
            iv["upper_bound"] = True
            iv["note"] = PAIRED2C_NOTE
    folds = {k: t.to_dict(n) for k, t in ph.folds.items()}
    dnc_label = next((lab for lab in list(ph.folds) if "dnc" in lab.split("=")), None)
    loses = []
    if dnc_label is not None:
        fold = ph.folds[dnc_label].value
        for a, b, lab in ivs:
            if "dnc" in lab.split("="):
                continue
            hi = min(b, fold)
            if hi > a:
                loses.append({"to": lab, "lam_lo": lam(a), "lam_hi": lam(hi)})
    out_coupled = None
    if overlay is not None:
        with mpmath.workdps(dps):
            out_coupled = {"ties": [t.to_dict(n) for t in overlay["ties"]],
                           "searched_lam": [lam(m) for m in overlay["searched_mu"]],
                           "points": overlay["points"], "method": overlay["method"], "certified": False,
                           "listed_intervals": [{"winner": lab, "lam_lo": lam(a), "lam_hi": lam(b)}
                                                for a, b, lab in ph.intervals]}
    return {
        "K": K, "L": L, "n": n, "dps": dps,
        "families": ph.labels + ([] if overlay is None else ["coupled"]), "left_out": ph.dropped,
        "coupled": out_coupled,
        "intervals": intervals,
        "switches": _switches(ph, ivs, overlay, n),
        "zero_thresholds": {k: t.to_dict(n) for k, t in ph.zero.items()},
        "folds": folds,
        "ties": {f"{r.names[0]}|{r.names[1]}": r.to_dict(n) for r in ph.pair_ties},
        "dnc_ever_optimal": any("dnc" in lab.split("=") for _, _, lab in ivs) if overlay is not None
        else ph.family_wins("dnc"),
        "dnc_loses": loses,
        "in_stated_region": stated_region(K, L),
        "completeness": ph.argument,
        "unresolved": [[nstr(a, 12), nstr(b, 12)] for a, b in ph.unresolved],
        "boxes": ph.boxes,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _switches(ph, ivs, overlay, n):
    """The switches of the listed families that are still ends of the intervals, and the coupled ties."""
    if overlay is None:
        return [t.to_dict(n) for t in ph.thresholds]
    ends = {a for a, _, _ in ivs} | {b for _, b, _ in ivs}
    out = [t.to_dict(n) for t in ph.thresholds if t.value in ends]
    out += [t.to_dict(n) for t in overlay["ties"] if t.mu in ends]
    return sorted(out, key=lambda d: mpmath.mpf(d["mu"]))


def coupled_cells(Ks, Ls, coupled) -> list:
    """The (K, L) cells that compare the coupled family: ``coupled`` True (every odd K), False (none) or None
    (auto: every odd K if there are at most ``limits.PHASE_COUPLED_AUTO_CELLS`` such cells, else none)."""
    odd = [(K, L) for K in Ks for L in Ls if K % 2 == 1 and K >= 3]
    if coupled is None:
        return odd if len(odd) <= PHASE_COUPLED_AUTO_CELLS else []
    return odd if coupled else []


def _cell_star(args):
    return cell(*args)


def grid_seconds(Ks, Ls, dps: int, workers: int, coupled=False) -> float:
    """Estimated wall-clock seconds of the grid Ks × Ls (``limits.phase_cell_seconds`` per cell, plus
    ``limits.coupled_phase_seconds`` for the cells of ``coupled_cells``, spread over ``workers``, never less
    than the slowest cell)."""
    with_c = set(coupled_cells(Ks, Ls, coupled))
    cells = [phase_cell_seconds(K, L, dps) + (coupled_phase_seconds(dps) if (K, L) in with_c else 0)
             for K in Ks for L in Ls]
    return max(sum(cells) / max(1, min(workers, len(cells))), max(cells, default=0))


def check_grid(Ks, Ls, n: int = 1, dps: int = DEFAULT_DPS, workers: int | None = None, coupled=False):
    """Validated (Ks, Ls, n, dps, workers) of a phase grid, refused (``ParameterError``) beyond the
    bounds of ``limits`` (PHASE_MAX_K, _L, _N, _DPS) or when ``grid_seconds`` exceeds PHASE_MAX_SECONDS."""
    Ks = sorted({V.integer("K", K, 2, PHASE_MAX_K) for K in Ks})
    Ls = sorted({V.integer("L", L, 1, PHASE_MAX_L) for L in Ls})
    if not Ks or not Ls:
        raise V.ParameterError("K and L: give at least one value each")
    n = V.integer("n", n, 1)
    if n > PHASE_MAX_N:
        raise V.ParameterError(f"n must be an integer >= 1 and <= 10^{len(str(PHASE_MAX_N)) - 1}, "
                               f"got a {len(str(n))}-digit number")
    dps = V.integer("dps", dps, 5, PHASE_MAX_DPS)
    cpus = os.cpu_count() or 1
    workers = cpus if workers is None else V.integer("workers", workers, 1, cpus)
    nc = len(coupled_cells(Ks, Ls, coupled))
    if nc and dps > COUPLED_MAX_DPS:
        raise V.ParameterError(f"dps: the coupled family is computed to at most {COUPLED_MAX_DPS} digits, got {dps} "
                               f"(or leave it out: --no-coupled)")
    est = grid_seconds(Ks, Ls, dps, workers, coupled)
    require_seconds(f"the phase grid of {len(Ks) * len(Ls)} cells (K up to {Ks[-1]}, {dps} digits, "
                    f"{workers} worker(s)" + (f", {nc} with the coupled family" if nc else "") + ")",
                    est, PHASE_MAX_SECONDS)
    return Ks, Ls, n, dps, workers


def phase_grid(Ks, Ls, names=None, n: int = 1, dps: int = DEFAULT_DPS, pairs=(("dnc", "paired"),),
               certify: bool = False, workers: int | None = None, progress: bool = False,
               search_bits: int = SEARCH_BITS, coupled=None) -> dict:
    """The phase diagram for every (K, L) in Ks × Ls, with the Theorem 1 comparison. Every winner is the
    best among ``compared`` (scope "family-relative"), not a proven global optimum.

    ``workers``: processes (default: the number of CPUs; 1 runs in this process). Inputs are
    checked by ``check_grid``; Ctrl-C stops the workers and raises KeyboardInterrupt."""
    Ks, Ls, n, dps, workers = check_grid(Ks, Ls, n, dps, workers, coupled)
    with_c = set(coupled_cells(Ks, Ls, coupled))
    if names is not None:
        for nm in names:
            require_pattern(nm, "phase", "structure")
    jobs = [(K, L, names, n, dps, pairs, certify, search_bits, (K, L) in with_c) for L in Ls for K in Ks]
    # expensive cells first for load balance: large K, then odd K (two-scale family)
    order = sorted(range(len(jobs)), key=lambda i: -(jobs[i][0] + 3 * (jobs[i][0] % 2)))
    t0 = time.perf_counter()
    results: dict = {}
    from tqdm import tqdm
    bar = tqdm(total=len(jobs), desc="phase", disable=not progress, leave=False)
    try:
        if workers == 1 or len(jobs) == 1:
            for i in order:
                results[i] = _cell_star(jobs[i])
                bar.update()
        else:
            with process_executor(min(workers, len(jobs))) as ex:  # workers die with this process
                futs = {i: ex.submit(_cell_star, jobs[i]) for i in order}
                for i in order:
                    results[i] = futs[i].result()
                    bar.update()
    finally:
        bar.close()
    cells = [results[i] for i in range(len(jobs))]
    compared = ["zero"]  # every family of some cell (merged labels 'a=b' split), in FAMILY_NAMES order
    for c in cells:
        for lab in list(c["families"]) + list(c["left_out"]):
            compared += [nm for nm in lab.split("=") if nm not in compared]
    order_names = FAMILY_NAMES + (COUPLED_NAME,)
    compared = ["zero"] + sorted(compared[1:], key=lambda nm: (order_names.index(nm) if nm in order_names
                                                              else len(order_names), nm))
    never = sorted([c["K"], c["L"]] for c in cells if not c["dnc_ever_optimal"])
    region = sorted([K, L] for K in Ks for L in Ls if stated_region(K, L))
    return {
        "n": n, "dps": dps, "K": Ks, "L": Ls,
        "families": names if names is not None else "default (dnc, paired, paired2 and paired2c for odd K, polygon)",
        "scope": "family-relative",
        "compared": compared,
        "coupled_cells": sorted([K, L] for K, L in with_c),
        "theorem1": {
            "scope": THEOREM1_SCOPE,
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


def representative_lam(lam_lo: str, lam_hi: str) -> mpmath.mpf:
    """A λ inside an interval of the diagram (decimal strings; "inf" for no upper end): the geometric
    mean of finite positive ends, hi/4 below the first switch, 4·lo above the last (and 1 for (0, ∞)).

    >>> float(representative_lam("0", "0.04")), float(representative_lam("0.01", "0.04")), float(representative_lam("0.5", "inf"))
    (0.01, 0.02, 2.0)
    """
    lo = mpmath.mpf(lam_lo)
    hi = mpmath.inf if lam_hi == "inf" else mpmath.mpf(lam_hi)
    if lo == 0:
        return mpmath.mpf(1) if hi == mpmath.inf else hi / 4
    return lo * 4 if hi == mpmath.inf else mpmath.sqrt(lo * hi)


def interval_evidence(grid: dict, search: int = 0, atlas: int = 0, seed: int = 0, progress: bool = False) -> list:
    """Test every interval's winner of ``phase_grid``'s result against the multi-start global search
    (``search`` starts) and, for K <= ``limits.ATLAS_MAX_K``, the symmetry atlas (``atlas`` starts per
    subgroup class), at ``representative_lam`` of the interval. The winner's loss there is the lowest of
    the cell's compared families (exact optima, ``global_search.named_optima``, and the coupled family
    when the cell compares it). Each interval gets ``scope`` "best-known" (nothing lower found;
    ``evidence`` says with what) or keeps "family-relative" with ``beaten_by`` (what beat it, at which λ,
    by how much). Returns the list of flags ({K, L, interval, by, lam, loss, winner_loss}), also stored
    as ``grid["flags"]``. Evidence at one λ per interval, not a proof for the whole interval."""
    from tqdm import tqdm

    from .atlas import atlas as run_atlas
    from .families import named_family
    from .global_search import global_search, named_optima
    from .limits import ATLAS_MAX_K
    from .precision import WINNER_RTOL
    search = V.integer("search", search, 0)
    atlas = V.integer("atlas", atlas, 0)
    n = grid["n"]
    flags = []
    todo = [(c, iv) for c in grid["cells"] for iv in c["intervals"]]
    for c, iv in tqdm(todo, desc="evidence", disable=not progress, leave=False):
        K, L = c["K"], c["L"]
        lam = representative_lam(iv["lam_lo"], iv["lam_hi"])
        with mpmath.workdps(30):
            mu = lam * mpmath.root(n, L + 1)
            fams = [named_family(nm, K) for lab in c["families"] for nm in lab.split("=")[:1]
                    if nm != COUPLED_NAME]
            losses = [d["loss"] for d in named_optima(K, L, mu, fams)]
            if COUPLED_NAME in c["families"]:
                from .coupled import CoupledFamily, optimum
                losses.append(float(optimum(CoupledFamily.at(K, L, mu), 20).loss))
        best = min(losses)
        tol = WINNER_RTOL * max(1.0, abs(best))
        found, beaten = [], None
        if search:
            r = global_search(K, L, lam, n=n, starts=search, seed=seed, families=())
            found.append(f"search: {search} starts (seed {seed}), best {r.best_loss:.12g}")
            if r.best_loss < best - tol:
                beaten = {"by": "search", "loss": r.best_loss,
                          "singular_values": [float(x) for x in r.singular_values]}
        if atlas and K <= ATLAS_MAX_K and beaten is None:
            a = run_atlas(K, L, lam, n=n, starts=atlas, seed=seed, search_starts=0, refine_top=1)
            top = a["best"]
            found.append(f"atlas: {a['classes']} classes × {atlas} starts, best {top['pattern']} "
                         f"{float(top['loss']):.12g}")
            if float(top["loss"]) < best - tol:
                beaten = {"by": "atlas", "loss": float(top["loss"]), "pattern": top["pattern"],
                          "isotropy": top["isotropy"]}
        if not found:
            continue
        at = nstr(lam, 12)
        if beaten is None:
            iv["scope"] = "best-known"
            iv["evidence"] = f"at λ = {at}: " + "; ".join(found) + f"; winner {best:.12g}"
        else:
            beaten.update(lam=at, winner_loss=best)
            iv["beaten_by"] = beaten
            flags.append({"K": K, "L": L, "interval": [iv["lam_lo"], iv["lam_hi"]], "winner": iv["winner"],
                          **beaten})
    grid["flags"] = flags
    return flags


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


#: One colour per winner label, the same in every plot (merged labels 'a=b' are winners of their own).
COLORS = {"zero": "#d9d9d9", "dnc": "#1f77b4", "paired": "#d62728", "paired2": "#ff7f0e", "paired2c": "#8c564b",
          "polygon": "#2ca02c", "dnc=polygon": "#17becf", "dnc=paired": "#9467bd", "dnc=paired=polygon": "#aec7e8",
          "paired=polygon": "#e377c2", "paired=paired2": "#ffbb78", "paired2=paired2c": "#c49c94"}
#: Colours for labels not in COLORS (e.g. blocks:3+2), given in sorted order of the labels of a plot.
EXTRA_COLORS = ("#bcbd22", "#7f7f7f", "#f7b6d2", "#dbdb8d", "#98df8a", "#ff9896", "#c5b0d5", "#9edae5", "#393b79",
                "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")


def winner_colors(labels) -> dict:
    """label → colour: COLORS for the known ones; the others get distinct EXTRA_COLORS in sorted order
    (then grey shades if there are more labels than colours)."""
    out = {lab: COLORS[lab] for lab in labels if lab in COLORS}
    spare = [c for c in EXTRA_COLORS if c not in out.values()]
    for k, lab in enumerate(sorted(set(labels) - set(out))):
        out[lab] = spare[k] if k < len(spare) else str(round(0.15 + 0.7 * (k - len(spare)) / max(1, len(labels)), 4))
    return out


def lam_axis_limits(grid: dict, margin: float = 2.0) -> tuple:
    """(lo, hi) of log₂ λ showing every finite interval endpoint and tie of the grid, with ``margin``."""
    xs = [v for c in grid["cells"] for iv in c["intervals"] for v in (iv["log2_lam_lo"], iv["log2_lam_hi"])
          if v is not None]
    xs += [float(t["log2_lam"]) for c in grid["cells"] for rep in c["ties"].values() for t in rep["ties"]
           if t.get("log2_lam") is not None]
    if not xs:
        return -10.0, 2.0
    return float(np.floor(min(xs) - margin)), float(max(2.0, np.ceil(max(xs) + margin)))


def plot(grid: dict, path: str | None = None):
    """One panel per L: for each K a horizontal strip over log₂ λ (at n) coloured by the winner (one
    fixed colour per winner, ``winner_colors``); ties of the ``pairs`` marked with black ticks. The λ axis
    reaches every finite switch (``lam_axis_limits``); the legend sits right of the panels. Saved to
    ``path`` when given; returns the figure."""
    import matplotlib
    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    Ls, Ks = grid["L"], grid["K"]
    lo_x, hi_x = lam_axis_limits(grid)
    labels = sorted({iv["winner"] for c in grid["cells"] for iv in c["intervals"]},
                    key=lambda lab: (lab == "zero", lab))
    colors = winner_colors(labels)
    ncol = min(4, len(Ls))
    nrow = (len(Ls) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol, 0.6 + 0.24 * len(Ks) * nrow + 0.5 * nrow),
                             squeeze=False, sharex=True, sharey=True)
    for idx, L in enumerate(Ls):
        ax = axes[idx // ncol][idx % ncol]
        for c in (c for c in grid["cells"] if c["L"] == L):
            K = c["K"]
            for iv in c["intervals"]:
                lo = iv["log2_lam_lo"] if iv["log2_lam_lo"] is not None else lo_x
                hi = iv["log2_lam_hi"] if iv["log2_lam_hi"] is not None else hi_x
                if hi > lo:
                    ax.add_patch(Rectangle((lo, K - 0.4), hi - lo, 0.8, facecolor=colors[iv["winner"]], lw=0,
                                           gid=iv["winner"]))
            for rep in c["ties"].values():
                for t in rep["ties"]:
                    if t.get("log2_lam") is not None:
                        ax.plot([float(t["log2_lam"])] * 2, [K - 0.45, K + 0.45], color="k", lw=1.2)
        ax.set_xlim(lo_x, hi_x)
        ax.set_ylim(min(Ks) - 0.6, max(Ks) + 0.6)
        ax.set_yticks(Ks if len(Ks) <= 16 else Ks[::max(1, len(Ks) // 12)])
        ax.set_title(f"L = {L}", fontsize=10)
        ax.grid(axis="x", color="w", lw=0.5, alpha=0.6)
        if idx // ncol == nrow - 1 or idx + ncol >= len(Ls):
            ax.set_xlabel(f"log₂ λ  (n = {grid['n']})")
            ax.xaxis.set_tick_params(labelbottom=True)
        if idx % ncol == 0:
            ax.set_ylabel("K")
    for j in range(len(Ls), nrow * ncol):
        axes[j // ncol][j % ncol].axis("off")
    handles = [Patch(facecolor=colors[lab], label=lab) for lab in labels]
    if any(rep["ties"] for c in grid["cells"] for rep in c["ties"].values()):
        handles.append(Line2D([], [], color="k", label="tie of a reported pair (--pairs)"))
    fig.suptitle("Lowest optimum among the compared families (family-relative), linear DUFM, CE, by λ", fontsize=11)
    fig.tight_layout()
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, title="winner")
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig
