"""Hand-derived closed forms (an independent route to what the engine computes numerically).

- ``zhu_l1``: L = 1 CE UFM (Zhu et al. 2021; SPEC §4 Peers). f(t) = log(1 + (K−1)e^{−t}) +
  (K−1)√n Λ t with Λ = √(λ_H λ_W): f'(t) = 0 ⇔ e^t = 1/(√n Λ) − K + 1, so a non-zero optimum exists
  iff K√(nλ_Hλ_W) < 1, t* = log(1/√(nλ_Hλ_W) − K + 1) and (f convex) it is the global one, with
  ℒ* = −log(1 − (K−1)√nΛ) + (K−1)√nΛ·t*; otherwise the zero solution, ℒ = log K.
- ``dang_mse_dnc``: deep linear MSE DUFM, orthogonal frame Z̄ = γI (Dang et al. 2023; SPEC §4).
  h(γ) = (1−γ)²/2 + (K(L+1)/2) Λ n^{1/(L+1)} γ^{2/(L+1)}; h'(γ) = 0 ⇔ γ^{L−1}(1−γ)^{L+1} = c,
  c := K^{L+1} n λ_H Π λ_{W_l}. The left side is unimodal on [0, 1] with maximum at (L−1)/(2L), so
  there are 0, 1 or 2 roots (L >= 2; L = 1: γ = 1 − √c). At a root h(γ*) = 1/2 exactly when
  γ* = (L−1)/L, i.e. c = (L−1)^{L−1}/L^{2L}; the non-zero optimum is global iff c is below that.
- ``relu_paired_loss``: Theorem 7's construction at output t·X̄ (derived in ``constructions``):
  even K: log(1 + e^{−2t} + (K−2)e^{−t}) + (L+1)Λ n^{1/(L+1)} t^p [K³(K+2)^{L−2}/4^{L−1}]^{1/(L+1)};
  odd K = 2m+1: [2m·log(1 + e^{−2t} + (K−2)e^{−t}) + log(1 + (K−1)e^{−2t})]/K
  + (L+1)Λ n^{1/(L+1)} t^p [K²(K+1)(K+3)^{L−2}/4^{L−1}]^{1/(L+1)}.
  (The singleton class has output 2t·e_K.) DNC at the same t has penalty ((L+1)/2)Λ n^{1/(L+1)}(K−1)t^p
  and a larger fit, which gives the inequalities of SPEC §4 Theorem 7 (``relu.theorem7_inequality``).
- ``triangular_loss``: the T(r) MSE construction at output t·I_K: (t−1)²/2 + ((L+1)/2)Λ C t^p with
  C^{L+1} = n ‖V‖_*² r^L (r−1)²/16 (L >= 3), ‖V‖_* = √(2(r−1)) + (r−1)√(r−2) (VVᵀ = (r−2)I + J has
  eigenvalues 2(r−1), r−2 (r−1 times)), ‖Vᵀ(I−J/4)‖² = r²(r−1)/8; L = 2: C³ = n K ‖G − J‖_*²,
  ‖G − J‖_* = (r−1)(|2 − r/2| + r − 2).
All functions compute at the current mpmath precision (call them inside ``mpmath.workdps``).
"""
from __future__ import annotations

import mpmath

from . import _validate as V
from .precision import to_mpf


def _Lambda(lams):
    lams = [to_mpf(v) for v in lams]
    return mpmath.root(mpmath.fprod(lams), len(lams)), mpmath.fprod(lams)


def _lams(lams, L):
    if isinstance(lams, (list, tuple)):
        if len(lams) != L + 1:
            raise V.ParameterError(f"lams must have L+1 = {L + 1} entries (λ_H, λ_W1, …), got {len(lams)}")
        return list(lams)
    return [lams] * (L + 1)


def zhu_l1(K: int, n: int, lam_H, lam_W) -> dict:
    """L = 1 CE UFM optimum (Zhu et al. 2021): {'kind', 't', 'loss', 'threshold'}; threshold = K√(nλ_Hλ_W)."""
    K = V.integer("K", K, 2)
    n = V.integer("n", n, 1)
    a = mpmath.sqrt(n * to_mpf(lam_H) * to_mpf(lam_W))
    thr = K * a
    if thr < 1:
        t = mpmath.log(1 / a - K + 1)
        loss = -mpmath.log(1 - (K - 1) * a) + (K - 1) * a * t
        return {"kind": "positive critical point", "t": t, "loss": loss, "threshold": thr}
    return {"kind": "zero", "t": mpmath.mpf(0), "loss": mpmath.log(K), "threshold": thr}


