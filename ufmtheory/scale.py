"""Exact optimisation of one structure's scale (SPEC §2 "One structure, one scale").

For a pattern S and Z = t·S ⊗ 1ᵀ (columns of class c repeated n_c times), the linear DUFM's reduced
loss is a function of the scale t >= 0 alone:
    f_S(t) = ḡ_S(t) + ((L+1)/2) Λ P t^p,   p = 2/(L+1),   P = Σ_i s_i(S·diag(√n_c))^p,
    ḡ_S(t) = Σ_c (n_c/N) log Σ_{c'} exp(−t (S_cc − S_{c'c}))          (cross-entropy),
    ḡ_S(t) = Σ_c (n_c/(2N)) ‖t S_c − e_c‖²                            (MSE),
    ḡ_S(t) = CE's + t (ε/K) Σ_c (n_c/N) Σ_{c'} (S_cc − S_{c'c})       (label-smoothed CE, ε),
each supplied by the model's loss (``losses.Loss.scale_fit``: value, h, h', their interval
enclosures and the upper bracket below).
(balanced: P = n^{p/2} Σ s_i(S)^p = n^{1/(L+1)} Σ s_i(S)^p, as in SPEC §2.)
With h(t) := −ḡ_S'(t), f_S'(t) = t^{p−1} (c − φ(t)), φ(t) := t^{1−p} h(t), c := Λ P, so the positive
critical points are the roots of F(t) := φ(t) − c, and a root where F decreases is a local minimum.

Every root is found, with a justified bracket:
- h(t) <= M := Σ_types w · max(0, max gap), so φ(t) < c for t < (c/M)^{1/(1−p)} (p < 1);
- with g_min <= 0 a column's smallest gap, h(t) <= Σ w Σ_{g>0} (m_g/m_{g_min}) g e^{−t(g − g_min)},
  whose terms times t^{1−p} decrease for t > (1−p)/(g − g_min); doubling T until that bound is
  below c gives φ < c on [T, ∞) (MSE: h(t) = B − 2At < 0 for t > B/(2A); label-smoothed CE:
  h(t) <= (1−ε) Σ w g_min + Σ_{g>g_min} w (m_g/m_min)(g − g_min) e^{−t(g − g_min)} with g_min <= 0,
  derived in ``losses.LSCEFit``, so the same doubling applies);
- on [t_lo, T] every root is isolated with interval arithmetic (``rootfinding.isolate_roots``),
  then refined in mpmath. The zero solution (loss ḡ(0) = log K for CE) is compared with every
  local minimum; f → ∞ as t → ∞ (every fit is bounded below — label-smoothed CE by the entropy of
  its targets — and the penalty grows), so the best of these is the global minimum over t >= 0.
Precision: computed at dps+15 and dps+30 digits (``precision.working_precisions``), which must agree to
dps digits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
from mpmath.libmp import mpf_pos, round_ceiling, round_floor

from . import _validate as V
from .intervals import backend as interval_backend
from .losses import head_bound
from .model import DeepUFM
from .patterns import PATTERNS
from .precision import (DEFAULT_DPS, GUARD_DIGITS, PrecisionError, agreed_digits, bits_for_digits, check_dps, nstr, to_mpf,
                        working_precisions)
from .rootfinding import isolate_roots, refine_root_proven
from .structures import Structure


# ---- the one-dimensional problem --------------------------------------------------------------

@dataclass(frozen=True)
class CriticalPoint:
    t: mpmath.mpf
    loss: mpmath.mpf
    fit: mpmath.mpf
    penalty: mpmath.mpf
    kind: str  # "local min", "local max", "degenerate"


@dataclass
class ScaleProblem:
    """f(t) = fit(t) + ((L+1)/2) c t^p with c = Λ·P (constants as mpf at the construction precision)."""

    name: str
    K: int
    L: int
    fit: object
    Lam: mpmath.mpf
    P: mpmath.mpf
    p: mpmath.mpf = field(init=False)
    c: mpmath.mpf = field(init=False)

    def __post_init__(self):
        self.p = mpmath.mpf(2) / (self.L + 1)
        self.c = self.Lam * self.P

    @classmethod
    def from_structure(cls, structure: Structure, model: DeepUFM, dps: int | None = None) -> "ScaleProblem":
        """Constants of f_S for ``model`` (linear DUFM) at ``dps`` digits (default: current)."""
        if model.activation != "linear":
            raise V.ParameterError("scale optimisation uses the Schatten reduction of the linear DUFM "
                                   "(Lemma 1); activation must be 'linear'")
        if structure.K != model.K:
            raise V.ParameterError(f"structure {structure.name!r} is {structure.K}×{structure.K} but the model has K = {model.K}")
        if structure.rank == 0:
            raise V.ParameterError(f"structure {structure.name!r} is the zero matrix; its scale is meaningless")
        dps = int(mpmath.mp.dps if dps is None else dps)
        sizes = tuple(model.class_sizes)

        def constants():
            with mpmath.workdps(dps):
                fit = model.loss_fn.scale_fit(structure, sizes, dps)
                sv = structure.singular_values_mp(dps, weights=None if model.balanced else list(sizes))
                p = mpmath.mpf(2) / (model.L + 1)
                scale = mpmath.power(mpmath.mpf(sizes[0]), p / 2) if model.balanced else mpmath.mpf(1)
                return fit, scale * mpmath.fsum(mpmath.power(s, p) for s in sv if s != 0)
        # the fit and P depend on the structure, loss, class sizes, L and digits only (not on λ): once
        # per structure and exact key (the fit objects are never mutated; mpf are immutable)
        fit, P = structure.memo(("scale constants", model.loss_fn.name, sizes, model.L, dps), constants)
        with mpmath.workdps(dps):
            return cls(structure.name, model.K, model.L, fit, model.Lambda(), P)

    # ---- values -----------------------------------------------------------------------------------
    def parts(self, t):
        """(total, fit, penalty) at scale t >= 0."""
        t = mpmath.mpf(t)
        fit = self.fit.value(t)
        pen = (self.L + 1) * self.c / 2 * (mpmath.power(t, self.p) if t != 0 else mpmath.mpf(0))
        return fit + pen, fit, pen

    def value(self, t):
        return self.parts(t)[0]

    def derivative(self, t):
        """f'(t) = −h(t) + c t^{p−1} (t > 0)."""
        t = mpmath.mpf(t)
        return -self.fit.h(t) + self.c * mpmath.power(t, self.p - 1)

    def F(self, t):
        """φ(t) − c with φ(t) = t^{1−p} h(t): zero exactly at positive critical points."""
        t = mpmath.mpf(t)
        return mpmath.power(t, 1 - self.p) * self.fit.h(t) - self.c if self.p != 1 else self.fit.h(t) - self.c

    # ---- brackets ---------------------------------------------------------------------------------
    def search_interval(self):
        """(t_lo, t_hi, reason): every positive critical point lies in [t_lo, t_hi] (module docstring)."""
        M = self.fit.sup_h()
        if M <= 0:
            return None, None, "h(t) <= 0 for all t: f is increasing, no positive critical point"
        one_minus_p = Fraction(self.L - 1, self.L + 1)  # exact: the bounds are proven in interval arithmetic
        B = interval_backend()
        with B.precision(int(mpmath.mp.prec)):
            t_lo = head_bound(B, B.point(M), B.point(self.c), one_minus_p)  # ``losses.head_bound``
        t_lo = mpmath.mpf(t_lo.numerator) / t_lo.denominator  # a power of two: exact
        t_hi, reason = self.fit.upper_bracket(self.c, one_minus_p, t_lo)
        if t_hi is None:
            return None, None, reason
        return t_lo, t_hi, reason

    def critical_points(self, backend_name: str | None = None, reuse=None):
        """Every positive critical point (proven isolated), refined to the current precision.

        ``reuse``: ``(points, report)`` of the same problem at another precision. Its simple-root
        brackets are re-proven with this problem's constants (F' sign-definite on the bracket, F of
        opposite signs at its ends, in interval arithmetic) and its roots seed Newton, instead of a new
        isolation; when a bracket fails that test or is unresolved, the full isolation runs."""
        B = interval_backend(backend_name)
        one_minus_p = 1 - self.p
        linear = one_minus_p == 0  # L = 1: F = h − c (decided once, not per evaluation)
        c_pt = omp = neg_p = h_iv = dh_iv = None  # set by enclose_constants, inside a precision context
        # while isolating (one precision throughout), F and F' of one box share h(X) and X^{1−p}
        # (point evaluations at the box ends, in between, do not replace the box)
        sharing, shared_X, shared_hq = False, None, None

        def h_q(X):
            nonlocal shared_X, shared_hq
            if sharing and shared_X is X:
                return shared_hq
            hq = h_iv(X), (None if linear else B.pow_pos(X, omp))
            if sharing and not B.is_point(X):
                shared_X, shared_hq = X, hq
            return hq

        def F_iv(X):
            h, q = h_q(X)
            return h - c_pt if linear else q * h - c_pt

        def dF_iv(X):
            if linear:
                return dh_iv(X)
            h, q = h_q(X)
            return omp * B.pow_pos(X, neg_p) * h + q * dh_iv(X)

        def FdF_iv(X):  # Newton on point intervals: X^{−p} = X^{1−p}/X
            h = h_iv(X)
            if linear:
                return h - c_pt, dh_iv(X)
            q = B.pow_pos(X, omp)
            return q * h - c_pt, omp * (q / X) * h + q * dh_iv(X)

        def enclose_constants():
            nonlocal c_pt, omp, neg_p, h_iv, dh_iv
            c_pt, omp, neg_p = B.point(self.c), B.point(one_minus_p), -B.point(self.p)
            h_iv, dh_iv = self.fit.interval_functions(B)

        def isolate(prec_bits, t_lo, t_hi, rel_resolution=None):
            nonlocal sharing, shared_X, shared_hq
            with B.precision(prec_bits):
                enclose_constants()
                sharing = True
                try:
                    return isolate_roots(F_iv, dF_iv, t_lo, t_hi, B, prec_bits=prec_bits,
                                         rel_resolution=rel_resolution)
                finally:
                    sharing, shared_X, shared_hq = False, None, None

        def isolate_coarse(prec_bits, t_lo, t_hi):
            """``isolate`` with the box ends at ``prec_bits`` too (cheaper mpf bookkeeping; the search
            interval rounded outwards, so it still holds [t_lo, t_hi]), giving up on a box at relative
            width 2^{−prec_bits/2} (near a double root |F| is below the rounding there: "unresolved")."""
            lo = mpmath.mp.make_mpf(mpf_pos(t_lo._mpf_, prec_bits, round_floor))
            hi = mpmath.mp.make_mpf(mpf_pos(t_hi._mpf_, prec_bits, round_ceiling))
            with mpmath.workprec(prec_bits):
                return isolate(prec_bits, lo, hi, mpmath.mpf(2) ** -(prec_bits // 2))

        def zero_end(t_hi):
            """L = 1 (F = h − c, t_lo = 0): (the left end of the isolation, a note). F(0) = h(0) − c is 0 at
            the zero threshold (e.g. DNC at K = 5, λ = 1/5: h(0) = 4/5 = c), where its computed sign is
            rounding noise and a spurious root at t ~ 10^{-dps} would appear. When |F(0)| is below
            2^{16−prec}·max(1, c) (the rounding of c = Λ·P), F(0) is taken as 0: the critical point is
            t = 0 itself, the zero solution (compared anyway), and F' of one sign on [0, δ] (interval
            arithmetic) leaves no root in (0, δ]; the isolation runs on [δ, t_hi]. (A true root t* > 0 so
            close to 0 would change the loss by < |F(0)|·t*, far below the working precision.)"""
            with B.precision(newton_bits):
                enclose_constants()
                zero = B.point(mpmath.mpf(0))
                F0 = F_iv(zero)
                tol = mpmath.mpf(2) ** (16 - int(mpmath.mp.prec)) * max(mpmath.mpf(1), abs(self.c))
                if max(abs(B.lower(F0)), abs(B.upper(F0))) > tol:
                    return mpmath.mpf(0), ""
                for j in range(1, 4 * int(mpmath.mp.prec)):
                    delta = mpmath.ldexp(t_hi, -j)
                    if B.sign(dF_iv(B.hull(zero, B.point(delta)))) != 0:
                        return delta, (f"; F(0) = h(0) − c = 0 to the working precision (the zero threshold): "
                                       f"t = 0 is the critical point, F' ≠ 0 on [0, {mpmath.nstr(delta, 5)}]")
            raise PrecisionError(f"{self.name}: F(0) = h(0) − c and F'(0) are both 0 to the working precision "
                                 f"(a tangency at the zero threshold): not decided")

        # Isolation needs only enough bits to separate the roots (the enclosures are rigorous at any
        # precision): 128 bits, or, when a box stays undecided there (a root closer than 2^-64 to
        # another, a tangency), the full isolation of the old code at the working precision plus 32 bits.
        iso_bits = 128
        newton_bits = int(mpmath.mp.prec) + 20
        seeds = report = None
        if reuse is not None and reuse[1] is not None and all(br.status == "simple" for br in reuse[1].brackets):
            with B.precision(newton_bits):
                enclose_constants()
                if all(B.sign(dF_iv(B.hull(br.lo, br.hi))) == br.slope_sign
                       and B.sign(F_iv(B.point(br.lo))) == -br.slope_sign
                       and B.sign(F_iv(B.point(br.hi))) == br.slope_sign for br in reuse[1].brackets):
                    report, seeds = reuse[1], [cp.t for cp in reuse[0]]
        if report is None:
            t_lo, t_hi, reason = self.search_interval()
            if t_lo is None:
                return [], None
            if t_lo >= t_hi:  # the two bounds leave no room: no positive critical point
                return [], None
            if linear and t_lo == 0:
                t_lo, note = zero_end(t_hi)
                reason = reason + note
            full_bits = max(iso_bits, bits_for_digits(mpmath.mp.dps) + 32)
            report = isolate_coarse(iso_bits, t_lo, t_hi)
            if any(br.status != "simple" for br in report.brackets) and full_bits > iso_bits:
                report = isolate(full_bits, t_lo, t_hi)
            report.reason = reason
            with B.precision(newton_bits):
                enclose_constants()
        # the loss at each critical point in ball arithmetic at newton_bits (cheaper than mpmath's exp and
        # log at these precisions): the ball's centre, within 2^{−newton_bits} relative of the value, is
        # rounded to the working precision like the mpmath evaluation ``parts`` would be
        with B.precision(newton_bits):
            fit_value, pen_factor = self.fit.interval_value(B), B.point((self.L + 1) * self.c / 2)
            p_pt = B.point(self.p)

        def parts_at(r):
            with B.precision(newton_bits):
                R = B.exact(r)
                fit = fit_value(R)
                pen = pen_factor * B.pow_pos(R, p_pt) if r != 0 else B.point(0)
                fit_mp, pen_mp = +B.midpoint(fit), +B.midpoint(pen)
            return fit_mp + pen_mp, fit_mp, pen_mp

        points = []
        for i, br in enumerate(report.brackets):
            if br.status == "simple":
                # safeguarded Newton in interval arithmetic; the root is proven in [lo, hi] of width ~2^-prec
                r, _, _ = refine_root_proven(F_iv, dF_iv, br.lo, br.hi, br.slope_sign, B, prec_bits=newton_bits,
                                             x0=seeds[i] if seeds else None, FdF=FdF_iv)
                kind = "local min" if br.slope_sign < 0 else "local max"
            else:
                r = (br.lo + br.hi) / 2
                kind = "degenerate"
            tot, fit, pen = parts_at(r)
            points.append(CriticalPoint(r, tot, fit, pen, kind))
        return points, report


# ---- results -------------------------------------------------------------------------------------

@dataclass
class ScaleOptimum:
    """The best scale of one structure, compared with the zero solution.

    ``kind``: "positive critical point" or "zero". ``scale``, ``loss``, ``fit``, ``penalty`` are mpf,
    verified to ``dps`` significant digits by recomputation (``digits_verified``).
    """

    name: str
    model: DeepUFM
    scale: mpmath.mpf
    loss: mpmath.mpf
    fit: mpmath.mpf
    penalty: mpmath.mpf
    kind: str
    zero_loss: mpmath.mpf
    critical_points: list
    dps: int
    digits_verified: float
    search_interval: tuple
    interval_backend: str
    boxes: int
    problem: ScaleProblem = field(repr=False)

    def to_dict(self) -> dict:
        d = self.dps
        return {
            "name": self.name,
            "scale": nstr(self.scale, d),
            "loss": nstr(self.loss, d),
            "fit": nstr(self.fit, d),
            "penalty": nstr(self.penalty, d),
            "kind": self.kind,
            "zero_loss": nstr(self.zero_loss, d),
            "critical_points": [
                {"t": nstr(cp.t, d), "loss": nstr(cp.loss, d), "kind": cp.kind} for cp in self.critical_points],
            "search_interval": [nstr(x, 10) for x in self.search_interval] if self.search_interval[0] is not None else None,
            "interval_backend": self.interval_backend,
            "dps": self.dps,
            "digits_verified": self.digits_verified if mpmath.isfinite(self.digits_verified) else "all",
        }


def _solve_at(build, wdps: int, backend_name, reuse=None):
    with mpmath.workdps(wdps):
        prob = build(wdps)
        pts, report = prob.critical_points(backend_name, reuse=reuse)
        zero = prob.fit.zero_value
        best = None
        for cp in pts:
            if cp.kind in ("local min", "degenerate") and (best is None or cp.loss < best.loss):
                best = cp
        return prob, pts, report, zero, best


def optimal_scale(structure: Structure, model: DeepUFM, dps: int = DEFAULT_DPS,
                  backend: str | None = None) -> ScaleOptimum:
    """Global minimum of f_S(t) over t >= 0 (all critical points and the zero solution compared)."""
    return optimal_scale_of(lambda wdps: ScaleProblem.from_structure(structure, model, wdps),
                            structure.name, model, dps, backend)


def optimal_scale_of(build, name: str, model: DeepUFM, dps: int = DEFAULT_DPS,
                     backend: str | None = None) -> ScaleOptimum:
    """``optimal_scale`` for any one-scale problem: ``build(wdps)`` returns the ScaleProblem with its
    constants at ``wdps`` digits (e.g. a construction whose penalty constant is not a Schatten sum,
    ``constructions.Construction.scale_problem``). Same guarantees as ``optimal_scale``.

    Two precisions (``precision.working_precisions``): at dps + 2·GUARD_DIGITS every positive critical
    point is isolated in interval arithmetic and refined by interval Newton to a proven enclosure; the
    problem is then rebuilt at dps + GUARD_DIGITS, where each bracket is re-proven for the new constants, each root re-refined
    (proven again) and each loss recomputed, and the two must agree to dps digits. A bracket that
    fails the re-proof (or an unresolved one) makes the lower precision isolate on its own. When they
    agree to fewer digits (an ill-conditioned root), both precisions are raised by the shortfall plus
    GUARD_DIGITS and the check repeated, at most twice; a PrecisionError if it still fails."""
    dps = check_dps(dps)
    extra = 0
    for attempt in range(3):
        try:
            return _optimal_scale_with(build, name, model, dps, backend, extra)
        except _TooFewDigits as exc:
            # an ill-conditioned root loses about (dps − digits) digits to the rounding of the constants
            # (e.g. L = 1 just off a zero threshold: F(0) = h(0) − c cancels, a root t* ≈ F(0)/|F'(0)|
            # moves by (rounding of c)/|F'(0)|): both precisions are raised by that much plus a guard,
            # at most twice and by at most dps + 2·GUARD_DIGITS digits in all; then the error stands
            more = int(math.ceil(dps - exc.digits)) + GUARD_DIGITS if math.isfinite(exc.digits) else GUARD_DIGITS
            if attempt == 2 or extra + more > dps + 2 * GUARD_DIGITS:
                raise PrecisionError(str(exc)) from None
            extra += more


class _TooFewDigits(PrecisionError):
    def __init__(self, message, digits):
        super().__init__(message)
        self.digits = digits


def _optimal_scale_with(build, name, model, dps, backend, extra):
    """``optimal_scale_of`` at ``working_precisions(dps + extra)``: _TooFewDigits when the two disagree."""
    lo_dps, hi_dps = working_precisions(dps + extra)
    # the reported precision: every positive critical point isolated in interval arithmetic, refined
    p2, pts2, rep2, z2, b2 = _solve_at(build, hi_dps, backend)
    # the check: constants rebuilt at the lower precision, each bracket re-proven for them, every root
    # re-refined and every loss recomputed there (a full isolation if a bracket fails the re-proof)
    p1, pts1, rep1, z1, b1 = _solve_at(build, lo_dps, backend, reuse=(pts2, rep2))
    if len(pts1) != len(pts2) or [c.kind for c in pts1] != [c.kind for c in pts2]:
        raise _TooFewDigits(f"{name}: critical points differ between {lo_dps} and "
                            f"{hi_dps} digits ({len(pts1)} vs {len(pts2)})", math.nan)
    with mpmath.workdps(hi_dps):
        digits = mpmath.inf
        for a, b in zip(pts1, pts2):
            if a.kind != "degenerate":
                digits = min(digits, agreed_digits(a.t, b.t), agreed_digits(a.loss, b.loss))
        if digits < dps:
            raise _TooFewDigits(f"{name}: critical points reproduce to {digits:.1f} digits only "
                                f"(at {lo_dps} and {hi_dps} digits)", float(digits))
        if b2 is not None and b2.loss < z2:
            scale, loss, fit, pen, kind = b2.t, b2.loss, b2.fit, b2.penalty, "positive critical point"
        else:
            scale, loss, fit, pen, kind = mpmath.mpf(0), z2, z2, mpmath.mpf(0), "zero"
    return ScaleOptimum(name, model, scale, loss, fit, pen, kind, z2, pts2, dps, digits,
                        (rep2.lo, rep2.hi) if rep2 is not None else (None, None),
                        rep2.backend if rep2 is not None else "none", rep2.boxes if rep2 else 0, p2)


def preference_rank(name: str, given=()) -> tuple:
    """Order in which ``compare`` names the winner among losses tied to the claimed digits: the zero
    solution first, then the registry's order (``patterns.PATTERNS``: dnc, paired, …, polygon,
    coupled; 'blocks:3+2' ranks as 'blocks'), then other names in their order in ``given``.

    >>> sorted(["coupled", "polygon", "dnc", "zero"], key=preference_rank)
    ['zero', 'dnc', 'polygon', 'coupled']
    """
    order = [p.name for p in PATTERNS]
    key = name.split(":", 1)[0]
    if name == "zero":
        return (0, 0)
    if key in order:
        return (1, order.index(key))
    given = list(given)
    return (2, given.index(name) if name in given else len(given))


def compare(model: DeepUFM, structures, dps: int = DEFAULT_DPS, backend: str | None = None, extra=()) -> dict:
    """Optimum of each structure and the zero solution; ``winner`` is the name with the lowest loss
    ("zero" if nothing beats it). ``ties`` names those whose loss agrees with the lowest to ``dps``
    significant digits, relative to its size (each loss is verified to at least ``dps`` digits, so
    closer ones cannot be told apart; the zero loss is exact); among such tied losses the winner is
    the first by ``preference_rank`` (zero, then the registry's order: at K = 3 dnc, polygon and
    coupled are one matrix up to relabelling and scale, and dnc is named), the others are ``ties``. The winner is the best **among**
    ``compared`` (the zero solution and the structures given): ``scope`` is "family-relative", not a
    proven global optimum (``global_search.search_scope`` tests it against a multi-start search).
    ``winner_loss``: the winner's loss. ``extra``: further optima already computed (objects with name, loss, kind, to_dict(), e.g.
    ``coupled.optimum``) compared with the rest."""
    results = [optimal_scale(s, model, dps, backend) for s in structures] + list(extra)
    with mpmath.workdps(working_precisions(dps)[1]):
        zero = results[0].zero_loss if results else model.loss_fn.zero_fit(model.K)
        cands = [("zero", zero)] + [(r.name, r.loss) for r in results if r.kind != "zero"]
        lowest = min(v for _, v in cands)
        # the losses that agree with the lowest to dps digits cannot be told apart: the winner among them is
        # the first in a fixed order (``preference_rank``), not the one rounding noise puts lowest
        tied = sorted((kv for kv in cands if agreed_digits(kv[1], lowest) >= dps),
                      key=lambda kv: preference_rank(kv[0], [n for n, _ in cands]))
        winner, best = tied[0]
        ties = [n for n, _ in tied[1:]]
    return {"model": model, "results": results, "zero_loss": zero, "winner": winner, "winner_loss": best,
            "ties": ties, "dps": dps,
            "scope": "family-relative", "compared": ["zero"] + [r.name for r in results]}


def loss_at_scale(structure: Structure, model: DeepUFM, t, dps: int = DEFAULT_DPS):
    """(total, fit, penalty) of f_S at scale t, at ``dps`` digits."""
    with mpmath.workdps(dps):
        prob = ScaleProblem.from_structure(structure, model, dps)
        t = to_mpf(t)
        if t < 0:
            raise V.ParameterError(f"t must be >= 0, got {t}")
        return prob.parts(t)
