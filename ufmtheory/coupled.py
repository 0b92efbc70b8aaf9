"""The coupled odd-K family: pairs at a common scale a plus a centred singleton column whose scale β and
the pairs' offset γ are coupled (found by the global search, issue 11):

    Z̄ = a·B + u vᵀ,  B = I_m ⊗ [[1,−1],[−1,1]] ⊕ 0,  u = e_K − 1/K,  v = β e_K + γ 1_pairs,  K = 2m+1.

B has zero row and column sums and no singleton row/column, so Bᵀu = 0 and B v = γ B 1_pairs = 0: the two
parts are orthogonal, the singular values of Z̄ are 2a (m times) and
‖u‖‖v‖ = √((K−1)/K)·√(β² + 2mγ²). Logit gaps (own entry minus the others): pair column — partner 2a,
the other K−3 pair classes a, the singleton row a − γ; singleton column — β to every other class.
With the Schatten reduction (SPEC §2, μ = Λ n^{1/(L+1)}, p = 2/(L+1)):

    f(a, β, γ) = (2m/K) log(1 + e^{−2a} + (K−3)e^{−a} + e^{−(a−γ)}) + (1/K) log(1 + (K−1)e^{−β})
                 + ((L+1)/2) μ [m (2a)^p + ((K−1)/K)^{p/2} (β² + 2mγ²)^{p/2}].

γ = 0 is the family paired2c (``families.paired_centred``). a, β ≥ 0 without loss (a sign flip only raises the fit); γ is free.

**Every critical point** (module function ``critical_points``), by strata of the cusp of the penalty
(p < 1 for L ≥ 2: infinite slope at a = 0 and at r = √(β²+2mγ²) = 0, so those faces are local minima
in their normal directions):

- a > 0, r > 0 (interior). ∂_a f = 0 gives, with x = e^{−a}, T(a) = (K/2)·A p 2^p a^{p−1}
  (A = (L+1)μ/2): S = (1 − x²)/(1 − T) and e^{γ−a} = S − 1 − x² − (K−3)x, so γ(a) is explicit.
  ∂_γ f = 0 gives W := A c^{p/2} p r^{p−2} = ρ/(K(−γ)) with ρ = e^{γ−a}/S (so γ < 0), hence r(a), and
  β(a) = √(r² − 2mγ²). What is left is ∂_β f = 0, i.e. the 1-D residual
      R(a) = log(K W β / q(β)),  q(β) = (K−1)/(e^β + K − 1),
  on the admissible set {T < 1, 0 < e^{γ−a} < e^{−a}, β² > 0}. Interior critical points ↔ roots of R.
  γ < 0 forces T(a) < K e^{−a}, which bounds a from above (``_a_range``); T < 1 bounds it from below.
  R → +∞ at the γ → 0 and γ → −∞ ends (p < 1) and → −∞ at the β → 0 end.
- a > 0, r = 0: the pairs alone (scale a), 1-D: log T(a) = log(−S_a/S) at γ = 0.
- a = 0, r > 0: (β, γ) with the pairs off; parametrised by β (W = q(β)/(Kβ), r, γ = −√((r²−β²)/(2m)));
  residual log(K W (−γ)/ρ).
- a = 0, r = 0: the zero solution, log K.
(For L = 1, p = 1, the faces a = 0, r = 0 are critical only if the subgradient condition holds; checked.)

Each 1-D residual is scanned on a geometric grid over its (bounded) admissible range and every sign
change refined (mpmath), then the point is polished by Newton on the full gradient at two precisions
(agreement to ``dps`` digits is required). This is a bracketing of an exact 1-D reduction, not a proof
of completeness: the certified statement needs the box prover (``ufmtheory.boxes``), for which
``CoupledFamily.interval_functions`` gives arb enclosures of f and ∇f over boxes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath

from . import _validate as V
from .names import COUPLED_NAME
from .precision import DEFAULT_DPS, GUARD_DIGITS, PrecisionError, agreed_digits, nstr, to_fraction

#: Name of the family in ``compare`` and ``phase`` (the registry's entry, ``names.COUPLED_NAME``).
NAME = COUPLED_NAME


# ---- arithmetic back ends: float64, mpmath, arb (via an intervals.IntervalBackend) ------------------------

class _FloatOps:
    name = "float"

    def const(self, q):
        return float(q)

    exp = staticmethod(math.exp)
    log = staticmethod(math.log)

    def pow(self, x, y):
        return 0.0 if x == 0 else x ** y


class _MpOps:
    name = "mp"

    def const(self, q):
        q = Fraction(q)
        return mpmath.mpf(q.numerator) / q.denominator

    exp = staticmethod(mpmath.exp)
    log = staticmethod(mpmath.log)

    def pow(self, x, y):
        return mpmath.mpf(0) if x == 0 else mpmath.power(x, y)


class _ArbOps:
    """Enclosures with an ``intervals.IntervalBackend`` (arb): x^y for x >= 0 by monotonicity on [lo, hi]."""

    name = "arb"

    def __init__(self, B):
        self.B = B

    def const(self, q):
        return self.B.point(Fraction(q))

    def exp(self, x):
        return self.B.exp(x)

    def log(self, x):
        return self.B.log(x)

    def pow(self, x, y):
        B = self.B
        lo = B.lower(x)
        if lo > 0:
            return B.pow_pos(x, y)
        hi = B.upper(x)
        top = B.point(0) if hi <= 0 else B.pow_pos(B.point(hi), y)
        return B.point(0).union(top) if hasattr(B.point(0), "union") else B.hull(0, B.upper(top))


def ops(kind):
    """'float', 'mp', an ``intervals.IntervalBackend`` (arb balls), or an ops object (``const``, ``exp``,
    ``log``, ``pow``: e.g. ``coupled_certificate.JetOps``, jets of ``boxes``) returned as is."""
    if kind == "float":
        return _FloatOps()
    if kind == "mp":
        return _MpOps()
    if hasattr(kind, "const") and hasattr(kind, "pow"):  # an ops object itself (e.g. jets over arb)
        return kind
    return _ArbOps(kind)


# ---- the problem --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoupledFamily:
    """The coupled family at (K, L, μ) with exact data: μ^{L+1} = ``mu_pow`` (a rational; μ = Λ n^{1/(L+1)}).

    >>> F = CoupledFamily.at(5, 2, Fraction(3, 100))
    >>> round(F.value((2.0, 3.0, -0.5)), 12) == round(float(F.value((mpmath.mpf(2), 3, mpmath.mpf(-0.5)), 'mp')), 12)
    True
    """

    K: int
    L: int
    mu_pow: Fraction

    @classmethod
    def at(cls, K: int, L: int, mu) -> "CoupledFamily":
        """The family at μ (an exact number: int, Fraction, decimal string, or mpf/float taken exactly)."""
        K = V.integer("K", K, 3)
        if K % 2 == 0:
            raise V.ParameterError(f"K must be odd (>= 3) for the coupled family, got K = {K}")
        L = V.integer("L", L, 1)
        q = to_fraction(mu)
        if q <= 0:
            raise V.ParameterError(f"mu must be > 0, got {mu}")
        return cls(K, L, q ** (L + 1))

    @classmethod
    def from_model(cls, model) -> "CoupledFamily":
        """μ^{L+1} = n·Π λ_i exactly (``model.DeepUFM``, SPEC §1-2)."""
        K = V.integer("K", model.K, 3)
        if K % 2 == 0:
            raise V.ParameterError(f"K must be odd (>= 3) for the coupled family, got K = {K}")
        q = Fraction(int(model.n))
        for lam in model.lams:
            q *= to_fraction(lam)
        return cls(K, int(model.L), q)

    # exact constants
    @property
    def m(self) -> int:
        return self.K // 2

    @property
    def p(self) -> Fraction:
        return Fraction(2, self.L + 1)

    def mu(self, o=None):
        """μ in back end ``o`` (default mpmath)."""
        o = o or _MpOps()
        if self.L == 0:  # pragma: no cover
            return o.const(self.mu_pow)
        return o.pow(o.const(self.mu_pow), o.const(Fraction(1, self.L + 1)))

    def _consts(self, o):
        K, m, p = self.K, self.m, self.p
        A = o.const(Fraction(self.L + 1, 2)) * self.mu(o)
        return K, m, o.const(p), A, o.pow(o.const(Fraction(K - 1, K)), o.const(p / 2))

    # ---- f, its parts, ∇f and ∇²f (one formula, every back end) ------------------------------------------
    def parts(self, theta, kind="float"):
        """(fit, penalty) at θ = (a, β, γ), a, β >= 0 (module docstring)."""
        o = ops(kind)
        a, b, g = theta
        K, m, p, A, cp = self._consts(o)
        x = o.exp(-a)
        S = 1 + x * x + (K - 3) * x + o.exp(g - a)
        fit = o.const(Fraction(2 * m, K)) * o.log(S) + o.log(1 + (K - 1) * o.exp(-b)) / K
        r2 = b * b + 2 * m * g * g
        pen = A * (m * o.pow(2 * a, p) + cp * o.pow(r2, p / 2))
        return fit, pen

    def value(self, theta, kind="float"):
        """f(θ) (module docstring)."""
        fit, pen = self.parts(theta, kind)
        return fit + pen

    def gradient(self, theta, kind="float"):
        """∇f(θ) for a > 0 and r > 0 (hand-derived; tested against finite differences)."""
        return self._derivatives(theta, kind, hessian=False)[0]

    def hessian(self, theta, kind="float"):
        """∇²f(θ) (3×3 nested list) for a > 0 and r > 0."""
        return self._derivatives(theta, kind, hessian=True)[1]

    def _derivatives(self, theta, kind, hessian=True):
        o = ops(kind)
        a, b, g = theta
        K, m, p, A, cp = self._consts(o)
        w = o.const(Fraction(2 * m, K))
        x = o.exp(-a)
        u = o.exp(g - a)
        S = 1 + x * x + (K - 3) * x + u
        Sa, Sg = -2 * x * x - (K - 3) * x - u, u
        Saa, Sag, Sgg = 4 * x * x + (K - 3) * x + u, -u, u
        e = (K - 1) * o.exp(-b)
        q = e / (1 + e)
        r2 = b * b + 2 * m * g * g
        two_p = o.pow(o.const(2), p)
        P1 = cp * (p / 2) * o.pow(r2, p / 2 - 1)  # d/d(r²) of cp (r²)^{p/2}
        ga = w * Sa / S + A * m * two_p * p * o.pow(a, p - 1)
        gb = -q / K + A * P1 * 2 * b
        gg = w * Sg / S + A * P1 * 4 * m * g
        if not hessian:
            return [ga, gb, gg], None
        P2 = cp * (p / 2) * (p / 2 - 1) * o.pow(r2, p / 2 - 2)
        haa = w * (Saa / S - Sa * Sa / (S * S)) + A * m * two_p * p * (p - 1) * o.pow(a, p - 2)
        hag = w * (Sag / S - Sa * Sg / (S * S))
        hgg = w * (Sgg / S - Sg * Sg / (S * S)) + A * (P2 * 16 * m * m * g * g + 4 * m * P1)
        hbb = q * (1 - q) / K + A * (P2 * 4 * b * b + 2 * P1)
        hbg = A * P2 * 8 * m * b * g
        hab = 0 * a
        return [ga, gb, gg], [[haa, hab, hag], [hab, hbb, hbg], [hag, hbg, hgg]]

    def interval_functions(self, B):
        """(f, ∇f) as functions of three ``B``-intervals (a, β, γ) returning enclosures (arb), for a box
        prover (``ufmtheory.boxes``). ∇f needs a > 0 and r > 0 on the box; f holds on a, β >= 0.

        >>> from ufmtheory.intervals import backend
        >>> B = backend("arb"); F = CoupledFamily.at(5, 2, Fraction(1, 100))
        >>> f, _ = F.interval_functions(B)
        >>> v = f(B.hull(2, Fraction(21, 10)), B.point(3), B.point(Fraction(-1, 2)))
        >>> B.lower(v) <= F.value((2.05, 3.0, -0.5)) <= B.upper(v)
        True
        """
        return (lambda a, b, g: self.value((a, b, g), B),
                lambda a, b, g: self.gradient((a, b, g), B))

    def singular_values(self, theta, kind="mp") -> list:
        """Non-zero singular values of Z̄ (descending): 2a (m times) and √((K−1)/K)·√(β² + 2mγ²)."""
        o = ops(kind)
        a, b, g = theta
        r = o.pow(o.const(Fraction(self.K - 1, self.K)) * (b * b + 2 * self.m * g * g), o.const(Fraction(1, 2)))
        return sorted([2 * a] * self.m + [r], reverse=True)

    def matrix(self, theta):
        """Z̄ as a K×K numpy float array (column c = logits of class c)."""
        import numpy as np
        a, b, g = (float(t) for t in theta)
        K, m = self.K, self.m
        Z = np.zeros((K, K))
        for i in range(m):
            Z[2 * i:2 * i + 2, 2 * i:2 * i + 2] = a * np.array([[1.0, -1.0], [-1.0, 1.0]])
        u = -np.ones(K) / K
        u[K - 1] += 1
        v = np.full(K, g)
        v[K - 1] = b
        return Z + np.outer(u, v)


# ---- critical points ----------------------------------------------------------------------------------------

@dataclass
class CriticalPoint:
    """A critical point θ = (a, β, γ) of the family (mpf), on ``stratum`` ('interior', 'pairs only' (β=γ=0),
    'pairs off' (a=0), 'zero'), with loss, fit, penalty and the Hessian in the free variables:
    ``index`` = number of negative eigenvalues (0: local minimum; the cusp directions are minima)."""

    stratum: str
    theta: tuple
    loss: mpmath.mpf
    fit: mpmath.mpf
    penalty: mpmath.mpf
    eigenvalues: list
    index: int
    digits_verified: float = mpmath.inf

    @property
    def kind(self) -> str:
        if self.stratum == "zero":
            return "zero solution"
        if any(e == 0 for e in self.eigenvalues):
            return "degenerate"
        return "local min" if self.index == 0 else f"saddle (index {self.index})"

    def to_dict(self, dps: int) -> dict:
        return {"stratum": self.stratum, "a": nstr(self.theta[0], dps), "beta": nstr(self.theta[1], dps),
                "gamma": nstr(self.theta[2], dps), "loss": nstr(self.loss, dps), "kind": self.kind,
                "hessian_eigenvalues": [nstr(e, 8) for e in self.eigenvalues], "index": self.index}


_FREE = {"interior": (0, 1, 2), "pairs only": (0,), "pairs off": (1, 2), "zero": ()}


def _scan(R, lo, hi, n, digits: int = 25, linear: bool = True):
    """Sign changes of R on [lo, hi] (R returns None off its domain): a grid of n points geometric on
    [lo, min(1, hi)] and n points uniform on [1, hi] (scales live on both), plus,
    at every end of the domain met between two grid points (located by bisection), points approaching
    that end at distances 10^-1 … 10^-digits of the grid step (R tends to ±∞ there, so a root close to an
    end of the domain is not missed). Returns brackets (x0, x1) of consecutive domain points with
    opposite signs."""
    one = min(mpmath.mpf(1), hi) if linear else hi
    xs = [lo * (one / lo) ** (mpmath.mpf(k) / (n - 1)) for k in range(n)] if lo < one else []
    if linear and hi > 1:
        xs += [one + (hi - one) * mpmath.mpf(k) / n for k in range(1, n + 1)]
    vals = {x: R(x) for x in xs}
    extra = []
    for x0, x1 in zip(xs, xs[1:]):
        if (vals[x0] is None) == (vals[x1] is None):
            continue
        inside, outside = (x0, x1) if vals[x0] is not None else (x1, x0)
        direction = 1 if outside > inside else -1
        for _ in range(4 * digits):  # the domain end to ~digits·log2(10) bits
            mid = (inside + outside) / 2
            if R(mid) is None:
                outside = mid
            else:
                inside = mid
        step = (x1 - x0) * direction
        extra += [inside + (outside - inside) / 2 - step * mpmath.mpf(10) ** -k for k in range(1, digits + 1)]
    for x in extra:
        vals[x] = R(x)
    pts = sorted(x for x, v in vals.items() if v is not None)
    run = sorted(vals)
    pos = {x: i for i, x in enumerate(run)}
    out = []
    for x0, x1 in zip(pts, pts[1:]):
        if pos[x1] == pos[x0] + 1 and (vals[x0] > 0) != (vals[x1] > 0):
            out.append((x0, x1))
    return out


def _bisect(R, lo, hi, dps):
    """A root of R in [lo, hi] (opposite signs at the ends) by bisection + secant (mpmath, ``dps``)."""
    flo = R(lo)
    for _ in range(60):  # bisection to a relative width 2^-60, then the secant polish
        mid = (lo + hi) / 2
        fm = R(mid)
        if fm is None:
            break
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    try:
        return mpmath.findroot(lambda t: R(t) if R(t) is not None else mpmath.mpf(1), (lo, hi),
                               solver="anderson", tol=mpmath.mpf(10) ** (-dps))
    except (ValueError, ZeroDivisionError):
        return (lo + hi) / 2


class _Reduction:
    """The 1-D reductions of the module docstring, in mpmath at the current precision."""

    def __init__(self, F: CoupledFamily):
        self.F = F
        o = _MpOps()
        self.K, self.m, self.p, self.A, self.cp = F._consts(o)
        self.c = mpmath.mpf(F.K - 1) / F.K

    def T(self, a):
        return self.K / mpmath.mpf(2) * self.A * self.p * mpmath.power(2, self.p) * mpmath.power(a, self.p - 1)

    def r_of_W(self, W):
        return mpmath.power(W / (self.A * self.cp * self.p), 1 / (self.p - 2))

    def q(self, b):
        return (self.K - 1) / (mpmath.exp(b) + self.K - 1)

    def log_q(self, b):
        """log q(β) = log(K−1) − β − log1p((K−1)e^{−β}), without e^{±β} overflowing the exponent range
        (e^{−β} < 10^{−4000} is dropped: far below any working precision used)."""
        small = (self.K - 1) * mpmath.exp(-b) if b < 10 ** 4 * mpmath.log(10) else 0
        return mpmath.log(self.K - 1) - b - mpmath.log1p(small)

    def interior_point(self, a):
        """θ(a) on the interior curve, or None off the admissible set."""
        K, m = self.K, self.m
        T = self.T(a)
        if T >= 1:
            return None
        x = mpmath.exp(-a)
        S = (1 - x * x) / (1 - T)
        u = S - 1 - x * x - (K - 3) * x
        if not (0 < u < x):
            return None
        g = a + mpmath.log(u)
        if not g < 0:  # u < x but a + log u rounds to 0: the γ → 0 end of the domain
            return None
        W = (u / S) / (K * (-g))
        r = self.r_of_W(W)
        b2 = r * r - 2 * m * g * g
        if b2 <= 0:
            return None
        b = mpmath.sqrt(b2)
        return (a, b, g, W)

    def R_interior(self, a):
        pt = self.interior_point(a)
        if pt is None:
            return None
        _, b, _, W = pt
        return mpmath.log(self.K * W * b) - self.log_q(b)

    def a_range(self):
        """(a_lo, a_hi) containing every interior critical point: T(a) < 1 and T(a) < K e^{−a}."""
        K, p = self.K, self.p
        C = self.T(mpmath.mpf(1))  # T(a) = C a^{p−1}
        if p == 1:
            if C >= 1:
                return None
            return _small_scales(self.F)[0], mpmath.log(K / C)
        lo = mpmath.power(C, 1 / (1 - p))  # T(lo) = 1
        # e^a a^{p−1} = K/C: increasing for a > 1 − p; the largest root bounds a
        h = lambda a: a + (p - 1) * mpmath.log(a) - mpmath.log(K / C)  # noqa: E731
        if lo >= 1 and h(lo) >= 0:  # h increases on [1, ∞): T(a) >= K e^{−a} wherever T(a) < 1 (large μ)
            return None
        hi = max(lo, mpmath.mpf(1)) * 2
        while h(hi) < 0:
            hi *= 2
        return lo, hi

    def pairs_residual(self, a):
        """γ = β = 0: log T(a) − log(−S_a/S)."""
        K = self.K
        x = mpmath.exp(-a)
        S = 1 + x * x + (K - 2) * x
        return mpmath.log(self.T(a)) - mpmath.log((2 * x * x + (K - 2) * x) / S)

    def off_point(self, b):
        """a = 0: (β, γ, W) on the curve of the ∂_β equation, or None."""
        W = mpmath.exp(self.log_q(b)) / (self.K * b)
        r = self.r_of_W(W)
        g2 = (r * r - b * b) / (2 * self.m)
        if g2 <= 0:
            return None
        return b, -mpmath.sqrt(g2), W

    def R_off(self, b):
        pt = self.off_point(b)
        if pt is None:
            return None
        _, g, W = pt
        eg = mpmath.exp(g) if g > -10 ** 4 * mpmath.log(10) else 0
        log_rho = g - mpmath.log(self.K - 1 + eg)
        return mpmath.log(self.K * W * (-g)) - log_rho


def _newton(F: CoupledFamily, theta, free, dps):
    """Newton on the gradient in the free coordinates (mpmath, ``dps`` digits)."""
    with mpmath.workdps(dps):
        th = [mpmath.mpf(t) for t in theta]

        def grad(*z):
            t = list(th)
            for i, zi in zip(free, z):
                t[i] = zi
            gr = F.gradient(t, "mp")
            return [gr[i] for i in free]

        def jac(*z):
            t = list(th)
            for i, zi in zip(free, z):
                t[i] = zi
            H = F.hessian(t, "mp")
            return mpmath.matrix([[H[i][j] for j in free] for i in free])

        z = mpmath.findroot(grad, [th[i] for i in free], J=jac, tol=mpmath.mpf(10) ** (-2 * dps + 6), maxsteps=60, verify=False)
        z = [z] if len(free) == 1 and not isinstance(z, mpmath.matrix) else list(z)
        for i, zi in zip(free, z):
            th[i] = zi
        return tuple(th)


def _classify(F, stratum, theta, dps):
    with mpmath.workdps(dps):
        fit, pen = F.parts(theta, "mp")
        free = _FREE[stratum]
        eig = []
        if free:
            H = F.hessian(theta, "mp") if stratum == "interior" else _stratum_hessian(F, theta, free)
            M = mpmath.matrix([[H[i][j] for j in free] for i in free])
            eig = sorted(mpmath.eigsy(M, eigvals_only=True)) if len(free) > 1 else [M[0, 0]]
        idx = sum(1 for e in eig if e < 0)
        return CriticalPoint(stratum, tuple(theta), fit + pen, fit, pen, list(eig), idx)


def _stratum_hessian(F, theta, free):
    """Hessian of f restricted to a face (the missing coordinates held at 0) by the same formulas: on the
    face a = 0 the a-terms are not evaluated; on β = γ = 0 the r-terms are not."""
    a, b, g = theta
    if free == (0,):
        o = _MpOps()
        K, m, p, A, cp = F._consts(o)
        x = mpmath.exp(-a)
        S = 1 + x * x + (K - 2) * x
        Sa = -2 * x * x - (K - 2) * x
        Saa = 4 * x * x + (K - 2) * x
        haa = mpmath.mpf(2 * m) / K * (Saa / S - Sa * Sa / (S * S)) \
            + A * m * mpmath.power(2, p) * p * (p - 1) * mpmath.power(a, p - 2)
        return [[haa, 0, 0], [0, 0, 0], [0, 0, 0]]
    H = F.hessian((mpmath.mpf(1), b, g), "mp")  # β, γ block does not depend on a except through S
    o = _MpOps()
    K, m, p, A, cp = F._consts(o)
    S = K - 1 + mpmath.exp(g)
    u = mpmath.exp(g)
    w = mpmath.mpf(2 * m) / K
    r2 = b * b + 2 * m * g * g
    P1 = cp * (p / 2) * mpmath.power(r2, p / 2 - 1)
    P2 = cp * (p / 2) * (p / 2 - 1) * mpmath.power(r2, p / 2 - 2)
    H[2][2] = w * (u / S - u * u / (S * S)) + A * (P2 * 16 * m * m * g * g + 4 * m * P1)
    return H


def _face_gradient_ok(F, stratum, theta):
    """L = 1 (p = 1): is the face point critical, i.e. does the subgradient of the |·| part contain −∇fit?"""
    if F.L != 1:
        return True  # infinite slope of the penalty at the face: the normal directions are minima
    o = _MpOps()
    K, m, p, A, cp = F._consts(o)
    a, b, g = theta
    if stratum == "zero":
        # both conditions below reduce at θ = 0 (x = 1, S = K) to A >= 1/K, A = μ at L = 1: decided exactly
        # (μ² = mu_pow is rational), so that μ = 1/K — the family's zero threshold, where the zero solution
        # is its minimum — is not lost to rounding (issue 10: K = 7, L = 1, λ = 1/7)
        return F.mu_pow * K * K >= 1
    if stratum == "pairs off":  # ∂_a fit at a = 0 is −2m/K (any γ); penalty slope A·m·2
        if 2 * m * A < mpmath.mpf(2 * m) / K:
            return False
    if stratum == "pairs only":  # (β, γ) = 0: dual norm of ∇fit ≤ A √((K−1)/K)
        x = mpmath.exp(-a)
        S = 1 + x * x + (K - 2) * x
        gb = -mpmath.mpf(K - 1) / K ** 2
        gg = mpmath.mpf(2 * m) / K * x / S
        if mpmath.sqrt(gb ** 2 + gg ** 2 / (2 * m)) > A * cp:
            return False
    return True


def _small_scales(F: CoupledFamily):
    """(the scans' smallest scale, extra digits). 10^-12 and 0, except at L = 1 just below the zero threshold
    μ = 1/K, where the minimiser's scales are ~ ε = 1 − K²μ² (≈ 2(1 − Kμ)): the scans start at ε/10^3 and the
    digits the reductions and Newton lose there (they cancel O(1) terms to O(ε)), ⌈log10(1/ε)⌉, are added."""
    eps = 1 - F.mu_pow * F.K * F.K
    if F.L != 1 or eps <= 0 or eps >= Fraction(1, 10 ** 9):
        return mpmath.mpf(10) ** -12, 0
    digits = math.ceil((len(str(eps.denominator)) - len(str(eps.numerator)))) + 1  # >= log10(1/ε)
    return mpmath.mpf(10) ** -(digits + 3), digits


def _find(F: CoupledFamily, dps: int, grid: int):
    """Candidate critical points (stratum, θ) at ``dps`` digits plus the digits the reductions cancel
    (module docstring): e^{γ−a} = S − 1 − x² − (K−3)x loses about a/ln 10 digits, a <= the interior a-range's
    top, so the scans run at dps + ⌈a_top/ln 10⌉ + 3 digits (without this, at μ = 10^-15 and dps = 20 the
    interior curve is lost to rounding)."""
    out = []
    with mpmath.workdps(dps):
        rng = _Reduction(F).a_range()
        extra = int(mpmath.ceil(rng[1] / mpmath.log(10))) + 3 if rng is not None else 0
    with mpmath.workdps(dps + extra):
        red = _Reduction(F)
        rng = red.a_range()
        if rng is not None:
            pieces = [(rng[0] * (1 + mpmath.mpf(10) ** -8), rng[1])]
            # e^{γ−a} > 0 needs T(a) > (K−3)e^{−a}/(K−1), i.e. h(a) = a + log T(a) > log((K−3)/(K−1)); h increases
            # for a > 1 − p, so for K >= 5 the admissible a lie in a window of width ≈ log(K/(K−3)) below
            # rng[1] (once a > 1): narrower than the grid step at small μ, so it is scanned on its own.
            if red.K > 3:
                h = lambda t: t + mpmath.log(red.T(t)) - mpmath.log(mpmath.mpf(red.K - 3) / (red.K - 1))  # noqa: E731
                lo_w, hi_w = max(mpmath.mpf(1), rng[0]), rng[1]
                if h(lo_w) < 0 < h(hi_w):
                    for _ in range(200):
                        mid = (lo_w + hi_w) / 2
                        lo_w, hi_w = (mid, hi_w) if h(mid) < 0 else (lo_w, mid)
                    pieces.append((lo_w, rng[1]))
            brackets = []
            for lo_p, hi_p in pieces:
                brackets += _scan(red.R_interior, lo_p, hi_p, grid, linear=lo_p < 1)
            for lo, hi in brackets:
                a = _bisect(red.R_interior, lo, hi, dps)
                pt = red.interior_point(a)
                if pt is not None:
                    out.append(("interior", pt[:3]))
        # pairs only: a in (0, ∞); the residual → +∞ at both ends (p < 1); bounded by T(a) < (K−2)e^{−a}·K
        C = red.T(mpmath.mpf(1))
        a_hi = mpmath.mpf(2)
        while red.T(a_hi) < K_ratio(F) * mpmath.exp(-a_hi) or a_hi < 1:
            a_hi *= 2
        floor = _small_scales(F)[0]
        for lo, hi in _scan(red.pairs_residual, floor, a_hi, grid):
            a = _bisect(red.pairs_residual, lo, hi, dps)
            out.append(("pairs only", (a, mpmath.mpf(0), mpmath.mpf(0))))
        del C
        # pairs off: β in (0, β_max]; every critical point with f <= log K has A cp r^p <= log K
        b_hi = mpmath.power(mpmath.log(F.K) / (red.A * red.cp), 1 / red.p) + 10
        for lo, hi in _scan(red.R_off, floor, b_hi, 2 * grid, linear=False):
            b = _bisect(red.R_off, lo, hi, dps)
            pt = red.off_point(b)
            if pt is not None:
                out.append(("pairs off", (mpmath.mpf(0), pt[0], pt[1])))
        out.append(("zero", (mpmath.mpf(0), mpmath.mpf(0), mpmath.mpf(0))))
    return [(s, th) for s, th in out if _face_gradient_ok(F, s, th)]


def K_ratio(F: CoupledFamily) -> int:
    """T(a) < K e^{−a} is necessary for a critical point with γ <= 0 (module docstring)."""
    return F.K


def _solve_at(F, dps, grid, seeds=None):
    pts = []
    for k, (stratum, th) in enumerate(seeds if seeds is not None else _find(F, dps, grid)):
        if _FREE[stratum]:
            th = _newton(F, th, _FREE[stratum], dps)
        pts.append((stratum, th))
    return pts


def critical_points(F: CoupledFamily, dps: int = 30, grid: int = 400) -> list:
    """Every critical point of the family (module docstring), each found at ``dps`` + GUARD digits and
    recomputed by Newton at ``dps`` + 2·GUARD digits (agreement to ``dps`` digits required), sorted by loss.

    >>> pts = critical_points(CoupledFamily.at(5, 2, Fraction(3, 100)), dps=20)
    >>> [(p.stratum, p.kind) for p in pts][:2]
    [('interior', 'local min'), ('pairs only', 'local min')]
    """
    small = _small_scales(F)[1]
    d1, d2 = dps + GUARD_DIGITS + small, dps + 2 * GUARD_DIGITS + small
    first = _solve_at(F, d1, grid)
    second = _solve_at(F, d2, grid, seeds=first)
    out = []
    with mpmath.workdps(d2):
        for (s1, t1), (s2, t2) in zip(first, second):
            digits = min((agreed_digits(x, y) for x, y in zip(t1, t2)), default=mpmath.inf)
            if digits < dps:
                raise PrecisionError(f"coupled critical point ({s1}) reproduces to {digits:.1f} digits only")
            cp = _classify(F, s2, t2, d2)
            cp.digits_verified = digits
            if not any(c.stratum == cp.stratum and all(agreed_digits(x, y) >= dps for x, y in zip(c.theta, cp.theta))
                       for c in out):
                out.append(cp)
    out.sort(key=lambda c: c.loss)
    return out


@dataclass
class CoupledOptimum:
    """The family minimum: the lowest critical point (the zero solution included), with all critical points."""

    family: CoupledFamily
    best: CriticalPoint
    points: list
    dps: int
    zero_loss: mpmath.mpf = field(default=None)

    name = NAME

    @property
    def kind(self) -> str:
        """'zero' when the zero solution is the family minimum, else the stratum of the minimiser."""
        return "zero" if self.best.stratum == "zero" else self.best.stratum

    @property
    def theta(self):
        return self.best.theta

    @property
    def loss(self):
        return self.best.loss

    def singular_values(self) -> list:
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            return self.family.singular_values(self.best.theta, "mp")

    def to_dict(self) -> dict:
        d = self.dps
        a, b, g = self.best.theta
        return {"name": NAME, "kind": self.kind, "zero_loss": nstr(self.zero_loss, d), "dps": d,
                "scales": {"a": nstr(a, d), "beta": nstr(b, d), "gamma": nstr(g, d)},
                "scale": f"a={nstr(a, 8)}, β={nstr(b, 8)}, γ={nstr(g, 8)}",
                "loss": nstr(self.best.loss, d), "fit": nstr(self.best.fit, d), "penalty": nstr(self.best.penalty, d),
                "singular_values": [nstr(s, d) for s in self.singular_values()],
                "critical_points": [c.to_dict(d) for c in self.points],
                "digits_verified": min((float(c.digits_verified) for c in self.points if c.stratum != "zero"),
                                       default="all"),
                "method": "1-D reductions per stratum, scanned and refined, Newton at two precisions (not a proof "
                          "of completeness)"}


def optimum(F: CoupledFamily, dps: int = DEFAULT_DPS, grid: int = 400) -> CoupledOptimum:
    """The family minimum over a, β >= 0, γ real: the lowest of ``critical_points`` (f → ∞ as |θ| → ∞, so
    the minimum is attained at a critical point of some stratum).

    >>> o = optimum(CoupledFamily.at(5, 2, Fraction(3, 100)), dps=20)
    >>> nstr(o.loss, 10), o.best.stratum
    ('0.5111538568', 'interior')
    """
    pts = critical_points(F, dps, grid)
    if not pts:
        # f has a minimum, at a critical point of some stratum; the zero solution is one exactly when
        # L >= 2 or μ >= 1/K (``_face_gradient_ok``), so this happens only at L = 1 just below μ = 1/K,
        # where the minimiser's scales (~ 1 − Kμ) lie below the scans' smallest scale
        raise PrecisionError(f"coupled family at K = {F.K}, L = {F.L}, μ = {mpmath.nstr(F.mu(), 12)}: no critical point "
                             f"found above the scans' smallest scale 1e-12 (at L = 1 just below the zero threshold "
                             f"μ = 1/K the minimiser's scales are below it)")
    with mpmath.workdps(dps + 2 * GUARD_DIGITS):
        z = mpmath.log(F.K)
    return CoupledOptimum(F, pts[0], pts, dps, z)


def value_at(K: int, L: int, mu, theta_hint=None, dps: int = 30, grid: int = 200, stratum: str = "interior"):
    """(V(μ), dV/dμ = penalty/μ, θ*, stratum) of the family at μ (mpf), at the current precision ``dps``.
    With ``theta_hint`` (a point near the minimiser, on ``stratum``) only Newton from the hint in that
    stratum's free coordinates is run (for tracking a branch in μ); without, the full ``critical_points``
    enumeration (its lowest point). dV/dμ = penalty/μ on every stratum (envelope theorem; the penalty is
    linear in μ)."""
    F = CoupledFamily.at(K, L, mu)
    with mpmath.workdps(dps):
        if theta_hint is not None:
            th = _newton(F, theta_hint, _FREE[stratum], dps) if _FREE[stratum] else tuple(theta_hint)
            fit, pen = F.parts(th, "mp")
            return fit + pen, pen / mpmath.mpf(mu), th, stratum
        pts = _solve_at(F, dps, grid)
        best = min(((s, th, F.value(th, "mp")) for s, th in pts), key=lambda z: z[2])
        _, pen = F.parts(best[1], "mp")
        return best[2], pen / mpmath.mpf(mu), best[1], best[0]


# ---- ties with another family (or the zero solution) -------------------------------------------------------

#: Relative size below which a difference of two optimal values computed at 20 digits is rounding:
#: both are the zero solution (log K), or the coupled family contains the other (K = 3: DNC is its
#: point β = 2a, γ = −a).
NOISE_RTOL = mpmath.mpf(10) ** -12

#: Seconds one ``critical_points`` enumeration takes at 20 digits (K = 5…9, 2 loaded shared cores; measured
#: 0.3–1.2 s): the unit of ``limits.coupled_seconds``.
ENUMERATION_SECONDS = 1.2


@dataclass
class CoupledTie:
    """μ* where the family minimum equals ``other``'s optimal loss (λ* = μ*·n^{−1/(L+1)}), to ``dps`` digits
    (computed at dps + GUARD and dps + 2·GUARD digits; ``digits_verified`` = their agreement)."""

    K: int
    L: int
    other: str
    mu: mpmath.mpf
    theta: tuple
    other_scales: list
    loss: mpmath.mpf
    below: str  # winner just below μ*
    above: str  # winner just above μ*
    dps: int
    digits_verified: float
    stratum: str = "interior"

    def lam(self, n: int = 1):
        with mpmath.workdps(self.dps + 2 * GUARD_DIGITS):
            return self.mu / mpmath.root(n, self.L + 1)

    def to_dict(self, n: int = 1) -> dict:
        d = self.dps
        return {"K": self.K, "L": self.L, "pair": f"{self.other}|{NAME}", "label": f"{self.other}|{NAME}",
                "lam": nstr(self.lam(n), d), "mu": nstr(self.mu, d), "loss": nstr(self.loss, d),
                "below": self.below, "above": self.above, "coupled_stratum": self.stratum,
                "coupled_scales": {"a": nstr(self.theta[0], d), "beta": nstr(self.theta[1], d),
                                   "gamma": nstr(self.theta[2], d)},
                "other_scales": [nstr(s, d) for s in self.other_scales], "dps": d, "digits": d,
                "digits_verified": float(self.digits_verified) if mpmath.isfinite(self.digits_verified) else "all",
                "kind": "tie", "certified": False}


class _ZeroCurve:
    """The zero solution as a 'family': V = log K, dV/dμ = 0."""

    def __init__(self, K, dps):
        self.K, self.dps = K, dps

    def point(self, mu):
        with mpmath.workdps(self.dps):
            return mpmath.log(self.K), mpmath.mpf(0), []


def _other_curves(other: str, K: int, L: int, dps: int):
    if other == "zero":
        return _ZeroCurve(K, dps)
    from .families import named_family
    from .optimal_value import FamilyCurves
    return FamilyCurves(named_family(other, K), L, dps)


def _tie_newton(K, L, fc, mu, theta, stratum, wdps, bracket):
    """Newton in μ on D(μ) = V_coupled(μ) − V_other(μ), D' = (pen_coupled − pen_other)/μ (envelope
    theorem), the coupled minimiser tracked by Newton (in its stratum) from ``theta``; a step leaving
    ``bracket`` is replaced by the bracket's midpoint."""
    with mpmath.workdps(wdps):
        mu = mpmath.mpf(mu)
        blo, bhi = (mpmath.mpf(x) for x in bracket)
        tol = mpmath.mpf(10) ** (-wdps + 5)
        for _ in range(100):
            vc, dc, theta, _ = value_at(K, L, mu, theta_hint=theta, dps=wdps, stratum=stratum)
            vo, do, sc = fc.point(mu)
            mu_new = mu - (vc - vo) / (dc - do)
            if not blo <= mu_new <= bhi:
                mu_new = (blo + bhi) / 2
            if abs(mu_new - mu) <= tol * mu:
                mu = mu_new
                break
            mu = mu_new
        vc, _, theta, _ = value_at(K, L, mu, theta_hint=theta, dps=wdps, stratum=stratum)
        vo, _, sc = fc.point(mu)
        return mu, theta, vc, list(sc)


