"""Diagnostics of a trained DUFM: spectra, numerical ranks, neural-collapse metrics, endpoint class.

Layers. The features of layer 1 are H_1; of layer l+1, A_l = σ(W_l A_{l−1}) (l < L); the output
is Z = W_L A_{L−1} (SPEC §1). For features X ∈ R^{p×N} with labels y: class means μ_c, global mean
μ_G = (1/K) Σ_c μ_c, centred means M̄ = [μ_c − μ_G]_c ∈ R^{p×K},
Σ_W = (1/N) Σ_i (x_i − μ_{y_i})(x_i − μ_{y_i})ᵀ,  Σ_B = (1/K) M̄ M̄ᵀ.

- NC1 = tr(Σ_W Σ_B^†)/K — within-class variability relative to between-class (Papyan, Han &
  Donoho, PNAS 117 (2020) 24652, Fig. 6; per layer as DNC1 in Súkeník, Mondelli & Lampert,
  NeurIPS 2023, arXiv:2305.13165). 0 at collapse.
- NC2 = ‖G/‖G‖_F − E/‖E‖_F‖_F with G = M̄ᵀM̄ the centred class-mean Gram and E = I_K − 11ᵀ/K the
  Gram of a simplex ETF — distance to the simplex ETF geometry (Papyan et al. 2020, NC2 "equinorm
  and equiangular"; Súkeník et al. 2023, DNC2). 0 at DNC; the paired structure has NC2 > 0.
- NC3 (classifier, l = L) = ‖W_Lᵀ/‖W_L‖_F − M̄/‖M̄‖_F‖_F with M̄ the centred means of A_{L−1} —
  self-duality of classifier and features (Papyan et al. 2020, NC3). For an inner layer l < L we
  report the alignment of W_l with the features it acts on, ‖W_l (I − Π)‖_F/‖W_l‖_F, Π the
  orthogonal projector onto the span of the (uncentred) class means of its input: 0 when W_l's
  row space lies in the feature span, as at every critical point of Lemma 1's form (SPEC §2).

Numerical rank: #{i : s_i > rtol · s_1}, default rtol = 1e-3 (``RANK_RTOL``). Gradient descent
shrinks the directions the penalty kills only geometrically, by about (1 − ηλ) per step, so an
unconverged endpoint keeps small singular values above machine precision; the full spectrum is
always reported alongside so the tolerance can be judged.

Endpoint classification (``classify``), from the output class means Z̄ ∈ R^{K×K} (column c =
mean logit vector of class c). The optimal structures the paper reports are direct sums of
simplices: the classes split into blocks B with Z̄_BB ≈ t_B (I − 11ᵀ/|B|) and Z̄ ≈ 0 across blocks
(a pair is the 2-simplex ½[[1,−1],[−1,1]]; a singleton class has zero logits, or logit pattern
t·e_c as in the odd-K paired structure). Blocks are the connected components of the graph
|Z̄_ij| > ``block_tol``·max|Z̄|. Then: "zero" (‖Z‖ ≈ 0), "dnc" (one block of size K), "paired"
(all blocks pairs, at most one singleton), "mixed" (a smaller simplex plus pairs, or any other
direct sum of simplices), "other" (not collapsed, or a block that is no simplex). The loss is
compared with the exact optimum of the reduced model (``scale.optimal_scale``, SPEC §2) for the
matching exact structure ("exact": DNC, paired, and any endpoint whose Z̄ snaps to an exact
orthogonal projector, e.g. a graph eigenprojector), or, for mixed endpoints (blocks at different
scales), with a local minimum over one scale per block ("local", ``block_scale_optimum``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from .model import DeepUFM, Parameters

RANK_RTOL = 1e-3
COLLAPSE_TOL = 1e-3
BLOCK_TOL = 0.05
FIT_TOL = 0.05


def numerical_rank(s: np.ndarray, rtol: float = RANK_RTOL) -> int:
    """#{i : s_i > rtol · max s} (0 for an all-zero spectrum)."""
    s = np.asarray(s, dtype=float)
    if not len(s) or s.max() <= 0:
        return 0
    return int(np.sum(s > rtol * s.max()))


