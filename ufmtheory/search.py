"""Global search by multi-start local optimisation over collapsed, factorised parameters.

The search variables are the class-mean features H̄ (d×K) and the weights W_1 … W_L; the full
features are H_1 = H̄ E (E the K×N class indicator), so the loss is the model's own objective
(``objective.loss_and_gradient``: CE or MSE, linear or ReLU, any class sizes) and its gradient in H̄
is ∂ℒ/∂H · Eᵀ. Each start draws Gaussian factors at one of several scales and runs scipy's L-BFGS-B.
This is a numerical search (float64), not a proof: for L >= 2 the zero solution and other structures
are local minima, so the best of many starts is reported together with every start's loss. Exact
statements use ``scale.optimal_scale`` on the structure the search finds.

BLAS runs single-threaded inside the searches (``single_threaded_blas``): the matrices are tiny, and a
multi-threaded OpenBLAS spin-waiting on a loaded machine made each L-BFGS step ~20× slower.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from . import _validate as V
from .linalg import singular_values
from .model import DeepUFM, Parameters
from .objective import loss_and_gradient, output


@dataclass
class SearchResult:
    loss: float
    Zbar: np.ndarray          # K×K class-mean output (column c: logits / outputs of class c)
    singular_values: np.ndarray
    parameters: Parameters
    losses: list              # final loss of every start (the zero solution last but ``init``)
    converged: int            # starts whose L-BFGS-B reported success

    def normalised_singular_values(self) -> np.ndarray:
        s = self.singular_values
        nrm = float(np.sqrt((s * s).sum()))
        return s / nrm if nrm > 0 else s


def single_threaded_blas():
    """Context manager limiting BLAS to one thread (threadpoolctl)."""
    return threadpool_limits(limits=1, user_api="blas")


def _expand(model: DeepUFM, Hbar: np.ndarray) -> np.ndarray:
    return np.repeat(Hbar, model.class_sizes, axis=1)


def _collapse(model: DeepUFM, G: np.ndarray) -> np.ndarray:
    out = np.zeros((G.shape[0], model.K))
    np.add.at(out.T, model.labels(), G.T)
    return out


def collapsed_search(model: DeepUFM, starts: int = 8, rng=None, scales=(1.0, 2.0, 3.0),
                     maxiter: int = 3000, gtol: float = 1e-9, init=None) -> SearchResult:
    """Best of ``starts`` L-BFGS-B runs from random collapsed, factorised parameters (module docstring),
    and of the zero solution (always a candidate). Factor entries start N(0, s²/fan-in), s cycling
    through ``scales`` (large scales make every singular value start above its barrier).
    ``init``: optional list of Parameters (collapsed: H with K columns) used as additional starts."""
    starts = V.integer("starts", starts, 0)
    rng = np.random.default_rng(rng)
    d, K, L = model.d, model.K, model.L
    shapes = [(d, K)] + [model.shapes()[f"W{l}"] for l in range(1, L + 1)]
    sizes = [a * b for a, b in shapes]

    def unpack(v):
        parts, i = [], 0
        for (a, b), s in zip(shapes, sizes):
            parts.append(v[i:i + s].reshape(a, b))
            i += s
        return parts

    def f(v):
        parts = unpack(v)
        P = Parameters(_expand(model, parts[0]), tuple(parts[1:]))
        tot, g = loss_and_gradient(model, P)
        grad = np.concatenate([_collapse(model, g.H).ravel()] + [w.ravel() for w in g.W])
        return float(tot), grad

    x0s = []
    for k in range(starts):
        s = scales[k % len(scales)]
        x0s.append(np.concatenate([rng.standard_normal(shapes[0]).ravel() * s]
                                  + [rng.standard_normal((a, b)).ravel() * s / np.sqrt(b) for a, b in shapes[1:]]))
    x0s.append(np.zeros(sum(sizes)))  # the zero solution (a critical point; a local minimum for L >= 2)
    for P in init or []:
        x0s.append(np.concatenate([np.asarray(P.H, float).ravel()] + [np.asarray(w, float).ravel() for w in P.W]))
    best, losses, conv = None, [], 0
    with single_threaded_blas():
        for x0 in x0s:
            r = scipy.optimize.minimize(f, x0, jac=True, method="L-BFGS-B",
                                        options={"maxiter": maxiter, "gtol": gtol, "ftol": 1e-14, "maxcor": 20})
            losses.append(float(r.fun))
            conv += bool(r.success)
            if best is None or r.fun < best.fun:
                best = r
    parts = unpack(best.x)
    Pc = Parameters(parts[0], tuple(parts[1:]))
    Pfull = Parameters(_expand(model, parts[0]), tuple(parts[1:]))
    Zfull = output(model, Pfull)
    first = np.cumsum((0,) + tuple(model.class_sizes))[:-1]
    Zbar = Zfull[:, first]
    sv = singular_values(Zbar * np.sqrt(np.array(model.class_sizes, float))[None, :])
    return SearchResult(float(best.fun), Zbar, sv, Pc, losses, conv)
