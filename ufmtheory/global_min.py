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
3. Rank <= 1 problem: Y = w(θ) vᵀ, w = (cos θ, sin θ), v ∈ R³, f₁(θ, v) = CE(z vᵀ) + A ‖v‖^p with
   z = U w(θ) a unit vector of 1^⊥. Symmetry: relabelling (z, v) ↦ (Πz, Πv) and the sign (z, v) ↦ (−z, −v)
   leave Z̄ = z vᵀ's loss unchanged, and every z has an image with z₁ >= z₂ >= z₃ (sort) and z₂ >= 0 (else
   negate and sort again); with the U above that is θ ∈ [π/3, π/2] (z₁ >= z₂ ⇔ cos θ >= 0, z₂ >= z₃ ⇔
   tan θ >= 1/√3, z₂ >= 0 ⇔ tan θ >= √3). So m₁ = min f₁ over [π/3, π/2] × [−R, R]³ (lemma 1); the ball
   ‖v‖ <= r₀ has f₁ >= log K by lemma 2's argument at Y₁ = 0. m₁ is enclosed by a 4-variable branch and
   bound with the dependency-free bound ``Problem.rank1_hook``.
The full problem is searched in gap coordinates (``GapProblem``, section "gap coordinates" below), whose
local tube region (a box-local form of lemma 2) gets the lower bound m₁. Minimisers where f is smooth: Krawczyk boxes (``boxes``)
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
RANK1_THETA = (1.3125, 0.28125)  # θ ∈ [1.03125, 1.59375] ⊇ [π/3, π/2], the rank-1 fundamental domain (lemma 3)
RANK1_MARGIN = 0.05  # run the rank-1 subproblem when a rank-1 float minimum is within this of U


def _arb():
    """python-flint's arb, imported on first use (the module loads without flint)."""
    global _ARB
    if _ARB is None:
        from flint import arb
        _ARB = arb
    return _ARB


_ARB = None


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
        G00, G11, G01 = gram(Y)
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

    def rank1_hook(self, balls, box, gaps=None):
        """A lower bound of f₁ on a (θ, v) box that does not lose to dependency (the branch and bound's
        ``lower_hook`` for the rank <= 1 problem): z = U w(θ) is a unit vector of 1^⊥ and column c of
        Z̄ = z vᵀ has the gaps v_c (z_c − z_k), k ≠ c, each a product of two independent factors (so its
        range is the product of their ranges); CE decreases in every gap, so CE >= (1/3) Σ_c log(1 +
        Σ_k e^{−max gap}); the penalty A ‖v‖^p is increasing in ‖v‖, whose minimum over the box is
        exact (per coordinate the distance of its interval from 0). ``gaps``: ``_rank1_gaps(balls)`` if
        the caller has them.

        >>> from flint import arb
        >>> P = Problem(3, 2, 1, Fraction(9, 50))
        >>> x = [arb(1.2), arb(2.0), arb(0.5), arb(-1.0)]
        >>> bool(P.rank1_hook([arb(c, 0.01) for c in x], None) <= P.f_rank1(x))
        True
        """
        arb = _arb()
        gaps = self._rank1_gaps(balls) if gaps is None else gaps
        tot = arb(0)
        for _, _, e_lo in gaps:
            tot = tot + (1 + e_lo[0] + e_lo[1]).log()
        d2 = arb(0)
        for b in balls[1:4]:
            lo, hi = b.lower(), b.upper()
            if lo > 0 or hi < 0:
                m = arb(min(abs(lo), abs(hi)))
                d2 = d2 + m * m
        return tot / 3 + bx.pow_nonneg(arb(d2.lower()), self.q) * self.A

    def _rank1_gaps(self, balls):
        """Per column c of Z̄ = z(θ) vᵀ on a (θ, v) box: the gap directions Δ = (z_c − z_k)_{k≠c} (sinusoids in
        θ), the gaps g = v_c Δ (a product of independent factors: its range is exact up to rounding) and
        e^{−g} at each gap's upper end (the smallest value; ``rank1_hook``'s CE bound)."""
        arb = _arb()
        th, v = balls[0], balls[1:4]
        c, s = th.cos(), th.sin()
        out = []
        for a in range(3):
            D = [(self.U[a][0] - self.U[k][0]) * c + (self.U[a][1] - self.U[k][1]) * s for k in others(a)]
            g = [v[a] * d for d in D]
            out.append((D, g, [(-arb(x.upper())).exp() for x in g]))
        return out

    def _rank1_columns(self, balls, gaps=None):
        """``_rank1_gaps`` plus, per column, Δ' = dΔ/dθ and the softmax weights π = (e^{−g_k}/S)_k of the
        gaps, each π_k enclosed by monotonicity (it decreases in g_k and increases in the other gap):
        [(Δ, Δ', π)]."""
        arb = _arb()
        th = balls[0]
        c, s = th.cos(), th.sin()
        out = []
        for a, (D, g, e_lo) in enumerate(self._rank1_gaps(balls) if gaps is None else gaps):
            D1 = [(self.U[k][0] - self.U[a][0]) * s + (self.U[a][1] - self.U[k][1]) * c for k in others(a)]
            e_hi = [(-arb(x.lower())).exp() for x in g]
            pi = []
            for i in range(2):
                lo = e_lo[i] / (1 + e_lo[i] + e_hi[1 - i])
                hi = e_hi[i] / (1 + e_hi[i] + e_lo[1 - i])
                pi.append(arb(lo.lower()).union(arb(hi.upper())))
            out.append((D, D1, pi))
        return out

    def _rank1_penalty_curvature(self, v):
        """(ρ², A p ρ^{p−2}) for A‖v‖^p = A (ρ²)^{p/2} (its gradient is A p ρ^{p−2} v), or None when the box
        may hold v = 0."""
        rho2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
        if not rho2.lower() > 0:
            return None
        return rho2, self.A * self.p * bx.pow_nonneg(rho2, self.q - 1)

    def rank1_gradient(self, balls, cols=None):
        """An enclosure of ∇f₁ on a (θ, v) box, per column (``_rank1_columns``; ∇ℓ = −π):
            ∂f₁/∂θ = −(1/3) Σ_c v_c π_c·Δ'_c,   ∂f₁/∂v_c = −(1/3) π_c·Δ_c + A p ρ^{p−2} v_c,  ρ = ‖v‖.
        None when the box may hold v = 0. ``cols``: ``_rank1_columns(balls)`` if the caller has them.

        >>> from flint import arb
        >>> P = Problem(3, 2, 1, Fraction(9, 50))
        >>> x = [arb(c) for c in (1.0471975511965976, 1.39515281, 0.0, -1.39515281)]
        >>> all(abs(g) < 1e-6 for g in P.rank1_gradient(x))  # the pair minimiser at λ = 0.18
        True
        """
        arb = _arb()
        v = balls[1:4]
        pc = self._rank1_penalty_curvature(v)
        if pc is None:
            return None
        k = pc[1]
        g = [arb(0)] * 4
        for a, (D, D1, pi) in enumerate(self._rank1_columns(balls) if cols is None else cols):
            g[0] = g[0] - v[a] * (pi[0] * D1[0] + pi[1] * D1[1]) / 3
            g[a + 1] = -(pi[0] * D[0] + pi[1] * D[1]) / 3 + k * v[a]
        return g

    def rank1_leaf(self, balls, box, cut=None):
        """The rank <= 1 branch and bound's bound on a box (used as its ``lower_hook`` with jets off): the
        dependency-free ``rank1_hook``; below ``cut``, +inf when the structured gradient (``rank1_gradient``)
        excludes 0 (no critical point, so no minimiser of f₁: they are interior by lemma 1 and the domain's
        faces are not boundaries of f₁, which is defined and smooth for all θ), else the mean-value form
        f₁(centre) + Σ ∇f₁(box)_i [−r_i, r_i] and, on boxes of radius <= 1/16, the second-order bound
        ``boxes.taylor2_lower`` with the structured Hessian bound (``rank1_hessian_lower``)."""
        arb = _arb()
        gaps = self._rank1_gaps(balls)
        lo = self.rank1_hook(balls, box, gaps)
        if cut is None or lo.lower() >= cut:
            return lo
        cols = self._rank1_columns(balls, gaps)
        g = self.rank1_gradient(balls, cols)
        if g is None:
            return lo
        if any(gi.lower() > 0 or gi.upper() < 0 for gi in g):
            return arb("inf")
        c = [arb(m) for m, _ in box]
        fc = self.f_rank1(c)
        mv = fc
        for gi, (_, r) in zip(g, box):
            mv = mv + gi * arb(0, r)
        if mv.lower() > lo.lower():
            lo = arb(mv.lower())
        if lo.lower() < cut and max(r for _, r in box) <= 0.0625:
            m = self.rank1_hessian_lower(balls, box, cols)
            gc = self.rank1_gradient(c)
            t2 = bx.taylor2_lower(self.f_rank1, balls, box, m=m, centre=(fc, gc)) if m.is_finite() else None
            if t2 is not None and t2.lower() > lo.lower():
                lo = arb(t2.lower())
        return lo

    def rank1_hessian_lower(self, balls, box=None, cols=None):
        """m <= λ_min(∇²f₁) on a (θ, v) box, from the Hessian assembled per column so that it does not lose
        to dependency (the generic Jet Hessian turns negative at radius 0.0125 around the pair minimiser at
        L = 2, λ = 0.18, where λ_min = 0.047). Column c's gaps g = v_c Δ(θ), Δ = (z_c − z_k)_{k≠c}, are
        sinusoids in θ (Δ'' = −Δ); with ℓ(g) = log(1 + e^{−g₁} + e^{−g₂}), π = (e^{−g_k}/S)_k, ∇ℓ = −π and
        Q = ∇²ℓ = diag(π) − ππᵀ, the column's Hessian in (θ, v_c) is
            H_θθ = v_c² Δ'ᵀQΔ' + v_c π·Δ,  H_θv = v_c Δ'ᵀQΔ − π·Δ',  H_vv = ΔᵀQΔ
        (divided by K = 3), and A‖v‖^p adds A p ρ^{p−2} (I + (p − 2) v vᵀ/ρ²), ρ = ‖v‖. π's entries are
        enclosed by monotonicity (π_k decreases in g_k, increases in the other gap); the interval matrix's
        smallest eigenvalue is bounded by ``boxes.hessian_min_eigenvalue``. −inf when the box may hold v = 0.
        ``cols``: ``_rank1_columns(balls)`` if the caller has them.

        >>> from flint import arb
        >>> P = Problem(3, 2, 1, Fraction(9, 50))
        >>> x = [1.0471975511965976, 1.39515281, 0.0, -1.39515281]
        >>> bool(P.rank1_hessian_lower([arb(c, 0.01) for c in x]) > 0)
        True
        """
        arb = _arb()
        v = balls[1:4]
        pc = self._rank1_penalty_curvature(v)
        if pc is None:
            return arb("-inf")
        rho2, k = pc  # k = A p ρ^{p−2}
        H = [[arb(0)] * 4 for _ in range(4)]
        for a, (D, D1, pi) in enumerate(self._rank1_columns(balls) if cols is None else cols):
            Q = [[pi[0] * (1 - pi[0]), -pi[0] * pi[1]], [-pi[0] * pi[1], pi[1] * (1 - pi[1])]]

            def quad(x, y):
                return sum((x[i] * Q[i][j] * y[j] for i in range(2) for j in range(2)), arb(0))
            piD = pi[0] * D[0] + pi[1] * D[1]
            piD1 = pi[0] * D1[0] + pi[1] * D1[1]
            H[0][0] = H[0][0] + (v[a] * v[a] * quad(D1, D1) + v[a] * piD) / 3
            H[0][a + 1] = H[0][a + 1] + (v[a] * quad(D1, D) - piD1) / 3
            H[a + 1][a + 1] = H[a + 1][a + 1] + quad(D, D) / 3
        for i in range(3):
            for j in range(i, 3):
                H[i + 1][j + 1] = H[i + 1][j + 1] + k * ((1 if i == j else 0) + (self.p - 2) * v[i] * v[j] / rho2)
        for i in range(4):
            for j in range(i):
                H[i][j] = H[j][i]
        return bx.hessian_min_eigenvalue(H)

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