def _difference(vc, vo):
    """V_coupled − V_other, set to 0 when it is rounding (``NOISE_RTOL``)."""
    D = vc - vo
    return mpmath.mpf(0) if abs(D) <= NOISE_RTOL * max(abs(vo), abs(vc)) else D


def refine_tie(K: int, L: int, other: str, m0, m1, side0, side1, dps: int = 30) -> CoupledTie:
    """The tie of the coupled family with ``other`` (a named family or 'zero') in the bracket [m0, m1] of μ,
    where D = V_coupled − V_other changes sign; ``side0``/``side1`` = (D, θ, stratum) of the coupled minimum
    at the ends. Newton in μ at dps + GUARD and dps + 2·GUARD digits (agreement to ``dps`` digits required),
    tracking the coupled minimiser from a side where it is not the zero solution; at μ* a fresh enumeration
    (20 digits) must confirm the tracked point is the family minimum (else the other side is tried)."""
    d1, d2 = dps + GUARD_DIGITS, dps + 2 * GUARD_DIGITS
    D0, D1 = side0[0], side1[0]
    with mpmath.workdps(d1):
        start0 = m0 + (m1 - m0) * D0 / (D0 - D1)  # the secant point of the bracket
    failures = []
    for _, th, stratum in sorted((side0, side1), key=lambda s: s[2] == "zero"):
        res, start = [], start0
        try:
            for w in (d1, d2):
                res.append(_tie_newton(K, L, _other_curves(other, K, L, w), start, th, stratum, w, (m0, m1)))
                start, th = res[-1][0], res[-1][1]
        except (ZeroDivisionError, ValueError) as e:  # Newton met the end of the tracked branch
            failures.append(f"{stratum}: {e}")
            continue
        (mu1, _, _, _), (mu2, th2, v2, sc2) = res
        with mpmath.workdps(d2):
            digits = agreed_digits(mu1, mu2)
            if digits < dps:
                raise PrecisionError(f"coupled/{other} tie reproduces to {digits:.1f} digits only")
            best = critical_points(CoupledFamily.at(K, L, mu2), dps=20)[0]
            if agreed_digits(best.loss, v2) < 15 or not m0 <= mu2 <= m1:
                failures.append(f"{stratum}: tracked point {nstr(v2, 12)} is not the family minimum "
                                f"{nstr(best.loss, 12)} ({best.stratum}) at mu = {nstr(mu2, 12)}")
                continue
        below, above = (NAME, other) if D0 < 0 else (other, NAME)
        return CoupledTie(K, L, other, mu2, th2, sc2, v2, below, above, dps, digits, stratum)
    raise PrecisionError(f"coupled/{other} tie in mu in [{nstr(m0, 8)}, {nstr(m1, 8)}]: " + "; ".join(failures))


