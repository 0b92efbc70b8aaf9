"""The MSE DUFM: DNC without bias is the orthogonal frame; its global threshold; low-rank ReLU competitors.

Linear MSE DUFM (SPEC §1, Dang et al. 2023). At a collapsed Z = Z̄ ⊗ 1ᵀ the reduced loss is
(1/(2K))‖Z̄ − I‖² + ((L+1)/2) Λ n^{1/(L+1)} Σ s_i(Z̄)^{2/(L+1)}. By von Neumann's trace inequality
tr Z̄ <= Σ s_i(Z̄), so the loss is >= Σ_i h(s_i) with h(s) = (1−s)²/(2K) + ((L+1)/2)Λn^{1/(L+1)} s^{2/(L+1)},
with equality for Z̄ symmetric positive semidefinite: the problem separates over singular values, each
s_i ∈ argmin h ⊂ {0, γ*}. Hence the global optimum is Z̄ = γ*·I — the *orthogonal frame* (class means
orthogonal with equal norms), not the centred simplex ETF of CE — or Z = 0; low-rank optima occur only
at the exact threshold (ties). ``closed_forms.dang_mse_dnc`` gives γ* and the threshold
c := K^{L+1} n λ_H Π λ_{W_l} < (L−1)^{L−1}/L^{2L} (``threshold``).

ReLU MSE DUFM (Súkeník, Lampert & Mondelli, arXiv:2405.14468): the last ReLU can raise the rank, so
all factors before it may have low rank. ``constructions.triangular(r, L)`` (T(r), K = r(r−1)/2) has
the same output γI as DNC and penalty constant C_T (``closed_forms.triangular_constant``) against
C_DNC = n^{1/(L+1)} K; it beats DNC — at DNC's own optimal scale, hence for every λ and n for which
DNC's optimum is non-zero — iff C_T < C_DNC, i.e. for L >= 3 iff
    2^{L−3}(√2 + √((r−1)(r−2)))² < r (r−1)^{L−2},
decided exactly in integers by ``triangular_beats_dnc`` (isolate the square root, square once); for
L = 2 iff (|2 − r/2| + r − 2) < r/2, never (equality at r = 3, 4).
"""
from __future__ import annotations

from fractions import Fraction

from . import _validate as V


def threshold(L: int) -> Fraction:
    """(L−1)^{L−1}/L^{2L} (L >= 2; 1 for L = 1): the global threshold on c = K^{L+1} n λ_H Π λ_W."""
    L = V.integer("L", L, 1)
    if L == 1:
        return Fraction(1)
    return Fraction((L - 1) ** (L - 1), L ** (2 * L))


def lambda_at(K: int, L: int, n: int, factor=Fraction(1)) -> Fraction:
    """λ_H (with every λ_W = 1) putting c = factor·threshold(L) exactly: λ_H = factor·thr/(K^{L+1} n)."""
    K = V.integer("K", K, 2)
    n = V.integer("n", n, 1)
    return Fraction(factor) * threshold(L) / (K ** (L + 1) * n)


def triangular_beats_dnc(r: int, L: int) -> bool:
    """Exact: does the T(r) construction's penalty constant lie below the orthogonal frame's?"""
    r = V.integer("r", r, 3)
    L = V.integer("L", L, 2)
    if L == 2:
        return abs(Fraction(2) - Fraction(r, 2)) + r - 2 < Fraction(r, 2)
    a = (r - 1) * (r - 2)
    # 2^{L-3}(2 + a + 2√(2a)) < r(r−1)^{L−2}  ⇔  2^{L−2}√(2a) < B := r(r−1)^{L−2} − 2^{L−3}(2 + a)
    two = Fraction(2) ** (L - 3)
    B = r * (r - 1) ** (L - 2) - two * (2 + a)
    if B <= 0:
        return False
    return (2 * two) ** 2 * 2 * a < B * B