def gram(Y):
    """(G₀₀, G₁₁, G₀₁) of G = Y Yᵀ for Y with rows Y[0], Y[1] of 3 entries (Jets, arb balls or floats).

    >>> gram([[1, 2, 0], [0, 1, 1]])
    (5, 2, 2)
    """
    G00 = Y[0][0] * Y[0][0] + Y[0][1] * Y[0][1] + Y[0][2] * Y[0][2]
    G11 = Y[1][0] * Y[1][0] + Y[1][1] * Y[1][1] + Y[1][2] * Y[1][2]
    G01 = Y[0][0] * Y[1][0] + Y[0][1] * Y[1][1] + Y[0][2] * Y[1][2]
    return G00, G11, G01


def spectral2(m, D, q):
    """F(m, D) = φ(m + √D) + φ(m − √D), φ(x) = x^q (Jet primitive; module docstring)."""
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
        k = math.floor(x[0] / math.pi)  # θ ↦ θ − kπ maps w ↦ (−1)^k w: v flips with it (same Y)
        x[0] -= k * math.pi
        if k % 2:
            x[1:4] = -x[1:4]
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


# ---- gap coordinates (the certified route) ----------------------------------------------------------------
#
# Column c of a centred Z̄ (1ᵀZ̄ = 0) is fixed by its two gaps a = Z̄_cc − Z̄_{k₁c}, b = Z̄_cc − Z̄_{k₂c}
# (k₁ < k₂ the other classes): Z̄_cc = (a + b)/3, Z̄_{k₁c} = (b − 2a)/3, Z̄_{k₂c} = (a − 2b)/3. So Z̄ = M(d),
# d = (a₁, b₁, a₂, b₂, a₃, b₃) ∈ R⁶, a linear bijection, block diagonal with 3×2 blocks B, BᵀB =
# [[2/3, −1/3], [−1/3, 2/3]] (eigenvalues 1, 1/3): ‖M‖ = 1 (Euclidean → Frobenius), ‖M⁻¹‖ = √3.
# The fit is separable and decreasing in every gap: CE = (1/3) Σ_c log(1 + e^{−a_c} + e^{−b_c}).

def others(c: int, K: int = 3) -> list:
    """The classes other than c, increasing."""
    return [k for k in range(K) if k != c]


def zbar_from_gaps(d) -> list:
    """Columns of Z̄ = M(d) in floats (module comment above; ``GapProblem`` has the arb/Jet version).

    >>> zbar_from_gaps([3.0, 3.0, 3.0, 3.0, 3.0, 3.0])[0]
    [2.0, -1.0, -1.0]
    """
    cols = []
    for c in range(3):
        a, b = float(d[2 * c]), float(d[2 * c + 1])
        k1, k2 = others(c)
        col = [0.0] * 3
        col[c], col[k1], col[k2] = (a + b) / 3, (b - 2 * a) / 3, (a - 2 * b) / 3
        cols.append(col)
    return cols


def gaps_from_zbar(Z) -> list:
    """The inverse of ``zbar_from_gaps`` (Z a 3×3 array, rows = logits, columns = classes)."""
    d = []
    for c in range(3):
        for k in others(c):
            d.append(float(Z[c][c] - Z[k][c]))
    return d


def frobenius_squared_min(balls):
    """A lower bound of min ‖M d‖_F² over the box (exact up to rounding): per column the convex quadratic
    ‖B(a, b)‖² = (2/3)(a² + b² − ab) on a rectangle is 0 if the rectangle holds (0, 0), else minimised
    on an edge, at b = a/2 (a fixed) or a = b/2 (b fixed), clipped to the edge.

    >>> from flint import arb
    >>> frobenius_squared_min([arb(3, 1)] * 6).lower() > 0
    True
    """
    arb = _arb()
    tot = arb(0)
    for c in range(3):
        A_, B_ = balls[2 * c], balls[2 * c + 1]
        a0, a1, b0, b1 = A_.lower(), A_.upper(), B_.lower(), B_.upper()
        if a0 <= 0 <= a1 and b0 <= 0 <= b1:
            continue
        best = None
        for a in (a0, a1):
            b = min(max(a / 2, b0), b1)
            v = (a * a + b * b - a * b) * 2 / 3
            best = v if best is None else min(best, v.lower())
        for b in (b0, b1):
            a = min(max(b / 2, a0), a1)
            v = (a * a + b * b - a * b) * 2 / 3
            best = min(best, v.lower())
        tot = tot + arb(best).lower()
    return tot


def _column_argmin(ka: float, kb: float, a0: float, a1: float, b0: float, b1: float) -> tuple:
    """The float minimiser of h(a, b) = (1/3) log(1 + e^{−a} + e^{−b}) + k_a a + k_b b on [a0, a1] × [b0, b1]
    (h convex): the interior stationary point e^{−a} = 3k_a/p₀, e^{−b} = 3k_b/p₀, p₀ = 1 − 3k_a − 3k_b
    when it lies inside, else the best of the four edges' one-dimensional minima (on a = a₀ fixed,
    ∂_b h = 0 at e^{−b} = 3k_b(1 + e^{−a₀})/(1 − 3k_b), clipped). Accuracy only (``_column_min`` is
    valid for any point).

    >>> a, b = _column_argmin(0.01, 0.01, 0.0, 10.0, 0.0, 10.0)
    >>> round(a, 6) == round(b, 6) == round(math.log(0.94 / 0.03), 6)
    True
    """
    def h(a, b):
        return math.log1p(math.exp(-a) + math.exp(-b)) / 3 + ka * a + kb * b

    def edge(k, c, lo, hi):  # argmin over x ∈ [lo, hi] of log(c + e^{−x})/3 + k x
        if k <= 0:
            return hi
        if 3 * k >= 1:
            return lo
        x = -math.log(3 * k * c / (1 - 3 * k))
        return min(max(x, lo), hi)
    p0 = 1 - 3 * ka - 3 * kb
    if ka > 0 and kb > 0 and p0 > 0:
        a, b = math.log(p0 / (3 * ka)), math.log(p0 / (3 * kb))
        if a0 <= a <= a1 and b0 <= b <= b1:
            return a, b
    cands = [(a0, edge(kb, 1 + math.exp(-a0), b0, b1)), (a1, edge(kb, 1 + math.exp(-a1), b0, b1)),
             (edge(ka, 1 + math.exp(-b0), a0, a1), b0), (edge(ka, 1 + math.exp(-b1), a0, a1), b1)]
    return min(cands, key=lambda x: h(*x))


