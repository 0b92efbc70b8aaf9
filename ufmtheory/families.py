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

from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from . import _validate as V
from .structures import Structure, _eval, dnc, named, paired, polygon


@dataclass(frozen=True)
class Component:
    """One scale: column types ((w, gaps, multiplicities), ...) and the non-zero singular values at t = 1.

    Gaps are the logit gaps S_cc − S_{c'c} (the own class gives gap 0), exact sympy numbers; the
    weights w are exact rationals summing (over all components of a family) to 1.
    """

    name: str
    types: tuple
    svals: tuple

    def numbers(self, dps: int):
        """(types as mpf, singular values as mpf) at ``dps`` digits."""
        with mpmath.workdps(dps):
            types = [(_eval(sp.sympify(w), dps), [_eval(sp.sympify(g), dps) for g in gs], [int(m) for m in ms])
                     for w, gs, ms in self.types]
            sv = [_eval(sp.sympify(s), dps) for s in self.svals]
        return types, sv

    @property
    def weight(self):
        return sum(sp.sympify(w) for w, _, _ in self.types)

    def min_positive_gap(self):
        """γ = smallest positive gap (exact), or None if the component has no positive gap."""
        pos = [g for _, gs, _ in self.types for g in gs if _positive(g)]
        if not pos:
            return None
        return min(pos, key=lambda g: float(sp.N(g, 30)))

    def strictly_superior(self) -> bool:
        """Every column: the own gap 0 is unique and all other gaps are > 0 (paper Def. 3)."""
        for _, gs, ms in self.types:
            for g, m in zip(gs, ms):
                if g == 0:
                    if m != 1:
                        return False
                elif not _positive(g):
                    return False
        return True

    def weakly_superior(self) -> bool:
        """Every gap >= 0 (the own-class logit is a maximum, possibly tied)."""
        return all(g == 0 or _positive(g) for _, gs, _ in self.types for g in gs)

    def signature(self, dps: int = 40) -> tuple:
        """Scale-free fingerprint: gaps and singular values divided by γ, rounded to dps−10 digits.
        Two components with equal signatures have identical optimal-value functions V(μ)."""
        gamma = self.min_positive_gap()
        with mpmath.workdps(dps):
            gm = _eval(gamma, dps) if gamma is not None else mpmath.mpf(1)
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
    contains: tuple = ()  # names of families that are special cases of this one (never strictly lower)

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
                  "odd K: paired blocks at scale t₁, singleton class at its own scale t₂", contains=("paired",))


FAMILY_NAMES = ("dnc", "paired", "paired2", "polygon")


def named_family(name: str, K: int) -> Family:
    """'dnc', 'paired' (paper Eq. 5, one scale), 'paired2' (odd K, two scales), 'polygon'."""
    V.choice("structure", name, FAMILY_NAMES)
    if name == "paired2":
        return paired_two_scale(K)
    return from_structure(named(name, K))


def default_families(K: int) -> list:
    """DNC, paired (Eq. 5), the two-scale odd paired family (odd K >= 3) and the polygon."""
    fams = [from_structure(dnc(K)), from_structure(paired(K))]
    if K % 2 == 1 and K >= 3:
        fams.append(paired_two_scale(K))
    fams.append(from_structure(polygon(K)))
    return fams


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
