"""Certified global minimum of the reduced DUFM loss for K = 3 (issue 11 item 3), by interval branch
and bound (``ufmtheory.boxes``, python-flint arb).

Reduced problem (SPEC §2; proofs/reduction_lemma.py): global minimisers may be taken collapsed and
centred, Z̄ = U Y, U ∈ R^{3×2} the orthonormal basis u₁ = (1,−1,0)/√2, u₂ = (1,1,−2)/√6 of 1^⊥,
Y ∈ R^{2×3} (6 variables, row-major y = (Y₁₁, Y₁₂, Y₁₃, Y₂₁, Y₂₂, Y₂₃)):
    f(Y) = (1/K) Σ_c log Σ_{c'} e^{Z̄_{c'c} − Z̄_{cc}} + A (s₁^p + s₂^p),
    A = ((L+1)/2) μ, μ = Λ n^{1/(L+1)}, p = 2/(L+1);
s₁², s₂² = m ± √D are the eigenvalues of G = Y Yᵀ, m = tr G/2, D = ((G₁₁ − G₂₂)/2)² + G₁₂².
The penalty F(m, D) = φ(m+√D) + φ(m−√D), φ(x) = x^{p/2}, is smooth in (m, D) where s₂ > 0 (a power
series in D), with F_D ∈ φ''([s₂², s₁²]), F_mD ∈ φ'''(…), F_DD ∈ φ''''(…)/6 (mean-value/Taylor
remainders of the divided differences), which the Jet primitive uses — so the Hessian is enclosed also
where s₁ = s₂ (DNC).

Lemmas (proved here; their constants are computed in arb):
1. Bounded region. CE >= 0 and f(0) = log K, so a minimiser has A Σ s_i^p <= log K and, as p <= 1,
   |Y_ij| <= ‖Y‖_F <= Σ s_i <= (Σ s_i^p)^{1/p} <= R_F = (log K / A)^{1/p}. The search box is
   [−R, R]⁶ with R > R_F, so every global minimiser is interior (gradient pruning is valid).
2. Rank tube. ∇_Z CE has columns (softmax − e_c)/K, so ‖∇CE‖_F <= g := √(2/K) everywhere. For Y with
   rank-1 truncation Y₁ (‖Y − Y₁‖_F = s₂), convexity of CE gives CE(UY) >= CE(UY₁) − g s₂, hence
   f(Y) >= f(Y₁) + A s₂^p − g s₂ >= f(Y₁) when s₂ <= r₀ := (A/g)^{1/(1−p)} (p < 1; for p = 1: every
   Y when A >= g, none otherwise). So on the tube {s₂ <= r₀}, f >= min over rank <= 1 matrices.
3. Rank <= 1 problem: Y = w(θ) vᵀ, w = (cos θ, sin θ), θ ∈ [0, π] (θ + π, −v is the same Y), v ∈ R³,
   f₁(θ, v) = CE(U w vᵀ) + A ‖v‖^p, on [0, π] × [−R, R]³ (lemma 1); the ball ‖v‖ <= r₀ has f₁ >= log K
   by lemma 2's argument at Y₁ = 0. Its minimum m₁ is enclosed by a 4-variable branch and bound.
Then min f = min(m₁, min over the complement of the tube), the latter by a 6-variable branch and
bound whose tube leaves get the lower bound m₁. Minimisers where f is smooth: Krawczyk boxes (``boxes``)
around every float candidate and its images under relabelling the classes (S₃ acts by
Z̄ ↦ P Z̄ Pᵀ, i.e. Y ↦ (UᵀPU) Y Pᵀ, and leaves f invariant).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import permutations

from . import _validate as V
from . import boxes as bx
from .limits import GLOBAL_MAX_K, GLOBAL_MAX_L, GLOBAL_MAX_N, GLOBAL_MIN_K

DEFAULT_WIDTH = 1e-10


def _arb():
    from flint import arb
    return arb


# ---- the problem ----------------------------------------------------------------------------------------

@dataclass
class Problem:
    """The reduced K = 3 problem at exact (K, L, n, λ). Constants are arb at the working precision."""

    K: int
    L: int
    n: int
    lam: Fraction
    prec: int = bx.DEFAULT_PREC

    def __post_init__(self):
        self.K = V.integer("K", self.K, GLOBAL_MIN_K, GLOBAL_MAX_K)
        self.L = V.integer("L", self.L, 1, GLOBAL_MAX_L)
        self.n = V.integer("n", self.n, 1, GLOBAL_MAX_N)
        lam = Fraction(self.lam) if not isinstance(self.lam, str) else Fraction(self.lam.strip())
        if lam <= 0:
            raise V.ParameterError(f"lam must be > 0, got {lam}")
        self.lam = lam
        arb = _arb()
        with bx.precision(self.prec):
            L = self.L
            self.p = arb(2) / (L + 1)
            self.q = arb(1) / (L + 1)
            self.mu = arb(lam.numerator) / lam.denominator * (arb(self.n).log() / (L + 1)).exp()
            self.A = arb(L + 1) / 2 * self.mu
            self.logK = arb(self.K).log()
            s2, s6 = arb(2).sqrt(), arb(6).sqrt()
            self.U = [[1 / s2, 1 / s6], [-1 / s2, 1 / s6], [arb(0), -2 / s6]]
            self.g = (arb(2) / self.K).sqrt()
            self.R_F = (self.logK / self.A) ** (1 / self.p)
            if L == 1:
                self.r0 = None if self.A >= self.g else arb(0)  # None: the tube is everything
            else:
                self.r0 = ((self.A / self.g).log() / (1 - self.p)).exp()
            self.R = bx.dyadic_ceil(float(self.R_F.upper()) * 1.001)
        self.Uf = [[float(u.mid()) for u in row] for row in self.U]

    @property
    def mu_float(self) -> float:
        return float(self.mu.mid())

    # f in Jet / arb arithmetic ----------------------------------------------------------------------
    def ce(self, Zcol):
        """(1/K) Σ_c log Σ_{c'} exp(Z̄_{c'c} − Z̄_{cc}), Z̄ given by columns (lists of K entries)."""
        arb = _arb()
        tot = None
        for c, col in enumerate(Zcol):
            s = arb(1)
            for k in range(self.K):
                if k != c:
                    s = bx.exp(col[k] - col[c]) + s
            term = bx.log(s)
            tot = term if tot is None else tot + term
        return tot * (arb(1) / self.K)

    def zbar(self, Y):
        """Columns of Z̄ = U Y for Y rows Y[0], Y[1]."""
        return [[self.U[k][0] * Y[0][c] + self.U[k][1] * Y[1][c] for k in range(self.K)] for c in range(self.K)]

    def penalty(self, Y):
        """A (s₁^p + s₂^p) through the spectral primitive F(m, D) (module docstring)."""
        G00 = Y[0][0] * Y[0][0] + Y[0][1] * Y[0][1] + Y[0][2] * Y[0][2]
        G11 = Y[1][0] * Y[1][0] + Y[1][1] * Y[1][1] + Y[1][2] * Y[1][2]
        G01 = Y[0][0] * Y[1][0] + Y[0][1] * Y[1][1] + Y[0][2] * Y[1][2]
        m = (G00 + G11) * 0.5
        h = (G00 - G11) * 0.5
        D = h * h + G01 * G01
        return spectral2(m, D, self.q) * self.A

    def f(self, y):
        """The reduced loss at y (6 Jets or arb balls)."""
        Y = [y[0:3], y[3:6]]
        return self.ce(self.zbar(Y)) + self.penalty(Y)

    def f_rank1(self, x):
        """f₁(θ, v) = CE(U w vᵀ) + A (‖v‖²)^{p/2} (lemma 3), x = (θ, v₁, v₂, v₃)."""
        th, v = x[0], x[1:4]
        c, s = bx.cos(th), bx.sin(th)
        Y = [[c * vi for vi in v], [s * vi for vi in v]]
        nv = v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
        return self.ce(self.zbar(Y)) + bx.power(nv, self.q) * self.A

    def convex_lower(self, balls, box):
        """Lower bound of f on a box: CE(UY) is convex in Y, so CE >= CE(c) + ⟨∇CE(c), Y − c⟩ (c the
        box centre; its minimum over the box is CE(c) − Σ|∂_i CE(c)| r_i), plus the penalty's natural
        interval extension."""
        arb = _arb()
        c = [arb(m) for m, _ in box]
        J = bx.Jet.variables(c, 1)
        ce = self.ce(self.zbar([J[0:3], J[3:6]]))
        lo = ce.v
        for gi, (_, r) in zip(ce.g, box):
            lo = lo + gi * arb(0, r)
        return lo + self.penalty([balls[0:3], balls[3:6]])

    def radius_for(self, upper) -> float:
        """Lemma 1 with the proven upper bound U of the minimum: minimisers have A Σ s^p <= U, so
        |Y_ij| <= (U/A)^{1/p}; a dyadic R above it."""
        with bx.precision(self.prec):
            RF = (_arb()(upper) / self.A) ** (1 / self.p)
            return bx.dyadic_ceil(float(RF.upper()) * 1.001)

    # float versions (the search) --------------------------------------------------------------------
    def f_float(self, y) -> float:
        import numpy as np
        Y = np.asarray(y, float).reshape(2, 3)
        Z = np.array(self.Uf) @ Y
        d = Z - np.diag(Z)[None, :]
        mx = d.max(axis=0)
        ce = float(np.mean(mx + np.log(np.exp(d - mx).sum(axis=0))))
        s = np.linalg.svd(Y, compute_uv=False)
        return ce + float(self.A.mid()) * float(np.sum(s ** float(self.p.mid())))

    def y_from_zbar(self, Z):
        import numpy as np
        return (np.array(self.Uf).T @ np.asarray(Z, float)).reshape(-1)

    def zbar_float(self, y):
        import numpy as np
        return np.array(self.Uf) @ np.asarray(y, float).reshape(2, 3)

    # regions -----------------------------------------------------------------------------------------
    def zero_ball(self, lower):
        """Rank-1 problem: ‖v‖ <= r₀ ⇒ f₁ >= log K (lemma 3)."""
        arb = _arb()
        r0 = self.r0

        def contains(balls):
            if r0 is None:
                return True
            v = balls[1:4]
            s = sum((b * b for b in v), arb(0))
            return bool(s.upper() <= (r0 * r0).lower())
        return bx.Region("zero", contains, lower, self.logK.upper(), {"r0": None if r0 is None else str(r0)})

    def tube(self, m1_lower, m1_upper):
        """Full problem: s₂ <= r₀ ⇒ f >= m₁ (lemma 2)."""
        r0 = self.r0

        def contains(balls):
            if r0 is None:
                return True
            b = smaller_eigenvalue_upper([balls[0:3], balls[3:6]])
            return b is not None and bool(b <= (r0 * r0).lower())
        return bx.Region("rank<=1", contains, m1_lower, m1_upper, {})


def smaller_eigenvalue_upper(Y):
    """An upper bound of s₂² (the smaller eigenvalue of Y Yᵀ) on a box: min(m − √D, det/(m + √D))."""
    arb = _arb()
    G00 = sum((x * x for x in Y[0]), arb(0))
    G11 = sum((x * x for x in Y[1]), arb(0))
    G01 = sum((a * b for a, b in zip(Y[0], Y[1])), arb(0))
    m = (G00 + G11) / 2
    D = ((G00 - G11) / 2) ** 2 + G01 * G01
    r = D.nonnegative_part().sqrt()
    b = (m - r).upper()
    a = m + r
    if a.lower() > 0:
        det = G00 * G11 - G01 * G01
        b = min(b, (det / a).upper())
    return b if arb(b).is_finite() else None


def spectral2(m, D, q):
    """F(m, D) = φ(m + √D) + φ(m − √D), φ(x) = x^q (Jet primitive; module docstring)."""
    arb = _arb()
    if not isinstance(m, bx.Jet):
        a, b = _eig(m, D)
        return bx.pow_nonneg(a, q) + bx.pow_nonneg(b, q)
    a, b = _eig(m.v, D.v)
    F = bx.pow_nonneg(a, q) + bx.pow_nonneg(b, q)
    if m.g is None:
        return bx.Jet(F, None, None, m.n)
    hull = a.union(b)
    r = D.v.nonnegative_part().sqrt()
    d1a, d1b = bx.deriv_pow(a, q, 1), bx.deriv_pow(b, q, 1)
    Fm = d1a + d1b
    FD = _meet(bx.deriv_pow(hull, q, 2), (d1a - d1b) / (2 * r) if r.lower() > 0 else None)
    if m.h is None:
        return bx.binary(m, D, F, Fm, FD)
    d2a, d2b = bx.deriv_pow(a, q, 2), bx.deriv_pow(b, q, 2)
    Fmm = d2a + d2b
    FmD = _meet(bx.deriv_pow(hull, q, 3), (d2a - d2b) / (2 * r) if r.lower() > 0 else None)
    FDD = bx.deriv_pow(hull, q, 4) / 6
    return bx.binary(m, D, F, Fm, FD, Fmm, FmD, FDD)


def _eig(m, D):
    r = D.nonnegative_part().sqrt()
    a = m + r
    b = m - r
    if a.lower() > 0:
        det = m * m - D
        alt = det / a
        if b.overlaps(alt):
            b = b.intersection(alt)
    return a.nonnegative_part(), b.nonnegative_part()


def _meet(x, y):
    if y is None or not y.is_finite():
        return x
    if not x.is_finite():
        return y
    return x.intersection(y) if x.overlaps(y) else x


# ---- float search -----------------------------------------------------------------------------------------

def relabellings(P: Problem, y):
    """The images of y under the 6 relabellings Z̄ ↦ Π Z̄ Πᵀ (f is invariant), duplicates removed."""
    import numpy as np
    Z = P.zbar_float(y)
    out = []
    for perm in permutations(range(P.K)):
        Pi = np.eye(P.K)[list(perm)]
        yy = P.y_from_zbar(Pi @ Z @ Pi.T)
        if not any(np.max(np.abs(yy - o)) < 1e-9 * max(1.0, np.max(np.abs(o))) for o in out):
            out.append(yy)
    return out


def float_search(P: Problem, starts: int = 24, seed: int = 0) -> list:
    """Local minima of f (full problem, 6 variables) from ``starts`` random starts (Nelder–Mead then
    L-BFGS-B with numerical gradients, float64): [(value, y)] sorted, distinct to 1e-6."""
    import numpy as np
    import scipy.optimize
    rng = np.random.default_rng(seed)
    found = []
    scale = min(P.R / 2, 4.0)
    for s in range(starts):
        y0 = rng.normal(0, scale * (0.3 + 0.7 * (s % 3) / 2), 6)
        res = scipy.optimize.minimize(P.f_float, y0, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10})
        res = scipy.optimize.minimize(P.f_float, res.x, method="Nelder-Mead",
                                      options={"xatol": 1e-10, "fatol": 1e-15, "maxfev": 1500})
        res = scipy.optimize.minimize(P.f_float, res.x, method="L-BFGS-B", options={"ftol": 1e-16, "gtol": 1e-11})
        found.append((float(res.fun), res.x))
    return _distinct(found)


def float_search_rank1(P: Problem, starts: int = 16, seed: int = 1) -> list:
    """Local minima of f₁(θ, v) (rank <= 1, lemma 3) from random starts: [(value, x)] sorted."""
    import numpy as np
    import scipy.optimize
    Af, pf = float(P.A.mid()), float(P.p.mid())
    Ua = np.array(P.Uf)

    def f1(x):
        w = np.array([math.cos(x[0]), math.sin(x[0])])
        Z = Ua @ np.outer(w, x[1:4])
        d = Z - np.diag(Z)[None, :]
        mx = d.max(axis=0)
        ce = float(np.mean(mx + np.log(np.exp(d - mx).sum(axis=0))))
        return ce + Af * float(np.dot(x[1:4], x[1:4])) ** (pf / 2)
    rng = np.random.default_rng(seed)
    found = []
    for s in range(starts):
        x0 = np.concatenate([[rng.uniform(0, math.pi)], rng.normal(0, min(P.R / 2, 3.0), 3)])
        res = scipy.optimize.minimize(f1, x0, method="Nelder-Mead", options={"xatol": 1e-11, "fatol": 1e-15,
                                                                              "maxfev": 1500})
        res = scipy.optimize.minimize(f1, res.x, method="L-BFGS-B", options={"ftol": 1e-16, "gtol": 1e-11})
        x = res.x.copy()
        x[0] = math.fmod(x[0], math.pi)
        if x[0] < 0:
            x[0] += math.pi
        found.append((float(res.fun), x))
    return _distinct(found)


def _distinct(found):
    import numpy as np
    found.sort(key=lambda t: t[0])
    out = []
    for v, x in found:
        if not any(abs(v - v2) < 1e-9 and np.max(np.abs(x - x2)) < 1e-5 for v2, x2 in out):
            out.append((v, x))
    return out


def rank1_images(P: Problem, x):
    """(θ, v) representatives of the relabelling images of w(θ) vᵀ, with θ + π ↔ −v copies near the
    ends of [0, π] (so a Krawczyk box covers leaves at either end)."""
    import numpy as np
    th, v = x[0], np.asarray(x[1:4])
    y = np.outer([math.cos(th), math.sin(th)], v).reshape(-1)
    out = []
    for yy in relabellings(P, y):
        Y = yy.reshape(2, 3)
        u, s, vt = np.linalg.svd(Y)
        w, vv = u[:, 0], s[0] * vt[0]
        t = math.atan2(w[1], w[0])
        if t < 0:
            t, vv = t + math.pi, -vv
        if t >= math.pi:
            t, vv = t - math.pi, -vv
        out.append(np.concatenate([[t], vv]))
        out.append(np.concatenate([[t - math.pi], -vv]))
        out.append(np.concatenate([[t + math.pi], -vv]))
    return out


# ---- the certified minimum -----------------------------------------------------------------------------

@dataclass
class GlobalResult:
    K: int
    L: int
    n: int
    lam: Fraction
    lower: str
    upper: str
    certified: bool
    structure: str
    boxes: int
    seconds: float
    prec: int
    minimiser: list  # float Y (row-major) of the best candidate
    singular_values: list
    details: dict = field(default_factory=dict)
    certificate: dict | None = None

    def to_dict(self) -> dict:
        return {"K": self.K, "L": self.L, "n": self.n, "lam": str(self.lam), "lower": self.lower,
                "upper": self.upper, "width": float(Fraction(self.upper) - Fraction(self.lower)),
                "certified": self.certified, "structure": self.structure, "boxes": self.boxes,
                "seconds": round(self.seconds, 3), "prec_bits": self.prec, "minimiser_Y": self.minimiser,
                "singular_values": self.singular_values, **self.details}


def structure_name(P: Problem, y, tol: float = 1e-6) -> str:
    """'zero', 'dnc' (Z̄ ∝ I − 11ᵀ/K), 'pair' (Z̄ ∝ Π[[1,−1,0],[−1,1,0],[0,0,0]]Πᵀ: one pair of classes
    separated, the third class with zero logits; rank 1) or 'rank-r (unnamed)'.
    >>> P = Problem(3, 2, 1, Fraction(1, 20))
    >>> import numpy as np
    >>> structure_name(P, P.y_from_zbar(2 * (np.eye(3) - 1 / 3)))
    'dnc'
    """
    import numpy as np
    Z = P.zbar_float(y)
    nz = float(np.linalg.norm(Z))
    if nz < tol:
        return "zero"
    pats = {"dnc": np.eye(3) - 1 / 3, "pair": np.array([[1.0, -1, 0], [-1, 1, 0], [0, 0, 0]])}
    for name, S in pats.items():
        for perm in permutations(range(3)):
            Pi = np.eye(3)[list(perm)]
            T = Pi @ S @ Pi.T
            t = float(np.sum(T * Z) / np.sum(T * T))
            if t > 0 and np.linalg.norm(Z - t * T) < tol * max(1.0, nz):
                return name
    r = int(np.sum(np.linalg.svd(Z, compute_uv=False) > tol * max(1.0, nz)))
    return f"rank-{r} (unnamed)"


def _region_for(func, center, scale, prec, name):
    """A Krawczyk region around ``center``, trying radii from 0.05·scale down."""
    rad = 0.05 * scale
    for _ in range(8):
        R = bx.krawczyk_region(func, [float(c) for c in center], bx.dyadic_ceil(rad), prec=prec, name=name)
        if R is not None:
            return R
        rad /= 3
    return None


def _dec(x, up: bool, digits: int = 20) -> str:
    """A decimal string with ``digits`` decimals bounding the arb x from above (``up``) or below."""
    v = x.upper() if up else x.lower()
    man, exp = v.man_exp()
    fr = Fraction(int(man)) * Fraction(2) ** int(exp)
    q = fr * 10 ** digits
    q = math.ceil(q) if up else math.floor(q)
    return _fmt(Fraction(q, 10 ** digits), digits)


def _fmt(fr: Fraction, digits: int) -> str:
    sign = "-" if fr < 0 else ""
    fr = abs(fr)
    ip = fr.numerator // fr.denominator
    frac = fr - ip
    return f"{sign}{ip}.{str(frac.numerator * 10 ** digits // frac.denominator).zfill(digits)}"


def certified_minimum(K: int, L: int, n: int, lam, width: float = DEFAULT_WIDTH, prec: int = bx.DEFAULT_PREC,
                      starts: int = 24, seed: int = 0, progress: bool = False, max_seconds: float = 60.0,
                      max_boxes: int = 2_000_000, certificate: bool = False) -> GlobalResult:
    """An enclosure [lower, upper] of min f (module docstring) of width <= ``width``.

    >>> r = certified_minimum(3, 2, 1, "0.05", starts=6, max_seconds=5)
    >>> r.structure, float(r.lower) <= float(r.upper)
    ('dnc', True)
    """
    t0 = time.time()
    P = Problem(K, L, n, lam, prec)
    import numpy as np
    arb = _arb()
    cands1 = float_search_rank1(P, starts=max(8, starts // 2), seed=seed + 1)
    cands = float_search(P, starts=starts, seed=seed)
    with bx.precision(prec):
        # Krawczyk regions: rank-1 minima (in (θ, v)) and full-rank minima (in Y), with their images
        regions1, best1, best1_x = [], arb(P.logK.upper()), None
        for v, x in cands1:
            if float(np.linalg.norm(x[1:4])) < 1e-6 or v > float(P.logK.mid()) + 0.1:
                continue
            if any(R.contains([arb(c) for c in x]) for R in regions1):
                continue  # an image of a candidate already covered
            R0 = _region_for(P.f_rank1, x, max(1.0, float(np.linalg.norm(x[1:4]))), prec, "rank1-min")
            if R0 is None:
                continue
            for xx in rank1_images(P, x):
                R = bx.krawczyk_region(P.f_rank1, [float(c) for c in xx], R0.data["radius"], prec=prec,
                                       name=f"rank1-min{len(regions1)}")
                if R is not None:
                    regions1.append(R)
                    if R.upper < best1.upper():
                        best1, best1_x = arb(R.upper), xx
        smooth, best, best_y = [], arb(best1.upper()), None
        for v, y in cands:
            if v > float(P.logK.mid()) + 0.1:
                continue
            sv = np.linalg.svd(y.reshape(2, 3), compute_uv=False)
            if sv[-1] < 1e-5 * max(1.0, sv[0]):
                continue  # rank-deficient: handled by the tube
            if any(R.contains([arb(c) for c in y]) for R in smooth):
                continue
            R0 = _region_for(P.f, y, max(1.0, float(np.linalg.norm(y))), prec, "smooth-min")
            if R0 is None:
                continue
            for yy in relabellings(P, y):
                R = bx.krawczyk_region(P.f, [float(c) for c in yy], R0.data["radius"], prec=prec,
                                       name=f"smooth-min{len(smooth) + 1}")
                if R is not None:
                    smooth.append(R)
                    if R.upper < best.upper():
                        best, best_y = arb(R.upper), yy
        U = arb(best.upper())
    R = P.radius_for(U)
    # rank <= 1 subproblem (lemma 3): θ ∈ [0, 2c] ⊇ [0, π], v ∈ [−R, R]³
    c = bx.dyadic_ceil(math.pi / 2)
    with bx.precision(prec):
        regions1.append(P.zero_ball(P.logK.lower()))
    t_left = max_seconds - (time.time() - t0)
    res1 = bx.minimise(P.f_rank1, [(c, c)] + [(0.0, R)] * 3, U, regions1, width=width / 4, prec=prec,
                       interior=True, progress=progress, max_seconds=max(1.0, t_left / 3), max_boxes=max_boxes // 3)
    with bx.precision(prec):
        regions = [P.tube(res1.lower, res1.upper)] + smooth
    res = bx.minimise(P.f, [(0.0, R)] * 6, U, regions, width=width, prec=prec, interior=True,
                      lower_hook=P.convex_lower, progress=progress,
                      max_seconds=max(1.0, max_seconds - (time.time() - t0)), max_boxes=max_boxes)
    best_kind = "smooth" if best_y is not None else "rank<=1"
    with bx.precision(prec):
        lower = min(res.lower, res1.lower) if "rank<=1" in res.minimiser_regions else res.lower
        upper = res.upper
        lo_s, up_s = _dec(lower, False), _dec(upper, True)
    if best_kind == "smooth":
        y_best = np.asarray(best_y)
    elif best1_x is not None and res1.upper < P.logK.lower():
        th, v = best1_x[0], best1_x[1:4]
        y_best = np.outer([math.cos(th), math.sin(th)], v).reshape(-1)
    else:
        y_best = np.zeros(6)
    structure = structure_name(P, y_best)
    if len(res.minimiser_regions) > 1 or (res.minimiser_regions == ["rank<=1"]
                                          and len(res1.minimiser_regions) > 1
                                          and "zero" in res1.minimiser_regions):
        structure += " (tie not excluded)"
    cert_ok = Fraction(up_s) - Fraction(lo_s) <= Fraction(width)
    details = {"budget_exhausted": bool(res.info["budget_exhausted"] or res1.info["budget_exhausted"]),
               "boxes_rank1": res1.boxes, "boxes_full": res.boxes, "leaves_full": res.leaves,
               "leaves_rank1": res1.leaves, "box_radius": R, "tube_radius": None if P.r0 is None else
               float(P.r0.mid()), "candidates": [round(v, 12) for v, _ in cands[:6]],
               "minimiser_regions": res.minimiser_regions + [f"rank1:{x}" for x in res1.minimiser_regions]}
    cert = None
    if certificate:
        raise NotImplementedError("global-minimum certificates (JSON for check-certificate) are not written yet")
    return GlobalResult(P.K, P.L, P.n, P.lam, lo_s, up_s, bool(cert_ok), structure, res.boxes + res1.boxes,
                        time.time() - t0, prec, [float(x) for x in y_best],
                        [float(s) for s in np.linalg.svd(np.asarray(y_best).reshape(2, 3), compute_uv=False)],
                        details, cert)
