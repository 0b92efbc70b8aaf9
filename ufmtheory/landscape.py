"""Critical points of the linear DUFM, the exact Hessian spectrum there, and the dimension of the
set of parameters that produce the same critical output (paper Theorems 4–6; SPEC §4).

Critical points. For a structure S and a positive critical scale t of f_S (``scale.optimal_scale``
finds all of them, with kinds), Lemma 1 parameters with output Z = t·S ⊗ 1ᵀ are built by
``reduction.balanced_parameters`` for any d >= K and any orthogonal U_0 … U_{L−1}. They are critical
points of the DUFM when ∇g(Z) is aligned with Z (DNC, even-K paired, polygon); otherwise (odd-K
paired, one common scale) the gradient does not vanish and ``LandscapePoint.gradient`` shows it.

The symmetry-adapted block decomposition (hand-derived, verified numerically by ``Block.residual``).
Choose U_l = I ("canonical frame"; orthogonal invariance F_l → U F_l, F_{l+1} → F_{l+1}Uᵀ makes the
Hessian at any other frame orthogonally similar). With r = rank S every factor is supported on
S = span(e_1 … e_r) in each hidden space, and H_1's columns are equal within a class. Writing the
Hessian quadratic form as Q_g(dZ) + 2⟨G, Σ_{j<k} A_k V_k ⋯ V_j B_j⟩ + Σ λ_k‖V_k‖², the parameter
space splits into invariant subspaces:
- core: H_1 rows in S × class-mean columns, W_l on S×S, W_L columns in S — (r K + (L−1) r² + K r);
- deviation: H_1 rows in S × within-class deviation columns — per class c an r×r block, n_c − 1 times;
- coupling (hidden interface l, one direction e ∈ S⊥): column e of F_{l+1} (rows S; all K rows for
  W_L) with row e of F_l (columns S; class-mean columns for H_1) — d − r copies each;
  the quadratic form is λ_a‖a‖² + λ_b‖b‖² + 2aᵀCb with C = A_{l+1}ᵀ G B_lᵀ, and at a Lemma 1 critical
  point C = −√(λ_lλ_{l+1})·(partial isometry of rank r), so each copy has r zero eigenvalues;
- coupling-deviation (row e of H_1 × deviation columns) and penalty (W_l on S⊥×S⊥): λ_k·I.
The spectrum is the union of the block spectra with multiplicities; every block is computed from
exact Hessian-vector products on its basis, and ``residual`` = ‖HB − B(BᵀHB)‖_max certifies (to
rounding) that the subspace is invariant. Blocks do not depend on d (only multiplicities do).

Dimension of the solution set. D_Z := dim {Lemma 1 parameters with output Z} is the dimension of the
orbit of the group O(d)^L acting by F_l → U_l F_l, F_{l+1} → F_{l+1} U_lᵀ; its tangent space is
spanned by (A F_l, −F_{l+1}A), A ∈ so(d), at each interface. The stabiliser of a rank-r point is
O(d−r) at each interface, so D_Z = L(d(d−1)/2 − (d−r)(d−r−1)/2) = L(rd − r(r+1)/2) — the Stiefel
count, whether or not the singular values are equal. ``orbit_dimension`` computes it as the rank of
the Jacobian of that parametrisation; ``BlockSpectrum.inertia().zero`` gives the Hessian nullity.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np

from . import _validate as V
from .hessian import HessianContext, Inertia, inertia, machine_epsilon, symmetric_eigenvalues, zero_tolerance
from .linalg import random_orthogonal, to_mp_array
from .model import DeepUFM, Parameters
from .objective import is_mp, loss_and_gradient
from .precision import DEFAULT_DPS, to_mpf
from .reduction import balanced_parameters, critical_parameters
from .scale import optimal_scale
from .structures import Structure


# ---- critical points ------------------------------------------------------------------------------

@dataclass
class LandscapePoint:
    """A positive critical scale t of structure S (kind from ``optimal_scale``) and the model.

    ``index``: position among the structure's positive critical points, increasing in t; ``branch``
    is "small"/"large" when there are exactly two (DNC, paired: paper Eq. 19), else "root k".
    """

    model: DeepUFM
    structure: Structure
    t: mpmath.mpf
    kind: str
    loss: mpmath.mpf
    index: int
    n_roots: int
    dps: int = DEFAULT_DPS
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def branch(self) -> str:
        if self.n_roots == 2:
            return ("small", "large")[self.index]
        return f"root {self.index + 1}"

    @property
    def rank(self) -> int:
        return self.structure.rank

    def parameters(self, orthogonals="identity", rng=None, mp: bool = False) -> Parameters:
        """Lemma 1 parameters (``balanced_parameters``) with output t·S ⊗ 1ᵀ.

        ``orthogonals``: "identity" (the canonical frame U_l = I), "random" (Haar, seeded by ``rng``;
        drawn in mpmath when ``mp``, so that they are orthogonal to the working precision) or a list
        of L d×d orthogonal matrices. ``mp``: mpf entries at the current precision; otherwise float64
        (Z = float(t)·S ⊗ 1ᵀ, SVD and products in float64).
        """
        d, L = self.model.d, self.model.L
        key = None
        if isinstance(orthogonals, str):
            V.choice("orthogonals", orthogonals, ("identity", "random"))
            key = (orthogonals, rng, mp, mpmath.mp.dps if mp else None)
            if key in self._cache:
                return self._cache[key]
        if mp:
            Us = None
            if isinstance(orthogonals, str):
                Us = [to_mp_array(np.eye(d))] * L if orthogonals == "identity" else None
            else:
                Us = [to_mp_array(U) if not is_mp(U) else U for U in orthogonals]
            _, P = critical_parameters(self.model, self.structure, self.t, rng=rng if rng is not None else 0,
                                       orthogonals=Us)
        else:
            if isinstance(orthogonals, str):
                if orthogonals == "identity":
                    Us = [np.eye(d)] * L
                else:
                    g = np.random.default_rng(rng if rng is not None else 0)
                    Us = [random_orthogonal(d, g) for _ in range(L)]
            else:
                Us = [np.asarray(U, dtype=float) for U in orthogonals]
            Z = np.repeat(self.structure.matrix_float(), self.model.class_sizes, axis=1) * float(self.t)
            P = balanced_parameters(self.model, Z, orthogonals=Us, rank=self.rank)
        if key is not None:
            self._cache[key] = P
        return P

    def gradient(self, mp: bool = False, orthogonals="random", rng=0):
        """(max |∇ℒ|, max_k λ_k max|F_k|): the residual and the size of the terms that cancel in it."""
        P = self.parameters(orthogonals, rng=rng, mp=mp)
        _, g = loss_and_gradient(self.model, P)
        lams = [to_mpf(v) for v in self.model.lams]
        if not mp:
            lams = [float(v) for v in lams]
        scale = max(lam * max(abs(x) for x in F.ravel()) for lam, F in zip(lams, P.factors))
        return max(abs(x) for x in g.flat()), scale

    def is_critical(self, mp: bool = True) -> bool:
        """Full gradient below 10^-(dps−10)·(term size) at ``dps`` digits (or 1e3·ε in float64)."""
        g, s = self.gradient(mp=mp)
        tol = mpmath.mpf(10) ** (-(mpmath.mp.dps - 10)) if mp else 1e3 * np.finfo(float).eps
        return bool(g <= tol * s)

    def __repr__(self) -> str:
        return (f"LandscapePoint({self.structure.name}, K={self.model.K}, L={self.model.L}, d={self.model.d}, "
                f"t={mpmath.nstr(self.t, 12)}, {self.kind}, {self.branch})")


def critical_points(model: DeepUFM, structure: Structure, dps: int = DEFAULT_DPS) -> list:
    """Every positive critical scale of ``structure`` (``optimal_scale``: proven brackets, verified
    digits) as ``LandscapePoint`` objects, in increasing t."""
    opt = optimal_scale(structure, model, dps)
    cps = opt.critical_points
    return [LandscapePoint(model, structure, cp.t, cp.kind, cp.loss, i, len(cps), dps) for i, cp in enumerate(cps)]


def point_in_bracket(model: DeepUFM, structure: Structure, a, b) -> LandscapePoint:
    """The critical scale of ``structure`` in [a, b], where F(t) = φ(t) − c (``ScaleProblem.F``) must
    change sign (checked); refined at the current precision. For regimes where ``optimal_scale``'s
    global search is not needed (e.g. following the large root to λ = 2^-10000). kind: F decreasing
    through the root ⇒ local minimum of f_S."""
    from .rootfinding import refine_root
    from .scale import ScaleProblem
    prob = ScaleProblem.from_structure(structure, model)
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    Fa, Fb = prob.F(a), prob.F(b)
    if Fa * Fb >= 0:
        raise V.ParameterError(f"F(t) = φ(t) − c does not change sign on [{mpmath.nstr(a, 8)}, {mpmath.nstr(b, 8)}]")
    t = refine_root(prob.F, a, b)
    kind = "local min" if Fa > 0 else "local max"
    return LandscapePoint(model, structure, t, kind, prob.value(t), 1 if kind == "local min" else 0, 2,
                          dps=mpmath.mp.dps)


# ---- the symmetry-adapted block decomposition -------------------------------------------------------

@dataclass
class Block:
    """One invariant subspace: its compressed Hessian (m×m), multiplicity, invariance residual, and
    the orbit tangent vectors expressed in block coordinates (columns)."""

    name: str
    matrix: np.ndarray
    multiplicity: int
    residual: object
    tangent: np.ndarray | None = None
    _eigs: object = field(default=None, repr=False)
    _rank: object = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return self.matrix.shape[0]

    def eigenvalues(self):
        if self._eigs is None:
            self._eigs = symmetric_eigenvalues(self.matrix)
        return self._eigs

    def tangent_rank(self):
        """(rank, tol, largest zero, smallest non-zero) of the orbit tangent in block coordinates
        (``jacobian_rank``)."""
        if self.tangent is None or self.tangent.shape[1] == 0:
            return 0, None, None, None
        if self._rank is None:
            self._rank = jacobian_rank(self.tangent)
        return self._rank


class _Basis:
    """Sparse description of basis vectors: lists of (factor, i, j, value) per vector."""

    def __init__(self, ctx: HessianContext):
        self.ctx = ctx
        self.offsets = np.cumsum([0] + ctx.sizes[:-1]).tolist()
        self.vectors: list = []

    def add(self, entries):
        self.vectors.append(entries)

    def matrix(self, mp: bool):
        m, n = len(self.vectors), self.ctx.n
        if mp:
            B = np.empty((m, n), dtype=object)
            B[...] = mpmath.mpf(0)
        else:
            B = np.zeros((m, n))
        for row, entries in enumerate(self.vectors):
            for f, i, j, v in entries:
                B[row, self.offsets[f] + i * self.ctx.shapes[f][1] + j] = v
        return B


def _maxabs(A):
    """max |a_ij| (0 for an empty array); mpf for object arrays."""
    A = np.asarray(A)
    if A.size == 0:
        return 0
    if is_mp(A):
        return max(abs(x) for x in A.ravel())
    return float(np.max(np.abs(A)))


def _inv_sqrt(k, mp):
    return 1 / mpmath.sqrt(k) if mp else 1 / np.sqrt(k)


def hessian_block(name, ctx, basis, mult, mp, tangent_flat=None) -> Block:
    """The Hessian compressed onto the rows of ``basis``: the block M = B H Bᵀ (symmetrised) with its
    residual max|H Bᵀ − Bᵀ M| (0 when the rows span an invariant subspace), multiplicity ``mult``, and the
    orbit tangent ``tangent_flat`` (rows) in these coordinates. ``basis``: a ``_Basis`` or an orthonormal
    m×n array; None when it has no rows. Used by ``block_spectrum_of`` and ``stability``."""
    B = basis.matrix(mp) if isinstance(basis, _Basis) else basis
    if B.shape[0] == 0:
        return None
    HB = ctx.apply(B)  # rows: H b_i
    M = HB @ B.T
    M = (M + M.T) / 2
    R = HB - M @ B
    res = _maxabs(R)
    tan = None
    if tangent_flat is not None and len(tangent_flat):
        tan = B @ np.asarray(tangent_flat).T
    return Block(name, M, mult, res, tan)


def orbit_tangent(ctx: HessianContext, generators, mp: bool) -> list:
    """Flat tangent vectors (A F_l, −F_{l+1} A) of the orbit of the O(d)^L symmetry at ``ctx``'s point. ``generators``: (l, i, j) for
    A = E_ij − E_ji, or (l, A) with A a d×d skew-symmetric matrix."""
    F = ctx.F
    out = []
    for gen in generators:
        blocks = [np.zeros(s, dtype=object) if mp else np.zeros(s) for s in ctx.shapes]
        if mp:
            for b in blocks:
                b[...] = mpmath.mpf(0)
        if len(gen) == 3:
            l, i, j = gen
            # A F_l: row i gets +F_l[j,:], row j gets −F_l[i,:]
            blocks[l][i, :] = blocks[l][i, :] + F[l][j, :]
            blocks[l][j, :] = blocks[l][j, :] - F[l][i, :]
            # −F_{l+1} A: column j gets −F_{l+1}[:, i], column i gets +F_{l+1}[:, j]
            blocks[l + 1][:, j] = blocks[l + 1][:, j] - F[l + 1][:, i]
            blocks[l + 1][:, i] = blocks[l + 1][:, i] + F[l + 1][:, j]
        else:
            l, A = gen
            blocks[l] = A @ F[l]
            blocks[l + 1] = -(F[l + 1] @ A)
        out.append(ctx.join(blocks))
    return out


@dataclass
class BlockSpectrum:
    """The Hessian spectrum at a canonical-frame critical point, as blocks with multiplicities."""

    blocks: list
    n_params: int
    mp: bool
    d: int
    r: int
    L: int

    def eigenvalues(self):
        """[(eigenvalue, multiplicity)], all blocks."""
        return [(mu, b.multiplicity) for b in self.blocks for mu in b.eigenvalues() if b.multiplicity]

    def check_total(self):
        tot = sum(b.size * b.multiplicity for b in self.blocks)
        if tot != self.n_params:  # pragma: no cover - a bug in the decomposition
            raise AssertionError(f"blocks cover {tot} of {self.n_params} dimensions")
        return tot

    @property
    def largest_block(self) -> int:
        return max(b.size for b in self.blocks)

    def norms(self) -> dict:
        """Frobenius, spectral and trace (nuclear) norms of the Hessian, from the block spectrum."""
        return {"frobenius": self.frobenius_norm(), "spectral": self.spectral_norm(), "trace": self.trace_norm()}

    def spectral_norm(self):
        return max(abs(mu) for mu, _ in self.eigenvalues())

    def frobenius_norm(self):
        vals = self.eigenvalues()
        if self.mp:
            return mpmath.sqrt(mpmath.fsum(m * mu * mu for mu, m in vals))
        return float(np.sqrt(sum(m * mu * mu for mu, m in vals)))

    def trace_norm(self):
        vals = self.eigenvalues()
        if self.mp:
            return mpmath.fsum(m * abs(mu) for mu, m in vals)
        return float(sum(m * abs(mu) for mu, m in vals))

    def tolerance(self, C: int = 10):
        """τ = C·m·ε·‖H‖₂ with m the largest block (``hessian.zero_tolerance``)."""
        return zero_tolerance(self.largest_block, self.spectral_norm(), self.mp, C)

    def max_residual(self):
        return max(b.residual for b in self.blocks)

    def inertia(self, tol=None) -> Inertia:
        tol = self.tolerance() if tol is None else tol
        vals = self.eigenvalues()
        return inertia([mu for mu, _ in vals], tol, [m for _, m in vals])

    def orbit_dimension(self):
        """(D_Z, smallest non-zero singular value, largest one counted as zero): the rank of the orbit
        Jacobian, block by block — tangent vectors of different blocks have disjoint supports, so the
        ranks add, with the blocks' multiplicities."""
        total, smallest, largest_zero = 0, None, None
        for b in self.blocks:
            rk, _, z, nz = b.tangent_rank()
            total += b.multiplicity * rk
            if nz is not None:
                smallest = nz if smallest is None else min(smallest, nz)
            if z is not None:
                largest_zero = z if largest_zero is None else max(largest_zero, z)
        return total, smallest, largest_zero

    def transverse_eigenvalues(self):
        """[(μ, multiplicity)] of the Hessian on the orthogonal complement of the orbit tangent space:
        each block B with tangent T (BT = 0 at a critical point, exactly) is compressed onto an
        orthonormal basis C of range(T)^⊥ (full SVD of T): eigenvalues of CᵀBC."""
        out = []
        for b in self.blocks:
            if not b.multiplicity:
                continue
            k = b.tangent_rank()[0]
            if k == 0:
                out.extend((mu, b.multiplicity) for mu in b.eigenvalues())
                continue
            C = _complement(b.tangent, k)
            out.extend((mu, b.multiplicity) for mu in symmetric_eigenvalues(C.T @ b.matrix @ C))
        return out

    def transverse_min(self):
        return min(mu for mu, _ in self.transverse_eigenvalues())


