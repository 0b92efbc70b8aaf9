"""Candidate solutions with one or more independent scales ("families"), for thresholds and phase diagrams.

A *component* is one scale problem of SPEC §2 with balanced classes (n = 1, class weight 1/K):
    f(t) = Σ_types w log Σ_j m_j e^{−t g_j} + ((L+1)/2) μ P t^p,   P = Σ_i s_i^p,  p = 2/(L+1),
where μ = Λ n^{1/(L+1)} carries λ and n (SPEC §2: for balanced CE, f_S depends on λ and n only through
c = Λ n^{1/(L+1)} Σ s_i^p). A *family* is a sum of components with independent scales:
- every structure S (SPEC §3) is a one-component family (scale t, Z̄ = t S);
- ``paired_two_scale(K)`` (odd K = 2m+1): Z̄ = t₁ (I_m ⊗ [[1,−1],[−1,1]] ⊕ 0) + t₂ e_K e_Kᵀ. Block
  diagonal, so its singular values are 2t₁ (m times) and t₂, and the fit splits by column: the loss is
  f_pairs(t₁) + f_single(t₂) — two independent scale problems, each solved with proven brackets.
  (On main, Lemma 1's check found the one-scale odd paired pattern of paper Eq. 5 is not a critical
  point of the DUFM; with two scales it is, see tests.)

The optimal loss of a family, V(μ) = Σ_components min_t f(t), is a concave non-decreasing function of μ
(a minimum of affine functions of μ), with dV/dμ = penalty*/μ (envelope theorem) — the facts the
threshold search (``thresholds``) rests on.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from . import _validate as V
from .patterns import FAMILY as FAMILY_KIND
from .patterns import STRUCTURE as STRUCTURE_KIND
from .patterns import require as require_pattern
from .structures import FrozenMemo, Structure, evaluate_exact, dnc, named, paired, polygon


@dataclass(frozen=True)
class Component(FrozenMemo):
    """One scale: column types ((w, gaps, multiplicities), ...) and the non-zero singular values at t = 1.

    Gaps are the logit gaps S_cc − S_{c'c} (the own class gives gap 0), exact sympy numbers; the
    weights w are exact rationals summing (over all components of a family) to 1.
    """

    name: str
    types: tuple
    svals: tuple

    def numbers(self, dps: int):
        """(types as mpf, singular values as mpf) at ``dps`` digits (fresh lists; mpf are immutable)."""
        def compute():
            with mpmath.workdps(dps):
                types = tuple((evaluate_exact(sp.sympify(w), dps), tuple(evaluate_exact(sp.sympify(g), dps) for g in gs),
                               tuple(int(m) for m in ms)) for w, gs, ms in self.types)
                sv = tuple(evaluate_exact(sp.sympify(s), dps) for s in self.svals)
            return types, sv
        types, sv = self.memo(("numbers", int(dps)), compute)
        return [(w, list(gs), list(ms)) for w, gs, ms in types], list(sv)

    @property
    def weight(self):
        return sum(sp.sympify(w) for w, _, _ in self.types)

    def min_positive_gap(self):
        """γ = smallest positive gap (exact), or None if the component has no positive gap."""
        def compute():
            pos = [g for _, gs, _ in self.types for g in gs if _positive(g)]
            if not pos:
                return None
            return min(pos, key=lambda g: float(sp.N(g, 30)))
        return self.memo("min_positive_gap", compute)

    def strictly_superior(self) -> bool:
        """Every column: the own gap 0 is unique and all other gaps are > 0 (paper Def. 3)."""
        def compute():
            for _, gs, ms in self.types:
                for g, m in zip(gs, ms):
                    if g == 0:
                        if m != 1:
                            return False
                    elif not _positive(g):
                        return False
            return True
        return self.memo("strictly_superior", compute)

    def weakly_superior(self) -> bool:
        """Every gap >= 0 (the own-class logit is a maximum, possibly tied)."""
        return self.memo("weakly_superior",
                          lambda: all(g == 0 or _positive(g) for _, gs, _ in self.types for g in gs))

    def signature(self, dps: int = 40) -> tuple:
        """Scale-free fingerprint: gaps and singular values divided by γ, rounded to dps−10 digits.
        Two components with equal signatures have identical optimal-value functions V(μ)."""
        return self.memo(("signature", int(dps)), lambda: self._signature(dps))

    def _signature(self, dps: int) -> tuple:
        gamma = self.min_positive_gap()
        with mpmath.workdps(dps):
            gm = evaluate_exact(gamma, dps) if gamma is not None else mpmath.mpf(1)
            r = lambda x: mpmath.nstr(x / gm, dps - 10)  # noqa: E731
            types, sv = self.numbers(dps)
            tsig = sorted((mpmath.nstr(w, dps - 10), tuple(sorted((r(g), m) for g, m in zip(gs, ms))))
                          for w, gs, ms in types)
            ssig = tuple(sorted(r(s) for s in sv))
        return tuple(tsig), ssig


def _positive(g) -> bool:
    try:
        return bool(sp.sympify(g) > 0)
    except TypeError:
        return False


@dataclass(frozen=True, eq=False)
class Family:
    """A candidate solution with ``len(components)`` independent scales (see module docstring).

    ``builder(scales)`` returns the K×K class-mean output Z̄ as a sympy matrix for given scales.
    """

    name: str
    K: int
    components: tuple
    builder: object = field(repr=False)
    description: str = ""
    dominates: tuple = ()  # names of families never strictly lower than this one (special cases or worse everywhere)

    def matrix(self, scales) -> sp.Matrix:
        return self.builder([sp.nsimplify(s) if isinstance(s, (int, float)) else s for s in scales])

    def matrix_float(self, scales) -> np.ndarray:
        """Z̄ in float64 for float scales (built from the unit patterns, no sympy arithmetic on floats)."""
        out = np.zeros((self.K, self.K))
        for k, s in enumerate(scales):
            unit = [0] * len(self.components)
            unit[k] = 1
            out += float(s) * np.array(self.builder(unit).evalf(30).tolist(), dtype=float)
        return out

    def signature(self, dps: int = 40) -> tuple:
        return tuple(sorted(c.signature(dps) for c in self.components))

    def equivalent(self, other: "Family") -> bool:
        """Same optimal-value function V(μ): the same multiset of component signatures."""
        return self.K == other.K and self.signature() == other.signature()

    @property
    def strictly_superior(self) -> bool:
        return all(c.strictly_superior() for c in self.components)

    def __repr__(self) -> str:
        return f"Family({self.name!r}, K={self.K}, scales={len(self.components)})"


def component_from_structure(S: Structure, name: str | None = None) -> Component:
    """One component with S's column gap types (balanced classes: weight 1/K per column)."""
    types = []
    for classes, gaps in S.column_types():
        types.append((sp.Rational(len(classes), S.K), tuple(g for g, _ in gaps), tuple(m for _, m in gaps)))
    if S.exact_singular_values is not None:
        sv = tuple(s for s in S.exact_singular_values if s != 0)
    else:
        vals = S.singular_values_mp(60)
        sv = tuple(sp.Float(mpmath.nstr(v, 60), 60) for v in vals if v != 0)
    return Component(name or S.name, tuple(types), sv)


def from_structure(S: Structure, name: str | None = None) -> Family:
    """The one-scale family t ↦ t·S."""
    M = S.matrix
    return Family(name or S.name, S.K, (component_from_structure(S, name),),
                  lambda sc, M=M: sp.Matrix(M) * sc[0], S.description)


def paired_two_scale(K: int) -> Family:
    """Odd K = 2m+1: pairs at scale t₁ and the singleton class at its own scale t₂ (module docstring).

    Pair-class column: gaps 0 (own), 2t₁ (partner), t₁ (K−2 others, the singleton included):
    weight (K−1)/K, singular values 2 (m times). Singleton column: gaps 0, t₂ (K−1 times): weight
    1/K, singular value 1.
    """
    K = V.integer("K", K, 3)
    if K % 2 == 0:
        raise V.ParameterError(f"paired_two_scale needs odd K (for even K it is paired(K)), got K = {K}")
    m = K // 2
    pairs = Component("pairs", ((sp.Rational(K - 1, K), (sp.Integer(0), sp.Integer(1), sp.Integer(2)), (1, K - 2, 1)),),
                      tuple([sp.Integer(2)] * m))
    single = Component("singleton", ((sp.Rational(1, K), (sp.Integer(0), sp.Integer(1)), (1, K - 1)),),
                       (sp.Integer(1),))
    P = paired(K).matrix

    def build(sc):
        B = sp.Matrix(P)
        B[K - 1, K - 1] = 0
        E = sp.zeros(K, K)
        E[K - 1, K - 1] = 1
        return B * sc[0] + E * sc[1]

    return Family("paired2", K, (pairs, single), build,
                  "odd K: paired blocks at scale t₁, singleton class at its own scale t₂", dominates=("paired",))


def block_component(K: int, k: int, count: int) -> Component:
    """``count`` blocks of size k at one common scale (block-diagonal Z̄; other classes' logits 0).

    k >= 2: the block is the simplex I_k − 11ᵀ/k; a class's gaps are 1 to its k−1 block mates and
    (k−1)/k to the K−k classes outside; singular values 1 (k−1 times per block). k = 1: the block is [1];
    gaps 1 to all K−1 others; singular value 1. Columns of different blocks do not interact (the fit is a
    sum over columns and each column only sees its own block's scale), so blocks of different sizes have
    independent scales; identical blocks share one (they solve the same scale problem)."""
    w = sp.Rational(count * k, K)
    if k == 1:
        types = ((w, (sp.Integer(0), sp.Integer(1)), (1, K - 1)),)
        sv = tuple([sp.Integer(1)] * count)
    else:
        gaps, mults = [sp.Integer(0), sp.Integer(1)], [1, k - 1]
        if K > k:
            gaps.insert(1, sp.Rational(k - 1, k))
            mults.insert(1, K - k)
        types = ((w, tuple(gaps), tuple(mults)),)
        sv = tuple([sp.Integer(1)] * (count * (k - 1)))
    return Component(f"{count}×{k}-block" if count > 1 else f"{k}-block", types, sv)


def blocks(K: int, sizes) -> Family:
    """Block-diagonal simplices of the given sizes (a partition of K), one scale per distinct size.

    blocks(K, [K]) is DNC; blocks(2m, [2]*m) is paired (up to a factor 2 in the scale); blocks(2m+1,
    [2]*m + [1]) is the two-scale paired family; e.g. blocks(5, [3, 2]) mixes a 3-simplex with a pair (the
    'smaller simplex with pairs' of the paper's GD experiments)."""
    K = V.integer("K", K, 2)
    sizes = sorted((V.integer("block size", k, 1, K) for k in sizes), reverse=True)
    if sum(sizes) != K:
        raise V.ParameterError(f"block sizes must sum to K = {K}, got {sizes} (sum {sum(sizes)})")
    distinct = sorted(set(sizes), reverse=True)
    comps = tuple(block_component(K, k, sizes.count(k)) for k in distinct)
    layout = list(sizes)

    def build(sc):
        M = sp.zeros(K, K)
        i = 0
        for k in layout:
            s = sc[distinct.index(k)]
            for a in range(k):
                for b in range(k):
                    if k == 1:
                        M[i + a, i + b] = s
                    else:
                        M[i + a, i + b] = s * (sp.Integer(int(a == b)) - sp.Rational(1, k))
            i += k
        return M

    name = "blocks(" + "+".join(map(str, sizes)) + ")"
    return Family(name, K, comps, build, f"block-diagonal simplices of sizes {sizes}, one scale per size")


def paired_centred(K: int) -> Family:
    """Odd K = 2m+1: pairs at scale t₁ and a *centred* singleton direction at scale t₂:
        Z̄ = t₁ (I_m ⊗ [[1,−1],[−1,1]] ⊕ 0) + t₂ (e_K − 1/K) e_Kᵀ.
    The singleton column has the same gaps as in ``paired_two_scale`` (t₂ to every other class) and the pair
    columns are untouched, but the singleton's singular value is √((K−1)/K) instead of 1 (its column is
    centred), so its loss is never higher than paired2's — nor than paired's (take t₂ = t₁). The two
    parts stay orthogonal (B has zero row and column sums and no singleton row/column), so the family is
    separable like paired2."""
    K = V.integer("K", K, 3)
    if K % 2 == 0:
        raise V.ParameterError(f"paired_centred needs odd K, got K = {K}")
    base = paired_two_scale(K)
    pairs, single = base.components
    single_c = Component("centred singleton", single.types, (sp.sqrt(sp.Rational(K - 1, K)),))
    P = paired(K).matrix

    def build(sc):
        B = sp.Matrix(P)
        B[K - 1, K - 1] = 0
        E = sp.zeros(K, K)
        for i in range(K):
            E[i, K - 1] = sp.Integer(int(i == K - 1)) - sp.Rational(1, K)
        return B * sc[0] + E * sc[1]

    return Family("paired2c", K, (pairs, single_c), build,
                  "odd K: pairs at scale t₁, centred singleton column (e_K − 1/K) at scale t₂",
                  dominates=("paired", "paired2"))


def named_family(name: str, K: int) -> Family:
    """The family of a registered name (``patterns``, accepted by ``phase``): a structure ('dnc', 'paired'
    (paper Eq. 5, one scale), 'polygon') as the one-scale family t ↦ t·S, or a family built by its registered
    builder: 'paired2', 'paired2c' (odd K, two scales), or 'blocks:3+2' (``blocks``).

    >>> named_family("paired2", 5).name, named_family("blocks:3+2", 5).name, len(named_family("dnc", 4).components)
    ('paired2', 'blocks(3+2)', 1)
    """
    entry = require_pattern(name, "phase", "structure")
    if entry.kind == STRUCTURE_KIND:
        return from_structure(named(name, K))
    if entry.kind != FAMILY_KIND:  # pragma: no cover - phase accepts structures and families only
        raise V.ParameterError(f"structure {name!r} is a {entry.kind}, not a family")
    if entry.parameter:
        try:
            sizes = [int(x) for x in name.split(":", 1)[1].split("+")]
        except ValueError:
            raise V.ParameterError(f"structure 'blocks:a+b+…' needs integer block sizes, got {name!r}") from None
        return entry.builder_function()(K, sizes)
    return entry.builder_function()(K)


def default_families(K: int) -> list:
    """DNC, paired (Eq. 5), for odd K >= 3 the two-scale families paired2 and paired2c, and the polygon.

    A fresh list of shared (immutable) ``Family`` objects: built once per K and process (the exact
    structures and their gap types cost sympy work that a phase grid would repeat for every L)."""
    if isinstance(K, int) and not isinstance(K, bool):
        return list(_default_families(K))
    return list(_build_default_families(K))  # not cached: validated (and refused) by the constructors


@functools.lru_cache(maxsize=64)
def _default_families(K: int) -> tuple:
    return _build_default_families(K)


def _build_default_families(K) -> tuple:
    fams = [from_structure(dnc(K)), from_structure(paired(K))]
    if K % 2 == 1 and K >= 3:
        fams += [paired_two_scale(K), paired_centred(K)]
    fams.append(from_structure(polygon(K)))
    return tuple(fams)


def merge_equivalent(families: list) -> list:
    """Group families with identical V(μ) (e.g. polygon(3) = 1.5·dnc(3), polygon(4) ≅ paired(4) after
    relabelling the classes, all three named patterns for K = 2). Returns [(label, [families])]; the
    label joins the names with '='."""
    groups: list = []
    for f in families:
        for g in groups:
            if g[0].equivalent(f):
                g.append(f)
                break
        else:
            groups.append([f])
    return [("=".join(x.name for x in g), g) for g in groups]
