"""The DUFM objective for several runs at once: loss and exact gradient over a leading seed axis.

Same formulas as ``ufmtheory.objective`` (SPEC §1, paper Eq. 1), float64 only, for S independent
parameter sets stacked along axis 0: H has shape (S, d, N), W_l (S, d, d) for l < L and W_L
(S, K, d). Every product is one batched ``numpy.matmul`` over the seed axis, so S runs cost one
Python-level pass (the per-step interpreter overhead is shared by the S runs).

- Forward: A_0 = H_1, P_l = W_l A_{l−1}, A_l = σ(P_l) (l < L), Z = W_L A_{L−1}.
- Fit from the model's loss object (``losses.Loss.batched_fit``/``batched_gradient``, targets Y
  precomputed): CE (plain or label-smoothed, Y the one-hot or smoothed targets)
  g(Z) = (1/N) Σ_i [m_i + log Σ_j e^{Z_ji − m_i} − Σ_j Y_ji Z_ji], m_i = max_j Z_ji,
  ∂g/∂Z = (softmax(Z) − Y)/N;  MSE g = ‖Z − Y‖²/(2N), ∂g/∂Z = (Z − Y)/N.
- Penalty ½ Σ_f λ_f ‖F‖_F² with one λ per factor (λ_H, λ_{W_1}, …, λ_{W_L}).
- Backward: ∂/∂W_L = G A_{L−1}ᵀ + λ W_L; G_A ← W_Lᵀ G; then for l = L−1 … 1:
  G_P = G_A ⊙ σ'(P_l) (σ'(0) := 0 for ReLU), ∂/∂W_l = G_P A_{l−1}ᵀ + λ W_l, G_A ← W_lᵀ G_P;
  ∂/∂H_1 = G_A + λ_H H_1.
Hand-written (not autograd) because the chain is four lines and an autodiff library would be a heavy
dependency; ``tests/test_training.py`` checks it against ``objective.loss_and_gradient`` seed by seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as V
from .model import DeepUFM, Parameters
from .precision import to_mpf


@dataclass
class Batch:
    """S parameter sets: H (S, d, N) and W = (W_1, …, W_L), each (S, ·, ·), float64."""

    H: np.ndarray
    W: list

    @property
    def size(self) -> int:
        return self.H.shape[0]

    @property
    def factors(self) -> list:
        return [self.H] + list(self.W)

    def run(self, s: int) -> Parameters:
        """The s-th parameter set as ``Parameters`` (copies)."""
        return Parameters(self.H[s].copy(), tuple(w[s].copy() for w in self.W))

    def take(self, idx) -> "Batch":
        return Batch(self.H[idx], [w[idx] for w in self.W])

    def put(self, idx, other: "Batch") -> None:
        self.H[idx] = other.H
        for w, o in zip(self.W, other.W):
            w[idx] = o

    def copy(self) -> "Batch":
        return Batch(self.H.copy(), [w.copy() for w in self.W])

    def flat(self) -> np.ndarray:
        """(S, P): each run's parameters as one vector, in the order of ``Parameters.flat``."""
        S = self.size
        return np.concatenate([f.reshape(S, -1) for f in self.factors], axis=1)

    @classmethod
    def from_flat(cls, model: DeepUFM, vecs: np.ndarray) -> "Batch":
        vecs = np.atleast_2d(vecs)
        S = vecs.shape[0]
        parts, i = [], 0
        for a, b in model.shapes().values():
            parts.append(vecs[:, i:i + a * b].reshape(S, a, b))
            i += a * b
        return cls(parts[0], parts[1:])

    @classmethod
    def stack(cls, params: list) -> "Batch":
        """Stack a list of ``Parameters`` (float64) along a new seed axis."""
        if not params:
            raise V.ParameterError("params must hold at least one Parameters")
        H = np.stack([np.asarray(p.H, dtype=float) for p in params])
        W = [np.stack([np.asarray(p.W[l], dtype=float) for p in params]) for l in range(len(params[0].W))]
        return cls(H, W)