def _mu_grid(lo, hi, points):
    lo, hi = to_fraction(lo), to_fraction(hi)
    lo_m, hi_m = mpmath.mpf(lo.numerator) / lo.denominator, mpmath.mpf(hi.numerator) / hi.denominator
    return [lo_m * (hi_m / lo_m) ** (mpmath.mpf(k) / (points - 1)) for k in range(points)]


def ties_with(K: int, L: int, other: str = "dnc", dps: int = 30, mu_lo=None, mu_hi=None, points: int = 24,
              grid: int = 200, progress: bool = False) -> list:
    """Every μ in [mu_lo, mu_hi] where the coupled family's minimum equals ``other``'s (a named family of
    ``families``, or 'zero'): sign changes of the difference on a geometric grid of ``points`` μ (each V from
    the full ``critical_points`` enumeration at 20 digits; differences below ``NOISE_RTOL`` count as 0),
    refined by ``refine_tie``. Defaults: [10^-8, 1]. Two crossings between neighbouring grid points would be
    missed (a grid, not a proof). ``progress``: a tqdm bar on stderr.

    >>> [t.to_dict()["lam"][:12] for t in ties_with(5, 2, dps=12, mu_lo=Fraction(1, 10**5), mu_hi=Fraction(1, 1000), points=5)]
    ['0.0001235745']
    """
    from tqdm import tqdm
    K = V.integer("K", K, 3)
    if K % 2 == 0:
        raise V.ParameterError(f"K must be odd (>= 3) for the coupled family, got K = {K}")
    L = V.integer("L", L, 1)
    with mpmath.workdps(20):
        fc = _other_curves(other, K, L, 20)
        rows = []
        for mu in tqdm(_mu_grid(mu_lo or Fraction(1, 10 ** 8), mu_hi or 1, points), desc=f"coupled|{other}",
                       disable=not progress, leave=False):
            vc, _, th, st = value_at(K, L, mu, dps=20, grid=grid)
            rows.append((mu, (_difference(vc, fc.point(mu)[0]), th, st)))
    out = []
    for (m0, s0), (m1, s1) in zip(rows, rows[1:]):
        if s0[0] == 0 or s1[0] == 0 or (s0[0] > 0) == (s1[0] > 0):
            continue
        if s0[2] == "zero" and s1[2] == "zero":
            continue
        out.append(refine_tie(K, L, other, m0, m1, s0, s1, dps))
    return out