class SingularRanges:
    """Enclosures of s₁, s₂ of Z̄ = M d on one box, computed once per box and shared by the hook's
    bounds: Weyl from the centre, s_i ∈ s_i(c) ± ρ (|s_i(Z + E) − s_i(Z)| <= ‖E‖₂), ρ the smaller of
    ‖radii‖₂ (‖E‖₂ <= ‖E‖_F, ‖M‖ = 1) and ``GapProblem.spectral_radius`` (max ‖E‖₂ over the box, ≈ 0.78
    of the former for equal radii), and the direct enclosure of the closed form (``direct``, computed
    when first asked).

    >>> from flint import arb
    >>> GP = GapProblem(Problem(3, 2, 1, Fraction(1, 20)))
    >>> sv = SingularRanges(GP, [arb(3, 0.25)] * 6)
    >>> bool(0 < sv.s2_lower() <= 3 <= sv.s2_upper())
    True
    """

    def __init__(self, GP, balls):
        arb = _arb()
        self.GP, self.balls = GP, balls
        self.rho = arb(min(arb(sum((arb(b.rad()) ** 2 for b in balls), arb(0)).upper()).sqrt().upper(),
                           GP.spectral_radius(tuple(float(b.rad()) for b in balls)).upper()))
        self.s1q_c, self.s2q_c = GP.singular_squares([arb(b.mid()) for b in balls])
        self._direct = None
        self._cell = None

    @property
    def direct(self):
        """(s₁², s₂²) enclosed over the box directly."""
        if self._direct is None:
            self._direct = self.GP.singular_squares(self.balls)
        return self._direct

    def weyl(self, i: int):
        """(lower, upper) balls of s_i (i = 1, 2) by Weyl from the centre."""
        s = (self.s1q_c if i == 1 else self.s2q_c.nonnegative_part()).sqrt()
        return (s - self.rho).nonnegative_part(), s + self.rho

    def s2_upper(self):
        """An upper bound of s₂: the smaller of the direct and the Weyl bounds (an exact arb)."""
        arb = _arb()
        return arb(min(arb(self.direct[1].upper()).sqrt().upper(), self.weyl(2)[1].upper()))

    def s2_lower(self):
        """A lower bound of s₂: the larger of the direct and the Weyl bounds (an exact arb)."""
        arb = _arb()
        return arb(max(arb(self.direct[1].nonnegative_part().lower()).sqrt().lower(), self.weyl(2)[0].lower()))

    def cell(self):
        """(l₁, u₁, l₂, u₂), exact arbs with s_i ∈ [l_i, u_i] on the box: Weyl intersected with the direct
        enclosure, and s₁ >= s₂ (l₁ >= l₂, u₂ <= u₁)."""
        if self._cell is None:
            arb = _arb()
            (s1, s1h), (s2, s2h) = self.weyl(1), self.weyl(2)
            d1q, d2q = self.direct
            hi1, lo1, hi2, lo2 = s1h.upper(), s1.lower(), s2h.upper(), s2.lower()
            if d1q.is_finite():
                hi1 = min(hi1, arb(d1q.upper()).sqrt().upper())
                lo1 = max(lo1, arb(d1q.nonnegative_part().lower()).sqrt().lower())
            if d2q.is_finite():
                hi2 = min(hi2, arb(d2q.nonnegative_part().upper()).sqrt().upper())
                lo2 = max(lo2, arb(d2q.nonnegative_part().lower()).sqrt().lower())
            if hi1 > 0:  # s₂ = √det(Y Yᵀ)/s₁ >= √(Σ min|m_jk|²)/u₁ (``GapProblem.minors_lower``)
                dl = self.GP.minors_lower(self.balls)
                if dl > 0:
                    lo2 = max(lo2, (arb(dl).sqrt() / arb(hi1)).lower())
            lo1, hi2 = max(lo1, lo2), min(hi2, hi1)
            self._cell = (arb(lo1), arb(hi1), arb(lo2), arb(hi2))
        return self._cell


