"""Full-parameter objective of the DUFM: loss and exact gradient, in float64 or in mpmath.

One code path serves both number types: float64 numpy arrays, or numpy arrays of mpmath ``mpf``
(dtype=object, evaluated at the current ``mp.dps``). Cross-entropy uses the shifted log-sum-exp
log Σ_j e^{z_j} = m + log Σ_j e^{z_j − m}, m = max_j z_j, so logits of any size are safe in float64.

Fit terms (SPEC §1) come from the model's loss object (``ufmtheory.losses``): CE,
g(Z) = (1/N) Σ_i [logsumexp(Z_{:,i}) − Z_{y_i, i}], gradient (softmax(Z) − Y)/N; MSE,
g(Z) = (1/(2N))‖Z − Y‖², gradient (Z − Y)/N; label-smoothed CE. Penalty ½Σ λ_f‖F‖².
Backpropagation through Z = W_L σ(W_{L−1} ⋯ σ(W_1 H_1)), σ' (0) := 0 for ReLU.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import mpmath
import numpy as np

from .losses import is_mp
from .precision import to_mpf

if TYPE_CHECKING:  # annotations only: ``model`` imports this module (data flows model → objective)
    from .model import DeepUFM, Parameters


def fit_value(model: DeepUFM, Z: np.ndarray):
    """g(Z), averaged over the N samples: ``model.loss_fn.fit`` (``losses``)."""
    return model.loss_fn.fit(Z, model.labels())


def fit_gradient(model: DeepUFM, Z: np.ndarray) -> np.ndarray:
    """∂g/∂Z: ``model.loss_fn.gradient``."""
    return model.loss_fn.gradient(Z, model.labels())


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
