"""Fold and zero thresholds of a family in μ (= λ at n = 1), to dps digits, certified on request.

Fold: μ_fold = max over the peaks of φ of φ(t)/P (``optimal_value.Curve.fold_mu``); zero threshold: the
largest component μ_Z (``optimal_value.component_zero_threshold``). Both at the two
``precision.working_precisions`` (must agree); ``certify=True`` encloses them with interval arithmetic.
See the ``thresholds`` package docstring.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath

from .. import _validate as V
from ..families import Family
from ..optimal_value import Curve, IntervalCurve, component_zero_threshold
from ..precision import (DEFAULT_DPS, PrecisionError, bits_for_digits, check_dps, nstr, recompute_and_check,
                         working_precisions)


# ---- fold and zero thresholds of a family ---------------------------------------------------------

@dataclass
class Threshold:
    """A threshold μ* (= λ* at n = 1) with its verification.

    ``value``: mpf at the higher working precision; ``digits``: significant digits on which the two
    precisions agree (capped at dps); ``enclosure``: certified (lo, hi) or None; ``lam``: λ at ``n``.
    """

    kind: str
    label: str
    K: int
    L: int
    value: mpmath.mpf
    dps: int
    digits: float
    enclosure: tuple | None = None
    n: int = 1
    info: dict = field(default_factory=dict)

    def lam(self, n: int | None = None):
        n = self.n if n is None else n
        with mpmath.workdps(working_precisions(self.dps)[1]):
            return self.value / mpmath.root(n, self.L + 1)

    def to_dict(self, n: int | None = None) -> dict:
        n = self.n if n is None else n
        d = {"kind": self.kind, "label": self.label, "K": self.K, "L": self.L, "n": n,
             "lam": nstr(self.lam(n), self.dps), "mu": nstr(self.value, self.dps),
             "log2_lam": nstr(mpmath.log(self.lam(n), 2), 12) if self.value > 0 else None,
             "digits": self.dps if self.digits >= self.dps else round(float(self.digits), 1),
             "error_bound": self.error_bound(), "certified": self.enclosure is not None}
        if self.enclosure is not None:
            d["enclosure_mu"] = [nstr(self.enclosure[0], self.dps + 5), nstr(self.enclosure[1], self.dps + 5)]
        d.update({k: v for k, v in self.info.items() if isinstance(v, (str, int, float, bool, list))})
        return d

    def error_bound(self) -> str:
        lo_dps, hi_dps = working_precisions(self.dps)
        with mpmath.workdps(hi_dps):
            if self.enclosure is not None:
                r = max(self.value - self.enclosure[0], self.enclosure[1] - self.value)
                return f"|μ − μ*| <= {mpmath.nstr(r, 3)} (interval proof)"
            if self.value == 0:
                return "exact"
            return (f"|μ − μ*| <= {mpmath.nstr(abs(self.value) * mpmath.mpf(10) ** (-self.dps), 3)} "
                    f"(agreement at {lo_dps} and {hi_dps} digits)")


def _high_curves(family: Family, L: int, wdps: int):
    return [Curve(c, L, wdps) for c in family.components]


def _threshold(kind: str, family: Family, L: int, dps: int, certify: bool, backend, per_curve, certifier,
               meaning: str) -> Threshold:
    """max over components of ``per_curve(Curve)`` at both ``working_precisions(dps)`` (must agree),
    optionally enclosed by ``certifier``."""
    dps = check_dps(dps)
    L = V.integer("L", L, 1)

    def fn(w):
        return max((per_curve(cv) for cv in _high_curves(family, L, w)), default=mpmath.mpf(0))

    val, dig = recompute_and_check(fn, dps, f"{kind} of {family.name}")
    enc = certifier(family, L, dps, backend) if (certify and val > 0) else None
    return Threshold(kind, family.name, family.K, L, val, dps, dig, enc, info={"meaning": meaning})


def fold_threshold(family: Family, L: int, dps: int = DEFAULT_DPS, certify: bool = False,
                   backend: str | None = None) -> Threshold:
    """The λ (n = 1) above which no component of ``family`` has a positive critical point (largest fold)."""
    return _threshold("fold", family, L, dps, certify, backend, lambda cv: cv.fold_mu(), _certify_fold,
                      "above this λ (n=1) no positive critical point exists")


def _mu_enclosure(ic, dps: int, t, G, what: str):
    """φ(T)/P for T = [t(1−ε), t(1+ε)], ε = 10^-(dps+3), after proving G(t(1−ε)) > 0 > G(t(1+ε)) (G strictly
    decreasing through its only root there); t = None means the L = 1 end φ(0+)/P = h(0)/P."""
    B = ic.B
    if t is None:
        return ic.h_iv(B.point(0)) / ic.P
    eps = mpmath.mpf(10) ** (-(dps + 3))
    lo, hi = t * (1 - eps), t * (1 + eps)
    if not (B.sign(G(B.point(lo))) > 0 and B.sign(G(B.point(hi))) < 0):
        raise PrecisionError(f"could not certify the {what}")
    return ic.phi(B.hull(lo, hi)) / ic.P


def _certify_max(family, L, dps, backend, per_curve):
    """Largest enclosure over components; ``per_curve(cv, ic)`` yields enclosures (inside the precisions)."""
    wdps = working_precisions(dps)[1]
    best = None
    for cv in _high_curves(family, L, wdps):
        if not cv.branches():
            continue
        ic = IntervalCurve(cv, bits_for_digits(wdps) + 40, backend)
        with mpmath.workdps(wdps), ic.B.precision(ic.prec):
            for enc in per_curve(cv, ic):
                e = (ic.B.lower(enc), ic.B.upper(enc))
                if best is None or e[1] > best[1]:
                    best = e
    return best


def _certify_fold(family, L, dps, backend):
    """max over branches of φ(peak)/P, the peak bracketed by proven signs of ψ at t(1 ± 10^-(dps+3))."""
    def per_curve(cv, ic):
        psi = lambda X: ic.omp * ic.h_iv(X) + X * ic.dh_iv(X)  # noqa: E731
        return [_mu_enclosure(ic, dps, None if br.peak is None else br.t_start, psi, "fold's peak")
                for br in cv.branches()]
    return _certify_max(family, L, dps, backend, per_curve)


def zero_threshold(family: Family, L: int, dps: int = DEFAULT_DPS, certify: bool = False,
                   backend: str | None = None) -> Threshold:
    """The λ (n = 1) above which the family's best positive critical point loses to Z = 0."""
    return _threshold("zero", family, L, dps, certify, backend, lambda cv: component_zero_threshold(cv)[0],
                      _certify_zero, "above this λ (n=1) the zero solution beats every positive critical point")


def _certify_zero(family, L, dps, backend):
    """φ(t_Z)/P with t_Z bracketed by proven signs of F(t) − f(0) (F decreasing on the branch)."""
    def per_curve(cv, ic):
        mu, tz, i = component_zero_threshold(cv)
        if mu == 0:
            return []
        if tz is None and cv.branches()[i].peak is not None:
            raise PrecisionError("zero threshold at a branch fold: not certified")
        G = lambda X: ic.fit_iv(X) + ic.A * X * ic.h_iv(X) - ic.zero  # noqa: E731
        return [_mu_enclosure(ic, dps, tz, G, "zero threshold")]
    return _certify_max(family, L, dps, backend, per_curve)
