"""Stability of DNC critical points (paper Theorem 4): the Hessian at DNC in closed form, by symmetry.

Setting: linear DUFM, cross-entropy, one λ for every factor, q := (L−1)/(L+1) = 1 − p. A DNC critical
point has output Z = t·M ⊗ 1ᵀ, M = I − 11ᵀ/K, with (SPEC §3, paper Eq. 19)
    λ n^{1/(L+1)} = t^q / (e^t + K − 1)                                           (stationarity)
so t parametrises both branches: λ(t) rises on (0, t_f) (small root) and falls on (t_f, ∞) (large root),
    t_f:  t e^t = q (e^t + K − 1)                                                 (fold, λ maximal).

Derivation (checked symbolically in proofs/theorem4.py, numerically against the full Hessian).
In the canonical frame every factor is c_k σ M transported to the hidden spaces by one isometry
E: 1^⊥ → S, so the symmetric group S_K (permuting classes) commutes with the Hessian. On the core
(see ``landscape``) the quadratic form is σ^{2L} Q_g(Σ_k X_k) − 2λ Σ_{j<k} tr(X_k X_j) + λ Σ_k ‖X_k‖²;
splitting each X_k into balanced (X_k = Y/(L+1)) and unbalanced parts shows it is congruent to
  [reduced Hessian of g(Z) + ((L+1)λ/2) Σ s_i(Z)^{2/(L+1)} on the tangent space of rank-(K−1) matrices]
  ⊕ [2λ on unbalanced symmetric parts] ⊕ [0 on unbalanced antisymmetric parts = the orbit of O(K−1)].
The reduced Hessian splits over S_K irreducibles (V = standard representation, dimension K−1):
- trivial (the scale direction M):             sign f_S''(t)  → negative iff t < t_f;
- (K−2, 2) (symmetric, zero diagonal and row sums; K >= 4, multiplicity K(K−3)/2):
      K·Q = b‖X‖² (1 − K q / t),  b = 1/(e^t + K − 1)            → negative iff t < K q;
- standard V, three copies (v 1ᵀ, M diag(v) M, 1 vᵀ); 1 vᵀ decouples (softmax is shift-invariant);
  the other two give a 2×2 block whose determinant has the sign of
      T(t) = t² e^t + t((K−1−2q) e^t + 1 − q(K−2)) − K q (e^t + K − 1)   (multiplicity K−1);
- (K−2, 1, 1) (antisymmetric): positive.
T(K q) = K q (K−2)(1+q)(e^{Kq} − 1) > 0, and K q > t_f, so for K >= 4 the last sign change along the
large-root branch is at t* = K(L−1)/(L+1), i.e. λ* = λ(t*); for K = 3 it is the root t_V of T.
Number of negative Hessian eigenvalues at the DNC critical point of scale t:
      [t < t_f] + (K−1)[T(t) < 0] + (K(K−3)/2)[t < K q],
nullity L(K−1)(d − K/2) (+ the multiplicities of any block that vanishes exactly).

``isotypic_core_blocks`` computes these blocks from exact Hessian-vector products of the *full*
model (one vector per factor and copy; invariance certified by the residual), so the threshold is
measured on the full Hessian and only compared with the closed form.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np

from . import _validate as V
from .intervals import backend as interval_backend
from .landscape import LandscapePoint, block_spectrum_of, hessian_block, orbit_tangent
from .model import DeepUFM
from .precision import bits_for_digits, to_mpf
from .rootfinding import isolate_roots, refine_root
from .structures import dnc as _dnc

dnc = lru_cache(maxsize=None)(_dnc)


# ---- closed forms ------------------------------------------------------------------------------------

def q_of(L: int):
    return mpmath.mpf(L - 1) / (L + 1)


def lam_of_t(t, K: int, L: int, n: int = 1):
    """λ on the DNC stationarity curve: t^q / ((e^t + K − 1) n^{1/(L+1)})."""
    t = mpmath.mpf(t)
    return mpmath.power(t, q_of(L)) / ((mpmath.exp(t) + K - 1) * mpmath.root(n, L + 1))


def fold_function(t, K: int, L: int):
    """t e^t − q(e^t + K − 1): zero at the fold t_f (λ(t) maximal)."""
    return t * mpmath.exp(t) - q_of(L) * (mpmath.exp(t) + K - 1)


def threshold_T(t, K: int, L: int):
    """T(t) = t² e^t + t((K−1−2q)e^t + 1 − q(K−2)) − Kq(e^t + K − 1): sign of the V-block determinant."""
    q = q_of(L)
    E = mpmath.exp(t)
    return t * t * E + t * ((K - 1 - 2 * q) * E + 1 - q * (K - 2)) - K * q * (E + K - 1)


def v_block(t, K: int, L: int):
    """The standard-representation 2×2 block of the reduced Hessian (n = 1), times K/b, in the
    orthonormal basis (v1ᵀ/√K, M diag(v) M/‖·‖), ‖v‖ = 1, u = (e^t − 1)b:
        [[1 + u + K/t, √(K−2)·u], [√(K−2)·u, 1 + (K−2)u − Kq/t]],
    whose determinant is T(t)·K/(t²(e^t + K − 1)) (hand derivation; proofs/theorem4.py checks the
    full-model block symbolically)."""
    q = q_of(L)
    t = mpmath.mpf(t)
    b = 1 / (mpmath.exp(t) + K - 1)
    u = (mpmath.exp(t) - 1) * b
    a11 = 1 + u + K / t
    a13 = mpmath.sqrt(K - 2) * u if K > 2 else mpmath.mpf(0)
    a33 = 1 + (K - 2) * u - K * q / t
    return [[a11, a13], [a13, a33]]


def k22_threshold(K: int, L: int):
    """t = K(L−1)/(L+1): the (K−2,2) block of the DNC Hessian vanishes there (K >= 4)."""
    return mpmath.mpf(K) * (L - 1) / (L + 1)


@dataclass
class Thresholds:
    """Closed-form thresholds along the DNC branch for (K, L), t and λ(t) (n = 1; divide λ by
    n^{1/(L+1)} for other n). ``t_star``: last sign change of the minimum Hessian eigenvalue along the
    large-root branch; ``certified``: the roots were isolated with interval arithmetic."""

    K: int
    L: int
    t_fold: mpmath.mpf
    t_V: mpmath.mpf
    t_22: mpmath.mpf | None
    t_star: mpmath.mpf
    lam_max: mpmath.mpf
    lam_star: mpmath.mpf
    certified: bool
    binding: str

    def lam(self, t, n: int = 1):
        return lam_of_t(t, self.K, self.L, n)


def thresholds(K: int, L: int, dps: int = 30, backend: str | None = None) -> Thresholds:
    """t_f, t_V, K q and t* with proofs: every root of T and of the fold function on [0, K+1] is
    isolated with interval arithmetic (both are positive beyond K+1: T > e^t(t² − Kq) − tK − K² > 0
    and t e^t > q(e^t+K−1) there), each must be unique, and t_f < t_V < Kq is checked."""
    K = V.integer("K", K, 3)
    L = V.integer("L", L, 2)
    with mpmath.workdps(dps + 10):
        B = interval_backend(backend)
        bits = bits_for_digits(dps + 10) + 32
        hi = mpmath.mpf(K + 1)
        with B.precision(bits):
            q = B.point(mpmath.mpf(L - 1)) / B.point(mpmath.mpf(L + 1))
            Kp = B.point(K)

            def T_iv(X):
                E = B.exp(X)
                return X * X * E + X * ((Kp - 1 - 2 * q) * E + 1 - q * (Kp - 2)) - Kp * q * (E + Kp - 1)

            def dT_iv(X):
                E = B.exp(X)
                # d/dt: (t² + 2t) e^t + ((K−1−2q)(1+t)) e^t + 1 − q(K−2) − Kq e^t
                return (X * X + 2 * X) * E + (Kp - 1 - 2 * q) * (1 + X) * E + 1 - q * (Kp - 2) - Kp * q * E

            def F_iv(X):
                E = B.exp(X)
                return X * E - q * (E + Kp - 1)

            def dF_iv(X):
                E = B.exp(X)
                return (1 + X) * E - q * E

            rT = isolate_roots(T_iv, dT_iv, mpmath.mpf(0), hi, B, prec_bits=bits)
            rF = isolate_roots(F_iv, dF_iv, mpmath.mpf(0), hi, B, prec_bits=bits)
        ok = (len(rT.brackets) == 1 and rT.brackets[0].status == "simple"
              and len(rF.brackets) == 1 and rF.brackets[0].status == "simple")
        if not ok:  # pragma: no cover - would be a new mathematical fact
            raise ArithmeticError(f"K={K}, L={L}: T or the fold function has {len(rT.brackets)}/{len(rF.brackets)} roots")
        tV = refine_root(lambda t: threshold_T(t, K, L), rT.brackets[0].lo, rT.brackets[0].hi)
        tf = refine_root(lambda t: fold_function(t, K, L), rF.brackets[0].lo, rF.brackets[0].hi)
        t22 = k22_threshold(K, L) if K >= 4 else None
        # ordering, certified: T changes sign on a tiny hull around t_V, and the fold function is > 0
        # there (F has one root and F(K+1) > 0, so t_f < t_V); T(Kq) > 0 (so t_V < Kq).
        delta = abs(tV) * mpmath.mpf(10) ** (-(dps - 5))
        with B.precision(bits):
            lo, hi_ = tV - delta, tV + delta
            ordered = (B.sign(T_iv(B.point(lo))) < 0 < B.sign(T_iv(B.point(hi_)))
                       and B.sign(F_iv(B.hull(lo, hi_))) > 0)
            if t22 is not None:
                ordered = ordered and B.sign(T_iv(Kp * q)) > 0
        if not ordered:  # pragma: no cover
            raise ArithmeticError(f"K={K}, L={L}: thresholds not ordered t_f < t_V < Kq")
        t_star = t22 if t22 is not None else tV
        res = Thresholds(K, L, +tf, +tV, t22, +t_star, lam_of_t(tf, K, L), lam_of_t(t_star, K, L), True,
                         "(K−2,2)" if t22 is not None else "standard V")
    return res


def predicted_negative_count(t, K: int, L: int, thr: Thresholds | None = None) -> int:
    """[t < t_f] + (K−1)[T(t) < 0] + (K(K−3)/2)[t < Kq] (module docstring)."""
    thr = thr or thresholds(K, L)
    t = mpmath.mpf(t)
    n = int(t < thr.t_fold) + (K - 1) * int(threshold_T(t, K, L) < 0)
    if K >= 4:
        n += K * (K - 3) // 2 * int(t < k22_threshold(K, L))
    return n


# ---- the DNC critical point at a prescribed scale --------------------------------------------------------

def dnc_point_at_scale(K: int, L: int, t, n: int = 1, d: int | None = None, mp: bool = True) -> LandscapePoint:
    """The DNC critical point of scale t: the model's λ is λ(t) from the stationarity equation
    (computed at the current precision; float64 when ``mp`` is False)."""
    t = mpmath.mpf(t)
    lam = lam_of_t(t, K, L, n)
    model = DeepUFM(K, L, n=n, lam=lam if mp else float(lam), d=d if d is not None else K)
    kind = "local max" if fold_function(t, K, L) < 0 else "local min"
    return LandscapePoint(model, dnc(K), t, kind, mpmath.mpf(0), 0 if kind == "local max" else 1, 2,
                          dps=mpmath.mp.dps)


# ---- isotypic blocks of the full Hessian at DNC ---------------------------------------------------------

IRREPS = ("trivial", "standard", "(K-2,2)", "(K-2,1,1)")


def _patterns(K: int, mp: bool):
    """Class-space patterns (K×K) spanning one copy of each irreducible in each factor, built with exact
    Fractions (1/K is not a binary fraction) and converted to mpf or float at the end."""
    from fractions import Fraction
    conv = (lambda a: np.vectorize(to_mpf, otypes=[object])(a)) if mp else (lambda a: np.array(a, dtype=float))
    F = np.vectorize(Fraction, otypes=[object])
    one = F(np.ones((K, 1), dtype=int))
    M = F(np.eye(K, dtype=int)) - (one @ one.T) * Fraction(1, K)
    e = F(np.eye(K, dtype=int))
    v = (e[0] - e[1]).reshape(K, 1)
    Mdv = M @ np.diagflat(v) @ M
    pats = {
        "trivial": {"first": [M], "mid": [M], "last": [M]},
        "standard": {"first": [v @ one.T, Mdv], "mid": [Mdv], "last": [one @ v.T, Mdv]},
    }
    w = (e[1] - e[2]).reshape(K, 1)
    pats["(K-2,1,1)"] = {"first": [v @ w.T - w @ v.T], "mid": [v @ w.T - w @ v.T], "last": [v @ w.T - w @ v.T]}
    if K >= 4:
        y = (e[2] - e[3]).reshape(K, 1)
        X = v @ y.T + y @ v.T
        pats["(K-2,2)"] = {"first": [X], "mid": [X], "last": [X]}
    mult = {"trivial": 1, "standard": K - 1, "(K-2,2)": K * (K - 3) // 2, "(K-2,1,1)": (K - 1) * (K - 2) // 2}
    return {k: {pos: [conv(X) for X in Xs] for pos, Xs in d.items()} for k, d in pats.items()}, mult


def isotypic_core_blocks(ctx, mp: bool):
    """The core of the DNC Hessian as S_K-isotypic blocks (one representative per copy and factor).

    The isometry E: R^K ⊃ 1^⊥ → S is read off the parameters (W_L = c_L σ Eᵀ in the canonical frame);
    class-mean columns use m_c = 1_c/√n_c. Factor 0 gets E X Mcᵀ, factors 1…L−1 get E X Eᵀ, factor L
    gets X Eᵀ; each vector is normalised. The orbit tangent (A = E X_a Eᵀ, X_a antisymmetric) lives in
    the (K−2,1,1) block.
    """
    model = ctx.model
    K, L, N = model.K, model.L, model.N
    WL = ctx.F[L]
    sq = (WL @ WL.T).trace() / (K - 1)
    s = mpmath.sqrt(sq) if mp else np.sqrt(sq)
    E = WL.T / s  # d × K
    sizes = model.class_sizes
    Mc = np.zeros((N, K), dtype=object if mp else float)
    if mp:
        Mc[...] = mpmath.mpf(0)
    start = 0
    for c, nc in enumerate(sizes):
        val = 1 / mpmath.sqrt(nc) if mp else 1 / np.sqrt(nc)
        for j in range(nc):
            Mc[start + j, c] = val
        start += nc
    pats, mult = _patterns(K, mp)
    blocks = []
    for name in IRREPS:
        if name not in pats:
            continue
        rows = []
        for f in range(L + 1):
            pos = "first" if f == 0 else ("last" if f == L else "mid")
            for X in pats[name][pos]:
                parts = [np.zeros(sh, dtype=object) if mp else np.zeros(sh) for sh in ctx.shapes]
                if mp:
                    for p in parts:
                        p[...] = mpmath.mpf(0)
                if f == 0:
                    parts[0] = E @ X @ Mc.T
                elif f == L:
                    parts[L] = X @ E.T
                else:
                    parts[f] = E @ X @ E.T
                vec = ctx.join(parts)
                nrm = mpmath.sqrt(sum(x * x for x in vec)) if mp else np.linalg.norm(vec)
                rows.append(vec / nrm)
        Bm = np.array(rows, dtype=object if mp else float)
        tangent = None
        if name == "(K-2,1,1)":
            Xa = pats[name]["mid"][0]
            A = E @ Xa @ E.T
            tangent = orbit_tangent(ctx, [(l, A) for l in range(L)], mp)
        blocks.append(hessian_block(name, ctx, Bm, mult[name], mp, tangent))
    return blocks


def dnc_block_spectrum(point: LandscapePoint, mp: bool = False, core_only: bool = False):
    """The full Hessian spectrum at a DNC point: isotypic core blocks + deviation, coupling and
    penalty blocks (``landscape``); total dimension checked. ``core_only``: the isotypic blocks alone
    (the other blocks are >= min λ_k or exactly zero; see ``landscape``)."""
    from .landscape import BlockSpectrum
    if point.structure.name != "dnc":
        raise V.ParameterError(f"dnc_block_spectrum needs the DNC structure, got {point.structure.name!r}")
    P = point.parameters("identity", mp=mp)
    if core_only:
        from .hessian import HessianContext
        ctx = HessianContext(point.model, P)
        return BlockSpectrum(isotypic_core_blocks(ctx, mp), ctx.n, mp, point.model.d, point.rank, point.model.L)
    return block_spectrum_of(point.model, P, point.rank, mp, True, core_blocks=lambda ctx: isotypic_core_blocks(ctx, mp))


def block_min_transverse(spec, name: str | None = None):
    """Smallest transverse eigenvalue (orbit tangent removed) of the named block, or of all blocks."""
    from .landscape import BlockSpectrum
    if name is None:
        return spec.transverse_min()
    sub = BlockSpectrum([b for b in spec.blocks if b.name == name], spec.n_params, spec.mp, spec.d, spec.r, spec.L)
    return sub.transverse_min()


def transverse_min_at(K: int, L: int, t, n: int = 1, d: int | None = None, mp: bool = False,
                      name: str | None = None, core_only: bool = False):
    """Smallest transverse Hessian eigenvalue of the full model at the DNC point of scale t
    (all blocks, or block ``name``), and the name of the block attaining it."""
    pt = dnc_point_at_scale(K, L, t, n=n, d=d, mp=mp)
    spec = dnc_block_spectrum(pt, mp=mp, core_only=core_only)
    best = None
    for b in spec.blocks:
        if name is not None and b.name != name:
            continue
        mu = block_min_transverse(spec, b.name)
        if best is None or mu < best[0]:
            best = (mu, b.name)
    return best


def measure_last_sign_change(K: int, L: int, n: int = 1, t_start=None, factor: float = 1.5):
    """Where the smallest transverse eigenvalue of the full Hessian last changes sign along the DNC
    branch, measured without the closed form: from t = t_start (default 4K, where it must be > 0)
    step down by ``factor`` until it is negative, then refine (brentq, float64). Returns
    (t, block name, number of evaluations)."""
    from scipy.optimize import brentq
    t_hi = float(t_start if t_start is not None else 4 * K)
    evals = 0

    def f(t):
        nonlocal evals
        evals += 1
        with mpmath.workdps(30):
            return float(transverse_min_at(K, L, t, n=n, mp=False)[0])

    if f(t_hi) <= 0:
        raise ArithmeticError(f"K={K}, L={L}: min transverse eigenvalue not positive at t = {t_hi}")
    t_lo = t_hi / factor
    while f(t_lo) > 0:
        t_hi, t_lo = t_lo, t_lo / factor
        if t_lo < 1e-6:  # pragma: no cover
            raise ArithmeticError("no sign change found")
    root = brentq(f, t_lo, t_hi, xtol=1e-14, rtol=1e-15)
    with mpmath.workdps(30):
        name = transverse_min_at(K, L, root * (1 - 1e-6), n=n, mp=False)[1]
    return root, name, evals


def refine_sign_change(K: int, L: int, name: str, a, b, n: int = 1, mp: bool = False, dps: int = 30):
    """The scale in [a, b] where block ``name``'s smallest transverse eigenvalue vanishes, from the
    full Hessian (float64: scipy brentq; mp: bracketing refinement at ``dps`` digits)."""
    def f(t):
        return transverse_min_at(K, L, t, n=n, mp=mp, name=name, core_only=True)[0]

    if not mp:
        from scipy.optimize import brentq
        with mpmath.workdps(30):
            return brentq(lambda t: float(f(t)), float(a), float(b), xtol=1e-15, rtol=1e-15)
    with mpmath.workdps(dps):
        # Anderson–Björck (bracketing secant) to |step| < 10^-(dps−5)·t: f is smooth, so a handful of
        # evaluations; each evaluation is a full-model mpmath Hessian block.
        a, b = mpmath.mpf(a), mpmath.mpf(b)
        slope = abs(f(b) - f(a)) / (b - a)  # mpmath's Anderson stops on |f(t)| < tol
        r = mpmath.findroot(f, (a, b), solver="anderson", tol=slope * b * mpmath.mpf(10) ** (-(dps - 5)),
                            verify=False, maxsteps=40)
        if not a <= r <= b:  # pragma: no cover - fall back to the validated bracketing refinement
            r = refine_root(f, a, b)
        return r
