"""Ties of two families: every μ where their optimal losses are equal, found by the branch and bound
(``search``) and refined to dps digits, certified on request (see the ``thresholds`` package docstring)."""
from __future__ import annotations

from dataclasses import dataclass

import mpmath

from .. import _validate as V
from ..families import Family
from ..optimal_value import FamilyCurves, newton_bracket
from ..precision import DEFAULT_DPS, default_ambient_precision, SEARCH_BITS, PrecisionError, check_dps, nstr, recompute_and_check, working_precisions
from .search import SEARCH_DPS, branch_and_bound, difference_sign, make_l1_endpoint_rule, search_curves
from .tail import alpha, search_start, tail_bound, v0_lower
from .zero import Threshold


# ---- refining a tie ------------------------------------------------------------------------------------

#: Digits of the first, cheap solve of a tie (a Newton start for the two working precisions).
SEED_DPS = 25


def _refine_tie(fx: Family, fy: Family, L: int, a, b, wdps: int, hints=None, x0=None):
    """The unique zero of D = V_X − V_Y in [a, b] at wdps digits (safeguarded Newton, D' exact).
    With ``x0`` (a lower-precision root) plain Newton from x0 is tried first; it must stay in [a, b]
    and converge quadratically, else the bracketed iteration runs. Plain Newton stops at a step below
    16·eps, or once a (shrinking) step is below 2^−(prec/2 + 8): in the quadratic regime the error
    after that step is of the order of its square, below the rounding noise of D (which can keep a
    further step from ever reaching 16·eps when D is a difference of two larger values)."""
    X, Y = FamilyCurves(fx, L, wdps), FamilyCurves(fy, L, wdps)
    if hints:
        X._hints.update({k: dict(v) for k, v in hints[0].items()})
        Y._hints.update({k: dict(v) for k, v in hints[1].items()})
    with mpmath.workdps(wdps):
        a, b = mpmath.mpf(a), mpmath.mpf(b)

        def D(mu):
            vx, dx, _ = X.point(mu)
            vy, dy, _ = Y.point(mu)
            return vx - vy, dx - dy

        if x0 is not None:
            x = mpmath.mpf(x0)
            tol = mpmath.eps * 16
            quad = mpmath.mpf(2) ** (-(mpmath.mp.prec // 2 + 8))
            prev = None
            for _ in range(12):
                Dx, dD = D(x)
                if dD == 0:
                    break
                xn = x - Dx / dD
                if not (a < xn < b):
                    break
                step = abs(xn - x)
                if step <= tol * abs(xn):
                    return xn
                if prev is not None and step > prev / 2:
                    break
                if step <= quad * abs(xn):
                    return xn
                prev, x = step, xn

        Da, _ = D(a)
        Db, _ = D(b)
        if Da == 0:
            return a
        if Db == 0:
            return b
        if mpmath.sign(Da) == mpmath.sign(Db):
            raise PrecisionError("tie bracket lost its sign change at higher precision")
        return newton_bracket(None, None, a, b, x0=a - Da * (b - a) / (Db - Da), fa=Da, fdf=D, tol_factor=16)


def _certify_tie(fx, fy, L, mu, dps, backend):
    """Proven bracket [μ(1−ε), μ(1+ε)], ε = 10^-(dps+3): proven opposite signs of D at both ends."""
    wdps = working_precisions(dps)[1]
    X = FamilyCurves(fx, L, wdps, backend_name=backend)
    Y = FamilyCurves(fy, L, wdps, backend_name=backend)
    with mpmath.workdps(wdps):
        eps = mpmath.mpf(10) ** (-(dps + 3))
        lo, hi = mu * (1 - eps), mu * (1 + eps)
        B = X.B
        with B.precision(X.prec):
            s = [difference_sign(X.B, X.value(m), Y.value(m)) for m in (lo, hi)]
    if s[0] * s[1] >= 0:
        raise PrecisionError(f"could not certify the tie of {fx.name} and {fy.name}")
    return lo, hi


def refine_switch(fx: Family, fy: Family, L: int, a, b, dps: int = DEFAULT_DPS, certify: bool = False,
                  backend=None, kind: str = "tie", hints=None) -> Threshold:
    """The tie of fx and fy in the box [a, b] (exactly one, from ``branch_and_bound``), to dps digits.
    ``hints``: (FamilyValue of fx, FamilyValue of fy) near the box, for starting scales."""
    hh = (hints[0].hints(), hints[1].hints()) if hints else None
    runs = []  # each precision starts Newton from the previous root: SEED_DPS digits, then the two checked ones
    try:
        runs.append(_refine_tie(fx, fy, L, a, b, SEED_DPS, hh))
    except ArithmeticError:  # (PrecisionError) no seed: the first working precision brackets on its own
        pass

    def fn(wdps):
        runs.append(_refine_tie(fx, fy, L, a, b, wdps, hh, x0=runs[-1] if runs else None))
        return runs[-1]

    val, dig = recompute_and_check(fn, dps, f"tie {fx.name}/{fy.name}")
    enc = _certify_tie(fx, fy, L, val, dps, backend) if certify else None
    return Threshold(kind, f"{fx.name}|{fy.name}", fx.K, L, val, dps, dig, enc)


# ---- public: ties of two families -------------------------------------------------------------------------

@dataclass
class TieReport:
    """Every tie of two families in (0, ∞), and why none was missed."""

    K: int
    L: int
    names: tuple
    ties: list
    mu_range: tuple
    boxes: int
    evaluations: int
    argument: str
    unresolved: list

    def to_dict(self, n: int = 1) -> dict:
        return {"K": self.K, "L": self.L, "families": list(self.names),
                "ties": [t.to_dict(n) for t in self.ties],
                "searched_mu": [nstr(x, 8) if x is not None else None for x in self.mu_range],
                "boxes": self.boxes, "evaluations": self.evaluations, "completeness": self.argument,
                "unresolved": [[nstr(a, 12), nstr(b, 12)] for a, b in self.unresolved]}


@default_ambient_precision
def ties(fx: Family, fy: Family, L: int, dps: int = DEFAULT_DPS, search_dps: int = SEARCH_DPS,
         search_bits: int = SEARCH_BITS, certify: bool = False, backend=None, mu_floor=None,
         _curves=None, _cache=None) -> TieReport:
    """Every μ (λ at n = 1) where the optimal losses of fx and fy are equal (module docstring)."""
    dps = check_dps(dps)
    L = V.integer("L", L, 1)
    if fx.K != fy.K:
        raise V.ParameterError(f"families must have the same K, got {fx.K} and {fy.K}")
    K = fx.K
    if fx.equivalent(fy):
        return TieReport(K, L, (fx.name, fy.name), [], (None, None), 0, 0,
                         "the two families have identical V(μ) (same gaps and singular values up to scale)", [])
    X, Y = _curves if _curves is not None else search_curves([fx, fy], L, search_dps, search_bits, backend)
    zx, zy = X.zero_threshold(), Y.zero_threshold()
    hi = min(zx, zy)
    if hi == 0:
        return TieReport(K, L, (fx.name, fy.name), [], (None, None), 0, 0,
                         "one family never beats the zero solution: no tie below the other's zero threshold", [])
    ax, ay = alpha(fx, L), alpha(fy, L)
    w, l = (fx, fy) if ax < ay else (fy, fx)
    mu0, floor = search_start(tail_bound(w, l, L, backend), mu_floor, hi, search_dps)
    floor_note = ("" if floor is None else
                  f"; below μ = {nstr(floor, 3)} NOT searched (no tail bound: equal asymptotic constants)")
    # the other family stays below f(0) up to its own threshold: search up to hi, both alive
    boxes, ev = branch_and_bound([X, Y], mu0, hi, [max(zx, hi), max(zy, hi)], v0=[v0_lower(fx), v0_lower(fy)],
                                 endpoint_rule=make_l1_endpoint_rule([X, Y], L), cache=_cache)
    found, unresolved = [], []
    for bx in boxes:
        if bx.status == "switch":
            found.append(refine_switch(fx, fy, L, bx.a, bx.b, dps, certify, backend,
                                       hints=(ev(0, bx.a), ev(1, bx.a))))
        elif bx.status == "unresolved":
            unresolved.append((bx.a, bx.b))
    arg = (f"μ in (0, {nstr(mu0, 3)}]: {w.name} is lower by the tail bound (α = {nstr(min(ax, ay), 8)} < "
           f"{nstr(max(ax, ay), 8)}){floor_note}; [{nstr(mu0, 3)}, {nstr(hi, 8)}]: {len(boxes)} boxes, each "
           f"proven with interval arithmetic to hold no tie or exactly one (concavity and monotonicity of V); "
           f"above {nstr(hi, 8)} one family is the zero solution and the other is not worse")
    return TieReport(K, L, (fx.name, fy.name), found, (mu0, hi), len(boxes), ev.count, arg, unresolved)
