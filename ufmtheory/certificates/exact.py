"""Exact data of one structure's scale problem and rigorous interval extensions of it.

SPEC §2 ("One structure, one scale"), cross-entropy, balanced classes (n per class), one λ:
    f_S(t) = ḡ(t) + ((L+1)/2) λ P t^p,     p = 2/(L+1),   P = n^{1/(L+1)} Σ_i s_i(S)^p,
    ḡ(t)   = Σ_types w log Σ_j m_j e^{−t g_j}            (f_S(0) = log K, the zero solution),
where the K columns are grouped into types of identical gap multisets (w = #columns/K; gaps
g_j = S_cc − S_{c'c} with multiplicities m_j, the own class included with gap 0). With
h = −ḡ' = Σ w E_π[g] (π_j ∝ m_j e^{−t g_j}) and c = λP:
    f'(t) = −t^{p−1} F(t),   F(t) = t^{1−p} h(t) − c,   F'(t) = (1−p) t^{−p} h(t) + t^{1−p} h'(t),
    h'(t) = −Σ w Var_π(g)   (ufmtheory.scale uses the same reduction with mpf constants).

For a certificate nothing may be rounded before it is enclosed: λ, the weights and p are Fractions,
gaps and singular values are the structure's exact sympy expressions, enclosed by interval evaluation
of their expression trees (2^{2/3} becomes an arb ball, cos(2π/7) an arb ball around the cosine).
Only the named structures of ``ufmtheory.structures`` are accepted, so a certificate file never
carries an expression that would have to be parsed (sympify evaluates code).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .. import _validate as V
from ..intervals import EnclosureError, enclose
from ..losses import IntervalGapMoments
from ..structures import named


@dataclass(frozen=True)
class ScaleData:
    """Exact constants of f_S for a named structure: K, L, n, column types and singular values."""

    structure: str
    K: int
    L: int
    n: int
    types: tuple            # ((w: Fraction, gaps: tuple[sympy], mults: tuple[int]), ...)
    singular_values: tuple  # exact sympy singular values of S (zeros included)

    @classmethod
    def named(cls, structure: str, K: int, L: int, n: int) -> "ScaleData":
        K = V.integer("K", K, 2)
        L = V.integer("L", L, 1)
        n = V.integer("n", n, 1)
        S = named(structure, K)
        types = []
        for classes, gaps in S.column_types():
            types.append((Fraction(len(classes), K), tuple(g for g, _ in gaps), tuple(int(m) for _, m in gaps)))
        return cls(structure, K, L, n, tuple(types), tuple(S.exact_singular_values))

    @property
    def p(self) -> Fraction:
        return Fraction(2, self.L + 1)

    def to_json(self) -> dict:
        """The exact data as strings (sympy's printing), for a reader of the certificate; the checker
        rebuilds it from the structure's name and compares these strings."""
        return {"column_types": [{"weight": str(w), "gaps": [str(g) for g in gs], "multiplicities": list(ms)}
                                 for w, gs, ms in self.types],
                "singular_values": [str(s) for s in self.singular_values]}


class IntervalScale:
    """Interval extensions of f, f', F, F' for ``ScaleData`` in backend ``B`` (create inside
    ``B.precision(bits)``; every constant is enclosed from the exact data once, here)."""

    def __init__(self, data: ScaleData, B):
        self.data, self.B = data, B
        pt = B.point
        self.p = pt(data.p)
        self.omp = pt(1 - data.p)
        self.p_is_one = data.p == 1
        self.half_Lp1 = pt(Fraction(data.L + 1, 2))
        self.types = []
        for w, gs, ms in data.types:
            self.types.append((pt(w), [enclose(g, B) for g in gs], [pt(m) for m in ms]))
        self._moments = IntervalGapMoments(B, self.types)
        # P = n^{1/(L+1)} Σ_{s ≠ 0} s^p  (s = 0 contributes 0^p = 0)
        total = pt(0)
        for s in data.singular_values:
            if s != 0:
                total = total + B.pow_pos(enclose(s, B), self.p)
        self.P = B.pow_pos(pt(data.n), pt(Fraction(1, data.L + 1))) * total
        self.zero_loss = B.log(pt(data.K))  # ḡ(0) = Σ w log Σ_j m_j = log K
        # M >= h(t) for all t >= 0: Σ w max(0, max g) — a gap's sign is decided by its enclosure
        self.M = pt(0)
        self.tail = []  # (a, δ): h(t) <= Σ a e^{−δ t}
        self.positive_gaps = False
        for (w, gs, ms), (_, gexact, mexact) in zip(self.types, data.types):
            signs = [B.sign(g) for g in gs]
            for g, sgn, ge in zip(gs, signs, gexact):
                if sgn == 0 and ge != 0:
                    raise EnclosureError(f"cannot decide the sign of the gap {ge}")
            pos = [g for g, sgn in zip(gs, signs) if sgn > 0]
            if pos:
                self.positive_gaps = True
                gmax = pos[0]
                for g in pos[1:]:
                    gmax = B.max(gmax, g)
                self.M = self.M + w * gmax
            # g_min: the smallest gap (decided by enclosures; exact ties have equal expressions)
            order = sorted(range(len(gs)), key=lambda j: float(B.lower(gs[j])))
            jmin = order[0]
            gmin = gs[jmin]
            mmin = sum(mexact[j] for j in range(len(gs)) if gexact[j] == gexact[jmin])
            for j, (g, sgn) in enumerate(zip(gs, signs)):
                if sgn > 0:
                    delta = g - gmin
                    if B.sign(delta) <= 0:
                        raise EnclosureError("a positive gap is not above the smallest gap")
                    self.tail.append((w * ms[j] * g / pt(mmin), delta))

    # ---- pieces --------------------------------------------------------------------------------
    def c(self, lam):
        """c = λ P for an interval (or point) λ."""
        return lam * self.P

    def h(self, X):
        """h(X) = Σ w Σ_j g_j π_j with π_j = 1/Σ_k (m_k/m_j) e^{−X(g_k − g_j)} (``losses.IntervalGapMoments``)."""
        return self._moments.h(X)

    def dh(self, X):
        """h'(X) = −Σ w Σ_{i<j} π_i π_j (g_i − g_j)² (minus the variance of the gaps under π)."""
        return self._moments.dh(X)

    def gbar(self, X):
        """ḡ(X) = Σ w (log m* + log1p(Σ_{k≠*} (m_k/m*) e^{−X(g_k − g*)}) − X g*), g* a smallest gap
        (``losses.IntervalGapMoments.fit``)."""
        return self._moments.fit(X)

    def F(self, X, c):
        """F(X) = X^{1−p} h(X) − c (X > 0); its zeros are the positive critical points."""
        if self.p_is_one:
            return self.h(X) - c
        return self.B.pow_pos(X, self.omp) * self.h(X) - c

    def dF(self, X):
        """F'(X) = (1−p) X^{−p} h(X) + X^{1−p} h'(X) (independent of λ)."""
        if self.p_is_one:
            return self.dh(X)
        B = self.B
        return self.omp * B.pow_pos(X, -self.p) * self.h(X) + B.pow_pos(X, self.omp) * self.dh(X)

    def penalty(self, X, lam):
        """((L+1)/2) λ P X^p."""
        return self.half_Lp1 * lam * self.P * self.B.pow_pos(X, self.p)

    def f(self, X, lam):
        """f(X) = ḡ(X) + ((L+1)/2) λ P X^p (X > 0)."""
        return self.gbar(X) + self.penalty(X, lam)

    def df(self, X, lam):
        """f'(X) = −h(X) + λ P X^{p−1}."""
        return -self.h(X) + self.c(lam) * self.B.pow_pos(X, self.p - 1)

    def f_enclosure(self, a: Fraction, b: Fraction, lam) -> tuple:
        """Exact (lo, hi) containing f over [a, b] × λ: natural extension ∩ mean-value form."""
        B = self.B
        X = B.hull(a, b)
        m = B.point((a + b) / 2)
        nat = B.exact_bounds(self.f(X, lam))
        mv = B.exact_bounds(self.f(m, lam) + self.df(X, lam) * (X - m))
        return max(nat[0], mv[0]), min(nat[1], mv[1])