def _complement(T, k):
    """Orthonormal basis (m×(m−k)) of the orthogonal complement of the column space of T (rank k)."""
    m = T.shape[0]
    if is_mp(T):
        U, S, _ = mpmath.svd_r(mpmath.matrix(T.tolist()), full_matrices=True, compute_uv=True)
        order = sorted(range(len(S)), key=lambda i: -S[i])[:k]
        rest = [j for j in range(m) if j not in order]
        U = np.array(U.tolist(), dtype=object)
        return U[:, rest]
    U, _, _ = np.linalg.svd(np.asarray(T, dtype=float), full_matrices=True)
    return U[:, k:]


def block_spectrum(point: LandscapePoint, mp: bool = False, with_tangent: bool = True) -> BlockSpectrum:
    """The Hessian at ``point`` in the canonical frame, decomposed into invariant blocks (module
    docstring). mp: entries are mpf at the current precision."""
    model = point.model
    P = point.parameters("identity", mp=mp)
    return block_spectrum_of(model, P, point.rank, mp, with_tangent)


def block_spectrum_of(model: DeepUFM, P: Parameters, r: int, mp: bool, with_tangent: bool = True,
                      core_blocks=None) -> BlockSpectrum:
    """The block-diagonal Hessian (``BlockSpectrum``) of ``model`` at the rank-``r`` critical point ``P``
    (Lemma 1 form): core, deviation, coupling and penalty blocks (module docstring).

    ``core_blocks``: a function ctx ↦ list of Blocks replacing the generic core (e.g. the DNC
    isotypic blocks of ``stability``)."""
    ctx = HessianContext(model, P)
    K, L, d = model.K, model.L, model.d
    sizes = model.class_sizes
    starts = np.cumsum([0] + list(sizes[:-1])).tolist()
    S = range(r)
    inv = lambda k: _inv_sqrt(k, mp)  # noqa: E731
    one = mpmath.mpf(1) if mp else 1.0
    blocks = []

    # core
    if core_blocks is not None:
        blocks.extend(core_blocks(ctx))
    else:
        core = _Basis(ctx)
        for i in S:
            for c in range(K):
                core.add([(0, i, starts[c] + j, inv(sizes[c])) for j in range(sizes[c])])
        for l in range(1, L):
            for i in S:
                for j in S:
                    core.add([(l, i, j, one)])
        for k in range(K):
            for j in S:
                core.add([(L, k, j, one)])
        tan_core = orbit_tangent(ctx, [(l, i, j) for l in range(L) for i in S for j in S if i < j], mp) \
            if with_tangent else None
        blocks.append(hessian_block("core", ctx, core, 1, mp, tan_core))

    # deviation (one representative deviation vector per class)
    for c in range(K):
        if sizes[c] < 2:
            continue
        dev = _Basis(ctx)
        a, b = starts[c], starts[c] + 1
        for i in S:
            dev.add([(0, i, a, inv(2)), (0, i, b, -inv(2))])
        blocks.append(hessian_block(f"deviation c={c}", ctx, dev, sizes[c] - 1, mp))

    if d > r:
        e = r
        for l in range(L):
            cp = _Basis(ctx)
            if l + 1 < L:
                for i in S:
                    cp.add([(l + 1, i, e, one)])
            else:
                for k in range(K):
                    cp.add([(L, k, e, one)])
            if l >= 1:
                for j in S:
                    cp.add([(l, e, j, one)])
            else:
                for c in range(K):
                    cp.add([(0, e, starts[c] + j, inv(sizes[c])) for j in range(sizes[c])])
            tan = orbit_tangent(ctx, [(l, i, e) for i in S], mp) if with_tangent else None
            blocks.append(hessian_block(f"coupling l={l}", ctx, cp, d - r, mp, tan))
        for c in range(K):
            if sizes[c] < 2:
                continue
            cd = _Basis(ctx)
            cd.add([(0, e, starts[c], inv(2)), (0, e, starts[c] + 1, -inv(2))])
            blocks.append(hessian_block(f"coupling-deviation c={c}", ctx, cd, (d - r) * (sizes[c] - 1), mp))
        for l in range(1, L):
            pen = _Basis(ctx)
            pen.add([(l, e, e, one)])
            blocks.append(hessian_block(f"penalty W{l}", ctx, pen, (d - r) ** 2, mp))
    spec = BlockSpectrum([b for b in blocks if b is not None], ctx.n, mp, d, r, L)
    spec.check_total()
    return spec