def dang_mse_dnc(K: int, L: int, n: int, lams) -> dict:
    """Deep linear MSE DUFM, orthogonal frame γI (Dang et al. 2023); module docstring.

    Returns {'c', 'threshold', 'roots' (ascending γ in (0,1)), 'losses', 'kind', 'gamma', 'loss',
    'global'}; roots by bisection on the two monotone branches of γ^{L−1}(1−γ)^{L+1}.
    """
    K = V.integer("K", K, 2)
    L = V.integer("L", L, 1)
    n = V.integer("n", n, 1)
    Lam, prod = _Lambda(_lams(lams, L))
    c = mpmath.mpf(K) ** (L + 1) * n * prod
    thr = mpmath.mpf(L - 1) ** (L - 1) / mpmath.mpf(L) ** (2 * L) if L > 1 else mpmath.mpf(1)
    g = lambda x: x ** (L - 1) * (1 - x) ** (L + 1) - c  # noqa: E731
    p = mpmath.mpf(2) / (L + 1)
    h = lambda x: (1 - x) ** 2 / 2 + K * (L + 1) * Lam * mpmath.power(n, 1 / mpmath.mpf(L + 1)) * mpmath.power(x, p) / 2  # noqa: E731
    roots = []
    if L == 1:
        if c < 1:
            roots = [1 - mpmath.sqrt(c)]
    else:
        xm = mpmath.mpf(L - 1) / (2 * L)
        if g(xm) > 0:
            roots = [_bisect(g, mpmath.mpf(0), xm), _bisect(g, xm, mpmath.mpf(1))]
        elif g(xm) == 0:
            roots = [xm]
    losses = [h(r) for r in roots]
    half = mpmath.mpf(1) / 2
    best = roots[-1] if roots else None
    if best is not None and h(best) < half:
        kind, gamma, loss = "positive critical point", best, h(best)
    else:
        kind, gamma, loss = "zero", mpmath.mpf(0), half
    return {"c": c, "threshold": thr, "roots": roots, "losses": losses, "kind": kind, "gamma": gamma,
            "loss": loss, "global": c < thr}


def _bisect(f, a, b):
    """Root of f on [a, b] with a sign change, by bisection to the current precision (robust)."""
    fa = f(a)
    for _ in range(int(mpmath.mp.prec) + 10):
        m = (a + b) / 2
        fm = f(m)
        if fm == 0 or m == a or m == b:
            return m
        if (fm > 0) == (fa > 0):
            a, fa = m, fm
        else:
            b = m
    return (a + b) / 2


def relu_paired_loss(K: int, L: int, n: int, lams, t) -> tuple:
    """(total, fit, penalty) of Theorem 7's construction at output t·X̄ (module docstring)."""
    K = V.integer("K", K, 2)
    L = V.integer("L", L, 2)
    Lam, _ = _Lambda(_lams(lams, L))
    t = to_mpf(t)
    e1, e2 = mpmath.exp(-t), mpmath.exp(-2 * t)
    pair = mpmath.log(1 + e2 + (K - 2) * e1)
    if K % 2 == 0:
        fit = pair
        const = mpmath.mpf(K) ** 3 * mpmath.mpf(K + 2) ** (L - 2) / mpmath.mpf(4) ** (L - 1)
    else:
        fit = ((K - 1) * pair + mpmath.log(1 + (K - 1) * e2)) / K
        const = mpmath.mpf(K) ** 2 * (K + 1) * mpmath.mpf(K + 3) ** (L - 2) / mpmath.mpf(4) ** (L - 1)
    pen = (L + 1) * Lam * mpmath.root(n * const, L + 1) * mpmath.power(t, mpmath.mpf(2) / (L + 1))
    return fit + pen, fit, pen


def triangular_constant(r: int, L: int, n: int):
    """C of the T(r) construction (module docstring): penalty ((L+1)/2) Λ C t^{2/(L+1)}."""
    r = V.integer("r", r, 3)
    L = V.integer("L", L, 2)
    K = r * (r - 1) // 2
    if L == 2:
        nuc = (r - 1) * (abs(2 - mpmath.mpf(r) / 2) + r - 2)
        return mpmath.cbrt(n * K * nuc ** 2)
    nucV = mpmath.sqrt(2 * (r - 1)) + (r - 1) * mpmath.sqrt(r - 2)
    return mpmath.root(n * nucV ** 2 * mpmath.mpf(r) ** L * (r - 1) ** 2 / 16, L + 1)


def triangular_loss(r: int, L: int, n: int, lams, t) -> tuple:
    """(total, fit, penalty) of the T(r) construction (MSE) at output t·I_K."""
    Lam, _ = _Lambda(_lams(lams, L))
    t = to_mpf(t)
    fit = (t - 1) ** 2 / 2
    pen = mpmath.mpf(L + 1) / 2 * Lam * triangular_constant(r, L, n) * mpmath.power(t, mpmath.mpf(2) / (L + 1))
    return fit + pen, fit, pen