def layer_features(model: DeepUFM, params: Parameters) -> list:
    """[H_1, A_1, …, A_{L−1}, Z]: the features entering each weight matrix, then the output."""
    H = np.asarray(params.H, dtype=float)
    feats, A = [H], H
    for W in params.W[:-1]:
        P = np.asarray(W, dtype=float) @ A
        A = np.maximum(P, 0.0) if model.activation == "relu" else P
        feats.append(A)
    feats.append(np.asarray(params.W[-1], dtype=float) @ A)
    return feats


def class_means(X: np.ndarray, y: np.ndarray, K: int) -> np.ndarray:
    """p×K matrix of class means."""
    return np.stack([X[:, y == c].mean(axis=1) for c in range(K)], axis=1)


def nc1(X: np.ndarray, y: np.ndarray, K: int) -> float:
    """tr(Σ_W Σ_B^†)/K (Papyan et al. 2020)."""
    M = class_means(X, y, K)
    Mc = M - M.mean(axis=1, keepdims=True)
    R = X - M[:, y]
    Sw = R @ R.T / X.shape[1]
    Sb = Mc @ Mc.T / K
    if not np.any(Sb):
        return float("inf") if np.any(Sw) else 0.0
    return float(np.trace(Sw @ np.linalg.pinv(Sb, rcond=1e-12, hermitian=True)) / K)


def nc2(X: np.ndarray, y: np.ndarray, K: int) -> float:
    """‖G/‖G‖_F − E/‖E‖_F‖_F, G = M̄ᵀM̄, E = I − 11ᵀ/K (distance to the simplex ETF Gram)."""
    M = class_means(X, y, K)
    Mc = M - M.mean(axis=1, keepdims=True)
    G = Mc.T @ Mc
    E = np.eye(K) - np.ones((K, K)) / K
    nG = np.linalg.norm(G)
    if nG == 0:
        return float("nan")
    return float(np.linalg.norm(G / nG - E / np.linalg.norm(E)))


def nc3(W: np.ndarray, X: np.ndarray, y: np.ndarray, K: int, classifier: bool) -> float:
    """Classifier: ‖Wᵀ/‖W‖ − M̄/‖M̄‖‖_F (Papyan et al. 2020). Inner layer: ‖W(I − Π)‖_F/‖W‖_F."""
    M = class_means(X, y, K)
    nW = np.linalg.norm(W)
    if nW == 0:
        return float("nan")
    if classifier:
        Mc = M - M.mean(axis=1, keepdims=True)
        nM = np.linalg.norm(Mc)
        return float("nan") if nM == 0 else float(np.linalg.norm(W.T / nW - Mc / nM))
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    U = U[:, : numerical_rank(s, 1e-8)]
    return float(np.linalg.norm(W - (W @ U) @ U.T) / nW)


def layer_report(model: DeepUFM, params: Parameters, rtol: float = RANK_RTOL) -> list:
    """Per layer l = 1 … L: singular values and rank of W_l and of its input features, NC1–NC3;
    then the output Z (singular values, rank, NC1, NC2)."""
    y, K = model.labels(), model.K
    feats = layer_features(model, params)
    rows = []
    for l, W in enumerate(params.W, start=1):
        W = np.asarray(W, dtype=float)
        X = feats[l - 1]
        sw, sx = np.linalg.svd(W, compute_uv=False), np.linalg.svd(X, compute_uv=False)
        rows.append({"layer": l, "W_singular_values": sw.tolist(), "W_rank": numerical_rank(sw, rtol),
                     "features_singular_values": sx.tolist(), "features_rank": numerical_rank(sx, rtol),
                     "nc1": nc1(X, y, K), "nc2": nc2(X, y, K), "nc3": nc3(W, X, y, K, l == model.L)})
    Z = feats[-1]
    sz = np.linalg.svd(Z, compute_uv=False)
    rows.append({"layer": "Z", "features_singular_values": sz.tolist(), "features_rank": numerical_rank(sz, rtol),
                 "nc1": nc1(Z, y, K), "nc2": nc2(Z, y, K)})
    return rows


# ---- endpoint classification ------------------------------------------------------------------