def robust_inertia(point: LandscapePoint, dps_levels=(40, 80), spectrum=None):
    """Inertia of the Hessian at ``point``: float64 blocks first; if the decision is not ``clear``
    (an eigenvalue within a factor 10 of the tolerance), recomputed with mpmath blocks at 40, then 80
    digits. Returns (Inertia, precision used: "float64" or the digits, the spectrum)."""
    spec = spectrum if spectrum is not None else block_spectrum(point)
    I = spec.inertia()
    if I.clear:
        return I, "float64", spec
    for dps in dps_levels:
        with mpmath.workdps(dps):
            spec = block_spectrum(point, mp=True)
            I = spec.inertia()
        if I.clear:
            return I, dps, spec
    return I, dps_levels[-1], spec  # pragma: no cover - reported as not clear


# ---- dense routes (small sizes; any frame) --------------------------------------------------------------

def dense_spectrum(point: LandscapePoint, orthogonals="random", rng=0, mp: bool = False):
    """(eigenvalues, ‖H − Hᵀ‖_max) of the dense exact Hessian at Lemma 1 parameters in any frame."""
    P = point.parameters(orthogonals, rng=rng, mp=mp)
    Hm = HessianContext(point.model, P).dense()
    asym = max(abs(x) for x in (Hm - Hm.T).ravel())
    return symmetric_eigenvalues(Hm), asym