class GapProblem:
    """The reduced loss in gap coordinates: f(d) = CE(d) + A (s₁^p + s₂^p)(M d) (``Problem`` supplies
    A, p, U; the singular values of Z̄ = M d are those of Y = Uᵀ Z̄, Uᵀ U = I)."""

    def __init__(self, P: Problem):
        self.P = P
        arb = _arb()
        with bx.precision(P.prec):
            self.third = arb(1) / 3
            self.logK = P.logK
        with bx.precision(P.prec):
            # Y = Uᵀ M d is linear in d: Y(e_i) (arb, for ``nuclear_functional``) and its float copy
            self._L = [self.y_of([arb(1) if j == i else arb(0) for j in range(6)]) for i in range(6)]
        # Y(e_i) is nonzero only in column i // 2: its float copy keeps that column, _Lf[i] = (Y₀, Y₁)
        self._Lf = [tuple(float(Li[r][i // 2].mid()) for r in range(2)) for i, Li in enumerate(self._L)]
        assert all(Li[r][k] == 0 for i, Li in enumerate(self._L) for r in range(2) for k in range(3) if k != i // 2)
        self._rho2 = {}  # ``spectral_radius`` cache
        self.relax = False  # use the cell relaxation in ``lower_hook``
        self.cut = None  # the branch and bound's cut: the hook's costlier bounds run only below it
        self.rank1_lower = None  # m₁ lower bound (arb): enables ``rank1_bound`` in ``lower_hook``

    def ce(self, d):
        arb = _arb()
        tot = None
        for c in range(3):
            t = bx.log(bx.exp(-d[2 * c]) + bx.exp(-d[2 * c + 1]) + arb(1))
            tot = t if tot is None else tot + t
        return tot * self.third

    def ce_column(self, a, b):
        arb = _arb()
        return (((-a).exp() + (-b).exp() + 1).log()) * self.third if isinstance(a, arb) else None

    def y_of(self, d):
        """Y = Uᵀ M d (rows Y[0], Y[1])."""
        P = self.P
        cols = self._zbar(d)
        return [[cols[c][0] * P.U[0][i] + cols[c][1] * P.U[1][i] + cols[c][2] * P.U[2][i] for c in range(3)]
                for i in range(2)]

    def _zbar(self, d):
        t = self.third
        cols = []
        for c in range(3):
            a, b = d[2 * c], d[2 * c + 1]
            k1, k2 = others(c)
            col = [None] * 3
            col[c] = (a + b) * t
            col[k1] = (b - a * 2) * t
            col[k2] = (a - b * 2) * t
            cols.append(col)
        return cols

    def f(self, d):
        """f(d) for 6 Jets or arb balls."""
        return self.ce(d) + self.P.penalty(self.y_of(d))

    def singular_squares(self, d):
        """Enclosures of (s₁², s₂²) of Z̄ = M d at arb points/balls (Y column k from d_{2k}, d_{2k+1} only,
        each variable once per entry: no dependency loss in Y)."""
        L = self._L
        Y = [[L[2 * k][i][k] * d[2 * k] + L[2 * k + 1][i][k] * d[2 * k + 1] for k in range(3)] for i in range(2)]
        G00, G11, G01 = gram(Y)
        m = (G00 + G11) / 2
        h = (G00 - G11) / 2
        D = h * h + G01 * G01  # not h ** 2: arb's power is nan on a ball around 0
        return _eig(m, D)

    def lower_hook(self, balls, box):
        """A lower bound of f on the box, the cheaper bounds first (each later one only while the bound is
        below ``cut``): the fit's exact minimum CE(upper corner) (CE decreases in every gap) plus
        A Σ max(0, s_i(centre) − ρ)^p (Weyl, ``SingularRanges``; t ↦ t^p increasing), improved by
        Σ s_i^p >= ‖Z̄‖_F^p (p <= 2); the rank-1 comparison (``rank1_bound``); the box-local convex
        relaxation (``column_lower``: it closed 72% of the boxes the other bounds left open at L = 2,
        λ = 1/20); the singular-value cell relaxation (``global_relax.cell_lower``, only with ``relax``:
        it closed no box at L = 2, 3 once ``column_lower`` ran first); the structured second-order bound
        (``taylor2``, skipped where its float value is below the cut)."""
        arb = _arb()
        P = self.P
        hi = [arb(b.upper()) for b in balls]
        ce = self.ce(hi)
        sv = SingularRanges(self, balls)
        (s1, _), (s2, _) = sv.weyl(1), sv.weyl(2)
        pen = bx.pow_nonneg(arb(s1.lower()), P.q * 2) + bx.pow_nonneg(arb(s2.lower()), P.q * 2)
        pen2 = bx.pow_nonneg(arb(frobenius_squared_min(balls).lower()), P.q)
        pen = arb(max(pen.lower(), pen2.lower()))
        out = ce + pen * P.A
        if P.L > 1 and self.cut is not None and out.lower() < self.cut:
            s2l, s2u = arb(s2.lower()), sv.s2_upper()
            v, G = out.lower(), None
            if self.rank1_lower is not None:
                v = max(v, self.rank1_bound(s2l, s2u, P.g))
                if v < self.cut:
                    G = self.tube_gradient(balls, s2u)
                    v = max(v, self.rank1_bound(s2l, s2u, G))
            if v < self.cut and s2u < s1.lower():
                local = self.truncation_lower(balls)
                if local is not None:
                    G = G if G is not None else self.tube_gradient(balls, s2u)
                    v = max(v, self.rank1_bound(s2l, s2u, G, local.lower()))
            if v > out.lower():
                out = arb(v)
        if self.cut is not None and out.lower() < self.cut:
            v = self.column_lower(balls, box, sv)
            if v is not None and v > out.lower():
                out = arb(v)
        if self.relax and out.lower() < self.cut:
            # the convex relaxation on the box's singular-value cell (``global_relax.cell_lower``):
            # s_i in [s_i(centre) − ρ, s_i(centre) + ρ] (Weyl), intersected with the direct enclosure
            lo1, hi1, lo2, hi2 = sv.cell()
            from .global_relax import cell_lower
            dn = [max(0.0, math.nextafter(float(x), -math.inf)) for x in (lo1, lo2)]
            up = [max(math.nextafter(float(x), math.inf), math.nextafter(d, math.inf)) for x, d in zip((hi1, hi2), dn)]
            v = cell_lower(P, dn[0], up[0], dn[1], up[1])
            if v is not None and v.lower() > out.lower():
                out = arb(v.lower())
        if self.cut is not None and out.lower() < self.cut:
            t2 = self.taylor2(balls, box, sv, cut=self.cut)
            if t2 is not None and t2 > out.lower():
                out = arb(t2.lower())
        return out

    def minors_lower(self, balls):
        """A lower bound (exact arb) of det(Y Yᵀ) = s₁² s₂² = Σ_{j<k} m_jk² on the box (Cauchy–Binet), m_jk =
        Y₀ⱼY₁ₖ − Y₀ₖY₁ⱼ the 2×2 minors. Column k of Y is linear in (d_{2k}, d_{2k+1}) alone, so m_jk is
        bilinear in (d_{2j}, d_{2j+1}) and (d_{2k}, d_{2k+1}): its range over the box is the hull of its
        ranges at the 4 vertices of column k's rectangle (each linear in column j's gaps, enclosed exactly
        by ball arithmetic), and min |m_jk| is 0 when that hull holds 0, else its end nearer 0.

        >>> from flint import arb
        >>> GP = GapProblem(Problem(3, 2, 1, Fraction(1, 20)))
        >>> bool(GP.minors_lower([arb(3, 0.25)] * 6) > 0)
        True
        """
        arb = _arb()
        L = self._L
        tot = arb(0)
        for j, k in ((0, 1), (0, 2), (1, 2)):
            # for each vertex (a_k, b_k) of column k, m_jk is linear in (a_j, b_j), each once: the ball
            # evaluation over column j's rectangle is its exact range (up to outward rounding)
            A_, B_ = balls[2 * k], balls[2 * k + 1]
            lo = hi = None
            for a in (arb(A_.lower()), arb(A_.upper())):
                for b in (arb(B_.lower()), arb(B_.upper())):
                    y0k = L[2 * k][0][k] * a + L[2 * k + 1][0][k] * b
                    y1k = L[2 * k][1][k] * a + L[2 * k + 1][1][k] * b
                    m = (balls[2 * j] * (L[2 * j][0][j] * y1k - L[2 * j][1][j] * y0k)
                         + balls[2 * j + 1] * (L[2 * j + 1][0][j] * y1k - L[2 * j + 1][1][j] * y0k))
                    ml, mu = m.lower(), m.upper()
                    lo = ml if lo is None or ml < lo else lo
                    hi = mu if hi is None or mu > hi else hi
            if lo > 0:
                tot = tot + lo * lo
            elif hi < 0:
                tot = tot + hi * hi
        return arb(tot.lower())

    def spectral_radius(self, radii):
        """An upper bound (arb) of max ‖Y(δ)‖₂ over |δ_i| <= r_i (Y = Uᵀ M δ): the spectral norm is convex,
        so the maximum is at one of the 2⁶ vertices (±r_i); each vertex's ‖Y‖₂² is the larger eigenvalue
        of the 2×2 Gram Y Yᵀ, enclosed in arb. Cached per radius vector (bisection produces few).

        >>> GP = GapProblem(Problem(3, 2, 1, Fraction(1, 20)))
        >>> 1.91 < float(GP.spectral_radius((1.0,) * 6)) < 1.92 < 6 ** 0.5
        True
        """
        hit = self._rho2.get(radii)
        if hit is not None:
            return hit
        arb = _arb()
        L = self._L
        best = arb(0)
        with bx.precision(self.P.prec):
            for mask in range(32):  # δ and −δ have the same norm: fix the sign of δ₆
                sg = [(-1 if mask >> i & 1 else 1) * radii[i] for i in range(5)] + [radii[5]]
                Y = [[L[2 * k][i][k] * sg[2 * k] + L[2 * k + 1][i][k] * sg[2 * k + 1] for k in range(3)]
                     for i in range(2)]
                g00 = Y[0][0] * Y[0][0] + Y[0][1] * Y[0][1] + Y[0][2] * Y[0][2]
                g11 = Y[1][0] * Y[1][0] + Y[1][1] * Y[1][1] + Y[1][2] * Y[1][2]
                g01 = Y[0][0] * Y[1][0] + Y[0][1] * Y[1][1] + Y[0][2] * Y[1][2]
                lam = (g00 + g11) / 2 + ((g00 - g11) * (g00 - g11) / 4 + g01 * g01).nonnegative_part().sqrt()
                best = arb(max(best, arb(lam.upper()).sqrt().upper()))
        self._rho2[radii] = best
        return best

    def nuclear_functional(self, box):
        """γ ∈ R⁶ (arb) with ‖Z̄(d)‖_* >= Σ_i γ_i d_i for EVERY d: the nuclear norm is the support function
        of the spectral-norm unit ball, ‖Y‖_* >= ⟨W, Y⟩ for ‖W‖₂ <= 1, and Y = Uᵀ M d is linear in d
        (‖Y‖_* = ‖Z̄‖_*, U has orthonormal columns). W = Q Vᵀ from the float SVD Y(c) = Q S Vᵀ at the box
        centre c, divided by an arb upper bound of ‖W‖₂ (the 2×2 Gram W Wᵀ's larger eigenvalue), so the
        float SVD's errors cost accuracy, never validity; at the centre the functional is ≈ ‖Z̄(c)‖_*.

        >>> GP = GapProblem(Problem(3, 2, 1, Fraction(1, 20)))
        >>> g = GP.nuclear_functional([(3.0, 0.5)] * 6)
        >>> abs(float(sum(g) * 3) - 2 * 3.0) < 1e-12  # d = 3·1 is DNC t(I − 11ᵀ/3), t = 3: ‖Z̄‖_* = 2t
        True
        """
        arb = _arb()
        Lf = self._Lf
        # Y(c) column by column (column k of Y depends on d_{2k}, d_{2k+1} only)
        Yc = [[Lf[2 * k][i] * box[2 * k][0] + Lf[2 * k + 1][i] * box[2 * k + 1][0] for k in range(3)] for i in range(2)]
        p = Yc[0][0] ** 2 + Yc[0][1] ** 2 + Yc[0][2] ** 2
        r = Yc[1][0] ** 2 + Yc[1][1] ** 2 + Yc[1][2] ** 2
        q = Yc[0][0] * Yc[1][0] + Yc[0][1] * Yc[1][1] + Yc[0][2] * Yc[1][2]
        det = p * r - q * q
        if det > 1e-12 * (p + r) ** 2:
            # W = (Y Yᵀ)^{-1/2} Y: √G = (G + √det I)/t, t = √(tr G + 2√det) (2×2 closed form)
            sd = math.sqrt(det)
            t = math.sqrt(p + r + 2 * sd)
            a, b, d = (p + sd) / t, q / t, (r + sd) / t
            e = a * d - b * b
            Si = [[d / e, -b / e], [-b / e, a / e]]
            Wf = [[Si[i][0] * Yc[0][k] + Si[i][1] * Yc[1][k] for k in range(3)] for i in range(2)]
        else:
            import numpy as np
            Q, _, Vt = np.linalg.svd(np.array(Yc), full_matrices=False)
            Wf = (Q @ Vt).tolist()
        W = [[arb(float(x)) for x in row] for row in Wf]
        g00 = W[0][0] * W[0][0] + W[0][1] * W[0][1] + W[0][2] * W[0][2]
        g11 = W[1][0] * W[1][0] + W[1][1] * W[1][1] + W[1][2] * W[1][2]
        g01 = W[0][0] * W[1][0] + W[0][1] * W[1][1] + W[0][2] * W[1][2]
        lam = (g00 + g11) / 2 + ((g00 - g11) * (g00 - g11) / 4 + g01 * g01).nonnegative_part().sqrt()
        nW = arb(lam.upper()).sqrt().upper()
        L = self._L
        return [(W[0][i // 2] * L[i][0][i // 2] + W[1][i // 2] * L[i][1][i // 2]) / nW for i in range(6)]

    def column_lower(self, balls, box, sv=None):
        """Box-local convex relaxation (a lower bound of f on the box, float or None). Lemma: with
        s_i ∈ [l_i, u_i] on the box (``SingularRanges.cell``) and the chords t^p >= α_i + β_i t there
        (``global_relax.chord``; t ↦ t^p concave), with β = min β_i,
            s₁^p + s₂^p >= α₁ + α₂ + κ + β (s₁ + s₂),  κ = (β₁ − β) l₁ + (β₂ − β) l₂,
        (the form with max β_i, as in ``global_relax.cell_lower``, closed < 1% more boxes at L = 2) and s₁ + s₂ = ‖Z̄‖_* >= Σ γ_i d_i (``nuclear_functional``; β > 0). So on the box
            f(d) >= A(α₁ + α₂ + κ) + Σ_c h_c(a_c, b_c),  h_c = (1/3) log(1 + e^{−a} + e^{−b}) + k_a a + k_b b,
        k = Aβγ: CE and the linear term separate by column, and each h_c is convex, so
        min_rect h_c >= h_c(x̂) + ∇h_c(x̂)·(x − x̂) minimised over the rectangle (exact in arb for a linear
        function), for any x̂; x̂ is h_c's float minimiser on the rectangle (``_column_argmin``), so the
        bound is the column minimum up to float error. Unlike CE(upper corner) + a penalty bound, it
        keeps the trade-off between the fit and the penalty inside the box (far from DNC the two bounds'
        minimisers are at opposite corners)."""
        arb = _arb()
        P = self.P
        if P.L == 1:
            return None
        from .global_relax import chord
        sv = sv if sv is not None else SingularRanges(self, balls)
        l1, u1, l2, u2 = sv.cell()
        if not (u1.is_finite() and u2.is_finite()):
            return None
        ch = [chord(P, lo, hi) if hi > lo else (bx.pow_nonneg(lo, P.p), arb(0)) for lo, hi in ((l1, u1), (l2, u2))]
        (al1, be1), (al2, be2) = ch
        beta = arb(min(be1.lower(), be2.lower()))
        if not beta > 0:
            return None
        kap = (be1 - beta) * l1 + (be2 - beta) * l2
        gam = self.nuclear_functional(box)
        k = [g * beta * P.A for g in gam]
        tot = (al1 + al2 + kap) * P.A
        for c in range(3):
            tot = tot + self._column_min(k[2 * c], k[2 * c + 1], balls[2 * c], balls[2 * c + 1])
        return tot.lower() if tot.is_finite() else None

    def _column_min(self, ka, kb, A_, B_):
        """A lower enclosure of min over the rectangle A_ × B_ of h(a, b) = (1/3) log(1 + e^{−a} + e^{−b})
        + k_a a + k_b b (convex): the tangent plane at the float minimiser x̂, minimised over the rectangle."""
        arb = _arb()
        a, b = _column_argmin(float(ka.mid()), float(kb.mid()), float(A_.lower()), float(A_.upper()),
                              float(B_.lower()), float(B_.upper()))
        xa, xb = arb(a), arb(b)
        ea, eb = (-xa).exp(), (-xb).exp()
        S = ea + eb + 1
        h = S.log() * self.third + ka * xa + kb * xb
        ga = ka - ea / S * self.third
        gb = kb - eb / S * self.third
        return h + ga * (A_ - xa) + gb * (B_ - xb)

    # regions ------------------------------------------------------------------------------------------
    def zero_ball_radius(self):
        """r_z: ‖d‖ <= r_z ⇒ f >= log 3. Convexity of CE at 0, ‖∇CE(0)‖_F = √2/3, ‖Z̄‖_F <= ‖d‖ and
        Σ s_i^p >= ‖Z̄‖_F^p give f >= log 3 + A‖Z̄‖^p − (√2/3)‖Z̄‖ >= log 3 for ‖Z̄‖ <= (3A/√2)^{1/(1−p)}
        (p < 1; for p = 1 (L = 1) the ball is everything if 3A >= √2, else empty)."""
        arb = _arb()
        P = self.P
        k = 3 * P.A / arb(2).sqrt()
        if P.L == 1:
            return arb("inf") if k >= 1 else arb(0)
        return (k.log() / (1 - P.p)).exp()

    def zero_region(self):
        arb = _arb()
        rz = self.zero_ball_radius()

        def contains(balls):
            s = sum((arb(max(abs(b.upper()), abs(b.lower()))) ** 2 for b in balls), arb(0))
            return bool(s.upper() <= (rz * rz).lower()) if rz.is_finite() else True
        return bx.Region("zero", contains, self.logK.lower(), self.logK.upper(), {"radius": str(rz)})

    def above_cut_region(self, cut):
        """The ball ‖d‖ <= r_c on which f >= ``cut`` (so it holds no global minimiser when the proven upper
        bound is below ``cut``'s level), for a cut below log 3 (``zero_ball_radius``'s lemma at a lower
        level): f >= log 3 + h(‖Z̄‖), h(r) = A r^p − (√2/3) r, ‖Z̄‖_F <= ‖d‖; h is concave with h(0) = 0, so
        f >= log 3 + h(r_c) on the ball when h(r_c) >= cut − log 3. r_c: the largest dyadic (4-bit mantissa)
        with that, found by bisection in floats and then checked in arb. None when the cut is not below
        log 3 (the zero ball is then the region) or at L = 1.

        >>> GP = GapProblem(Problem(3, 2, 1, Fraction(9, 50)))
        >>> R = GP.above_cut_region(1.0665)
        >>> R.data["radius"] > float(GP.zero_ball_radius().mid()), bool(R.lower >= 1.0665)
        (True, True)
        """
        arb = _arb()
        P = self.P
        delta = arb(cut) - self.logK
        if P.L == 1 or not delta < 0:
            return None
        k = arb(2).sqrt() / 3

        def h(r):
            return bx.pow_nonneg(arb(r), P.p) * P.A - k * r
        lo = float(self.zero_ball_radius().lower())
        hi = max(2 * lo, 1.0)
        while h(hi) > delta:
            hi *= 2
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if h(mid) > delta else (lo, mid)
        r = lo
        while r > 0:
            rd = bx.dyadic_ceil(r)
            rd = rd if rd <= r else rd - 2.0 ** (math.floor(math.log2(r)) - 3)
            if rd > 0 and (self.logK + h(rd)).lower() >= arb(cut).upper():
                break
            r *= 0.99
        else:
            return None
        lower = arb((self.logK + h(rd)).lower())

        def contains(balls):
            s = sum((arb(max(abs(b.upper()), abs(b.lower()))) ** 2 for b in balls), arb(0))
            return bool(s.upper() <= rd * rd)
        return bx.Region("above-cut", contains, lower, None, {"radius": rd})

    def unordered_region(self):
        """Symmetry: relabelling the classes by π maps Z̄ to Π Z̄ Πᵀ, f invariant, and permutes the column
        CE values CE_c = (1/3) log(1 + e^{−a_c} + e^{−b_c}). Every point has an image with CE₁ <= CE₂ <=
        CE₃, so the minimum over that set is the global minimum; a box on which provably CE₁ > CE₂ or
        CE₂ > CE₃ (exact column ranges by monotonicity) holds no point of it and is discarded (lower
        bound +∞)."""
        arb = _arb()

        def ranges(balls):
            out = []
            for c in range(3):
                a, b = balls[2 * c], balls[2 * c + 1]
                lo = self.ce_column(arb(a.upper()), arb(b.upper()))
                hi = self.ce_column(arb(a.lower()), arb(b.lower()))
                out.append((lo.lower(), hi.upper()))
            return out

        def franges(balls):  # the same ranges in floats: only a filter before the arb test
            out = []
            for c in range(3):
                a, b = balls[2 * c], balls[2 * c + 1]
                am, ar, bm, br = float(a.mid()), float(a.rad()), float(b.mid()), float(b.rad())
                out.append((math.log1p(math.exp(-am - ar) + math.exp(-bm - br)),
                            math.log1p(math.exp(-am + ar) + math.exp(-bm + br))))
            return out

        def contains(balls):
            f = franges(balls)
            if not (f[0][0] > f[1][1] * (1 + 1e-9) or f[1][0] > f[2][1] * (1 + 1e-9)):
                return False
            r = ranges(balls)
            return bool(r[0][0] > r[1][1] or r[1][0] > r[2][1])
        return bx.Region("unordered", contains, arb("inf"), None, {})

    def tube_gradient(self, balls, s2u):
        """G >= ‖∇CE(Z̄₁)‖_F for every rank-1 truncation Z̄₁ of a point of the box (Z̄₁ lies in the box's
        Z̄-enclosure widened by s₂max = ``s2u`` in every entry; ∇CE = (softmax − e_c)/3 per column),
        capped by the global bound √(2/K) (``Problem.g``)."""
        arb = _arb()
        cols = self._zbar(balls)
        wid = arb(0, s2u.upper())
        g2 = arb(0)
        for c_, col in enumerate(cols):
            col = [z + wid for z in col]
            e = [(z - col[c_]).exp() if k != c_ else arb(1) for k, z in enumerate(col)]
            S = sum(e, arb(0))
            pr = [x / S for x in e]
            for k in range(3):
                t = pr[k] - (1 if k == c_ else 0)
                g2 = g2 + t * t
        G = g2.sqrt() / 3
        return arb(min(G.upper(), self.P.g.upper())) if G.is_finite() else arb(self.P.g.upper())

    def rank1_bound(self, s2l, s2u, G, m1=None):
        """Rank-1 comparison (module docstring, lemma 2 in its s₂-dependent form): with Y₁ the rank-1
        truncation of Y (‖Z̄ − Z̄₁‖_F = s₂), convexity of CE gives f(Y) >= f(Y₁) + h(s₂),
        h(s) = A s^p − G s, and f(Y₁) >= m1 (default: m₁, the rank <= 1 minimum, ``rank1_lower``; or the
        box-local ``truncation_lower``). h is concave, so on s₂ ∈ [s2l, s2u] it is >= min(h(s2l), h(s2u))."""
        P = self.P
        h = [bx.pow_nonneg(s, P.p) * P.A - G * s for s in (s2l, s2u)]
        return (self.rank1_lower if m1 is None else m1) + min(h[0].lower(), h[1].lower())

    def truncation_lower(self, balls):
        """A lower bound of f(Y₁) = f₁(θ, v) over the rank-1 truncations Y₁ = w(θ) vᵀ of the box's points:
        w is the top eigenvector of G = Y Yᵀ, θ = ½ atan2(2G₀₁, G₀₀ − G₁₁) (mod π; near the branch cut
        ½ atan2(−2G₀₁, −(G₀₀ − G₁₁)) + π/2, the same w up to sign), v = Yᵀw = s₁v₁, each enclosed over the box,
        then ``Problem.rank1_hook`` on (θ, v). None where the angle is not enclosed (G₀₁ and G₀₀ − G₁₁
        may both vanish, s₁ = s₂) or wider than 1.

        >>> from flint import arb
        >>> GP = GapProblem(Problem(3, 2, 1, Fraction(9, 50)))
        >>> d = gaps_from_zbar(2 * __import__("numpy").array([[1, -1, 0], [-1, 1, 0], [0, 0, 0.]]))  # the pair
        >>> bool(GP.truncation_lower([arb(x, 0.01) for x in d]) <= GP.f([arb(x) for x in d]))
        True
        """
        arb = _arb()
        Y = self.y_of(balls)
        G00, G11, G01 = gram(Y)
        x, y = G00 - G11, 2 * G01
        if x.lower() > 0 or not y.contains(0):
            th = arb.atan2(y, x) / 2
        elif x.upper() < 0:
            th = arb.atan2(-y, -x) / 2 + arb.pi() / 2
        else:
            return None
        if not th.rad() < 0.5:
            return None
        c, s = th.cos(), th.sin()
        v = [Y[0][k] * c + Y[1][k] * s for k in range(3)]
        return self.P.rank1_hook([th] + v, None)

    def local_tube(self, m1_lower, m1_upper):
        """Rank-1 tube, local form: boxes where h(s₂) >= 0 on the whole s₂ range (``rank1_bound``), i.e.
        s₂max <= (A/G)^{1/(1−p)} (p < 1), get the lower bound m₁ = min over rank <= 1."""
        arb = _arb()
        P = self.P

        def contains(balls):
            if P.L == 1:
                return False
            s2u = SingularRanges(self, balls).s2_upper()
            if not s2u.is_finite():
                return False
            G = self.tube_gradient(balls, s2u)
            if G.upper() <= 0:
                return True
            r = ((P.A / arb(G.upper())).log() / (1 - P.p)).exp()
            return bool(s2u.upper() <= r.lower())
        return bx.Region("rank<=1", contains, m1_lower, m1_upper, {})

    def ce_hessian_lower(self, balls):
        """m <= λ_min(∇²CE) on the box. Column c contributes ℓ(a, b)/3, ℓ = log(1 + e^{−a} + e^{−b}),
        whose Hessian is [[p_a(1 − p_a), −p_a p_b], [−p_a p_b, p_b(1 − p_b)]] (p_x = e^{−x}/S,
        p₀ = 1/S, S = 1 + e^{−a} + e^{−b}); Gershgorin's rows give p_a(1 − p_a − p_b) = p_a p₀ and p_b p₀
        (exact when p_a = p_b). So λ_min(∇²CE) >= min over columns of min(p_a, p_b) p₀ / 3.

        >>> P = Problem(3, 2, 1, Fraction(1, 20)); GP = GapProblem(P)
        >>> from flint import arb
        >>> bool(GP.ce_hessian_lower([arb(3)] * 6) > 0)
        True
        """
        arb = _arb()
        best = None
        for c in range(3):
            ea, eb = (-balls[2 * c]).exp(), (-balls[2 * c + 1]).exp()
            S = ea + eb + 1
            # p_a p₀ = e^{−a}/S² increases with the other gap b (S falls), so its minimum over the box is
            # at b's lower end: evaluate there (less dependency than the ball)
            Sa = ea + (-arb(balls[2 * c + 1].lower())).exp() + 1
            Sb = (-arb(balls[2 * c].lower())).exp() + eb + 1
            va = ea / (Sa * Sa) if Sa.is_finite() else ea / (S * S)
            vb = eb / (Sb * Sb) if Sb.is_finite() else eb / (S * S)
            v = min(va.lower(), vb.lower())
            best = v if best is None else min(best, v)
        return arb(best) / 3

    def hessian_lower(self, balls, box, sv=None):
        """m <= λ_min(∇²f(d)) for every d in the box (an arb; −inf when s₂ may vanish), from
        ∇²f = ∇²CE + ∇²pen and two enclosures that do not lose to dependency:
        - CE is separable in the gaps, so its Hessian is block diagonal (one 2×2 block per column,
          ``ce_hessian_lower``);
        - pen(Y) = A Σ φ(s_i), φ(s) = s^p. For a sum of a function of the singular values the Hessian's
          eigenvalues at Y with s₁, s₂ > 0 are φ''(s_i), (φ'(s_i) − φ'(s_j))/(s_i − s_j),
          (φ'(s_i) + φ'(s_j))/(s_i + s_j) and φ'(s_i)/s_i (Lewis & Sendov, "Nonsmooth analysis of singular
          values", Set-Valued Anal. 2005; a divided difference at s_i = s_j). For p < 1, φ'' < 0 is
          increasing and φ' > 0, so all are >= φ''(s₂) = p(p − 1) s₂^{p−2}; Z̄ = M d with ‖M‖ <= 1 then
          gives λ_min(∇²_d pen) >= A p(p − 1) s₂min^{p−2} (a negative number times MᵀM ⪯ I)."""
        arb = _arb()
        P = self.P
        m_ce = self.ce_hessian_lower(balls)
        if P.L == 1:
            return m_ce  # p = 1: pen is convex (a norm), its Hessian is PSD where it exists
        s2l = (sv if sv is not None else SingularRanges(self, balls)).s2_lower()
        if not s2l > 0:
            return arb("-inf")
        return m_ce + P.A * P.p * (P.p - 1) * bx.pow_nonneg(s2l, P.p - 2)

    def taylor2(self, balls, box, sv=None, cut=None):
        """``boxes.taylor2_lower`` (f(c + δ) >= f(c) + ∇f(c)·δ + (m/2)‖δ‖², minimised per coordinate) with
        m = ``hessian_lower``: the generic Jet Hessian enclosure loses to dependency here (gradient and
        Hessian widths ±0.3 on boxes of radius 0.1–0.15 where the true values are ~0.02). ``cut``: return
        None when the float version of the bound (``_taylor2_float``) is below cut − 1e-9 (at L = 2 it
        closed no box farther than ∞-distance 3 from DNC, where it cost a quarter of the time)."""
        m = self.hessian_lower(balls, box, sv)
        if not m.is_finite():
            return None
        if cut is not None and self._taylor2_float(box, float(m.mid())) < float(cut) - 1e-9:
            return None
        return bx.taylor2_lower(self.f, balls, box, m=m)

    def _taylor2_float(self, box, m: float) -> float:
        """The bound of ``taylor2`` in floats (f(c), ∇f(c) from numpy's SVD: ∂_Y Σ s_i^p = Σ p s_i^{p−1} u_i v_iᵀ),
        to skip the arb evaluation where it cannot reach the cut (only a filter: the bound itself is arb)."""
        import numpy as np
        P = self.P
        c = [mid for mid, _ in box]
        Lf = self._Lf
        Y = np.array([[Lf[2 * k][i] * c[2 * k] + Lf[2 * k + 1][i] * c[2 * k + 1] for k in range(3)] for i in range(2)])
        u, sv, vt = np.linalg.svd(Y, full_matrices=False)
        A, p = float(P.A.mid()), float(P.p.mid())
        if sv[-1] <= 0:
            return -math.inf
        f = A * float(np.sum(sv ** p))
        Gy = A * (u * (p * sv ** (p - 1))) @ vt
        tot = 0.0
        for k in range(3):
            ea, eb = math.exp(-c[2 * k]), math.exp(-c[2 * k + 1])
            S = 1 + ea + eb
            f += math.log(S) / 3
            for j, e in ((2 * k, ea), (2 * k + 1, eb)):
                g = abs(-e / (3 * S) + Lf[j][0] * Gy[0, k] + Lf[j][1] * Gy[1, k])
                r = box[j][1]
                tot += g * g / (2 * m) if (m > 0 and g <= m * r) else g * r - m * r * r / 2
        return f - tot

    def convex_region(self, R, radii=(1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.125, 0.09, 0.0625)):
        """A larger region around a Krawczyk region ``R`` (unique critical point d* in its box, f(d*)
        enclosed): the box d_c ± r (r from ``radii``, largest first, r >= R's radius) on which
        ``hessian_lower`` > 0. f is strictly convex there and d* is a critical point inside, so
        min over the box = f(d*) ∈ [R.lower, R.upper]. None if no radius works."""
        center, r0 = R.data["center"], R.data["radius"]
        for r in radii:
            r = bx.dyadic_ceil(r)
            if r < r0:
                break
            box = [(c, r) for c in center]
            if self.hessian_lower(bx.box_arb(box), box) > 0:
                X = bx.box_arb(box)
                return bx.Region(f"convex:{R.name}", bx.inside(X),
                                 R.lower, R.upper, {"center": center, "radius": r, "krawczyk": R.name})
        return None

    def star_region(self, center, radii=(1.5, 1.25, 1.0, 0.875, 0.75, 0.625, 0.5, 0.375), shells: int = 24,
                    lattice=None):
        """``boxes.star_region`` of f around a float point x̃ with the structured Hessian bound
        ``hessian_lower`` (the generic Jet Hessian loses to dependency here).

        >>> GP = GapProblem(Problem(3, 2, 1, Fraction(1, 20)))
        >>> S = GP.star_region([3.327098] * 6)
        >>> S.data["radius"], bool(S.lower <= 0.40363304900201 <= S.upper)
        (1.25, True)
        """
        return bx.star_region(self.f, center, self.hessian_lower, radii=radii, shells=shells, lattice=lattice)

    def search_box(self, upper):
        """Bounded region: f <= U ⇒ each column's CE <= U, so log(1 + e^{−a}) <= 3U and every gap
        a >= −log(e^{3U} − 1); A Σ s^p <= U ⇒ ‖Z̄‖_F <= Σ s_i <= (U/A)^{1/p} (p <= 1) and a gap
        |Z̄_cc − Z̄_kc| <= √2 ‖Z̄‖_F. Returns a dyadic box [(mid, rad)]*6 strictly containing [lo, hi]⁶."""
        arb = _arb()
        P = self.P
        with bx.precision(P.prec):
            U = arb(upper)
            e = (3 * U).exp() - 1
            lo = -e.log() if e.lower() > 0 else arb(-1e6)
            hi = arb(2).sqrt() * (U / P.A) ** (1 / P.p)
            lo_f, hi_f = float(lo.lower()) - 1e-3, float(hi.upper()) * 1.001 + 1e-3
        mid = math.floor((lo_f + hi_f) / 2 * 16) / 16
        rad = bx.dyadic_ceil(max(hi_f - mid, mid - lo_f))
        return [(mid, rad)] * 6, (lo_f, hi_f)


def rank1_regions(P: Problem, cands1) -> tuple:
    """Krawczyk regions of f₁ (lemma 3) around every float rank-1 minimum in ``cands1`` below log K + 0.1
    and around its relabelling images (``rank1_images``): (regions, best proven upper bound, its (θ, v))."""
    import numpy as np
    arb = _arb()
    with bx.precision(P.prec):
        regions1, best1, best1_x = [], arb(P.logK.upper()), None
        for v, x in cands1:
            if float(np.linalg.norm(x[1:4])) < 1e-6 or v > float(P.logK.mid()) + 0.1:
                continue
            if any(R.contains([arb(c) for c in x]) for R in regions1):
                continue
            R0 = _region_for(P.f_rank1, x, max(1.0, float(np.linalg.norm(x[1:4]))), P.prec, "rank1-min")
            if R0 is None:
                continue
            for xx in rank1_images(P, x):
                R = bx.krawczyk_region(P.f_rank1, [float(c) for c in xx], R0.data["radius"], prec=P.prec,
                                       name=f"rank1-min{len(regions1)}")
                if R is not None:
                    regions1.append(R)
                    if R.upper < best1.upper():
                        best1, best1_x = arb(R.upper), xx
    return regions1, best1, best1_x


def rank1_minimum(P: Problem, regions1, cut1, width: float, progress: bool = False, max_seconds: float = 60.0,
                  max_boxes: int = 700_000) -> bx.BoxResult:
    """The branch and bound of lemma 3: min f₁ over the fundamental domain θ ∈ [π/3, π/2] (``RANK1_THETA``)
    × [−R, R]³ (R from lemma 1 at ``cut1``, a proven upper bound of the rank <= 1 minimum or a level above
    it), with ``regions1`` and the zero ball, bounds from ``Problem.rank1_leaf`` (jets off)."""
    arb = _arb()
    with bx.precision(P.prec):
        regions = list(regions1) + [P.zero_ball(P.logK.lower())]
        cut1_lo = (arb(cut1) - arb(width) / 2).lower()  # the cut bx.minimise derives from cut1 (at most)
    R = P.radius_for(cut1)
    return bx.minimise(P.f_rank1, [RANK1_THETA] + [(0.0, R)] * 3, cut1, regions, width=width, prec=P.prec,
                       interior=True, lower_hook=lambda balls, box: P.rank1_leaf(balls, box, cut1_lo),
                       jets=False, progress=progress, max_seconds=max_seconds, max_boxes=max_boxes)


def certified_rank1_minimum(K: int, L: int, n: int, lam, width: float = DEFAULT_WIDTH, starts: int = 16,
                            seed: int = 1, max_seconds: float = 60.0, progress: bool = False) -> GlobalResult:
    """An enclosure [lower, upper] of m₁ = min f over the matrices of rank <= 1 (lemma 3; the zero matrix
    included, log K) of width <= ``width``, and the pattern of the best point: a float multi-start
    (``float_search_rank1``), Krawczyk regions around its minima (``rank1_regions``), then ``rank1_minimum``.
    At L = 2, λ = 0.18 the pair pattern (rank 1), 40 031 boxes, 13–25 s.

    >>> r = certified_rank1_minimum(3, 2, 1, "1/2", starts=4)
    >>> r.structure, r.certified, Fraction(r.lower) <= Fraction("1.0986122886681096913952") <= Fraction(r.upper)
    ('zero', True, True)
    """
    import numpy as np
    t0 = time.time()
    P = Problem(K, L, n, lam)
    regions1, best1, best1_x = rank1_regions(P, float_search_rank1(P, starts=starts, seed=seed))
    res = rank1_minimum(P, regions1, best1, width, progress=progress, max_seconds=max_seconds)
    with bx.precision(P.prec):
        lo_s, up_s = _dec(res.lower, False), _dec(res.upper, True)
        zero = best1_x is None or not best1.upper() < P.logK.lower()
    if zero:
        y = np.zeros(6)
    else:
        th, v = best1_x[0], best1_x[1:4]
        y = np.outer([math.cos(th), math.sin(th)], v).reshape(-1)
    structure = structure_name(P, y)
    if len({("zero" if m == "zero" else "box" if m == "box" else "min") for m in res.minimiser_regions}) > 1:
        structure += " (tie not excluded)"
    ok = Fraction(up_s) - Fraction(lo_s) <= Fraction(width)
    details = {"route": "rank <= 1 subproblem (lemma 3)", "budget_exhausted": bool(res.info["budget_exhausted"]),
               "leaves": res.leaves, "minimiser_regions": res.minimiser_regions}
    return GlobalResult(P.K, P.L, P.n, P.lam, lo_s, up_s, bool(ok), structure, res.boxes, time.time() - t0, P.prec,
                        [float(x) for x in y],
                        [float(x) for x in np.linalg.svd(y.reshape(2, 3), compute_uv=False)], details, None)


def certified_minimum(K: int, L: int, n: int, lam, width: float = DEFAULT_WIDTH, prec: int = bx.DEFAULT_PREC,
                      starts: int = 12, seed: int = 0, progress: bool = False, max_seconds: float = 60.0,
                      max_boxes: int = 2_000_000, certificate: bool = False,
                      second_order: bool = False, relax: bool = True, relax_hook: bool = False) -> GlobalResult:
    """An enclosure [lower, upper] of min f (module docstring) of width <= ``width``, by branch and bound
    in gap coordinates (``GapProblem``): regions = the unordered-CE set (symmetry), the zero ball,
    Krawczyk boxes around every full-rank float minimiser and its relabellings, and the local rank-1
    tube (lower bound m₁ = the rank <= 1 minimum, enclosed first by a 4-variable branch and bound).

    >>> r = certified_minimum(3, 1, 1, "0.5", starts=4)
    >>> r.structure, r.certified, Fraction(r.lower) <= Fraction("1.0986122886681096913952") <= Fraction(r.upper)
    ('zero', True, True)
    """
    t0 = time.time()
    P = Problem(K, L, n, lam, prec)
    GP = GapProblem(P)
    import numpy as np
    arb = _arb()
    if relax:
        from .global_relax import relaxed_minimum
        rr = relaxed_minimum(P, width=width, max_seconds=min(5.0, max_seconds / 4), max_cells=20_000)
        if rr.certified:
            return _relaxed_result(P, rr, t0)
    cands1 = float_search_rank1(P, starts=max(8, starts // 2), seed=seed + 1)
    cands = float_search(P, starts=starts, seed=seed)
    regions1, best1, best1_x = rank1_regions(P, cands1)
    with bx.precision(prec):
        smooth, best, best_d = [], arb(best1.upper()), None
        for v, y in cands:
            if v > float(P.logK.mid()) + 0.1:
                continue
            sv = np.linalg.svd(y.reshape(2, 3), compute_uv=False)
            if sv[-1] < 1e-5 * max(1.0, sv[0]):
                continue  # rank-deficient: the tube
            d = gaps_from_zbar(P.zbar_float(y))
            if any(R.contains([arb(c) for c in d]) for R in smooth):
                continue
            R0 = _region_for(GP.f, d, max(1.0, float(np.linalg.norm(d))), prec, "smooth-min")
            if R0 is None:
                continue
            for yy in relabellings(P, y):
                dd = gaps_from_zbar(P.zbar_float(yy))
                R = bx.krawczyk_region(GP.f, dd, R0.data["radius"], prec=prec, name=f"smooth-min{len(smooth) + 1}")
                if R is not None:
                    smooth.append(R)
                    if R.upper < best.upper():
                        best, best_d = arb(R.upper), dd
        U = arb(best.upper())
    # rank <= 1 subproblem (lemma 3): θ ∈ [0, 2c] ⊇ [0, π], v ∈ [−R, R]³, cut at the larger of U and the
    # best proven rank-1 value (so its lower bound m₁ is the rank <= 1 minimum even when that lies above
    # U). m₁ feeds the local tube region and, at L >= 2, ``GapProblem.rank1_bound`` (omitting both is
    # sound). Only run when a rank-1 float minimum comes near U: far from it (the DNC regime) this
    # 4-variable search over v ∈ [−R, R]³ does not finish in the budget (measured: 215 000 boxes in 60 s
    # at L = 2, λ = 0.05, R = 24, lower bound still −∞).
    res1 = None
    near = [v for v, x in cands1 if float(np.linalg.norm(x[1:4])) > 1e-6]
    if near and min(near) < float(U.mid()) + RANK1_MARGIN:
        with bx.precision(prec):
            cut1 = arb(max(U.upper(), best1.upper()))
        t_left = max_seconds - (time.time() - t0)
        res1 = rank1_minimum(P, regions1, cut1, width / 4, progress=progress, max_seconds=max(1.0, t_left / 3),
                             max_boxes=max_boxes // 3)
    box, gap_range = GP.search_box(U)
    with bx.precision(prec):
        GP.cut = (U - _arb()(width) / 2).lower()
        if res1 is not None and P.L > 1:
            GP.rank1_lower = arb(res1.lower.lower())
    GP.relax = bool(relax_hook)
    with bx.precision(prec):
        # around each smooth minimiser, the largest box on which f is proven convex (``convex_region``;
        # at L = 2, λ = 0.05 radius 0.375 against the Krawczyk box's 0.0156)
        convex = [C for C in (GP.convex_region(R) for R in smooth) if C is not None]
        # and the larger region with a proven lower bound from the integral Taylor remainder
        # (``star_region``; radius 1.25 at L = 2, λ = 1/20)
        star = [S for S in (GP.star_region(R.data["center"], lattice=box) for R in smooth) if S is not None]
        above = GP.above_cut_region(GP.cut)
        regions = [GP.unordered_region(), GP.zero_region()] + ([above] if above else []) + star + convex + smooth
        if res1 is not None:
            regions.append(GP.local_tube(res1.lower, res1.upper))
    # Jets (mean-value form, gradient pruning) only pay near smooth minimisers without a star region;
    # elsewhere the hook (with its structured second-order bound ``GapProblem.taylor2``) is the sharper
    # and cheaper bound (at L = 2, λ = 1/20 no box was gradient-pruned).
    res = bx.minimise(GP.f, box, U, regions, width=width, prec=prec, interior=True,
                      lower_hook=GP.lower_hook, progress=progress, jets=bool(not star and (smooth or res1 is not None)),
                      second_order=bool(second_order and smooth),
                      max_seconds=max(1.0, max_seconds - (time.time() - t0)), max_boxes=max_boxes)
    with bx.precision(prec):
        lo_s, up_s = _dec(res.lower, False), _dec(res.upper, True)
    r1_up = res1.upper if res1 is not None else P.logK
    if best_d is not None and best.upper() <= r1_up.upper():
        y_best = P.y_from_zbar(np.array(zbar_from_gaps(best_d)).T)
    elif best1_x is not None and best1.upper() < P.logK.lower():
        th, v = best1_x[0], best1_x[1:4]
        y_best = np.outer([math.cos(th), math.sin(th)], v).reshape(-1)
    else:
        y_best = np.zeros(6)
    structure = structure_name(P, y_best)
    mins = [m for m in res.minimiser_regions if m != "unordered"]
    if "rank<=1" in mins:
        mins.remove("rank<=1")
        mins += [f"rank1:{x}" for x in res1.minimiser_regions]
    kinds = {("zero" if m in ("zero", "rank1:zero") else "box" if m in ("box", "rank1:box") else
              "rank1" if m.startswith("rank1") else "smooth") for m in mins}
    if len(kinds) > 1:
        structure += " (tie not excluded)"
    cert_ok = Fraction(up_s) - Fraction(lo_s) <= Fraction(width)
    b1 = res1.boxes if res1 is not None else 0
    details = {"budget_exhausted": bool(res.info["budget_exhausted"] or (res1 is not None and
                                                                          res1.info["budget_exhausted"])),
               "boxes_rank1": b1, "boxes_full": res.boxes, "leaves_full": res.leaves,
               "leaves_rank1": res1.leaves if res1 is not None else None, "gap_range": list(gap_range),
               "rank1_min": None if res1 is None else [float(res1.lower.lower()), float(res1.upper.upper())],
               "zero_ball_radius": float(GP.zero_ball_radius().mid()) if GP.zero_ball_radius().is_finite() else None,
               "candidates": [round(v, 12) for v, _ in cands[:6]], "minimiser_regions": mins}
    if certificate:
        raise NotImplementedError("certificates of the branch-and-bound route are not written; the relaxation "
                                  "route's certificate: ufmtheory.global_certificate.write")
    return GlobalResult(P.K, P.L, P.n, P.lam, lo_s, up_s, bool(cert_ok), structure, res.boxes + b1,
                        time.time() - t0, prec, [float(x) for x in y_best],
                        [float(s) for s in np.linalg.svd(np.asarray(y_best).reshape(2, 3), compute_uv=False)],
                        details, None)


def _relaxed_result(P: Problem, rr, t0) -> GlobalResult:
    """A ``GlobalResult`` from a certified ``global_relax.relaxed_minimum`` enclosure; the reported
    minimiser is the upper-bound point (t (I − 11ᵀ/3) at the best DNC scale, or 0 when log 3 is lower)."""
    import numpy as np
    with bx.precision(P.prec):
        from .global_relax import dnc_value
        zero = bool(rr.upper.upper() >= P.logK.lower()) or dnc_value(P, _arb()(rr.t_dnc)).lower() > P.logK.upper()
        lo_s, up_s = _dec(rr.lower, False), _dec(rr.upper, True)
    t = 0.0 if zero else rr.t_dnc
    y = P.y_from_zbar(t * (np.eye(3) - 1 / 3))
    details = {"budget_exhausted": rr.budget_exhausted, "route": "convex relaxation over singular-value cells",
               "cells": rr.cells, "boxes_rank1": 0, "boxes_full": 0, "leaves_full": {}, "leaves_rank1": None,
               "minimiser_regions": ["relaxation"]}
    return GlobalResult(P.K, P.L, P.n, P.lam, lo_s, up_s, True, structure_name(P, y), rr.cells,
                        time.time() - t0, P.prec, [float(v) for v in y],
                        [float(v) for v in np.linalg.svd(np.asarray(y).reshape(2, 3), compute_uv=False)],
                        details, None)