def simplex_blocks(Zbar: np.ndarray, block_tol: float = BLOCK_TOL, fit_tol: float = FIT_TOL):
    """Split Z̄ into blocks (connected components of |Z̄_ij| > block_tol·max|Z̄|) and test each.

    Returns (blocks, ok, residual): blocks a list of sorted class lists, ok whether every block of
    size >= 2 is a scaled simplex and every singleton is 0 or t·e_c, and the largest relative
    residual ‖Z̄ − Σ_B t_B S_B‖_F/‖Z̄‖_F over the whole matrix (cross-block entries included), with
    t_B the least-squares scale of each block.
    """
    K = Zbar.shape[0]
    nz = np.abs(Zbar).max()
    if nz == 0:
        return [list(range(K))], False, float("inf")
    adj = (np.abs(Zbar) > block_tol * nz) | (np.abs(Zbar.T) > block_tol * nz)
    seen, blocks = [False] * K, []
    for c in range(K):
        if seen[c]:
            continue
        comp, stack = [], [c]
        seen[c] = True
        while stack:
            i = stack.pop()
            comp.append(i)
            for j in np.flatnonzero(adj[i]):
                if not seen[j]:
                    seen[j] = True
                    stack.append(int(j))
        blocks.append(sorted(comp))
    model_Z = np.zeros_like(Zbar)
    for B in blocks:
        k = len(B)
        S = np.eye(k) - np.ones((k, k)) / k if k > 1 else np.ones((1, 1))
        sub = Zbar[np.ix_(B, B)]
        t = float((sub * S).sum() / (S * S).sum())
        model_Z[np.ix_(B, B)] = t * S
    res = float(np.linalg.norm(Zbar - model_Z) / np.linalg.norm(Zbar))
    return blocks, res <= fit_tol, res


def structure_matrix(K: int, blocks: list) -> sp.ImmutableMatrix:
    """The exact direct sum of simplices I_k − 11ᵀ/k on the given blocks (singletons: e_c e_cᵀ)."""
    M = sp.zeros(K, K)
    for B in blocks:
        k = len(B)
        for i in B:
            for j in B:
                M[i, j] = sp.Integer(1) if k == 1 else (sp.Integer(int(i == j)) - sp.Rational(1, k))
    return sp.ImmutableMatrix(M)


def _sizes_label(sizes: list) -> str:
    parts = []
    for k in sorted(set(sizes), reverse=True):
        cnt = sizes.count(k)
        name = {1: "singleton", 2: "pair"}.get(k, f"simplex({k})")
        parts.append(f"{cnt}×{name}")
    return "+".join(parts)


