"""The optimal loss of a family as a function of μ = Λ·n^{1/(L+1)}: critical curves and branches.

For one component (``families.Component``) at depth L, with p = 2/(L+1), A = (L+1)/2 and c = μP:
    f(t) = ḡ(t) + A c t^p,   h = −ḡ',   φ(t) = t^{1−p} h(t),   f'(t) = t^{p−1}(c − φ(t))   (SPEC §2).
Every positive critical point lies on the *critical curve* t ↦ (μ(t), F(t)) with
    μ(t) = φ(t)/P,   F(t) = ḡ(t) + A t h(t)   (the loss there: the penalty is A c t^p = A t h(t)),
and it is a local minimum exactly where φ decreases. With ψ(t) := t^p φ'(t) = (1−p)h + t h',
    dF/dt = A ψ(t),   ψ' = (2−p)h' + t h'',   h' = −Var_π(g),  h'' = κ₃,π(g)
(π_j ∝ m_j e^{−t g_j}: h, −h', h'' are the mean, variance and third cumulant of the gap).
The *branches* are the maximal t-intervals on which φ > 0 decreases; on a branch μ ↦ t*(μ) is a
bijection, so the optimal loss is V(μ) = min(f(0), min over branches of F(t*_branch(μ))).

Branches come from the roots of ψ, isolated with interval arithmetic (``rootfinding.isolate_roots``)
on [t_lo, T], where
- ψ > 0 on (0, t_lo) with t_lo = (1−p)h(0)/((2−p)·V_max), V_max = Σ w (g_max − g_min)²/4 ≥ Var
  (Popoviciu), because h(t) ≥ h(0) − t·V_max and h' ≥ −V_max;
- all gaps ≥ 0: ψ < 0 on [T, ∞) once, for every column type, T ≥ 2(1−p)/γ and
  E[g](T) ≤ Σ_{g>0} m g e^{−Tg}/m₀ ≤ γ/2 (then Var ≥ E[g](γ − E[g]) gives ψ < 0);
- some negative gap: h(∞) = Σ w g_min < 0 and h decreases, so φ < 0 beyond the first T with h(T) < 0.
For L = 1 (p = 1), ψ = t h' < 0: one branch starting at t = 0 with φ(0+) = h(0).

``Curve`` holds one component at one precision; ``Curve.candidates(μ)`` gives the zero solution and the
local minimum on every branch whose μ-range contains μ, in mpmath (``certified=False``) or as interval
enclosures (``certified=True``: a root bracket [t(1−ε), t(1+ε)] proven by the signs of φ − c at its ends
and the branch's proven monotonicity, then f and ∂f/∂μ enclosed over it).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from .families import Component, Family
from .intervals import backend as interval_backend, enclose_exact
from .losses import CEFit, IntervalGapMoments
from .precision import bits_for_digits, digits_for_bits
from .rootfinding import (UNDEFINED, PointArithmetic, isolate_roots, newton_bracket,  # noqa: F401 (newton_bracket re-exported)
                          safeguarded_newton)


class DecompositionError(ArithmeticError):
    """The roots of ψ could not all be resolved (a degenerate extremum of φ)."""


# ---- the component at one precision ------------------------------------------------------------

@dataclass
class Branch:
    """A maximal interval of t on which φ > 0 strictly decreases: (t_start, t_end), t_end = inf allowed.

    ``peak``/``valley``: certified brackets (lo, hi) of the ψ roots at the ends (None at t = 0 or ∞).
    ``t_cap``: for components with a negative gap, a T with h(T) < 0 (φ < 0 beyond: the branch ends
    before it)."""

    t_start: mpmath.mpf
    t_end: mpmath.mpf
    phi_start: mpmath.mpf
    phi_end: mpmath.mpf
    peak: tuple | None
    valley: tuple | None


@dataclass(frozen=True)
class Candidate:
    """A local minimum of f at scale t (t = 0: the zero solution) with value and ∂value/∂μ.
    Certified candidates carry enclosures (lo, hi) in ``value_iv``/``deriv_iv`` and the t bracket."""

    t: mpmath.mpf
    value: mpmath.mpf
    deriv: mpmath.mpf
    branch: int  # -1 for the zero solution
    value_iv: tuple | None = None
    deriv_iv: tuple | None = None
    t_iv: tuple | None = None


_DECOMP_CACHE: dict = {}
_BRANCH_CACHE: dict = {}
_GUESS: dict = {}  # (component types, svals, L, what) -> an approximate root found at a lower precision


def guess(key):
    """A root found earlier at lower precision (a Newton start for a higher-precision solve)."""
    return _GUESS.get(key)


def remember(key, value):
    _GUESS[key] = value


class Curve:
    """One component at depth L, numbers at ``dps`` digits (see the module docstring)."""

    def __init__(self, comp: Component, L: int, dps: int = 30):
        self.comp, self.L, self.dps = comp, int(L), int(dps)
        with mpmath.workdps(self.dps):
            self.types, sv = comp.numbers(self.dps)
            self._ce = CEFit(self.types)
            self.p = mpmath.mpf(2) / (self.L + 1)
            self.A = mpmath.mpf(self.L + 1) / 2
            self.P = mpmath.fsum(mpmath.power(s, self.p) for s in sv)
            self.zero_value = self.fit(mpmath.mpf(0))
        self.weak = comp.weakly_superior()
        self._branches = None

    # ---- mpmath functions (call inside workdps(self.dps)) --------------------------------------
    def fit(self, t):
        """ḡ(t) = Σ w [log m_min + log1p(Σ_{g>g_min} (m/m_min) e^{−t(g−g_min)}) − t g_min] (``losses.CEFit``)."""
        return self._ce.value(t)

    def moments(self, t, order: int = 2):
        """(h, h', h'') = Σ w (E_π g, −Var_π g, κ₃,π g) (h'' only when order >= 3): ``losses.CEFit.moments``."""
        return self._ce.moments(t, order)

    def h(self, t):
        return self.moments(t, 1)[0]

    def phi(self, t):
        """φ(t) = t^{1−p} h(t); the positive critical points at μ solve φ(t) = μP."""
        return mpmath.power(t, 1 - self.p) * self.h(t) if self.p != 1 else self.h(t)

    def psi(self, t):
        """ψ(t) = t^p φ'(t) = (1−p) h + t h'."""
        h, dh, _ = self.moments(t, 2)
        return (1 - self.p) * h + t * dh

    def dpsi(self, t):
        """ψ'(t) = (2−p) h' + t h''."""
        _, dh, d2h = self.moments(t, 3)
        return (2 - self.p) * dh + t * d2h

    def psi_dpsi(self, t):
        """(ψ(t), ψ'(t)) from one evaluation of the moments (the same numbers as ``psi``, ``dpsi``)."""
        h, dh, d2h = self.moments(t, 3)
        return (1 - self.p) * h + t * dh, (2 - self.p) * dh + t * d2h

    def crit_value(self, t):
        """F(t) = ḡ(t) + A t h(t): the loss of the critical point with scale t (at μ = φ(t)/P)."""
        return self.fit(t) + self.A * t * self.h(t)

    def crit_value_slope(self, t):
        """(F(t), dF/dt = A ψ(t)) from one evaluation of the moments (the numbers of ``crit_value``, ``psi``)."""
        h, dh, _ = self.moments(t, 2)
        return self.fit(t) + self.A * t * h, self.A * ((1 - self.p) * h + t * dh)

    def mu_of(self, t):
        return self.phi(t) / self.P

    # ---- interval versions -----------------------------------------------------------------------
    def interval_functions(self, B):
        """(fit, h, h', h'') enclosures over a backend interval X, gaps enclosed exactly (``intervals.enclose_exact``);
        h, h', h'' from ``losses.IntervalGapMoments``. Built once per component, backend and precision
        (they depend on nothing else; the gaps are enclosed from their sympy expression trees)."""
        return self.comp.memo(("interval_functions", B.name, B.bits()), lambda: self._interval_functions(B))

    def _interval_functions(self, B):
        G = IntervalGapMoments(B, [(enclose_exact(B, w), [enclose_exact(B, g) for g in gs], [B.point(int(m)) for m in ms])
                                   for w, gs, ms in self.comp.types])
        return G.fit, G.h, G.dh, G.d2h

    def interval_constants(self, B):
        """(p, A, P) as enclosures."""
        p = B.point(Fraction(2, self.L + 1))
        A = B.point(Fraction(self.L + 1, 2))
        P = B.point(0)
        for s in self.comp.svals:
            P = P + B.pow_pos(enclose_exact(B, s), p)
        return p, A, P

    # ---- branches ----------------------------------------------------------------------------------
    def branches(self) -> list:
        """The branches, their ends refined to this curve's precision (certified brackets cached)."""
        if self._branches is None:
            key = (self.comp.types, self.comp.svals, self.L, self.dps)
            if key not in _BRANCH_CACHE:
                raw = decomposition(self.comp, self.L)
                out = []
                with mpmath.workdps(self.dps):
                    for br in raw["branches"]:
                        gk = (self.comp.types, self.comp.svals, self.L)
                        if br["peak"] is None:
                            ts, ps = mpmath.mpf(0), self.h(mpmath.mpf(0))
                        else:
                            k = gk + ("peak", br["peak"][0])
                            ts = newton_bracket(None, None, *br["peak"], x0=guess(k), fdf=self.psi_dpsi,
                                                fa=_proven_sign_at(br["peak"][0], +1))
                            remember(k, ts)
                            ps = self.phi(ts)
                        if br["valley"] is None:
                            te, pe = mpmath.inf, mpmath.mpf(0)
                        else:
                            k = gk + ("valley", br["valley"][0])
                            te = newton_bracket(None, None, *br["valley"], x0=guess(k), fdf=self.psi_dpsi,
                                                fa=_proven_sign_at(br["valley"][0], -1))
                            remember(k, te)
                            pe = max(self.phi(te), mpmath.mpf(0))
                        out.append(Branch(ts, te, ps, pe, br["peak"], br["valley"]))
                _BRANCH_CACHE[key] = out
            self._branches = _BRANCH_CACHE[key]
        return self._branches

    def fold_mu(self):
        """sup of μ with a positive critical point: max over branches of φ(t_start)/P (0 if none)."""
        with mpmath.workdps(self.dps):
            brs = self.branches()
            return max((b.phi_start for b in brs), default=mpmath.mpf(0)) / self.P

    # ---- solving φ(t) = c on a branch ----------------------------------------------------------------
    def _upper_bracket(self, br: Branch, c):
        if br.t_end != mpmath.inf:
            return br.t_end
        T = max(br.t_start * 2, mpmath.mpf(1))
        while True:
            v = self.phi(T)
            if v < c:
                return T
            T *= 2

    def solve(self, br: Branch, c, hint=None):
        """The t in (t_start, t_end) with φ(t) = c (φ_end < c < φ_start): safeguarded Newton on
        log φ(t) − log c (``rootfinding.safeguarded_newton``), bisection (geometric while b/a > 2)
        whenever a step leaves the bracket; where h <= 0 (φ <= 0 < c) the root is to the left."""
        a = br.t_start
        b = self._upper_bracket(br, c)
        logc = mpmath.log(c)
        one_m_p = 1 - self.p
        x = hint if (hint is not None and a < hint < b) else (mpmath.sqrt(a * b) if a > 0 else b / 2)

        def step(x):
            h, dh, _ = self.moments(x, 2)
            if h <= 0:  # beyond the zero of h: φ < 0 < c
                return UNDEFINED
            G = (one_m_p * mpmath.log(x) if one_m_p else 0) + mpmath.log(h) - logc
            if G == 0:
                return 0, None
            dG = (one_m_p / x if one_m_p else 0) + dh / h
            return (1 if G > 0 else -1), (x - G / dG if dG < 0 else None)
        return safeguarded_newton(step, a, b, x, mpmath.eps * 8, max_steps=4 * int(mpmath.mp.prec) + 100,
                                  ratio=2, narrow_mid=True, must_converge=True)[0]

    # ---- candidates at μ (mpmath, this precision) -----------------------------------------------------
    def candidates(self, mu, hints=None) -> list:
        """Zero solution and the local minimum on every branch containing c = μP (mpmath values)."""
        with mpmath.workdps(self.dps):
            mu = +mu
            c = mu * self.P
            out = [Candidate(mpmath.mpf(0), self.zero_value, mpmath.mpf(0), -1)]
            for i, br in enumerate(self.branches()):
                if not (br.phi_end < c < br.phi_start):
                    continue
                t = self.solve(br, c, None if hints is None else hints.get(i))
                tp = mpmath.power(t, self.p)
                val = self.fit(t) + self.A * c * tp
                out.append(Candidate(t, val, self.A * self.P * tp, i))
            return out


def _proven_sign_at(lo, sign: int):
    """ψ's sign at the lower end ``lo`` of an isolating bracket (+1 before a peak, −1 before a valley:
    proven by the isolation), as the ``fa`` of ``newton_bracket`` (which only uses its sign), when ``lo``
    is exact at the working precision; else None (newton_bracket then evaluates ψ there)."""
    return mpmath.mpf(sign) if mpmath.mpf(lo) == lo else None


# ---- the certified decomposition (cached) ---------------------------------------------------------

def component_zero_threshold(cv: Curve):
    """(μ_Z, t_Z, branch index) for one component at cv's precision; μ_Z = 0 if never below f(0).
    t_Z = None when the supremum is a branch fold (the branch is below f(0) all along).

    On each branch F(t) decreases (dF/dt = Aψ < 0), so F(t) = f(0) has at most one root t_Z per branch
    and μ_Z = max over branches of φ(t_Z)/P (``thresholds`` module docstring).

    L = 1 (Zhu et al.): DNC's zero threshold is μ_Z = 1/K.

    >>> from ufmtheory.families import named_family
    >>> mu, t, branch = component_zero_threshold(Curve(named_family("dnc", 4).components[0], 1, 30))
    >>> mpmath.nstr(mu, 20), branch
    ('0.25', 0)
    """
    best = (mpmath.mpf(0), None, None)
    with mpmath.workdps(cv.dps):
        z = cv.zero_value
        for i, br in enumerate(cv.branches()):
            G = lambda t: cv.crit_value(t) - z  # noqa: E731

            def GdG(t):
                F, dF = cv.crit_value_slope(t)
                return F - z, dF
            G0 = None if br.peak is None else G(br.t_start)
            if br.peak is None or G0 <= 0:
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
                tz = newton_bracket(None, None, br.t_start, te, x0=guess(gk), fa=G0, fdf=GdG)
                remember(gk, tz)
                cand = (cv.mu_of(tz), tz, i)
            if cand[0] > best[0]:
                best = cand
    return best


def decomposition(comp: Component, L: int, backend_name: str | None = None) -> dict:
    """Certified ψ-root brackets and the resulting branches (cached per component signature and L)."""
    key = (comp.types, comp.svals, int(L), backend_name)
    if key not in _DECOMP_CACHE:
        _DECOMP_CACHE[key] = _decompose(comp, int(L), backend_name)
    return _DECOMP_CACHE[key]


def _decompose(comp: Component, L: int, backend_name) -> dict:
    B = interval_backend(backend_name)
    cv = Curve(comp, L, 40)
    prec = 160
    with mpmath.workdps(40), B.precision(prec):
        fit, h, dh, d2h = cv.interval_functions(B)
        h0 = h(B.point(0))
        if B.sign(h0) <= 0:
            if B.sign(h0) == 0:
                raise DecompositionError("cannot decide the sign of h(0)")
            return {"branches": [], "roots": [], "interval": None, "boxes": 0, "backend": B.name}
        p = Fraction(2, L + 1)
        if p == 1:
            return {"branches": [{"peak": None, "valley": None}], "roots": [], "interval": None,
                    "boxes": 0, "backend": B.name}
        # lower end: ψ > 0 on (0, t_lo)
        vmax = mpmath.fsum(w * (max(gs) - min(gs)) ** 2 / 4 for w, gs, _ in cv.types)
        h0_lo = B.lower(h0)
        t_lo = (1 - cv.p) * h0_lo / ((2 - cv.p) * vmax) / 2 if vmax > 0 else mpmath.mpf(1)
        # upper end
        if comp.weakly_superior():
            T = mpmath.mpf(1)
            for w, gs, ms in cv.types:
                pos = [(g, m) for g, m in zip(gs, ms) if g > 0]
                if not pos:
                    continue
                gam = min(g for g, _ in pos)
                m0 = sum(m for g, m in zip(gs, ms) if g == 0)
                Tt = max(mpmath.mpf(1), 2 * (1 - cv.p) / gam * 2)
                for _ in range(2000):
                    bound = mpmath.fsum(m * g * mpmath.exp(-Tt * g) for g, m in pos) / m0
                    if bound <= gam / 4:
                        break
                    Tt *= 2
                T = max(T, Tt)
        else:
            T = mpmath.mpf(1)
            for _ in range(2000):
                if B.sign(h(B.point(T))) < 0:
                    break
                T *= 2
        T = max(T, t_lo * 4)
        one_m_p = B.point(1 - p)
        two_m_p = B.point(2 - p)

        def psi(X):
            return one_m_p * h(X) + X * dh(X)

        def dpsi(X):
            return two_m_p * dh(X) + X * d2h(X)

        rep = isolate_roots(psi, dpsi, t_lo, T, B, prec_bits=prec, max_boxes=100000)
    roots = []
    for r in rep.brackets:
        if r.status != "simple":
            raise DecompositionError(f"{comp.name}, L={L}: unresolved extremum of φ near t = "
                                     f"{mpmath.nstr(r.lo, 10)}")
        roots.append(((r.lo, r.hi), "peak" if r.slope_sign < 0 else "valley"))
    # roots alternate peak, valley, peak, ... (ψ > 0 before the first root)
    branches = []
    for k, (br, kind) in enumerate(roots):
        if kind != "peak":
            continue
        valley = roots[k + 1][0] if k + 1 < len(roots) else None
        branches.append({"peak": br, "valley": valley})
    kinds = [k for _, k in roots]
    if any(kinds[i] == kinds[i + 1] for i in range(len(kinds) - 1)) or (kinds and kinds[0] != "peak"):
        raise DecompositionError(f"{comp.name}, L={L}: extrema of φ do not alternate: {kinds}")
    # drop branches where φ <= 0 at the peak (negative gaps)
    keep = []
    with mpmath.workdps(40):
        for b in branches:
            tpk = (b["peak"][0] + b["peak"][1]) / 2
            if cv.phi(tpk) > 0:
                keep.append(b)
    return {"branches": keep, "roots": roots, "interval": (t_lo, T), "boxes": rep.boxes, "backend": B.name}


# ---- interval evaluation (search and certificates) -----------------------------------------------

class IntervalCurve:
    """A ``Curve`` evaluated with interval arithmetic at ``prec`` bits (arb by default).

    ``candidates(μ)`` returns enclosures of the value and ∂/∂μ of the zero solution and of the local
    minimum on every branch containing c = μP: the root t of φ(t) = c is located by Newton's method on
    midpoints, then bracketed by T = [t(1−ε), t(1+ε)] with φ(t(1−ε)) > c > φ(t(1+ε)) proven (φ is
    strictly decreasing on the branch, proven by the decomposition), and the value is enclosed by the
    mean-value form f(t) + f'(T)(T − t), f'(T) = −h(T) + c T^{p−1} (≈ 0 at the root, so the enclosure
    is quadratically tight), intersected with the natural extension of f over T.
    """

    def __init__(self, curve: Curve, prec: int = 64, backend_name: str | None = None):
        self.cv, self.prec = curve, int(prec)
        self.B = B = interval_backend(backend_name)
        with B.precision(self.prec):
            self.fit_iv, self.h_iv, self.dh_iv, _ = curve.interval_functions(B)
            self.p, self.A, self.P = curve.interval_constants(B)
            self.omp = B.point(1) - self.p
            self.pm1 = self.p - 1
            self.zero = self.fit_iv(B.point(0))
            self.zero_pt = B.point(0)
            # exact constants of the solver and of the root brackets (powers of two: exact at any precision)
            self._two, self._half, self._five_fourths = B.point(2), B.point(mpmath.mpf(1) / 2), B.point(mpmath.mpf("1.25"))
            self._tol = B.point(mpmath.mpf(2) ** (-(self.prec - 6)))
            self._arith = PointArithmetic(B)
            self._quarter = B.point(mpmath.mpf(1) / 4)
            self._eps = [B.point(mpmath.mpf(2) ** (-(self.prec - 10 - 8 * k))) for k in range(self.prec // 8)]
            self.branch_data = []
            for br in curve.branches():
                if br.peak is None:
                    top = self.h_iv(B.point(0))
                    ts = B.point(0)
                else:
                    T = self._narrow(br.t_start, br.peak, +1)
                    top, ts = self.phi(T), T
                if br.valley is None:
                    bot, te = None, None
                else:
                    T = self._narrow(br.t_end, br.valley, -1)
                    bot, te = self.phi(T), T
                self.branch_data.append((ts, te, top, bot))

    def phi(self, X):
        if self.cv.p == 1:
            return self.h_iv(X)
        return self.B.pow_pos(X, self.omp) * self.h_iv(X)

    def _psi(self, X):
        return self.omp * self.h_iv(X) + X * self.dh_iv(X)

    def _narrow(self, t, wide, sign_left: int):
        """A narrow proven bracket of the ψ root t inside the isolating bracket ``wide`` (where ψ has
        exactly one simple root): the signs of ψ at t(1 ∓ ε) are proven opposite."""
        B = self.B
        with mpmath.workdps(digits_for_bits(self.prec) + 10):  # t carries the curve's digits: keep them
            for k in range(8):
                eps = mpmath.mpf(2) ** (-(self.prec - 12 - 8 * k))
                lo, hi = max(t * (1 - eps), wide[0]), min(t * (1 + eps), wide[1])
                if B.sign(self._psi(B.point(lo))) == sign_left and B.sign(self._psi(B.point(hi))) == -sign_left:
                    return B.hull(lo, hi)
        return B.hull(*wide)

    def _solve(self, i: int, c, hint=None):
        """Midpoint Newton on log φ − log c inside branch i (bisection safeguard), on exact points.
        Returns (t, a, b): the approximate root and a bracket with φ(a) > c > φ(b) proven."""
        B = self.B
        ts, te, _, _ = self.branch_data[i]
        a = B.upper_point(ts)
        if te is not None:
            b = B.lower_point(te)
        else:
            two = self._two
            b = B.center(a * two) if B.sign(a - 1) > 0 else B.point(1)
            if hint is not None and B.less(b, hint):
                b = B.center(hint * self._five_fourths)
            while True:
                s = B.sign(self.phi(b) - c)
                if s < 0:
                    break
                if s > 0:
                    a = b
                b = b * two
        logc = B.log(c)
        if hint is not None and B.less(a, hint) and B.less(hint, b):
            x = hint
        else:  # the start: geometric unless a = 0 or b < 4a
            half = self._half
            x = B.center((a + b) * half) if (B.sign(a) == 0 or B.sign(b - a * 4) < 0) else B.center(B.exp((B.log(a) + B.log(b)) * half))
        p1 = self.cv.p == 1

        def step(x):
            h = self.h_iv(x)
            sh = B.sign(h)
            if sh < 0:  # beyond the zero of h: φ < 0 < c
                return UNDEFINED
            if sh == 0:
                return 0, None
            G = (B.log(h) if p1 else self.omp * B.log(x) + B.log(h)) - logc
            s = B.sign(G)
            if s == 0:
                return 0, None
            dG = (self.dh_iv(x) / h) if p1 else (self.omp / x + self.dh_iv(x) / h)
            return s, B.center(x - B.center(G) / B.center(dG))
        return safeguarded_newton(step, a, b, x, self._tol, max_steps=4 * self.prec + 50, arith=self._arith, ratio=4)

    def _enclose_on(self, T, c, t=None):
        """(value, ∂/∂μ) enclosures of f over the t-interval T (mean-value form about the point t)."""
        B = self.B
        if B.sign(T) > 0:
            Tp = B.pow_pos(T, self.p)
        else:
            Tp = B.union(B.point(0), B.pow_pos(B.upper_point(T), self.p))
        nat = self.fit_iv(T) + self.A * c * Tp
        val = nat
        if t is not None and B.sign(T) > 0:
            fprime = self.zero_pt - self.h_iv(T) + c * B.pow_pos(T, self.pm1)
            mv = self.fit_iv(t) + self.A * c * B.pow_pos(t, self.p) + fprime * (T - t)
            val = B.intersection(nat, mv)
        return val, self.A * self.P * Tp

    def candidates(self, mu, hints=None) -> list:
        """Enclosures (value, ∂/∂μ, branch, t) of the zero solution and of every branch minimum at μ
        (t an exact backend point; for the zero solution t = 0).

        Where μ is too close to a fold (or L = 1's φ(0+)) to decide whether a branch has a root, the
        candidate covers every t where the root could be (f over that t-interval): still valid bounds,
        since f(t) >= V(μ) for every t."""
        B = self.B
        with B.precision(self.prec):
            c = B.exact(mu) * self.P
            out = [(self.zero, self.zero_pt, -1, self.zero_pt)]
            for i, (ts, te, top, bot) in enumerate(self.branch_data):
                s_top = B.sign(top - c)
                s_bot = 1 if bot is None else B.sign(c - bot)
                if s_top < 0 or s_bot < 0:
                    continue
                if s_top == 0 or s_bot == 0:
                    lo = B.lower_point(ts)
                    hi = B.upper_point(te) if te is not None else None
                    if s_top == 0:  # the root, if any, lies just right of the peak
                        u = B.upper_point(ts)
                        step = u * B.point(mpmath.mpf(2) ** (-(self.prec // 2))) + B.point(mpmath.mpf(2) ** (-self.prec))
                        tau = u + step
                        while B.sign(self.phi(tau) - c) >= 0:
                            step = step * 4
                            tau = u + step
                        hi = tau if hi is None else (tau if B.less(tau, hi) else hi)
                    if s_bot == 0:  # the root, if any, lies just left of the valley
                        u = B.lower_point(te)
                        step = u * B.point(mpmath.mpf(2) ** (-(self.prec // 2)))
                        tau = u - step
                        while B.sign(self.phi(tau) - c) <= 0:
                            step = step * 4
                            tau = u - step
                        lo = tau if B.less(lo, tau) else lo
                    if hi is None:
                        continue
                    val, der = self._enclose_on(B.union(lo, hi), c)
                    out.append((val, der, i, hi))
                    continue
                h0 = None if hints is None else hints.get(i)
                t, a, b = self._solve(i, c, h0)
                T = None
                for k, eps in enumerate(self._eps):
                    if k and B.sign(eps - self._quarter) > 0:
                        break
                    lo, hi = B.center(t - t * eps), B.center(t + t * eps)
                    lo = lo if B.less(a, lo) else a
                    hi = hi if B.less(hi, b) else b
                    if B.sign(self.phi(lo) - c) > 0 and B.sign(self.phi(hi) - c) < 0:
                        T = B.union(lo, hi)
                        break
                if T is None:  # the proven bracket [a, b] from the solver
                    T, t = B.union(a, b), None
                val, der = self._enclose_on(T, c, t)
                out.append((val, der, i, t if t is not None else B.upper_point(T)))
            return out


# ---- families ---------------------------------------------------------------------------------------

@dataclass
class FamilyValue:
    """Enclosures at μ: ``v`` ∋ V(μ) and ``d`` ⊇ the superdifferential of the concave V (the hull of
    ∂f/∂μ = penalty/μ over the candidates that can be minimal), as backend intervals."""

    mu: mpmath.mpf
    v: object
    d: object
    scales: tuple  # per component: the scale t of the candidate with the lowest upper bound
    tmax: tuple = ()  # per component: an upper bound of the scale of every candidate that can be minimal
    argmins: tuple = ()  # per component: (branch index or -1, t) of the candidate with the lowest upper bound

    def hints(self) -> dict:
        """Starting scales for ``FamilyCurves.point`` (keys as in its hint store)."""
        return {("mp", k): {br: self.scales[k]} for k, (br, t) in enumerate(self.argmins) if br >= 0}


class FamilyCurves:
    """All components of a family at depth L: mpmath curves at ``dps`` digits, interval curves at
    ``prec`` bits (default ``bits_for_digits(dps)`` + 8)."""

    def __init__(self, family: Family, L: int, dps: int = 30, prec: int | None = None, backend_name=None):
        self.family, self.L, self.dps = family, int(L), int(dps)
        self.curves = [Curve(c, L, dps) for c in family.components]
        self.prec = int(prec) if prec is not None else bits_for_digits(dps) + 8
        self.backend_name = backend_name
        self._iv = None
        with mpmath.workdps(self.dps):
            self.zero_value = mpmath.fsum(c.zero_value for c in self.curves)
        self._hints: dict = {}

    @property
    def name(self) -> str:
        return self.family.name

    @property
    def interval_curves(self) -> list:
        if self._iv is None:
            self._iv = [IntervalCurve(cv, self.prec, self.backend_name) for cv in self.curves]
        return self._iv

    @property
    def B(self):
        return self.interval_curves[0].B

    def value(self, mu) -> FamilyValue:
        """Proven enclosures of V(μ) and of its superdifferential (interval arithmetic)."""
        B = self.B
        with B.precision(self.prec):
            v = d = B.point(0)
            scales, tmax, argmins = [], [], []
            for k, ic in enumerate(self.interval_curves):
                hints = self._hints.setdefault(k, {})
                cands = ic.candidates(mu, hints)
                for val, der, br, t in cands:
                    if br >= 0:
                        hints[br] = t
                # V = min over candidates: [min lower, min upper]; active = those that can be minimal
                m_hi = min((B.upper_point(c[0]) for c in cands), key=B.midpoint)  # exact points: ordered exactly
                active = [c for c in cands if B.sign(B.lower_point(c[0]) - m_hi) <= 0]
                m_lo = min((B.lower_point(c[0]) for c in cands), key=B.midpoint)
                v = v + B.union(m_lo, m_hi)
                dd = active[0][1]
                for c in active[1:]:
                    dd = B.union(dd, c[1])
                d = d + dd
                best = min(active, key=lambda c: B.midpoint(B.upper_point(c[0])))
                scales.append(B.midpoint(best[3]))
                argmins.append((best[2], best[3]))
                with mpmath.workdps(digits_for_bits(self.prec) + 10):
                    tmax.append(max(B.midpoint(c[3]) for c in active) * (1 + mpmath.mpf(2) ** (-(self.prec - 40))))
            return FamilyValue(mu, v, d, tuple(scales), tuple(tmax), tuple(argmins))

    def point(self, mu):
        """(V(μ), dV/dμ, scales) in mpmath at ``dps`` digits (no enclosure)."""
        with mpmath.workdps(self.dps):
            v = d = mpmath.mpf(0)
            scales = []
            for k, cv in enumerate(self.curves):
                hints = self._hints.setdefault(("mp", k), {})
                cands = cv.candidates(mu, hints=hints)
                best = min(cands, key=lambda cd: cd.value)
                if best.branch >= 0:
                    hints[best.branch] = best.t
                v += best.value
                d += best.deriv
                scales.append(best.t)
            return v, d, scales

    def zero_threshold(self):
        """μ_Z = sup{μ : V(μ) < f(0)}: the largest of the components' (``component_zero_threshold``), at this
        precision."""
        return max((component_zero_threshold(cv)[0] for cv in self.curves), default=mpmath.mpf(0))

    def fold(self):
        """The largest μ at which some component still has a positive critical point."""
        return max((cv.fold_mu() for cv in self.curves), default=mpmath.mpf(0))
