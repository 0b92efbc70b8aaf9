"""The reduction of the linear DUFM to the singular values of its output (SPEC §2, paper Lemma 1).

Schatten identity: for k factors with X = U_k ⋯ U_1,
    min Σ_i (λ_i/2)‖U_i‖_F² = (k/2) Λ Σ_j s_j(X)^{2/k},   Λ = (Π λ_i)^{1/k},
attained by the balanced factorisation in which factor i has singular values (Λ/λ_i)^{1/2} s_j^{1/k}
and adjacent singular vectors are aligned. With k = L+1 this gives the reduced loss of Lemma 1,
    ℒ(Z) = g(Z) + ((L+1)Λ/2) Σ_j s̃_j(Z)^{2/(L+1)}.

Zero singular values: s ↦ s^{2/k} is not Lipschitz at 0, so rounding noise in a numerically zero
singular value (1e-65 at 65 digits) would leak into the result as (1e-65)^{2/k}. Every function here
therefore takes ``rank``; without it, singular values ≤ ``zero_tol(...)`` count as exactly zero.
"""
from __future__ import annotations

import mpmath
import numpy as np

from . import _validate as V
from .linalg import random_orthogonal, svd, singular_values, to_mp_array
from .model import DeepUFM, Parameters
from .objective import fit_value, is_mp
from .precision import to_mpf


def zero_tol(s_max, shape, mp: bool):
    """Numerical-rank tolerance: max(shape) · s_max · ε, ε = 2^-52 (float64) or 10^-(dps-5) (mpf)."""
    if mp:
        return max(shape) * s_max * mpmath.mpf(10) ** (-(mpmath.mp.dps - 5))
    return max(shape) * s_max * np.finfo(float).eps


def _clean_singular_values(s: np.ndarray, shape, rank, mp: bool):
    s = np.array(s, dtype=object if mp else float)
    if rank is None:
        smax = s[0] if len(s) else 0
        tol = zero_tol(smax, shape, mp)
        rank = sum(1 for x in s if x > tol)
    else:
        rank = V.integer("rank", rank, 0, len(s))
    zero = mpmath.mpf(0) if mp else 0.0
    s[rank:] = zero
    return s, rank


def schatten_penalty(singular_values_, lams, k: int | None = None):
    """(k/2) Λ Σ_j s_j^{2/k} for factor weights ``lams`` (k = len(lams)); mpf at current precision."""
    lams = [to_mpf(v) for v in lams]
    k = len(lams) if k is None else k
    if k != len(lams):
        raise V.ParameterError(f"lams must have k = {k} entries, got {len(lams)}")
    Lam = mpmath.root(mpmath.fprod(lams), k)
    p = mpmath.mpf(2) / k
    total = mpmath.fsum(mpmath.power(to_mpf(s), p) for s in singular_values_ if s != 0)
    return mpmath.mpf(k) / 2 * Lam * total


def minimal_penalty(model: DeepUFM, Z: np.ndarray, rank: int | None = None):
    """Smallest penalty of any linear-DUFM parameters with output Z (Schatten identity, k = L+1).

    Returns an mpf (current precision) for mpf input, a float for float64 input.
    """
    mp = is_mp(Z)
    Z = V.finite_array("Z", Z, shape=(model.K, model.N))
    s = singular_values(Z)
    s, _ = _clean_singular_values(s, Z.shape, rank, mp)
    val = schatten_penalty(s, model.lams, model.L + 1)
    return val if mp else float(val)


def reduced_loss(model: DeepUFM, Z: np.ndarray, rank: int | None = None):
    """Lemma 1's reduced loss ℒ(Z) = g(Z) + min penalty; (total, fit, penalty). Linear model only."""
    if model.activation != "linear":
        raise V.ParameterError("the Schatten reduction (Lemma 1) holds for activation='linear' only")
    Z = V.finite_array("Z", Z, shape=(model.K, model.N))
    fit = fit_value(model, Z)
    pen = minimal_penalty(model, Z, rank)
    return fit + pen, fit, pen


