"""Exact thresholds in λ: folds, zero thresholds, ties between families, and the λ-intervals where each
family is optimal — every one found, with the reason none was missed.

Everything is computed in μ = Λ·n^{1/(L+1)} (for balanced CE, f_S depends on λ and n only through it;
SPEC §2); at n = 1 and one λ for all factors, μ = λ, and λ_n = μ·n^{−1/(L+1)} for any n.

- **Fold** of a component (the μ above which it has no positive critical point): μ_fold = max φ(t)/P over
  the peaks of φ (roots of ψ where ψ changes sign from + to −); there F(t) = φ(t) − c has a double root.
  For L = 1, φ = h decreases from h(0), μ_fold = h(0)/P (not attained).
- **Zero threshold** (the μ above which the best positive critical point loses to t = 0): on each branch
  the critical value F(t) decreases with t (dF/dt = Aψ < 0 there), so F(t) = f(0) has at most one root
  t_Z per branch and μ_Z = max over branches of φ(t_Z)/P. A family's threshold is the largest of its
  components'.
- **Ties** of two families X, Y: zeros of D(μ) = V_X(μ) − V_Y(μ), found by a branch and bound over μ that
  proves each box holds no tie or exactly one. Both V are concave and non-decreasing with V(0+) ≥ v₀
  (v₀ = Σ w log m₀ for patterns with all gaps ≥ 0, else 0), hence on [a, b]:
    V(μ) ∈ [V(a), V(b)],      (V(μ) − v₀)/μ ∈ [u(b), u(a)] with u(μ) = (V(μ) − v₀)/μ non-increasing,
    V'(μ) ∈ [V'(b−), V'(a+)]  (dV/dμ = penalty*/μ, envelope theorem),
  which bound D and D' on the whole box from values at its two ends (also D(μ) ∈ D(a) + (μ−a)·D'(box)).
  A box is discarded when the bound on D excludes 0; it holds exactly one tie when D(a), D(b) have
  opposite signs and the bound on D' excludes 0; otherwise it is bisected. The values at the box ends
  are interval enclosures (``optimal_value.IntervalCurve``, arb at ``search_bits``), so the search is a
  proof. Below μ₀ (``tail_bound``) the family with the smaller α = Σ_components A P_i/γ_i^p wins
  (proven); above min(μ_Z,X, μ_Z,Y) one of them is the zero solution and the other is not worse. So
  every tie in (0, ∞) is found. For L = 1 two families can reach f(0) at the same μ_Z with zero slope
  (t → 0); the box ending there is decided by ``_l1_endpoint`` (a comparison of h'(0)-type curvatures
  proven with intervals).
- Each tie is then refined by safeguarded Newton on D (D' from the envelope theorem) at dps+15 digits and
  at 2·dps+15 digits; both must agree to dps digits. ``certify=True`` also encloses it: the signs of D
  at μ*(1 ± 10^-(dps+3)) are proven with interval arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import sympy as sp

from . import _validate as V
from .families import Family, default_families, merge_equivalent
from .intervals import backend as interval_backend
from .optimal_value import (AmbiguousPoint, Curve, FamilyCurves, IntervalCurve, _enclose, guess, newton_bracket,
                            remember)
from .precision import DEFAULT_DPS, GUARD_DIGITS, SEARCH_BITS, PrecisionError, agreed_digits, check_dps, nstr

SEARCH_DPS = 20  # mpmath digits of the search's curves (tie brackets); intervals use SEARCH_BITS


# ---- one component: fold and zero threshold -------------------------------------------------------

def component_zero_threshold(cv: Curve):
    """(μ_Z, t_Z, branch index) for one component at cv's precision; μ_Z = 0 if never below f(0).
    t_Z = None when the supremum is a branch fold (the branch is below f(0) all along)."""
    best = (mpmath.mpf(0), None, None)
    with mpmath.workdps(cv.dps):
        z = cv.zero_value
        for i, br in enumerate(cv.branches()):
            G = lambda t: cv.crit_value(t) - z  # noqa: E731
            if br.peak is None or G(br.t_start) <= 0:
                cand = (br.phi_start / cv.P, None, i)
            else:
                if br.t_end != mpmath.inf:
                    te = br.t_end
                    if G(te) >= 0:
                        continue
                else:
                    g0 = guess((cv.comp.types, cv.comp.svals, cv.L, "zero", i))
                    te = g0 * mpmath.mpf("1.01") if g0 is not None else max(br.t_start * 2, mpmath.mpf(1))
                    while G(te) >= 0:
                        te *= 2
                gk = (cv.comp.types, cv.comp.svals, cv.L, "zero", i)
                tz = newton_bracket(G, lambda t: cv.A * cv.psi(t), br.t_start, te, x0=guess(gk))
                remember(gk, tz)
                cand = (cv.mu_of(tz), tz, i)
            if cand[0] > best[0]:
                best = cand
    return best


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
        with mpmath.workdps(2 * self.dps + GUARD_DIGITS):
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
        with mpmath.workdps(2 * self.dps + GUARD_DIGITS):
            if self.enclosure is not None:
                r = max(self.value - self.enclosure[0], self.enclosure[1] - self.value)
                return f"|μ − μ*| <= {mpmath.nstr(r, 3)} (interval proof)"
            if self.value == 0:
                return "exact"
            return (f"|μ − μ*| <= {mpmath.nstr(abs(self.value) * mpmath.mpf(10) ** (-self.dps), 3)} "
                    f"(agreement at {self.dps + GUARD_DIGITS} and {2 * self.dps + GUARD_DIGITS} digits)")


def _two_precisions(fn, dps: int, name: str):
    """fn(wdps) at dps+15 and 2·dps+15 digits; the results must agree to dps digits."""
    lo = fn(dps + GUARD_DIGITS)
    hi = fn(2 * dps + GUARD_DIGITS)
    with mpmath.workdps(2 * dps + GUARD_DIGITS):
        dig = agreed_digits(lo, hi) if (lo != 0 or hi != 0) else mpmath.inf
    if dig < dps:
        raise PrecisionError(f"{name}: values at {dps + GUARD_DIGITS} and {2 * dps + GUARD_DIGITS} digits "
                             f"agree to {float(dig):.1f} digits only, fewer than the {dps} requested")
    return hi, dig


def _high_curves(family: Family, L: int, wdps: int):
    return [Curve(c, L, wdps) for c in family.components]


def _threshold(kind: str, family: Family, L: int, dps: int, certify: bool, backend, per_curve, certifier,
               meaning: str) -> Threshold:
    """max over components of ``per_curve(Curve)`` at dps+15 and 2·dps+15 digits (must agree), optionally
    enclosed by ``certifier``."""
    dps = check_dps(dps)
    L = V.integer("L", L, 1)

    def fn(w):
        return max((per_curve(cv) for cv in _high_curves(family, L, w)), default=mpmath.mpf(0))

    val, dig = _two_precisions(fn, dps, f"{kind} of {family.name}")
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
    wdps = 2 * dps + GUARD_DIGITS
    best = None
    for cv in _high_curves(family, L, wdps):
        if not cv.branches():
            continue
        ic = IntervalCurve(cv, int(3.33 * wdps) + 40, backend)
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


# ---- the small-μ tail ------------------------------------------------------------------------------

def alpha(family: Family, L: int, dps: int = 40):
    """α = Σ_components ((L+1)/2) P_i / γ_i^p: V(μ) ~ α μ (log 1/μ)^p as μ → 0 (strictly superior)."""
    with mpmath.workdps(dps):
        p = mpmath.mpf(2) / (L + 1)
        tot = mpmath.mpf(0)
        for c in family.components:
            _, sv = c.numbers(dps)
            P = mpmath.fsum(mpmath.power(s, p) for s in sv)
            g = c.min_positive_gap()
            tot += (L + 1) * P / 2 / mpmath.power(mpmath.mpf(sp.N(g, dps + 5)._mpf_), p)
        return tot


def tail_bound(winner: Family, loser: Family, L: int, backend: str | None = None):
    """μ₀ > 0 with V_winner(μ) < V_loser(μ) for all 0 < μ <= μ₀, or None if α_winner >= α_loser.

    Proof (both families strictly diagonally superior; per component, with s = γt):
    a e^{−s} <= ḡ <= M e^{−s}, a = Σ_{types with gap γ} w m_γ/(1 + m_γ) (log(1+x) >= x/(1+x)),
    M = Σ w Σ_{j≠own} m_j (log(1+x) <= x). Lower: for any s₀, V_loser >= Σ_i min(α_i μ s₀^p, a_i e^{−s₀})
    = α_B μ s₀^p when a_min e^{−s₀} = α_max μ s₀^p. Upper: V_winner <= M_A e^{−s₁} + α_A μ s₁^p at
    s₁ = s₀ + δ. With δ = log(2 M_A α_max/(a_min(α_B − α_A))) and s₀ >= δ/(((α_A+α_B)/(2α_A))^{1/p} − 1)
    the upper bound is below the lower one; s₀(μ) increases as μ decreases, so this holds for μ <= μ₀ =
    a_min e^{−s₀}/(α_max s₀^p). Evaluated with interval arithmetic; the lower end of μ₀'s enclosure is
    returned.
    """
    if not (winner.strictly_superior and loser.strictly_superior):
        return None
    B = interval_backend(backend)
    with B.precision(200):
        p = B.point(Fraction(2, L + 1))
        A = B.point(Fraction(L + 1, 2))

        def parts(fam):
            out = []
            for c in fam.components:
                gam = c.min_positive_gap()
                g = _enclose(B, gam)
                P = B.point(0)
                for s in c.svals:
                    P = P + B.pow_pos(_enclose(B, s), p)
                a = B.point(0)
                M = B.point(0)
                for w, gs, ms in c.types:
                    wI = _enclose(B, w)
                    mg = sum(m for gg, m in zip(gs, ms) if sp.sympify(gg) == gam)  # structural: undercounting is safe
                    if mg:
                        a = a + wI * B.point(Fraction(mg, 1 + mg))
                    M = M + wI * B.point(sum(m for gg, m in zip(gs, ms) if gg != 0))
                out.append((A * P / B.pow_pos(g, p), a, M))
            return out

        pa, pb = parts(winner), parts(loser)
        aA = sum((x[0] for x in pa), B.point(0))
        aB = sum((x[0] for x in pb), B.point(0))
        if not B.sign(aB - aA) > 0:
            return None
        MA = sum((x[2] for x in pa), B.point(0))
        amin = B.point(min(B.lower(x[1]) for x in pb))
        amax = B.point(max(B.upper(x[0]) for x in pb))
        delta = B.log(2 * MA * amax / (amin * (aB - aA)))
        ratio = (aA + aB) / (2 * aA)
        s0 = delta / (B.exp(B.log(ratio) / p) - 1)
        s0 = B.point(max(B.upper(s0), mpmath.mpf(1)))
        mu0 = amin * B.exp(B.point(0) - s0) / (amax * B.pow_pos(s0, p))
        return B.lower(mu0)


# ---- branch and bound over μ ------------------------------------------------------------------------

@dataclass
class Box:
    a: mpmath.mpf
    b: mpmath.mpf
    status: str  # "winner", "switch", "unresolved"
    winner: int | None = None
    pair: tuple | None = None  # (left winner, right winner) for a switch


class _Evaluator:
    """Cached interval enclosures of V and its superdifferential at box ends (cache shared between
    searches over the same curves: keyed by the curve object and μ)."""

    def __init__(self, fcs: list, cache: dict | None = None):
        self.fcs = fcs
        self.cache = {} if cache is None else cache
        self.count = 0

    def __call__(self, k: int, mu):
        key = (id(self.fcs[k]), mu)
        if key not in self.cache:
            self.count += 1
            self.cache[key] = self.fcs[k].value(mu)
        return self.cache[key]


def v0_lower(fam: Family):
    """Exact lower bound of V(0+) as a Fraction-free sympy number: Σ w log m₀ over columns when every gap
    is >= 0 (the fit's infimum), else 0."""
    if all(c.weakly_superior() for c in fam.components):
        tot = sp.Integer(0)
        for c in fam.components:
            for w, gs, ms in c.types:
                m0 = sum(m for g, m in zip(gs, ms) if g == 0)
                tot += sp.sympify(w) * sp.log(m0)
        return tot
    return sp.Integer(0)


def _box_tests(F, ex, ey, a, b, v0x, v0y):
    """Decide, on [a, b], whether D = V_X − V_Y is certainly > 0 (→ +1) or < 0 (→ −1) everywhere, else 0;
    and the sign of D' (0 if undecided). Bounds (module docstring), all in interval arithmetic:
    monotone [V_X(a) − V_Y(b), V_X(b) − V_Y(a)]; ratio (v0x − v0y) + [a, b]·(u_X − u_Y);
    mean value D(a) + [0, b−a]·D'(box) and D(b) − [0, b−a]·D'(box), D'(box) ⊂ hull(V_X'(a), V_X'(b)) −
    hull(V_Y'(a), V_Y'(b)) by concavity."""
    B = F.B
    (xa, xb), (ya, yb) = ex, ey
    A_, B_ = F.pt(a), F.pt(b)
    AB = F.hull(A_, B_)
    W = F.hull(B.point(0), B_ - A_)
    Dp = F.union(xa.d, xb.d) - F.union(ya.d, yb.d)
    Da, Db = xa.v - ya.v, xb.v - yb.v
    sgn_p = F.sgn(Dp)
    # D > 0 everywhere?
    pos = (F.sgn(xa.v - yb.v) > 0
           or F.sgn(v0x - v0y + AB * ((xb.v - v0x) / B_ - (ya.v - v0y) / A_)) > 0
           or F.sgn(Da + W * Dp) > 0 or F.sgn(Db - W * Dp) > 0)
    if pos:
        return 1, sgn_p
    neg = (F.sgn(xb.v - ya.v) < 0
           or F.sgn(v0x - v0y + AB * ((xa.v - v0x) / A_ - (yb.v - v0y) / B_)) < 0
           or F.sgn(Da + W * Dp) < 0 or F.sgn(Db - W * Dp) < 0)
    return (-1 if neg else 0), sgn_p


def _sign_at(F, e, f):
    """Sign of V_X − V_Y at one point from enclosures (0 if undecided)."""
    return F.sgn(e.v - f.v)


def branch_and_bound(fcs: list, mu_lo, mu_hi, zero_mu: list, v0: list | None = None, progress=None,
                     endpoint_rule=None, rel_resolution=None, max_boxes: int = 100000, cache=None) -> tuple:
    """Classify [mu_lo, mu_hi] into boxes with one winner, or exactly one switch between two families.

    ``zero_mu[k]``: family k's zero threshold (k equals f(0) above it and is dropped there; keep
    mu_hi <= max(zero_mu)). ``endpoint_rule(x, y, a, b)`` may decide a box the bounds cannot (returns
    the winner's index or None). Returns (boxes, evaluator)."""
    ev = _Evaluator(fcs, cache)
    B = fcs[0].B
    F = fcs[0].interval_curves[0].F
    prec = fcs[0].prec
    res = rel_resolution if rel_resolution is not None else mpmath.mpf(2) ** (-(prec - 24))
    with B.precision(prec):
        v0 = [B.point(0) for _ in fcs] if v0 is None else [_enclose(B, x) for x in v0]
        breaks = sorted({mu_lo, mu_hi} | {z for z in zero_mu if mu_lo < z < mu_hi})
        stack = [(breaks[i], breaks[i + 1]) for i in range(len(breaks) - 1)][::-1]
        out = []
        nboxes = 0
        while stack:
            a, b = stack.pop()
            nboxes += 1
            if nboxes > max_boxes:
                raise ArithmeticError(f"branch and bound over μ exceeded {max_boxes} boxes")
            alive0 = [k for k in range(len(fcs)) if zero_mu[k] > a]
            decided = None
            try:
                E = {k: (ev(k, a), ev(k, b)) for k in alive0}
            except AmbiguousPoint:
                E = None
            if E is not None:
                dominated = set()
                tests = {}
                for ix, x in enumerate(alive0):
                    for y in alive0[ix + 1:]:
                        tests[(x, y)] = _box_tests(F, E[x], E[y], a, b, v0[x], v0[y])
                        if tests[(x, y)][0] > 0:
                            dominated.add(x)
                        elif tests[(x, y)][0] < 0:
                            dominated.add(y)
                alive = [k for k in alive0 if k not in dominated]
                if len(alive) > 1 and endpoint_rule is not None:
                    for x in alive:
                        for y in alive:
                            if x < y and x not in dominated and y not in dominated:
                                w = endpoint_rule(x, y, a, b, E)
                                if w is not None:
                                    dominated.add(y if w == x else x)
                    alive = [k for k in alive0 if k not in dominated]
                if len(alive) == 1:
                    decided = Box(a, b, "winner", winner=alive[0])
                elif len(alive) == 2:
                    x, y = alive
                    sa = _sign_at(F, E[x][0], E[y][0])
                    sb = _sign_at(F, E[x][1], E[y][1])
                    key = (x, y) if (x, y) in tests else (y, x)
                    sgn_p = tests[key][1] * (1 if key == (x, y) else -1)
                    if sa * sb < 0 and sgn_p != 0:
                        left, right = (y, x) if sa > 0 else (x, y)
                        decided = Box(a, b, "switch", pair=(left, right))
            if decided is not None:
                out.append(decided)
                if progress:
                    progress()
                continue
            if b - a <= res * b:
                out.append(Box(a, b, "unresolved"))
                continue
            mid = mpmath.sqrt(a * b) if b / a > 2 else (a + b) / 2
            with mpmath.workdps(int(prec / 3.3) + 5):
                mid = +mid
            stack.append((mid, b))
            stack.append((a, mid))
    return out, ev


def _exact_zero_thresholds_L1(fam: Family) -> list:
    """L = 1: each component's zero threshold h(0)/P exactly (sympy), h(0) = Σ w Σ m g / Σ m."""
    out = []
    for c in fam.components:
        h0 = sum(sp.sympify(w) * sum(m * sp.sympify(g) for g, m in zip(gs, ms)) / sum(ms) for w, gs, ms in c.types)
        P = sum(sp.sympify(s) for s in c.svals)
        out.append(h0 / P if h0 > 0 else sp.Integer(0))
    return out


def _same(x, y) -> bool:
    d = sp.nsimplify(sp.simplify(x - y))
    if d == 0:
        return True
    try:
        return bool(d.equals(0))
    except Exception:  # pragma: no cover
        return False


def make_l1_endpoint_rule(fcs: list, L: int):
    """For L = 1: decide a box [a, b] lying below a common zero threshold μ_c >= b of X and Y.

    Near μ_c only one component of each family moves (the others sit at f(0): their thresholds are
    <= a). For L = 1, V_X(μ) = V_X(μ_c) − ∫_μ^{μ_c} P_X t_X(s) ds where s = h_X(t_X)/P_X; with
    u = P_X t_X, k_X(u) := h_X(u/P_X)/P_X is decreasing and k_X(0) = μ_c = k_Y(0). If
    g(u) := Var_Y(u/P_Y)/P_Y² − Var_X(u/P_X)/P_X² = (k_X − k_Y)'(u) is > 0 on [0, U] (U >= both u at
    μ = a; proven with intervals), then k_X > k_Y, so P_X t_X(s) > P_Y t_Y(s) for s in [a, μ_c) and X is
    strictly lower there (and vice versa). Proven ranges [0, U] are cached per pair."""
    if L != 1:
        return None
    exact = [_exact_zero_thresholds_L1(fc.family) for fc in fcs]
    floats = [[float(sp.N(z, 30)) for z in thr] for thr in exact]
    same_cache: dict = {}
    proven: dict = {}  # (x, y) -> (U proven, sign) ; failures: (x, y) -> U that failed

    def prove(x, y, icx, Px, icy, Py, U):
        B = fcs[x].B
        key = (x, y)
        done, sgn = proven.get(key, (mpmath.mpf(0), None))
        if U <= done and sgn is not None:
            return sgn
        if ("fail", key) in proven and U >= proven[("fail", key)]:
            return None

        def g(X):
            return (B.point(0) - icy.dh_iv(X / Py)) / (Py * Py) - (B.point(0) - icx.dh_iv(X / Px)) / (Px * Px)

        pieces = [(done, U)]
        for _ in range(2000):
            if not pieces:
                proven[key] = (U, sgn)
                return sgn
            lo, hi = pieces.pop()
            s = B.sign(g(B.hull(lo, hi)))
            if s != 0 and (sgn is None or s == sgn):
                sgn = s
                continue
            if s != 0 or hi - lo < U * mpmath.mpf(2) ** -14:
                break
            m = (lo + hi) / 2
            pieces += [(m, hi), (lo, m)]
        proven[("fail", key)] = min(U, proven.get(("fail", key), mpmath.inf))
        return None

    def rule(x, y, a, b, E):
        B = fcs[x].B
        act = []
        for k in (x, y):
            thr = exact[k]
            vals = floats[k]
            top = max(range(len(thr)), key=lambda i: vals[i])
            if vals[top] < float(b) * (1 - 1e-12):
                return None
            if not all(vals[i] <= float(a) * (1 - 1e-12) for i in range(len(thr)) if i != top):
                return None
            act.append((k, top, thr[top]))
        key = (act[0][0], act[0][1], act[1][0], act[1][1])
        if key not in same_cache:
            same_cache[key] = _same(act[0][2], act[1][2])
        if not same_cache[key]:
            return None
        with B.precision(fcs[x].prec):
            (kx, ix, _), (ky, iy, _) = act
            icx, icy = fcs[kx].interval_curves[ix], fcs[ky].interval_curves[iy]
            U = max(B.upper(icx.P * B.point(E[kx][0].tmax[ix])), B.upper(icy.P * B.point(E[ky][0].tmax[iy])))
            s = prove(x, y, icx, icx.P, icy, icy.P, U * mpmath.mpf("1.001"))
        if s is None:
            return None
        return x if s > 0 else y

    return rule


# ---- refining a tie ------------------------------------------------------------------------------------

def _refine_tie(fx: Family, fy: Family, L: int, a, b, wdps: int, hints=None, x0=None):
    """The unique zero of D = V_X − V_Y in [a, b] at wdps digits (safeguarded Newton, D' exact).
    With ``x0`` (a lower-precision root) plain Newton from x0 is tried first; it must stay in [a, b]
    and converge quadratically, else the bracketed iteration runs."""
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
    wdps = 2 * dps + GUARD_DIGITS
    X = FamilyCurves(fx, L, wdps, backend_name=backend)
    Y = FamilyCurves(fy, L, wdps, backend_name=backend)
    with mpmath.workdps(wdps):
        eps = mpmath.mpf(10) ** (-(dps + 3))
        lo, hi = mu * (1 - eps), mu * (1 + eps)
        B = X.B
        with B.precision(X.prec):
            F = X.interval_curves[0].F
            s = [_sign_at(F, X.value(m), Y.value(m)) for m in (lo, hi)]
    if s[0] * s[1] >= 0:
        raise PrecisionError(f"could not certify the tie of {fx.name} and {fy.name}")
    return lo, hi


def refine_switch(fx: Family, fy: Family, L: int, a, b, dps: int = DEFAULT_DPS, certify: bool = False,
                  backend=None, kind: str = "tie", hints=None) -> Threshold:
    """The tie of fx and fy in the box [a, b] (exactly one, from ``branch_and_bound``), to dps digits.
    ``hints``: (FamilyValue of fx, FamilyValue of fy) near the box, for starting scales."""
    hh = (hints[0].hints(), hints[1].hints()) if hints else None
    lo = _refine_tie(fx, fy, L, a, b, dps + GUARD_DIGITS, hh)
    hi = _refine_tie(fx, fy, L, a, b, 2 * dps + GUARD_DIGITS, hh, x0=lo)
    with mpmath.workdps(2 * dps + GUARD_DIGITS):
        dig = agreed_digits(lo, hi)
    if dig < dps:
        raise PrecisionError(f"tie {fx.name}/{fy.name}: {dps + GUARD_DIGITS} and {2 * dps + GUARD_DIGITS} digits "
                             f"agree to {float(dig):.1f} digits only")
    val = hi
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


def _search_curves(fams, L, search_dps, search_bits, backend):
    return [FamilyCurves(f, L, search_dps, prec=search_bits, backend_name=backend) for f in fams]


def _zero_mu_search(fc: FamilyCurves):
    with mpmath.workdps(fc.dps):
        return max((component_zero_threshold(cv)[0] for cv in fc.curves), default=mpmath.mpf(0))


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
    X, Y = _curves if _curves is not None else _search_curves([fx, fy], L, search_dps, search_bits, backend)
    zx, zy = _zero_mu_search(X), _zero_mu_search(Y)
    hi = min(zx, zy)
    if hi == 0:
        return TieReport(K, L, (fx.name, fy.name), [], (None, None), 0, 0,
                         "one family never beats the zero solution: no tie below the other's zero threshold", [])
    ax, ay = alpha(fx, L), alpha(fy, L)
    w, l = (fx, fy) if ax < ay else (fy, fx)
    mu0 = tail_bound(w, l, L, backend)
    floor_note = ""
    if mu0 is None:
        mu0 = mpmath.mpf(mu_floor) if mu_floor is not None else mpmath.mpf(10) ** -30
        floor_note = f"; below μ = {nstr(mu0, 3)} NOT searched (no tail bound: equal asymptotic constants)"
    with mpmath.workdps(search_dps):
        mu0 = min(+mpmath.mpf(mu0), hi / 2)
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

    def winner_at(self, mu) -> str:
        for a, b, lab in self.intervals:
            if a <= mu < b:
                return lab
        return self.intervals[-1][2]

    def family_wins(self, name: str) -> bool:
        """Is ``name`` (or a label containing it) the strict winner on some interval?"""
        return any(name in lab.split("=") for lab in self.winners())


def phase(K: int, L: int, families: list | None = None, dps: int = DEFAULT_DPS, search_dps: int = SEARCH_DPS,
          search_bits: int = SEARCH_BITS, certify: bool = False, backend=None, pairs=(), mu_floor=None,
          thresholds_dps: int | None = None) -> Phase:
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
    all_fcs = _search_curves(all_reps, L, search_dps, search_bits, backend)
    fcs = [all_fcs[k] for k in keep]
    cache: dict = {}
    zth = {lab: zero_threshold(f, L, dps, certify=certify, backend=backend) for lab, f in zip(labels, reps)}
    folds = {lab: fold_threshold(f, L, dps, certify=certify, backend=backend) for lab, f in zip(all_labels, all_reps)}
    for d in (zth, folds):
        for lab, t in d.items():
            t.label = lab
    zmu = [_zero_mu_search(fc) for fc in fcs]
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
        note = ""
        if mu0 is None:
            mu0 = mpmath.mpf(mu_floor) if mu_floor is not None else mpmath.mpf(10) ** -30
            note = f" (no tail bound; below {nstr(mu0, 3)} not searched)"
        with mpmath.workdps(search_dps):
            mu0 = min(+mpmath.mpf(mu0), mu_hi / 2)
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
