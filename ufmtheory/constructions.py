"""Explicit parameter constructions, rescaled optimally factor by factor (SPEC §3, §4 Theorem 7;
Súkeník–Lampert–Mondelli, arXiv:2405.14468).

A *construction* fixes the shapes of all factors of a (ReLU or linear) DUFM up to one positive scalar
per factor: the first pre-activation X_2 = W_1 H̄_1 (r_1×K, class means), split in balance between
H_1 and W_1, and exact weights B_2 … B_L. Because ReLU is positively homogeneous, scaling factor i by
a_i > 0 scales the output by Π a_i; the forward pass of the unit shapes gives Z̄ = κ·S for an output
pattern S and a constant κ > 0 (computed exactly, sympy). The cheapest scalings for the output t·S
follow from AM–GM (all L+1 terms λ_i a_i² q_i / 2 equal):

    penalty(t) = ((L+1)/2) Λ C t^{2/(L+1)},   C^{L+1} = ‖X_2 D‖_*² Π_{l>=2} ‖B_l‖_F² / κ²,

D = diag(√n_c) (the balanced split of X_2 D gives ‖H_1‖² = ‖W_1‖² = ‖X_2 D‖_*, the nuclear norm).
So the construction's loss is a one-scale problem f(t) = ḡ_S(t) + ((L+1)/2) Λ C t^p, solved exactly
by ``scale.optimal_scale_of`` (every critical point in proven brackets, zero solution compared).
The hand-derived closed forms of the named constructions live in ``closed_forms`` (an independent
route); ``parameters`` builds the explicit Parameters whose forward-pass loss must equal them.

Named constructions:
- ``relu_paired(K, L)``: the non-negative construction of Theorem 7 (SPEC §3 "ReLU construction"):
  X̄ = I_{K/2} ⊗ [[1,−1],[−1,1]] (odd K: ⊕ 2), Ȳ = 11ᵀ (odd K: 1_{K−1}1_{K−1}ᵀ ⊕ 0),
  X_2 = X̄ + Ȳ (≥ 0, so the ReLUs act as the identity), W_l = X̄ + χȲ with χ = 2/K (odd: 2/(K−1))
  for 2 <= l <= L−1, W_L = X̄; output 2^{L−1}·X̄, a paired-block pattern.
- ``line_graph(edges, L)`` and ``triangular(r, L)``: the MSE low-rank construction in the style of
  Súkeník et al. from a graph Γ whose K edges are the classes (T(r) = line graph of K_r,
  K = r(r−1)/2, a strongly regular graph). With V the r×K vertex–edge incidence matrix,
  Vᵀ(I − J/4)V = 2I + A_{T} − J has diagonal 1, entries 0 (adjacent) and −1 (non-adjacent), so
  σ(Vᵀ(I − J/4)V) = I_K: all factors before the last ReLU have rank <= r ≈ √(2K), yet the output is
  the orthogonal frame. For L >= 3: X_2 = V, W_2 … W_{L−2} = I_r, W_{L−1} = Vᵀ(I − J/4), W_L = I_K;
  for L = 2: X_2 = Vᵀ(I − J/4)V, W_2 = I_K. (Reconstruction: the paper's typeset construction was
  not available; this one is derived here and its loss is verified by the forward pass.)
- ``orthogonal_frame(K, L)``: DNC for MSE without bias (all factors multiples of I_K).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import mpmath
import numpy as np
import sympy as sp

from . import _validate as V
from .linalg import svd
from .model import DeepUFM, Parameters
from .precision import DEFAULT_DPS, to_mpf
from .scale import ScaleProblem, optimal_scale_of
from .structures import Structure, evaluate_exact, orthogonal_frame  # noqa: F401  (orthogonal_frame: re-exported)


def _relu_exact(M: sp.MatrixBase) -> sp.ImmutableMatrix:
    """Entrywise max(x, 0), decided exactly (sympy sign of an explicit number)."""
    zero = sp.Integer(0)
    return sp.ImmutableMatrix(M.rows, M.cols, [zero if x.is_negative else x for x in M])


_NUCLEAR: dict = {}


def _nuclear_norm(first: sp.ImmutableMatrix, sizes: tuple, dps: int):
    """‖X_2 D‖_* (D = diag √n_c), by mpmath at >= dps + 20 digits: eigenvalues (eigsy, Σ|μ|) when
    X_2 D is symmetric, else singular values (svd_r). Cached per (X_2, sizes) at the highest
    precision computed so far (at least 80 digits), shared by every L and every lower precision."""
    key = (first, sizes)
    hit = _NUCLEAR.get(key)
    if hit is None or hit[0] < dps + 20:
        work = max(dps + 20, 80)
        with mpmath.workdps(work):
            XD = _mp(first, work) * np.array([mpmath.sqrt(c) for c in sizes], dtype=object)
            if XD.shape[0] == XD.shape[1] and all(XD[i, j] == XD[j, i] for i in range(XD.shape[0]) for j in range(i)):
                ev = mpmath.eigsy(mpmath.matrix(XD.tolist()), eigvals_only=True)
                val = mpmath.fsum(abs(ev[i]) for i in range(len(ev)))
            else:
                val = mpmath.fsum(svd(XD)[1])
        hit = _NUCLEAR[key] = (work, val)
    with mpmath.workdps(dps + 20):
        return +hit[1]


def _exact_product(A: sp.MatrixBase, B: sp.MatrixBase) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(A * B)


def _mp(M: sp.MatrixBase, dps: int) -> np.ndarray:
    out = np.empty((M.rows, M.cols), dtype=object)
    for i in range(M.rows):
        for j in range(M.cols):
            out[i, j] = evaluate_exact(M[i, j], dps)
    return out


@dataclass(frozen=True, eq=False)
class Construction:
    """Factor shapes up to one positive scalar per factor (module docstring).

    ``first``: X_2 = W_1 H̄_1 (r_1 × K, exact); ``weights``: exact B_2 … B_L (B_L has K rows; empty
    for L = 1, when X_2 is the output); ``pattern``: the K×K output pattern S, with the forward pass
    of the unit shapes equal to κ·S for some κ > 0 (checked exactly).
    """

    name: str
    first: sp.ImmutableMatrix
    weights: tuple
    pattern: Structure
    activation: str = "relu"
    description: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        V.choice("activation", self.activation, ("linear", "relu"))
        object.__setattr__(self, "weights", tuple(sp.ImmutableMatrix(w) for w in self.weights))
        if self.first.cols != self.pattern.K:
            raise V.ParameterError(f"first must have K = {self.pattern.K} columns, got {self.first.cols}")
        rows = self.first.rows
        for l, w in enumerate(self.weights, start=2):
            if w.cols != rows:
                raise V.ParameterError(f"W{l} has {w.cols} columns but its input has {rows} rows")
            rows = w.rows
        if rows != self.pattern.K:
            raise V.ParameterError(f"the output must have K = {self.pattern.K} rows, got {rows}")

    @property
    def L(self) -> int:
        return len(self.weights) + 1

    @property
    def K(self) -> int:
        return self.pattern.K

    # ---- exact facts ------------------------------------------------------------------------------
    def features(self) -> list:
        """Exact class-mean features [σ(X_2), σ(B_2 ·), …] after each ReLU layer (unit scalings)."""
        if "features" not in self._cache:
            act = _relu_exact if self.activation == "relu" else (lambda M: sp.ImmutableMatrix(M))
            feats = []
            if self.L >= 2:
                A = act(self.first)
                feats.append(A)
                for w in self.weights[:-1]:
                    A = act(_exact_product(w, A))
                    feats.append(A)
            self._cache["features"] = feats
        return self._cache["features"]

    def output(self) -> sp.ImmutableMatrix:
        """Exact K×K class-mean output of the unit shapes."""
        if self.L == 1:
            return self.first
        return _exact_product(self.weights[-1], self.features()[-1])

    def kappa(self) -> sp.Expr:
        """κ > 0 with output() = κ·pattern, checked entry by entry (exact)."""
        if "kappa" not in self._cache:
            Z, S = self.output(), self.pattern.matrix
            k = None
            for z, s in zip(Z, S):
                if s != 0:
                    k = z / s if (z / s).is_Rational else sp.simplify(z / s)
                    break
            if k is None or not (k > 0):
                raise V.ParameterError(f"{self.name}: the output is not a positive multiple of the pattern")
            bad = [(z, s) for z, s in zip(Z, S) if (z - k * s) != 0 and sp.simplify(z - k * s) != 0]
            if bad:
                raise V.ParameterError(f"{self.name}: output ≠ κ·pattern (first mismatch {bad[0]})")
            self._cache["kappa"] = k
        return self._cache["kappa"]

    def relu_is_identity(self) -> bool:
        """True if every ReLU acts on a non-negative pre-activation (the network is linear there)."""
        if self.L == 1:
            return True
        A = self.first
        if any(x < 0 for x in A):
            return False
        for w in self.weights[:-1]:
            A = w * A
            if any(x < 0 for x in A):
                return False
        return True

    # ---- the penalty constant ---------------------------------------------------------------------
    def _check_model(self, model: DeepUFM):
        if model.K != self.K or model.L != self.L:
            raise V.ParameterError(f"{self.name} needs K = {self.K}, L = {self.L}; the model has "
                                   f"K = {model.K}, L = {model.L}")

    def factor_norms(self, model: DeepUFM, dps: int | None = None) -> list:
        """q_i: ‖X_2 D‖_* (twice: H_1 and W_1 of the balanced split), then ‖B_l‖_F², as mpf."""
        self._check_model(model)
        dps = mpmath.mp.dps if dps is None else dps
        nuc = _nuclear_norm(self.first, tuple(model.class_sizes), int(dps))
        with mpmath.workdps(dps):
            q = [+nuc, +nuc]
            for w in self.weights:
                q.append(evaluate_exact(sum((x * x for x in w), sp.Integer(0)), dps))
            return q

    def penalty_constant(self, model: DeepUFM, dps: int | None = None):
        """C with min penalty at output t·S equal to ((L+1)/2) Λ C t^{2/(L+1)} (module docstring)."""
        dps = mpmath.mp.dps if dps is None else dps
        q = self.factor_norms(model, dps)
        with mpmath.workdps(dps):
            k = evaluate_exact(self.kappa(), dps)
            return mpmath.root(mpmath.fprod(q), self.L + 1) / mpmath.power(k, mpmath.mpf(2) / (self.L + 1))

    def scale_problem(self, model: DeepUFM, dps: int | None = None) -> ScaleProblem:
        """f(t) = ḡ_S(t) + ((L+1)/2) Λ C t^p as a ScaleProblem (fit from the pattern, CE or MSE)."""
        self._check_model(model)
        dps = mpmath.mp.dps if dps is None else dps
        with mpmath.workdps(dps):
            fit = ScaleProblem.from_structure(self.pattern, model.with_(activation="linear"), dps).fit
            return ScaleProblem(self.name, self.K, self.L, fit, model.Lambda(), self.penalty_constant(model, dps))

    def optimum(self, model: DeepUFM, dps: int = DEFAULT_DPS, backend: str | None = None):
        """Global minimum of the construction's loss over the output scale (``scale.optimal_scale_of``)."""
        self._check_model(model)
        return optimal_scale_of(lambda w: self.scale_problem(model, w), self.name, model, dps, backend)

    def loss_at(self, model: DeepUFM, t, dps: int = DEFAULT_DPS):
        """(total, fit, penalty) of the best-scaled construction with output t·S, at ``dps`` digits."""
        with mpmath.workdps(dps):
            return self.scale_problem(model, dps).parts(mpmath.mpf(t))

    # ---- explicit parameters -------------------------------------------------------------------------
    def parameters(self, model: DeepUFM, t) -> Parameters:
        """Explicit Parameters (mpf, current precision) with output t·S ⊗ 1ᵀ and the AM–GM scalings.

        H_1, W_1: W_1 = U Σ^{1/2}, H̄_1 = Σ^{1/2} Vᵀ D^{-1} from the SVD X_2 D = U Σ Vᵀ (computed in
        mpmath at the current precision + 20 digits); all factors zero-padded to width ``model.d``.
        """
        self._check_model(model)
        if model.activation != self.activation and not self.relu_is_identity():
            raise V.ParameterError(f"{self.name} is a {self.activation} construction; the model is {model.activation}")
        dps = mpmath.mp.dps
        t = mpmath.mpf(t)
        if not t > 0:
            raise V.ParameterError(f"t must be > 0, got {t}")
        sizes = model.class_sizes
        with mpmath.workdps(dps + 20):
            sq = [mpmath.sqrt(c) for c in sizes]
            XD = _mp(self.first, dps + 20) * np.array(sq, dtype=object)
            U, s, Vt = svd(XD)
            smax = max(s)
            s = np.array([x if x > smax * mpmath.mpf(10) ** (-(dps + 10)) else mpmath.mpf(0) for x in s], dtype=object)
            rs = np.array([mpmath.sqrt(x) for x in s], dtype=object)
            W1 = U * rs[None, :]
            Hbar = (rs[:, None] * Vt) / np.array(sq, dtype=object)[None, :]
            q = [mpmath.fsum(s)] * 2 + [mpmath.fsum(x * x for x in _mp(w, dps + 20).ravel()) for w in self.weights]
            lams = [to_mpf(v) for v in model.lams]
            k = evaluate_exact(self.kappa(), dps + 20)
            L1 = self.L + 1
            v = mpmath.root((t / k) ** 2 * mpmath.fprod(l * x for l, x in zip(lams, q)), L1) / 2
            a = [mpmath.sqrt(2 * v / (l * x)) for l, x in zip(lams, q)]
            mats = [Hbar * a[0], W1 * a[1]] + [_mp(w, dps + 20) * a[i + 2] for i, w in enumerate(self.weights)]
        d = model.d
        need = max([m.shape[0] for m in mats[:-1]] + [m.shape[1] for m in mats[1:]])
        if d < need:
            raise V.ParameterError(f"d must be >= {need} for {self.name}, got {d}")
        with mpmath.workdps(dps):
            def pad(M, rows, cols):
                out = np.empty((rows, cols), dtype=object)
                out[:] = mpmath.mpf(0)
                for i in range(M.shape[0]):
                    for j in range(M.shape[1]):
                        out[i, j] = +M[i, j]
                return out
            H = pad(mats[0], d, self.K)
            H = np.repeat(H, sizes, axis=1)
            Ws = [pad(m, d, d) for m in mats[1:-1]] + [pad(mats[-1], self.K, d)]
            return Parameters(H, tuple(Ws))