def orbit_jacobian(model: DeepUFM, params: Parameters) -> np.ndarray:
    """Jacobian (n × L·d(d−1)/2) of (A_0 … A_{L−1}) ↦ d/dε [F_l ← e^{εA_l}F_l e^{−εA_{l−1}}] at ε = 0,
    i.e. columns (A F_l, −F_{l+1}A) for A = E_ij − E_ji (i < j) at each interface l."""
    ctx = HessianContext(model, params)
    mp = is_mp(params.H)
    d = model.d
    pairs = [(l, i, j) for l in range(model.L) for i in range(d) for j in range(i + 1, d)]
    return np.array(orbit_tangent(ctx, pairs, mp)).T


def jacobian_rank(J: np.ndarray, C: int = 10):
    """(rank, tol, largest singular value counted as zero, smallest counted as non-zero) with
    tol = C·max(shape)·ε·‖J‖₂ (numpy's matrix_rank rule times C)."""
    mp = is_mp(J)
    if mp:
        s = mpmath.svd_r(mpmath.matrix(J.tolist()), compute_uv=False)
        s = sorted((s[i] for i in range(len(s))), reverse=True)
    else:
        s = list(np.linalg.svd(np.asarray(J, dtype=float), compute_uv=False))
    tol = C * max(J.shape) * machine_epsilon(mp) * (s[0] if s else 0)
    nz = [x for x in s if x > tol]
    z = [x for x in s if x <= tol]
    return len(nz), tol, (max(z) if z else None), (min(nz) if nz else None)


