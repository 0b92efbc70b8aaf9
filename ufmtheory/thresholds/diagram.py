"""The phase diagram of one (K, L): which family (or the zero solution) has the lowest optimum on each
μ-interval, every switch to dps digits (see the ``thresholds`` package docstring)."""
from __future__ import annotations

from dataclasses import dataclass

import mpmath

from .. import _validate as V
from ..families import default_families, merge_equivalent
from ..precision import DEFAULT_DPS, default_ambient_precision, SEARCH_BITS, check_dps, nstr
from .search import SEARCH_DPS, branch_and_bound, make_l1_endpoint_rule, search_curves
from .switches import refine_switch, ties
from .tail import alpha, search_start, tail_bound, v0_lower
from .zero import fold_threshold, zero_threshold


# ---- public: the phase diagram of one (K, L) -----------------------------------------------------------------

@dataclass
class Phase:
    """Which family (or the zero solution) has the lowest optimum, on μ-intervals (μ = λ at n = 1)."""

    K: int
    L: int
    labels: list
    intervals: list  # (mu_lo, mu_hi, label); mu_lo = 0 first, mu_hi = inf last
    thresholds: list  # Threshold objects at the interior interval ends (ties and the zero threshold)
    zero: dict  # label -> Threshold
    folds: dict  # label -> Threshold
    pair_ties: list  # TieReport for requested pairs
    argument: str
    unresolved: list
    boxes: int
    dropped: dict  # label -> family containing it

    def winners(self) -> list:
        return [lab for _, _, lab in self.intervals]

    def family_wins(self, name: str) -> bool:
        """Is ``name`` (or a label containing it) the strict winner on some interval?"""
        return any(name in lab.split("=") for lab in self.winners())


