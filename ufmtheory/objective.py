"""Full-parameter objective of the DUFM: loss and exact gradient, in float64 or in mpmath.

One code path serves both number types: float64 numpy arrays, or numpy arrays of mpmath ``mpf``
(dtype=object, evaluated at the current ``mp.dps``). Cross-entropy uses the shifted log-sum-exp
log Σ_j e^{z_j} = m + log Σ_j e^{z_j − m}, m = max_j z_j, so logits of any size are safe in float64.

Fit terms (SPEC §1): CE, g(Z) = (1/N) Σ_i [logsumexp(Z_{:,i}) − Z_{y_i, i}], with gradient
(softmax(Z) − Y)/N; MSE, g(Z) = (1/(2N))‖Z − Y‖², gradient (Z − Y)/N. Penalty ½Σ λ_f‖F‖².
Backpropagation through Z = W_L σ(W_{L−1} ⋯ σ(W_1 H_1)), σ' (0) := 0 for ReLU.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import mpmath
import numpy as np

from .precision import to_mpf

if TYPE_CHECKING:  # annotations only: ``model`` imports this module (data flows model → objective)
    from .model import DeepUFM, Parameters

_mp_exp = np.frompyfunc(mpmath.exp, 1, 1)
_mp_log = np.frompyfunc(mpmath.log, 1, 1)


def is_mp(a: np.ndarray) -> bool:
    return np.asarray(a).dtype == object


def _exp(a):
    return _mp_exp(a) if is_mp(a) else np.exp(a)


def _log(a):
    return _mp_log(a) if is_mp(a) else np.log(a)


def one_hot(model: DeepUFM, like: np.ndarray) -> np.ndarray:
    Y = np.zeros((model.K, model.N), dtype=float)
    Y[model.labels(), np.arange(model.N)] = 1.0
    if is_mp(like):
        Y = np.vectorize(mpmath.mpf, otypes=[object])(Y)
    return Y


def logsumexp_columns(Z: np.ndarray) -> np.ndarray:
    """log Σ_j exp(Z_{j,i}) for every column i, shifted by the column maximum (stable)."""
    m = Z.max(axis=0)
    return m + _log(_exp(Z - m).sum(axis=0))


def cross_entropy_columns(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CE_i = log Σ_j e^{Z_ji} − Z_{y_i,i} = (m_i − Z_{y_i,i}) + log1p(Σ_{j ≠ j*} e^{Z_ji − m_i}),
    m_i = Z_{j*,i} the column maximum: tiny losses keep their relative accuracy (no cancellation)."""
    cols = np.arange(Z.shape[1])
    jstar = np.argmax(Z, axis=0) if not is_mp(Z) else np.array(
        [max(range(Z.shape[0]), key=lambda j: Z[j, i]) for i in cols])
    m = Z[jstar, cols]
    E = _exp(Z - m)
    E[jstar, cols] = 0
    rest = E.sum(axis=0)
    log1p = np.frompyfunc(mpmath.log1p, 1, 1) if is_mp(Z) else np.log1p
    return (m - Z[y, cols]) + log1p(rest)


def softmax_columns(Z: np.ndarray) -> np.ndarray:
    E = _exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def fit_value(model: DeepUFM, Z: np.ndarray):
    """g(Z): CE or MSE averaged over the N samples."""
    y = model.labels()
    if model.loss == "ce":
        total = cross_entropy_columns(Z, y).sum()
    else:
        R = Z - one_hot(model, Z)
        total = (R * R).sum() / 2
    return total / model.N


def fit_gradient(model: DeepUFM, Z: np.ndarray) -> np.ndarray:
    """∂g/∂Z."""
    if model.loss == "ce":
        return (softmax_columns(Z) - one_hot(model, Z)) / model.N
    return (Z - one_hot(model, Z)) / model.N


def lam_values(model: DeepUFM, mp: bool) -> list:
    """The L+1 factors' λ (λ_H, λ_{W_1}, …, λ_{W_L}) as mpf at the current precision (``mp``) or floats.

    >>> from ufmtheory.model import DeepUFM
    >>> lam_values(DeepUFM(K=3, L=2, n=1, lam=[1, "1/4", "2^-3"]), mp=False)
    [1.0, 0.25, 0.125]
    """
    if mp:
        return [to_mpf(v) for v in model.lams]
    return [float(to_mpf(v)) for v in model.lams]


def penalty_value(model: DeepUFM, params: Parameters):
    """½ Σ_f λ_f ‖F‖_F² over the factors (H_1, W_1, …, W_L)."""
    lams = lam_values(model, is_mp(params.H))
    return sum(lam * (F * F).sum() for lam, F in zip(lams, params.factors)) / 2


def forward(model: DeepUFM, params: Parameters):
    """Pre-activations and activations: returns (Z, pres, acts) with acts[0] = H_1."""
    acts, pres = [params.H], []
    A = params.H
    for l in range(model.L - 1):
        P = params.W[l] @ A
        pres.append(P)
        A = _relu(P) if model.activation == "relu" else P
        acts.append(A)
    Z = params.W[-1] @ A
    return Z, pres, acts


def _relu(P):
    if is_mp(P):
        zero = mpmath.mpf(0)
        return np.where(P > 0, P, zero)
    return np.maximum(P, 0.0)


def output(model: DeepUFM, params: Parameters) -> np.ndarray:
    """Z = W_L σ(⋯ σ(W_1 H_1))."""
    return forward(model, params)[0]


def loss_parts(model: DeepUFM, params: Parameters):
    """(total, fit, penalty)."""
    params.check(model)
    Z = output(model, params)
    fit = fit_value(model, Z)
    pen = penalty_value(model, params)
    return fit + pen, fit, pen


def loss_and_gradient(model: DeepUFM, params: Parameters):
    """(ℒ, ∇ℒ) by backpropagation; ∇ℒ has the Parameters layout."""
    params.check(model)
    mp = is_mp(params.H)
    lams = lam_values(model, mp)
    Z, pres, acts = forward(model, params)
    G = fit_gradient(model, Z)
    total = fit_value(model, Z) + penalty_value(model, params)
    grads_W = [None] * model.L
    grads_W[-1] = G @ acts[-1].T + lams[-1] * params.W[-1]
    GA = params.W[-1].T @ G
    for l in range(model.L - 2, -1, -1):
        if model.activation == "relu":
            GA = np.where(pres[l] > 0, GA, mpmath.mpf(0) if mp else 0.0)
        grads_W[l] = GA @ acts[l].T + lams[l + 1] * params.W[l]
        GA = params.W[l].T @ GA
    grad_H = GA + lams[0] * params.H
    return total, type(params)(grad_H, tuple(grads_W))  # the Parameters layout


def gradient_norm(grad: Parameters):
    """Largest absolute entry of a gradient (mpf or float)."""
    return max(abs(x) for x in grad.flat())