# ---- dimension formulas ------------------------------------------------------------------------------

def stiefel_dimension(r: int, d: int) -> int:
    """dim St(r, d) = r d − r(r+1)/2."""
    return r * d - r * (r + 1) // 2


def dimension_computed_formula(L: int, r: int, d: int) -> int:
    """D_Z = L·dim St(r, d) = L(r d − r(r+1)/2): orbit of O(d)^L with stabiliser O(d−r)^L."""
    return L * stiefel_dimension(r, d)


def dimension_paper(L: int, r: int, d: int, equal_singular_values: bool) -> int:
    """The paper's count (SPEC §4 Theorem 5): D_Z = L(r d − C(r)), C(r) = r² (Grassmannian) when the
    non-zero singular values are equal, r(r+1)/2 (Stiefel) when they are distinct."""
    C = r * r if equal_singular_values else r * (r + 1) // 2
    return L * (r * d - C)


def dimension_dnc_paper(K: int, L: int, d: int) -> int:
    """The paper's D_DNC = L(K−1)(d−K+1)."""
    return L * (K - 1) * (d - K + 1)


def ratio_R(K: int, r: int, d: int, L: int = 1, paper: bool = False, equal_singular_values: bool = True):
    """R(d) = D_DNC / D_Z (exact Fraction). ``paper``: the paper's counts; else the orbit counts."""
    from fractions import Fraction
    if paper:
        return Fraction(dimension_dnc_paper(K, L, d), dimension_paper(L, r, d, equal_singular_values))
    return Fraction(dimension_computed_formula(L, K - 1, d), dimension_computed_formula(L, r, d))


# ---- cost estimates (refuse work before it starts; ``limits``) -----------------------------------------
