"""The exact Hessian of the full linear DUFM loss: Hessian-vector products, dense Hessians,
a scipy ``LinearOperator`` for Lanczos, eigenvalues in float64 and mpmath, and inertia counts.

Notation (SPEC §1): factors F_0 = H_1 (d×N), F_1 … F_{L−1} (d×d), F_L = W_L (K×d);
Z = F_L ⋯ F_0, ℒ = g(Z) + ½ Σ_k λ_k ‖F_k‖². With activations a_0 = I_N, a_{k+1} = F_k a_k and
back-propagated fit gradients β_L = G = ∇g(Z), β_k = F_{k+1}ᵀ β_{k+1},
    ∂ℒ/∂F_k = β_k a_kᵀ + λ_k F_k            (a_0 = I, so ∂ℒ/∂F_0 = β_0 + λ_0 F_0).
The Hessian-vector product is the directional derivative of that gradient along V = (V_0 … V_L)
(forward-over-reverse differentiation written out by hand):
    da_0 = 0, da_{k+1} = V_k a_k + F_k da_k,      dZ = V_L a_L + F_L da_L,
    dβ_L = ∇²g(Z)[dZ],  dβ_k = V_{k+1}ᵀ β_{k+1} + F_{k+1}ᵀ dβ_{k+1},
    (∇²ℒ V)_k = dβ_k a_kᵀ + β_k da_kᵀ + λ_k V_k,
with ∇²g[dZ] = (P∘dZ − P∘(1 1ᵀ(P∘dZ)))/N for cross-entropy, plain or label-smoothed (P = softmax(Z),
column-wise), and dZ/N for MSE (``losses.Loss.hessian_apply``). Every formula is exact (no finite
differences); it is hand-written because the toolkit's objective must run on numpy arrays of mpmath ``mpf`` as well as float64, which no
autodiff library supports. Vectors may carry leading batch axes: numpy's ``matmul`` broadcasts,
so a dense Hessian is one batched product with the identity.

Zero eigenvalues. In floating point an exactly-zero eigenvalue of the exact Hessian is computed as
a number of size ~ ε‖H‖₂: by Weyl's inequality |μ̂_i − μ_i| ≤ ‖E‖₂ where E is the total error of the
computed matrix (entry rounding, the rounding of the critical point itself, and the backward error of
the symmetric eigensolver, each O(m ε ‖H‖₂) for an m×m matrix). ``zero_tolerance`` therefore counts
|μ| ≤ τ = C·m·ε·‖H‖₂ as zero (C = 10, ε = 2^-52, or ε = 10^-(dps−5) in mpmath), and ``Inertia``
reports the gap between the largest |μ| counted as zero and the smallest counted as non-zero, so a
reader can see that the decision does not depend on C. Counts are cross-checked at 50 digits.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from . import _validate as V
from .model import DeepUFM, Parameters
from .objective import is_mp, lam_values


# ---- products ----------------------------------------------------------------------------------

def _T(a):
    return np.swapaxes(a, -1, -2)


def _check_linear(model: DeepUFM):
    if model.activation != "linear":
        raise V.ParameterError("the Hessian is implemented for activation='linear' (the setting of "
                               "Lemma 1 and Theorems 4–6); got activation='relu'")


def _fit_hessian_apply(model: DeepUFM, P, dZ):
    """∇²g(Z)[dZ]; P = ``model.loss_fn.curvature(Z)`` (softmax for CE, None for MSE). dZ may carry
    leading batch axes (``losses.Loss.hessian_apply``)."""
    return model.loss_fn.hessian_apply(P, dZ, model.N)


def stable_fit_gradient(model: DeepUFM, Z, P):
    """∇g(Z) written for accuracy at large logits (``losses.Loss.stable_gradient``): for CE the label
    entry of each column is −Σ_{j≠y} p_j, not p_y − 1 (which cancels to 0 once p_y rounds to 1)."""
    return model.loss_fn.stable_gradient(Z, P, model.labels())


class HessianContext:
    """Everything the Hessian at ``params`` needs, computed once: activations a_k, back-propagated
    fit gradients β_k, softmax P. ``apply(Vs)`` is the exact Hessian-vector product."""

    def __init__(self, model: DeepUFM, params: Parameters):
        _check_linear(model)
        params.check(model)
        self.model = model
        self.mp = is_mp(params.H)
        self.F = list(params.factors)
        self.lams = lam_values(model, self.mp)
        L = model.L
        acts = [None, self.F[0]]  # a_0 = I (not stored), a_1 = H
        for k in range(1, L):
            acts.append(self.F[k] @ acts[-1])
        self.acts = acts  # acts[k] = a_k for k >= 1
        self.Z = self.F[L] @ acts[L]
        self.P = model.loss_fn.curvature(self.Z)
        G = stable_fit_gradient(model, self.Z, self.P)
        betas = [None] * (L + 1)
        betas[L] = G
        for k in range(L - 1, -1, -1):
            betas[k] = self.F[k + 1].T @ betas[k + 1]
        self.betas = betas
        self.sizes = [f.size for f in self.F]
        self.shapes = [f.shape for f in self.F]
        self.n = sum(self.sizes)

    # -- flat <-> factor lists (with batch axes) --
    def split(self, vec):
        """(…, n) array → list of (…, a, b) factor blocks."""
        vec = np.asarray(vec)
        lead = vec.shape[:-1]
        out, i = [], 0
        for s, sh in zip(self.sizes, self.shapes):
            out.append(vec[..., i:i + s].reshape(lead + sh))
            i += s
        return out

    def join(self, blocks):
        lead = blocks[0].shape[:-2]
        return np.concatenate([b.reshape(lead + (-1,)) for b in blocks], axis=-1)

    def apply_blocks(self, Vs):
        """(∇²ℒ)V for V = [V_0 … V_L] (each possibly with leading batch axes)."""
        F, a, beta, L = self.F, self.acts, self.betas, self.model.L
        da = [None] * (L + 1)  # da[k] = d a_k ; da_0 = 0, da_1 = V_0
        da[1] = Vs[0]
        for k in range(1, L):
            da[k + 1] = Vs[k] @ a[k] + F[k] @ da[k]
        dZ = Vs[L] @ a[L] + F[L] @ da[L]
        dbeta = [None] * (L + 1)
        dbeta[L] = _fit_hessian_apply(self.model, self.P, dZ)
        for k in range(L - 1, -1, -1):
            dbeta[k] = _T(Vs[k + 1]) @ beta[k + 1] + F[k + 1].T @ dbeta[k + 1]
        out = [dbeta[0] + self.lams[0] * Vs[0]]
        for k in range(1, L + 1):
            out.append(dbeta[k] @ a[k].T + beta[k] @ _T(da[k]) + self.lams[k] * Vs[k])
        return out

    def apply(self, vec):
        """Flat Hessian-vector product; ``vec`` is (n,) or (batch, n)."""
        return self.join(self.apply_blocks(self.split(vec)))

    def dense(self, batch: int = 512):
        """The n×n Hessian, column block by column block (H e_j for unit vectors e_j)."""
        n = self.n
        dtype = object if self.mp else float
        Hm = np.empty((n, n), dtype=dtype)
        for j0 in range(0, n, batch):
            j1 = min(n, j0 + batch)
            E = np.zeros((j1 - j0, n), dtype=float)
            E[np.arange(j1 - j0), np.arange(j0, j1)] = 1.0
            if self.mp:
                E = _mp_unit_rows(E)
            Hm[:, j0:j1] = self.apply(E).T
        return Hm


def _mp_unit_rows(E):
    out = np.empty(E.shape, dtype=object)
    zero, one = mpmath.mpf(0), mpmath.mpf(1)
    out[...] = zero
    out[E == 1.0] = one
    return out


def hvp(model: DeepUFM, params: Parameters, vec) -> np.ndarray:
    """Exact Hessian-vector product (∇²ℒ)·vec, vec flat in ``Parameters.flat`` order."""
    return HessianContext(model, params).apply(vec)


def dense_hessian(model: DeepUFM, params: Parameters) -> np.ndarray:
    """The exact dense Hessian (float64, or mpf at the current precision), symmetric up to rounding."""
    return HessianContext(model, params).dense()


def linear_operator(model: DeepUFM, params: Parameters):
    """scipy ``LinearOperator`` v ↦ (∇²ℒ)v (float64) for Lanczos (``scipy.sparse.linalg.eigsh``)."""
    from scipy.sparse.linalg import LinearOperator
    if is_mp(params.H):
        params = params.to_float()
    ctx = HessianContext(model, params)

    def mv(v):
        return ctx.apply(np.asarray(v, dtype=float).ravel())

    def mm(Vm):
        return ctx.apply(np.asarray(Vm, dtype=float).T).T

    return LinearOperator((ctx.n, ctx.n), matvec=mv, matmat=mm, rmatvec=mv, dtype=float)


def lanczos_extremes(model: DeepUFM, params: Parameters, k: int = 1, tol: float = 1e-10, seed: int = 0):
    """(smallest k, largest k) eigenvalues by implicitly restarted Lanczos on HVPs (ARPACK via
    ``scipy.sparse.linalg.eigsh``, which='SA' and 'LA')."""
    from scipy.sparse.linalg import eigsh
    op = linear_operator(model, params)
    v0 = np.random.default_rng(seed).standard_normal(op.shape[0])
    ncv = min(op.shape[0], max(40, 4 * k + 1))
    lo = eigsh(op, k=k, which="SA", tol=tol, v0=v0, ncv=ncv, return_eigenvectors=False, maxiter=100000)
    hi = eigsh(op, k=k, which="LA", tol=tol, v0=v0, ncv=ncv, return_eigenvectors=False, maxiter=100000)
    return np.sort(lo), np.sort(hi)


# ---- eigenvalues and inertia ---------------------------------------------------------------------

def symmetric_eigenvalues(A: np.ndarray) -> np.ndarray:
    """Eigenvalues (ascending) of the symmetric part of A: numpy ``eigvalsh`` for float64,
    ``mpmath.eigsy`` for mpf arrays (current precision)."""
    A = np.asarray(A)
    if A.shape[0] == 0:
        return np.zeros(0, dtype=object if is_mp(A) else float)
    if not is_mp(A):
        A = np.asarray(A, dtype=float)
        return np.linalg.eigvalsh((A + A.T) / 2)
    S = (A + A.T) / 2
    E = mpmath.eigsy(mpmath.matrix(S.tolist()), eigvals_only=True)
    return np.array(sorted(E[i] for i in range(S.shape[0])), dtype=object)


def machine_epsilon(mp: bool):
    """ε of the arithmetic: 2^-52 (float64) or 10^-(dps−5) (mpmath at the current dps)."""
    if mp:
        return mpmath.mpf(10) ** (-(mpmath.mp.dps - 5))
    return float(np.finfo(float).eps)


def zero_tolerance(size: int, norm, mp: bool, C: int = 10):
    """τ = C·m·ε·‖H‖₂: the Weyl/backward-error bound for eigenvalues that are exactly zero (module
    docstring). ``size`` = m, ``norm`` = ‖H‖₂ (or an upper bound)."""
    return C * size * machine_epsilon(mp) * norm


@dataclass
class Inertia:
    """Counts of negative / zero / positive eigenvalues with the tolerance used and the gap around it.

    ``largest_zero`` is the largest |μ| counted as zero, ``smallest_nonzero`` the smallest |μ| counted
    as non-zero; the decision is robust when smallest_nonzero / tol and tol / largest_zero are large.
    """

    negative: int
    zero: int
    positive: int
    tol: object
    largest_zero: object
    smallest_nonzero: object
    min_eig: object
    max_eig: object

    @property
    def total(self) -> int:
        return self.negative + self.zero + self.positive

    @property
    def clear(self) -> bool:
        """True when the zero/non-zero decision has a margin of 10 on both sides of tol:
        largest_zero <= tol/10 and smallest_nonzero >= 10·tol. Otherwise an eigenvalue sits near the
        rounding level and the count must be decided at higher precision."""
        ok_zero = self.largest_zero is None or self.largest_zero * 10 <= self.tol
        ok_nonzero = self.smallest_nonzero is None or self.smallest_nonzero >= 10 * self.tol
        return bool(ok_zero and ok_nonzero)

    def to_dict(self, digits: int = 6) -> dict:
        f = lambda x: None if x is None else mpmath.nstr(mpmath.mpf(x), digits)  # noqa: E731
        return {"negative": self.negative, "zero": self.zero, "positive": self.positive,
                "tol": f(self.tol), "largest_zero": f(self.largest_zero),
                "smallest_nonzero": f(self.smallest_nonzero), "min_eig": f(self.min_eig),
                "max_eig": f(self.max_eig), "clear": self.clear}


def inertia(eigs, tol, multiplicities=None) -> Inertia:
    """Counts of eigenvalues < −tol, |μ| <= tol, > tol (each eigenvalue weighted by its multiplicity)."""
    eigs = list(eigs)
    mult = [1] * len(eigs) if multiplicities is None else list(multiplicities)
    neg = zer = pos = 0
    largest_zero = None
    smallest_nonzero = None
    for mu, m in zip(eigs, mult):
        if m == 0:
            continue
        a = abs(mu)
        if a <= tol:
            zer += m
            largest_zero = a if largest_zero is None else max(largest_zero, a)
        else:
            if mu < 0:
                neg += m
            else:
                pos += m
            smallest_nonzero = a if smallest_nonzero is None else min(smallest_nonzero, a)
    live = [mu for mu, m in zip(eigs, mult) if m]
    return Inertia(neg, zer, pos, tol, largest_zero, smallest_nonzero,
                   min(live) if live else None, max(live) if live else None)