class BatchedObjective:
    """Loss and gradient of ``model`` for a ``Batch`` (constants precomputed once)."""

    def __init__(self, model: DeepUFM):
        self.model = model
        self.lams = [float(to_mpf(v)) for v in model.lams]
        self.y = model.labels()
        self.N = model.N
        self.loss = model.loss_fn
        self.Y = self.loss.targets(self.y, model.K)  # one-hot, or the smoothed targets of LS-CE
        self.relu = model.activation == "relu"

    def check(self, batch: Batch) -> Batch:
        shapes = self.model.shapes()
        if batch.H.ndim != 3 or batch.H.shape[1:] != shapes["H"]:
            raise V.ParameterError(f"H must have shape (S, {shapes['H'][0]}, {shapes['H'][1]}), got {batch.H.shape}")
        if len(batch.W) != self.model.L:
            raise V.ParameterError(f"W must hold L = {self.model.L} arrays, got {len(batch.W)}")
        for l, w in enumerate(batch.W, start=1):
            if w.shape != (batch.size,) + shapes[f"W{l}"]:
                raise V.ParameterError(f"W{l} must have shape ({batch.size}, {shapes[f'W{l}'][0]}, "
                                       f"{shapes[f'W{l}'][1]}), got {w.shape}")
        return batch

    def forward(self, batch: Batch):
        """(Z, pres, acts) with acts[0] = H_1; Z has shape (S, K, N)."""
        A, acts, pres = batch.H, [batch.H], []
        for W in batch.W[:-1]:
            P = W @ A
            pres.append(P)
            A = np.maximum(P, 0.0) if self.relu else P
            acts.append(A)
        return batch.W[-1] @ A, pres, acts

    def fit_gradient(self, Z: np.ndarray) -> np.ndarray:
        """∂g/∂Z, shape (S, K, N) (``losses.Loss.batched_gradient``)."""
        return self.loss.batched_gradient(Z, self.Y)

    def fit_value(self, Z: np.ndarray) -> np.ndarray:
        """g per run, shape (S,) (``losses.Loss.batched_fit``)."""
        return self.loss.batched_fit(Z, self.Y)

    def fit(self, Z: np.ndarray):
        """(g per run (S,), ∂g/∂Z (S, K, N))."""
        return self.fit_value(Z), self.fit_gradient(Z)

    def penalty(self, batch: Batch) -> np.ndarray:
        return sum(lam * (F * F).sum(axis=(1, 2)) for lam, F in zip(self.lams, batch.factors)) / 2

    def loss_parts(self, batch: Batch):
        """(total, fit, penalty), each of shape (S,)."""
        Z = self.forward(batch)[0]
        g = self.fit_value(Z)
        pen = self.penalty(batch)
        return g + pen, g, pen

    def backprop(self, batch: Batch):
        """(Z, [∂g/∂H_1, ∂g/∂W_1, …, ∂g/∂W_L]): the fit term's gradient only (no λF terms)."""
        Z, pres, acts = self.forward(batch)
        G = self.fit_gradient(Z)
        L = self.model.L
        grads = [None] * (L + 1)
        grads[L] = G @ np.swapaxes(acts[-1], 1, 2)
        GA = np.swapaxes(batch.W[-1], 1, 2) @ G
        for l in range(L - 2, -1, -1):
            if self.relu:
                GA *= pres[l] > 0
            grads[l + 1] = GA @ np.swapaxes(acts[l], 1, 2)
            GA = np.swapaxes(batch.W[l], 1, 2) @ GA
        grads[0] = GA
        return Z, grads

    def loss_and_gradient(self, batch: Batch):
        """(ℒ per run (S,), gradient as a ``Batch``)."""
        Z, bp = self.backprop(batch)
        total = self.fit_value(Z) + self.penalty(batch)
        full = [g + lam * F for g, lam, F in zip(bp, self.lams, batch.factors)]
        return total, Batch(full[0], full[1:])


def grad_norms(grad: Batch) -> np.ndarray:
    """Frobenius norm of each run's full gradient, shape (S,)."""
    return np.sqrt(sum((F * F).sum(axis=(1, 2)) for F in grad.factors))