@lru_cache(maxsize=256)
def _reference_optimum(K, L, sizes, lams, loss, canonical_sizes: tuple, dps: int):
    from .scale import optimal_scale
    from .structures import Structure
    model = DeepUFM(K, L, lam=list(lams), class_sizes=sizes, loss=loss)
    blocks, c = [], 0
    for k in canonical_sizes:
        blocks.append(list(range(c, c + k)))
        c += k
    if canonical_sizes == tuple([2] * (K // 2) + [1] * (K % 2)):
        from .structures import paired
        st = paired(K)  # SPEC §3: odd K keeps the singleton's logit pattern e_K at the pairs' scale
    else:
        st = Structure("blocks", structure_matrix(K, blocks))
    opt = optimal_scale(st, model, dps=dps)
    return float(opt.loss), float(opt.scale), opt.kind


def reference_optimum(model: DeepUFM, block_sizes: list, dps: int = 20):
    """(loss, scale, kind) of the exact optimum of the direct sum of simplices with these block
    sizes (one common scale t; SPEC §2, ``scale.optimal_scale``, proven brackets). The loss does
    not depend on which classes form the blocks (balanced classes)."""
    canon = tuple(sorted(block_sizes, reverse=True))
    return _reference_optimum(model.K, model.L, tuple(model.class_sizes), tuple(model.lams), model.loss,
                              canon, dps)


@dataclass
class Endpoint:
    """Classification of one trained run (see module docstring)."""

    label: str
    detail: str
    rank: int
    singular_values: list
    nc1: float
    blocks: list
    residual: float
    loss: float
    reference: str = ""
    reference_kind: str = ""  # "exact" (proven scale optimum of an exact structure) or "local"
    reference_loss: float = float("nan")
    reference_scale: float = float("nan")
    layers: list = field(default_factory=list)

    @property
    def loss_gap(self) -> float:
        return self.loss - self.reference_loss

    def to_dict(self, layers: bool = False) -> dict:
        d = {"label": self.label, "detail": self.detail, "rank": self.rank,
             "singular_values": [float(x) for x in self.singular_values], "nc1": self.nc1,
             "blocks": self.blocks, "residual": self.residual, "loss": self.loss,
             "reference": self.reference, "reference_kind": self.reference_kind,
             "reference_loss": self.reference_loss,
             "reference_scale": self.reference_scale, "loss_gap": self.loss_gap}
        if layers:
            d["layers"] = self.layers
        return d


#: Largest |Z| entry classified; beyond it the SVD and the collapse metrics overflow float64.
MAX_FEATURE = 1e100


def diverged_endpoint(why: str = "gradient descent diverged") -> Endpoint:
    """The endpoint of a run that diverged: "other", rank -1, no metrics."""
    nan = float("nan")
    return Endpoint("other", f"diverged ({why})", -1, [], nan, [], nan, nan)


def classify(model: DeepUFM, params: Parameters, loss: float | None = None, rtol: float = RANK_RTOL,
             collapse_tol: float = COLLAPSE_TOL, block_tol: float = BLOCK_TOL, fit_tol: float = FIT_TOL,
             with_reference: bool = True, with_layers: bool = False) -> Endpoint:
    """Classify an endpoint as "dnc", "paired", "mixed", "zero" or "other" (module docstring).

    ``loss``: the run's loss (computed here with ``objective.loss_parts`` if not given). The
    reference optimum (exact, reduced model) needs a linear, CE or MSE model; it is skipped for ReLU.
    """
    y, K = model.labels(), model.K
    if not all(np.all(np.isfinite(np.asarray(F, dtype=float))) for F in params.factors):
        return diverged_endpoint("non-finite parameters")
    with np.errstate(over="ignore", invalid="ignore"):
        Z = layer_features(model, params)[-1]
    if not np.all(np.isfinite(np.asarray(Z, dtype=float))) or np.max(np.abs(Z)) > MAX_FEATURE:
        return diverged_endpoint(f"features beyond {MAX_FEATURE:.0e}")
    if loss is None:
        loss = float(model.loss_parts(params.to_float())[0])
    s = np.linalg.svd(Z, compute_uv=False)
    rank = numerical_rank(s, rtol)
    scale = np.sqrt(np.mean(Z * Z))
    layers = layer_report(model, params, rtol) if with_layers else []
    if scale < 1e-8:
        return Endpoint("zero", "Z ≈ 0", 0, s.tolist(), float("nan"), [], 0.0, loss, layers=layers)
    c1 = nc1(Z, y, K)
    Zbar = class_means(Z, y, K)
    blocks, ok, res = simplex_blocks(Zbar, block_tol, fit_tol)
    sizes = [len(B) for B in blocks]
    if c1 > collapse_tol:
        label, detail = "other", f"not collapsed (NC1 = {c1:.2e})"
    elif not ok:
        label, detail = "other", f"blocks {_sizes_label(sizes)} not simplices (residual {res:.2f})"
    elif sizes == [K]:
        label, detail = "dnc", "simplex ETF"
    elif all(k == 2 for k in sizes if k != 1) and sizes.count(1) <= K % 2:
        label, detail = "paired", _sizes_label(sizes)
    else:
        label, detail = "mixed", _sizes_label(sizes)
    P = snap_projector(Zbar) if c1 <= collapse_tol else None
    if label == "other" and P is not None:
        r = int(sp.Matrix(P).rank())
        vals = sorted({P[i, j] for i in range(K) for j in range(K)}, reverse=True)
        detail = f"rank-{r} projector pattern, entries {{{', '.join(str(v) for v in vals)}}}"
    ep = Endpoint(label, detail, rank, s.tolist(), c1, blocks, res, float(loss), layers=layers)
    if not with_reference or model.activation != "linear" or not model.balanced:
        return ep
    if label in ("dnc", "paired"):
        ep.reference, ep.reference_kind = label, "exact"
        ep.reference_loss, ep.reference_scale, _ = reference_optimum(model, [K] if label == "dnc" else sizes)
    elif label == "mixed":
        ep.reference, ep.reference_kind = _sizes_label(sizes), "local"
        ep.reference_loss = block_scale_optimum(model, Zbar, blocks)
    elif P is not None:
        ep.reference, ep.reference_kind = "projector", "exact"
        ep.reference_loss, ep.reference_scale = _projector_optimum(model, P)
    return ep


def snap_projector(Zbar: np.ndarray, max_denominator: int = 100, tol: float = 1e-4):
    """If Z̄ ≈ t·P with P an orthogonal projector with small-denominator rational entries, return
    P exactly (sympy); else None. P is snapped from Z̄/t (t = mean nonzero singular value) and then
    checked exactly: P = Pᵀ, P² = P. DNC (I − 11ᵀ/K), paired (½-scaled pairs) and graph patterns
    such as the Petersen-graph eigenprojector are of this form."""
    sv = np.linalg.svd(Zbar, compute_uv=False)
    r = numerical_rank(sv, 1e-6)
    if r == 0 or sv[r - 1] < (1 - 1e-4) * sv[0]:
        return None
    Ph = Zbar / sv[:r].mean()
    Ph = (Ph + Ph.T) / 2
    from fractions import Fraction
    K = Zbar.shape[0]
    P = sp.Matrix(K, K, lambda i, j: sp.Rational(Fraction(float(Ph[i, j])).limit_denominator(max_denominator)))
    if np.abs(np.array(P.tolist(), dtype=float) - Ph).max() > tol:
        return None
    if P != P.T or P * P != P:
        return None
    return sp.ImmutableMatrix(P)


@lru_cache(maxsize=64)
def _projector_optimum_cached(K, L, sizes, lams, loss, P, dps):
    from .scale import optimal_scale
    from .structures import Structure
    model = DeepUFM(K, L, lam=list(lams), class_sizes=sizes, loss=loss)
    opt = optimal_scale(Structure("projector", P), model, dps=dps)
    return float(opt.loss), float(opt.scale)


def _projector_optimum(model: DeepUFM, P, dps: int = 20):
    """Exact optimum (proven brackets, ``scale.optimal_scale``) of the structure P."""
    return _projector_optimum_cached(model.K, model.L, tuple(model.class_sizes), tuple(model.lams), model.loss,
                                     sp.ImmutableMatrix(P), dps)


def block_scale_optimum(model: DeepUFM, Zbar: np.ndarray, blocks: list) -> float:
    """Local minimum of the reduced loss (SPEC §2) over one scale per block, Z̄(t) = Σ_B t_B S_B
    (S_B = I − 11ᵀ/|B| on block B, e_c e_cᵀ for a singleton), started at the blocks' least-squares
    scales in Z̄ (L-BFGS-B, float64). A *local* reference for mixed endpoints: with several scales
    the proven one-dimensional search of ``scale.py`` does not apply."""
    from scipy.optimize import minimize
    from .objective import fit_value
    K, n = model.K, model.n
    Ss = []
    for B in blocks:
        k = len(B)
        S = np.zeros((K, K))
        S[np.ix_(B, B)] = np.eye(k) - np.ones((k, k)) / k if k > 1 else 1.0
        Ss.append(S)
    t0 = np.array([max((Zbar * S).sum() / (S * S).sum(), 1e-3) for S in Ss])
    Lam = float(model.Lambda())
    p = 2.0 / (model.L + 1)
    small = DeepUFM(K, model.L, n=1, lam=model.lams, loss=model.loss)

    def f(t):
        Zb = sum(ti * S for ti, S in zip(t, Ss))
        sv = np.linalg.svd(Zb, compute_uv=False)
        pen = (model.L + 1) / 2 * Lam * n ** (p / 2) * np.sum(sv[sv > 1e-12 * sv.max()] ** p)
        return float(fit_value(small, Zb)) + pen

    res = minimize(f, t0, method="L-BFGS-B", bounds=[(1e-6, None)] * len(t0), options={"ftol": 1e-15, "gtol": 1e-12})
    return float(res.fun)