# ---- named constructions ----------------------------------------------------------------------------

def paired_blocks(K: int) -> tuple:
    """(X̄, Ȳ, χ) of Theorem 7 (SPEC §3): X̄ = I_m ⊗ [[1,−1],[−1,1]] (⊕ 2 for odd K), Ȳ = 11ᵀ
    (odd: 1_{K−1}1_{K−1}ᵀ ⊕ 0), χ = 2/K (odd: 2/(K−1)); X̄Ȳ = 0, X̄² = 2X̄, χȲ² = 2Ȳ."""
    K = V.integer("K", K, 2)
    m = K // 2

    def xbar(i, j):
        if i < 2 * m and j < 2 * m:
            if i // 2 != j // 2:
                return 0
            return 1 if i == j else -1
        return 2 if i == j else 0

    X = sp.ImmutableMatrix(K, K, xbar)
    if K % 2 == 0:
        Y = sp.ImmutableMatrix(K, K, lambda i, j: 1)
        chi = sp.Rational(2, K)
    else:
        Y = sp.ImmutableMatrix(K, K, lambda i, j: 1 if (i < K - 1 and j < K - 1) else 0)
        chi = sp.Rational(2, K - 1)
    return X, Y, chi


def relu_paired(K: int, L: int) -> Construction:
    """The non-negative ReLU construction of Theorem 7 (even and odd K), output 2^{L−1}·X̄."""
    K = V.integer("K", K, 2)
    L = V.integer("L", L, 2)
    X, Y, chi = paired_blocks(K)
    first = sp.ImmutableMatrix(X + Y)
    weights = [X + chi * Y] * (L - 2) + [X]
    pattern = Structure("relu-paired X̄", X, None, "Theorem 7 output pattern X̄")
    return Construction("relu-paired (Thm 7)", first, tuple(weights), pattern, "relu",
                        "non-negative features φ_l(X̄+Ȳ), W_l = ψ_l(X̄+χȲ), W_L = ψ_L X̄ (Theorem 7)")