@default_ambient_precision
def phase(K: int, L: int, families: list | None = None, dps: int = DEFAULT_DPS, search_dps: int = SEARCH_DPS,
          search_bits: int = SEARCH_BITS, certify: bool = False, backend=None, pairs=(), mu_floor=None) -> Phase:
    """The phase diagram of one (K, L) in μ (= λ at n = 1): every switch of the winner, to dps digits.

    ``families`` default: ``families.default_families(K)``; equivalent families are merged (labels
    'a=b'), and a family that another one in the list dominates (``Family.dominates``, e.g. paired and
    paired2 by paired2c for odd K) is left out of the envelope (it is never strictly lower). ``pairs``:
    pairs of names whose ties are reported even off the envelope (e.g. ('dnc', 'paired')).
    """
    K = V.integer("K", K, 2)
    L = V.integer("L", L, 1)
    dps = check_dps(dps)
    fams = families if families is not None else default_families(K)
    groups = merge_equivalent(fams)
    all_labels = [lab for lab, _ in groups]
    all_reps = [g[0] for _, g in groups]
    dropped = {}
    for lab, f in zip(all_labels, all_reps):
        for other in all_reps:
            if other is not f and any(nm in lab.split("=") for nm in other.dominates):
                dropped[lab] = other.name
    keep = [k for k, lab in enumerate(all_labels) if lab not in dropped]
    labels = [all_labels[k] for k in keep]
    reps = [all_reps[k] for k in keep]
    all_fcs = search_curves(all_reps, L, search_dps, search_bits, backend)
    fcs = [all_fcs[k] for k in keep]
    cache: dict = {}
    zth = {lab: zero_threshold(f, L, dps, certify=certify, backend=backend) for lab, f in zip(labels, reps)}
    folds = {lab: fold_threshold(f, L, dps, certify=certify, backend=backend) for lab, f in zip(all_labels, all_reps)}
    for d in (zth, folds):
        for lab, t in d.items():
            t.label = lab
    zmu = [fc.zero_threshold() for fc in fcs]
    # thresholds equal to the search precision are equal (e.g. all h(0)/P = 1/K at L = 1): snap them
    with mpmath.workdps(search_dps):
        tol = mpmath.mpf(10) ** -(search_dps - 5)
        for i in range(len(zmu)):
            for j in range(len(zmu)):
                if abs(zmu[i] - zmu[j]) <= tol * max(zmu[i], zmu[j]):
                    zmu[i] = max(zmu[i], zmu[j])
    mu_hi = max(zmu)
    intervals, thr, unresolved = [], [], []
    nboxes = 0
    if mu_hi == 0:
        intervals = [(mpmath.mpf(0), mpmath.inf, "zero")]
        arg = "no family ever beats the zero solution"
    else:
        alphas = [alpha(f, L) if f.strictly_superior else None for f in reps]
        w = None
        if all(a is not None for a in alphas):
            w = min(range(len(reps)), key=lambda k: alphas[k])
        mu0 = None
        if w is not None:
            bounds = [tail_bound(reps[w], reps[k], L, backend) for k in range(len(reps)) if k != w]
            if all(b is not None for b in bounds):
                mu0 = min(bounds, default=mu_hi / 2)
        mu0, floor = search_start(mu0, mu_floor, mu_hi, search_dps)
        note = "" if floor is None else f" (no tail bound; below {nstr(floor, 3)} not searched)"
        boxes, ev = branch_and_bound(fcs, mu0, mu_hi, zmu, v0=[v0_lower(f) for f in reps],
                                     endpoint_rule=make_l1_endpoint_rule(fcs, L), cache=cache)
        nboxes = len(boxes)
        cur = w if w is not None else (boxes[0].winner if boxes and boxes[0].status == "winner" else None)
        cur_lo = mpmath.mpf(0)
        for bx in boxes:
            if bx.status == "switch":
                left, right = bx.pair
                t = refine_switch(reps[left], reps[right], L, bx.a, bx.b, dps, certify, backend,
                                  hints=(ev(left, bx.a), ev(right, bx.a)))
                t.label = f"{labels[left]}|{labels[right]}"
                thr.append(t)
                intervals.append((cur_lo, t.value, labels[left]))
                cur_lo, cur = t.value, right
            elif bx.status == "winner":
                if cur is not None and bx.winner != cur:
                    if abs(zmu[cur] - bx.a) <= abs(bx.a) * mpmath.mpf(10) ** -(search_dps - 5):
                        # the left winner reached f(0) at its zero threshold and dropped out
                        intervals.append((cur_lo, zth[labels[cur]].value, labels[cur]))
                        cur_lo = zth[labels[cur]].value
                        thr.append(zth[labels[cur]])
                    else:
                        unresolved.append((bx.a, bx.a))
                        intervals.append((cur_lo, bx.a, labels[cur]))
                        cur_lo = bx.a
                cur = bx.winner
            else:
                unresolved.append((bx.a, bx.b))
        last = labels[cur]
        intervals.append((cur_lo, zth[last].value, last))
        thr.append(zth[last])
        intervals.append((zth[last].value, mpmath.inf, "zero"))
        arg = (f"(0, {nstr(mu0, 3)}]: {labels[w] if w is not None else '?'} wins by the tail bound{note}; "
               f"[{nstr(mu0, 3)}, {nstr(mu_hi, 8)}]: {nboxes} boxes ({ev.count} evaluations), each proven with "
               f"interval arithmetic to have one winner or exactly one switch between two families; above "
               f"{nstr(mu_hi, 8)} (the largest zero threshold) the zero solution wins")
        if dropped:
            arg += "; " + ", ".join(f"{k} (never strictly below {v}) left out" for k, v in dropped.items())
    merged = []
    for a, b, lab in intervals:
        if merged and merged[-1][2] == lab:
            merged[-1] = (merged[-1][0], b, lab)
        elif b > a:
            merged.append((a, b, lab))
    pair_reports = []
    for pa, pb in pairs:
        ia, ib = _label_index(all_labels, pa), _label_index(all_labels, pb)
        if ia is None or ib is None or ia == ib:
            continue
        rep = ties(all_reps[ia], all_reps[ib], L, dps, search_dps, search_bits, certify, backend, mu_floor,
                   _curves=(all_fcs[ia], all_fcs[ib]), _cache=cache)
        rep.names = (all_labels[ia], all_labels[ib])
        pair_reports.append(rep)
    return Phase(K, L, labels, merged, thr, zth, folds, pair_reports, arg, unresolved, nboxes, dropped)


def _label_index(labels, name):
    for k, lab in enumerate(labels):
        if name in lab.split("="):
            return k
    return None
