"""The Hessian at a large-root critical point as λ → 0, to leading order (paper Theorem 6; SPEC §4).

For a structure S whose non-zero singular values are all equal (s̄, r of them) and whose columns
have the same number m of smallest positive logit gaps (= 1 for DNC and paired), the large critical
scale diverges, t ~ log(1/λ), and (n = 1, one λ for all factors)
    H / (λ t) → A_S := κ_S · Jᵀ Q₁ J,        κ_S = s̄² r / m,
where, in the coordinates of Z (K×K): J Jᵀ = σ^{2L} D with
    D X = (L+1) P_U X P_V + P_U X (I − P_V) + (I − P_U) X P_V
(P_U, P_V the projectors on the column and row space of S: the k-th factor's perturbation reaches
Z through A_k (·) B_k, and every factor contributes on U×V, only H_1 on U×V^⊥, only W_L on U^⊥×V),
and Q₁ is the leading part of the cross-entropy Hessian: Var_{p_c}(x) = e^{−t} Σ_{j ∈ N(c)} (x_j − x_c)²
+ O(e^{−2t}) with N(c) the classes at the smallest positive gap, averaged over the K columns. The
prefactor follows from stationarity, e^{−t} ≈ λ r s̄^p t^{−q} / m, and σ^{2L} = (s̄ t)^{2L/(L+1)}.
The λ-sized terms (penalty, second-order term 2⟨G, ·⟩) are O(1/t) relative and drop out.
So the non-zero spectrum of A_S is κ_S · spec(D Q₁), and the limits of the norm ratios are
    trace: κ_1 tr(D_1Q_1) / (κ_2 tr(D_2Q_2)),   Frobenius²: κ_1² tr((D_1Q_1)²) / (κ_2² tr((D_2Q_2)²))
— exact rationals, computed here with sympy — and the spectral ratio from the largest eigenvalues.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from . import _validate as V
from .structures import Structure


def _vec_index(i, c, K):
    return i + K * c


def limit_operators(S: Structure, L: int):
    """(D, Q₁, κ) for structure S (exact sympy matrices on vec(X), X ∈ R^{K×K}, column-major)."""
    L = V.integer("L", L, 1)
    M = sp.Matrix(S.matrix)
    K = M.rows
    sv = [x for x in S.exact_singular_values if x != 0] if S.exact_singular_values else None
    if not sv or len(set(sv)) != 1:
        raise V.ParameterError(f"structure {S.name!r}: the leading-order form needs equal non-zero singular values")
    PU = M * (M.T * M).pinv() * M.T
    PV = M.T * (M * M.T).pinv() * M
    I = sp.eye(K)
    # neighbours at the smallest positive gap
    nbrs = []
    for c in range(K):
        gaps = {j: M[c, c] - M[j, c] for j in range(K) if j != c}
        g0 = min(g for g in gaps.values() if g > 0)
        if any(g <= 0 for g in gaps.values()):
            raise V.ParameterError(f"structure {S.name!r} is not diagonally superior")
        nbrs.append([j for j, g in gaps.items() if g == g0])
    ms = {len(nb) for nb in nbrs}
    if len(ms) != 1:
        raise V.ParameterError(f"structure {S.name!r}: columns have different numbers of nearest competitors")
    m = ms.pop()
    n = K * K
    D = sp.zeros(n, n)
    Q = sp.zeros(n, n)
    for c in range(K):
        for i in range(K):
            X = sp.zeros(K, K)
            X[i, c] = 1
            DX = (L + 1) * PU * X * PV + PU * X * (I - PV) + (I - PU) * X * PV
            col = _vec_index(i, c, K)
            for cc in range(K):
                for ii in range(K):
                    D[_vec_index(ii, cc, K), col] = DX[ii, cc]
    for c in range(K):
        for j in nbrs[c]:
            a, b = _vec_index(j, c, K), _vec_index(c, c, K)
            # (1/K)(x_a − x_b)²  ↦  symmetric operator with ½·Hessian = (1/K)[[1, −1], [−1, 1]]
            Q[a, a] += sp.Rational(1, K)
            Q[b, b] += sp.Rational(1, K)
            Q[a, b] -= sp.Rational(1, K)
            Q[b, a] -= sp.Rational(1, K)
    r = len(sv)
    kappa = sv[0] ** 2 * r / m
    return D, Q, sp.nsimplify(kappa)


@dataclass
class LimitRatios:
    """Exact limits of ‖H_1‖/‖H_2‖ as λ → 0 (n = 1): Frobenius² and trace as rationals, spectral in float64."""

    frobenius_squared: sp.Rational
    trace: sp.Rational
    spectral: float

    @property
    def frobenius(self):
        return mpmath.sqrt(mpmath.mpf(self.frobenius_squared.p) / self.frobenius_squared.q)

    def as_dict(self, digits: int = 15) -> dict:
        return {"frobenius": mpmath.nstr(self.frobenius, digits), "frobenius_squared": str(self.frobenius_squared),
                "spectral": f"{self.spectral:.15g}", "trace": str(self.trace)}


def _top_eigenvalue(D, Q, kappa):
    """Largest eigenvalue of κ D Q (float64, ~1e-15 relative): D is symmetric positive semidefinite,
    so spec(DQ) = spec(D^{1/2} Q D^{1/2}), a symmetric matrix (numpy ``eigh`` of D for the root)."""
    Dn = np.array(D.tolist(), dtype=float)
    Qn = np.array(Q.tolist(), dtype=float)
    w, U = np.linalg.eigh((Dn + Dn.T) / 2)
    R = (U * np.sqrt(np.clip(w, 0, None))) @ U.T
    return float(kappa) * float(np.linalg.eigvalsh(R @ Qn @ R)[-1])


def limit_norm_ratios(S1: Structure, S2: Structure, L: int) -> LimitRatios:
    """lim_{λ→0} ‖H(S1)‖/‖H(S2)‖ at the large roots (n = 1) for Frobenius, spectral and trace norms."""
    D1, Q1, k1 = limit_operators(S1, L)
    D2, Q2, k2 = limit_operators(S2, L)
    A1, A2 = D1 * Q1, D2 * Q2
    tr = sp.nsimplify(k1 * A1.trace() / (k2 * A2.trace()))
    fro2 = sp.nsimplify(k1 ** 2 * (A1 * A1).trace() / (k2 ** 2 * (A2 * A2).trace()))
    spec = _top_eigenvalue(D1, Q1, k1) / _top_eigenvalue(D2, Q2, k2)
    return LimitRatios(fro2, tr, spec)