def incidence(edges, r: int | None = None) -> sp.ImmutableMatrix:
    """Vertex–edge incidence matrix V (r × K) of a simple graph given by its K edges (pairs)."""
    edges = [tuple(sorted((int(a), int(b)))) for a, b in edges]
    if len(set(edges)) != len(edges) or any(a == b for a, b in edges):
        raise V.ParameterError("edges must be distinct pairs of distinct vertices (a simple graph)")
    if any(a < 0 for a, _ in edges):
        raise V.ParameterError("vertices must be integers >= 0")
    r = max(b for _, b in edges) + 1 if r is None else r
    return sp.ImmutableMatrix(r, len(edges), lambda i, j: 1 if i in edges[int(j)] else 0)


def line_graph(edges, L: int, name: str = "line-graph") -> Construction:
    """The ReLU/MSE low-rank construction from a graph Γ with K >= 2 edges (module docstring):
    σ(Vᵀ(I − J/4)V) = I_K, so the output pattern is the orthogonal frame I_K."""
    L = V.integer("L", L, 2)
    Vm = incidence(edges)
    r, K = Vm.shape
    if K < 2:
        raise V.ParameterError("the graph needs at least 2 edges (K >= 2 classes)")
    B = sp.eye(r) - sp.ones(r, r) / 4
    pattern = Structure("orthogonal frame", sp.ImmutableMatrix(sp.eye(K)), tuple([sp.Integer(1)] * K),
                        "identity I_K (MSE DNC without bias)")
    if L == 2:
        return Construction(name, sp.ImmutableMatrix(Vm.T * B * Vm), (sp.eye(K),), pattern, "relu",
                            f"σ(Vᵀ(I−J/4)V) = I, V the {r}×{K} incidence matrix")
    weights = [sp.eye(r)] * (L - 3) + [Vm.T * B, sp.eye(K)]
    return Construction(name, Vm, tuple(weights), pattern, "relu",
                        f"rank-{r} features V (incidence) up to the last ReLU, σ(Vᵀ(I−J/4)V) = I")


def triangular(r: int, L: int) -> Construction:
    """T(r) construction: Γ = K_r, classes = its K = r(r−1)/2 edges (Súkeník et al., SRG T(r))."""
    r = V.integer("r", r, 3)
    return line_graph(list(combinations(range(r), 2)), L, name=f"T({r})")


def orthogonal_frame_construction(K: int, L: int, activation: str = "relu") -> Construction:
    """DNC for MSE as a construction: every factor a multiple of I_K (ReLUs act as the identity)."""
    K = V.integer("K", K, 2)
    L = V.integer("L", L, 1)
    return Construction("orthogonal frame", sp.ImmutableMatrix(sp.eye(K)), tuple([sp.eye(K)] * (L - 1)),
                        orthogonal_frame(K), activation, "all factors ∝ I_K")