def balanced_parameters(model: DeepUFM, Z: np.ndarray, orthogonals=None, rng=None,
                        rank: int | None = None) -> Parameters:
    """Parameters with output Z in Lemma 1's form, whose penalty is the Schatten minimum.

    With Z = U_Z diag(s) V_Zᵀ (thin SVD, K singular values), σ_j = s_j^{1/(L+1)},
    c_f = (Λ/λ_f)^{1/2} and free orthogonal U_0 … U_{L-1} ∈ O(d) (first K columns used):
        H_1 = c_H U_0 diag(σ) V_Zᵀ,  W_l = c_l U_l diag(σ) U_{l-1}ᵀ (1 ≤ l < L),  W_L = c_L U_Z diag(σ) U_{L-1}ᵀ.
    ``orthogonals``: a list of L d×d orthogonal matrices, or None to draw Haar-random ones with ``rng``.
    Entries are mpf when Z is mpf (current precision), float64 otherwise.
    """
    if model.activation != "linear":
        raise V.ParameterError("balanced_parameters builds linear-DUFM critical-point structure; "
                               "activation must be 'linear'")
    mp = is_mp(Z)
    Z = V.finite_array("Z", Z, shape=(model.K, model.N))
    if mp and not is_mp(Z):  # finite_array keeps object arrays; defensive
        Z = to_mp_array(Z)
    K, d, L = model.K, model.d, model.L
    U_Z, s, Vt = svd(Z)
    s, _ = _clean_singular_values(s, Z.shape, rank, mp)
    if orthogonals is None:
        rng = np.random.default_rng(rng)
        orthogonals = [random_orthogonal(d, rng, mp=mp) for _ in range(L)]
    if len(orthogonals) != L:
        raise V.ParameterError(f"orthogonals must hold L = {L} matrices of shape ({d}, {d}), got {len(orthogonals)}")
    Us = []
    for i, U in enumerate(orthogonals):
        U = V.finite_array(f"orthogonals[{i}]", U, shape=(d, d))
        Us.append(to_mp_array(U) if mp and not is_mp(U) else U)
    if mp:
        root = lambda x: mpmath.root(x, L + 1) if x != 0 else mpmath.mpf(0)  # noqa: E731
        sig = np.array([root(x) for x in s], dtype=object)
        lam = [to_mpf(v) for v in model.lams]
        Lam = mpmath.root(mpmath.fprod(lam), L + 1)
        c = [mpmath.sqrt(Lam / v) for v in lam]
    else:
        sig = np.power(np.asarray(s, dtype=float), 1.0 / (L + 1))
        lam = [float(to_mpf(v)) for v in model.lams]
        Lam = float(np.prod(lam) ** (1.0 / (L + 1)))
        c = [np.sqrt(Lam / v) for v in lam]
    D = np.diag(sig) if not mp else _diag_obj(sig)
    H = c[0] * (Us[0][:, :K] @ D @ Vt)
    W = []
    for l in range(1, L):
        W.append(c[l] * (Us[l][:, :K] @ D @ Us[l - 1][:, :K].T))
    W.append(c[L] * (U_Z @ D @ Us[L - 1][:, :K].T))
    return Parameters(H, tuple(W))


def critical_parameters(model: DeepUFM, structure, t, rng=0, orthogonals=None) -> tuple:
    """(Z, params) with Z = t·S ⊗ 1ᵀ (S = ``structure``'s pattern) and the Lemma 1 parameters
    (``balanced_parameters``, rank = the structure's rank), at the current mp precision.

    >>> from ufmtheory.objective import output
    >>> from ufmtheory.structures import dnc
    >>> model = DeepUFM(K=3, L=2, n=2, lam="0.01")
    >>> with mpmath.workdps(30):
    ...     Z, P = critical_parameters(model, dnc(3), 2, rng=0)
    ...     err = max(abs(x) for x in (output(model, P) - Z).ravel())
    >>> Z.shape, err < mpmath.mpf(10) ** -25
    ((3, 6), True)
    """
    S = structure.matrix_mp()
    Z = np.repeat(S, model.class_sizes, axis=1) * mpmath.mpf(t)
    P = balanced_parameters(model, Z, orthogonals=orthogonals, rng=rng, rank=structure.rank)
    return Z, P


def _diag_obj(v: np.ndarray) -> np.ndarray:
    n = len(v)
    D = np.empty((n, n), dtype=object)
    D[:] = mpmath.mpf(0)
    for i in range(n):
        D[i, i] = v[i]
    return D