# ---- the coupled family on a phase diagram -----------------------------------------------------------------

#: Lowest μ the phase overlay searches by default (below it the winner at this μ is extended to 0: at
#: (5, 2) DNC − coupled > 0 there and growing as μ → 0, at (7, 2), (9, 2), (5, 3) coupled/DNC − 1 tends to a
#: negative constant; numerical evidence on grids down to 10^-20, not a proof).
OVERLAY_MU_LO = Fraction(1, 10 ** 10)


def _winner_at(intervals, mu):
    for a, b, lab in intervals:
        if a <= mu <= b:
            return lab
    return intervals[-1][2]


def _family_of(label: str) -> str:
    """The family whose curve stands for a phase label ('paired2=paired2c' → 'paired2'; 'zero')."""
    return label.split("=")[0]


def phase_overlay(K: int, L: int, intervals, dps: int = 30, points: int = 30, mu_lo=None,
                  progress: bool = False) -> dict:
    """The coupled family added to a phase cell: ``intervals`` = [(μ_lo, μ_hi, winner label)] (increasing,
    from 0 to ∞, labels of ``thresholds.phase`` or 'zero'). V_coupled − V_winner is evaluated on a
    geometric grid of ``points`` μ in [mu_lo, μ_top] (default ``OVERLAY_MU_LO``; μ_top: twice the start
    of the last interval, doubled until the coupled minimum is the zero solution) plus every interval end;
    each sign change is refined by ``refine_tie`` against that interval's winner (to ``dps`` digits, two
    precisions). Returns {'intervals': [(a, b, label)], 'ties': [CoupledTie], 'searched_mu': [lo, top],
    'points': n, 'method': …}. A piece where coupled equals the winner to rounding (K = 3: coupled contains
    DNC) is labelled 'winner=coupled'. Two crossings between neighbouring grid points would be missed.

    >>> ov = phase_overlay(5, 2, [(0, mpmath.mpf("0.0044664"), "dnc"), (mpmath.mpf("0.0044664"), mpmath.inf, "paired2c")],
    ...                    dps=10, points=4, mu_lo=Fraction(1, 10**5))  # doctest: +SKIP
    """
    from tqdm import tqdm
    K = V.integer("K", K, 3)
    if K % 2 == 0:
        raise V.ParameterError(f"K must be odd (>= 3) for the coupled family, got K = {K}")
    L = V.integer("L", L, 1)
    intervals = [(a if isinstance(a, mpmath.mpf) else mpmath.mpf(a), b if isinstance(b, mpmath.mpf) else mpmath.mpf(b),
                  lab) for a, b, lab in intervals]  # the ends kept at their full precision
    curves = {}

    def D_at(mu, label):
        fam = _family_of(label)
        if fam not in curves:
            curves[fam] = _other_curves(fam, K, L, 20)
        vc, _, th, st = value_at(K, L, mu, dps=20)
        return _difference(vc, curves[fam].point(mu)[0]), th, st

    with mpmath.workdps(20):
        lo = to_fraction(mu_lo if mu_lo is not None else OVERLAY_MU_LO)
        lo_m = mpmath.mpf(lo.numerator) / lo.denominator
        finite = [a for a, _, _ in intervals if 0 < a < mpmath.inf]
        top = 2 * (finite[-1] if finite else mpmath.mpf(1))
        for _ in range(20):
            if value_at(K, L, top, dps=20)[3] == "zero":
                break
            top *= 2
        grid = sorted(set(_mu_grid(lo_m, top, points)) | {a for a in finite if lo_m < a < top})
        rows = []
        for mu in tqdm(grid, desc=f"coupled K={K} L={L}", disable=not progress, leave=False):
            rows.append((mu, _winner_at(intervals, mu)))
        vals = {}
        for i, (mu, _) in enumerate(rows):
            # at an interval end the two winners tie: the difference is the same with either
            vals[mu] = D_at(mu, _winner_at(intervals, mu))
    ties = []
    for (m0, _), (m1, _) in zip(rows, rows[1:]):
        with mpmath.workdps(20):
            lab = _winner_at(intervals, mpmath.sqrt(m0 * m1))
        s0, s1 = vals[m0], vals[m1]
        if s0[0] == 0 or s1[0] == 0 or (s0[0] > 0) == (s1[0] > 0) or (s0[2] == "zero" and s1[2] == "zero"):
            continue
        ties.append(refine_tie(K, L, _family_of(lab), m0, m1, s0, s1, dps))
    # new intervals: each old interval split at the ties inside it, each piece labelled by the sign of D
    # at its geometric midpoint (or at the searched ends for the unbounded pieces)
    cuts = sorted(t.mu for t in ties)
    out = []
    for a, b, lab in intervals:
        ends = [a] + [c for c in cuts if a < c < b] + [b]
        for x, y in zip(ends, ends[1:]):
            with mpmath.workdps(20):
                if x == 0:
                    probe = lo_m if lo_m < y else y / 10
                elif y == mpmath.inf:
                    probe = max(top, 2 * x)
                else:
                    probe = mpmath.sqrt(x * y)
            D, _, st = vals[probe] if probe in vals else D_at(probe, lab)
            new = lab if D > 0 else (NAME if D < 0 else (lab if lab == "zero" else f"{lab}={NAME}"))
            if out and out[-1][2] == new:
                out[-1] = (out[-1][0], y, new)
            else:
                out.append((x, y, new))
    return {"intervals": out, "ties": ties, "searched_mu": [lo_m, top], "points": len(grid),
            "method": f"V_coupled − V_winner on a geometric grid of {len(grid)} μ in [{nstr(lo_m, 3)}, {nstr(top, 6)}] "
                      f"(with every interval end; coupled minimum by the full critical-point enumeration at 20 "
                      f"digits), sign changes refined by Newton in μ at dps + {GUARD_DIGITS} and dps + "
                      f"{2 * GUARD_DIGITS} digits; below the grid the winner at its lowest point is extended to 0; "
                      f"not a proof (two crossings between grid points would be missed)"}
