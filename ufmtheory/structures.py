"""K×K class-mean output patterns S ("structures", SPEC §3), held exactly as sympy matrices.

Column c of S is the logit vector of class c. Named structures:
- ``dnc(K)``: the simplex ETF I_K − (1/K)11ᵀ (paper Def. 2); singular values 1 (K−1 times), 0.
- ``paired(K)``: paper Eq. 5, I_m ⊗ [[1,−1],[−1,1]] (K = 2m), plus a singleton class with logit
  pattern e_K when K = 2m+1; singular values 2 (m times) and, for odd K, 1.
- ``polygon(K)``: S_jc = cos(2π(j−c)/K), rank 2 (rank 1 for K = 2); singular values K/2, K/2.
- ``from_matrix(M)``: any user matrix (floats are taken at their exact binary value).

Exact entries let the toolkit decide diagonal superiority (paper Def. 3) and rank exactly, group
identical columns of logit gaps (``column_types``) for fast evaluation, and evaluate S at any
precision.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from . import _validate as V
from .losses import get as get_loss
from .names import STRUCTURE_NAMES
from .patterns import get as get_pattern
from .precision import to_fraction


def exact_entry(x) -> sp.Expr:
    """A matrix entry as an exact sympy number: sympy numbers kept, ints, floats, mpf, Fractions and
    decimal strings converted exactly (a float is its exact binary value); anything else is a
    ParameterError.

    >>> exact_entry(3), exact_entry("0.25"), exact_entry(0.1) == sp.Rational(1, 10)
    (3, 1/4, False)
    """
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return sp.Integer(int(x))
    if isinstance(x, (float, np.floating, mpmath.mpf, Fraction, str)):
        q = to_fraction(x if not isinstance(x, np.floating) else float(x))
        return sp.Rational(q.numerator, q.denominator)
    raise V.ParameterError(f"matrix entries must be real numbers, got {x!r}")


class FrozenMemo:
    """``memo(key, compute)`` for frozen dataclasses whose facts depend only on their (immutable) fields:
    ``compute()`` once per object and ``key`` (which must hold every other input exactly: ints, names,
    Fractions — never a float approximation), kept in the instance dict (the frozen ``__setattr__`` is
    bypassed) and dropped when pickled (entries may hold interval objects or closures; recomputed on demand).
    E.g. ``scale.ScaleProblem.from_structure``'s constants per (loss, class sizes, L, digits), or a family
    component's sympy facts, which a sweep over λ or a threshold search would otherwise recompute.

    >>> S = dnc(3)
    >>> S.memo(("twice K",), lambda: 2 * S.K), S.memo(("twice K",), lambda: None)
    (6, 6)
    """

    def memo(self, key, compute):
        facts = self.__dict__.setdefault("_facts", {})
        if key not in facts:
            facts[key] = compute()
        return facts[key]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_facts", None)
        return state


@dataclass(frozen=True, eq=False)
class Structure(FrozenMemo):
    """A named K×K pattern with exact entries.

    ``singular_values`` (optional): exact singular values (sympy), descending, zeros included.
    ``rank``: exact rank. Both are computed exactly when not supplied (rational entries), or
    numerically at two precisions otherwise (see ``_numerical_rank``).
    """

    name: str
    matrix: sp.ImmutableMatrix
    exact_singular_values: tuple | None = None
    description: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        M = self.matrix
        if M.rows != M.cols or M.rows < 2:
            raise V.ParameterError(f"a structure must be a square K×K matrix with K >= 2, got {M.rows}×{M.cols}")
        for x in M:
            if not x.is_real or not x.is_finite:
                if not (x.is_number and x.evalf(30).is_real and x.evalf(30).is_finite):
                    raise V.ParameterError(f"structure entries must be finite real numbers, got {x}")

    @property
    def K(self) -> int:
        return self.matrix.rows

    # ---- exact facts --------------------------------------------------------------------------
    def gap(self, c_other: int, c: int) -> sp.Expr:
        """Logit gap S_cc − S_{c'c} of class c against class c'."""
        return self.matrix[c, c] - self.matrix[c_other, c]

    def column_gaps(self, c: int, _order: dict | None = None) -> tuple:
        """Multiset of gaps S_cc − S_{c'c} over c' (c' = c included, gap 0), as sorted (gap, count).
        ``_order``: a dict remembering each gap's sort key (value, then srepr) across columns."""
        counts: dict = {}
        for cp in range(self.K):
            g = self.gap(cp, c)
            counts[g] = counts.get(g, 0) + 1
        order = {} if _order is None else _order

        def key(kv):
            g = kv[0]
            if g not in order:
                order[g] = (float(g.evalf(30)), sp.srepr(g))
            return order[g]
        return tuple(sorted(counts.items(), key=key))

    def column_types(self) -> tuple:
        """Columns grouped by identical gap multisets: tuple of (list of classes, gaps)."""
        if "types" not in self._cache:
            groups: dict = {}
            order: dict = {}  # the same gaps recur in every column (circulant patterns): sort keys once
            for c in range(self.K):
                key = self.column_gaps(c, order)
                groups.setdefault(key, []).append(c)
            self._cache["types"] = tuple((tuple(cs), key) for key, cs in groups.items())
        return self._cache["types"]

    def column_types_mp(self, dps: int) -> list:
        """``column_types`` with the gaps evaluated at ``dps`` digits: [(classes, [(gap mpf, count)])]."""
        return [(classes, [(evaluate_exact(g, dps), m) for g, m in gaps]) for classes, gaps in self.column_types()]

    def is_diagonally_superior(self) -> bool:
        """Paper Def. 3: S_cc > S_{c'c} for every c' ≠ c (decided exactly)."""
        for c in range(self.K):
            for cp in range(self.K):
                if cp != c:
                    g = self.gap(cp, c)
                    if not _certainly_positive(g):
                        return False
        return True

    @property
    def rank(self) -> int:
        if "rank" not in self._cache:
            if self.exact_singular_values is not None:
                r = sum(1 for s in self.exact_singular_values if s != 0)
            elif all(x.is_Rational for x in self.matrix):
                r = self.matrix.rank()
            else:
                r = _numerical_rank(self)
            self._cache["rank"] = r
        return self._cache["rank"]

    # ---- evaluation at a precision ----------------------------------------------------------------
    def matrix_mp(self, dps: int | None = None) -> np.ndarray:
        """S as a numpy object array of mpf at ``dps`` digits (default: current mp.dps)."""
        dps = mpmath.mp.dps if dps is None else dps
        with mpmath.workdps(dps):
            out = np.empty((self.K, self.K), dtype=object)
            for i in range(self.K):
                for j in range(self.K):
                    out[i, j] = evaluate_exact(self.matrix[i, j], dps)
        return out

    def matrix_float(self) -> np.ndarray:
        return np.array([[float(x) for x in row] for row in self.matrix.tolist()], dtype=float)

    def singular_values_mp(self, dps: int | None = None, weights=None) -> list:
        """Singular values of S·diag(√w) (w = class sizes; default all 1), descending, exact zeros.

        Exact values are used when known and the weights are equal; otherwise mpmath.svd_r at
        dps + 20 digits, with the exact rank deciding which values are zero (cached per precision
        and weights: the values do not depend on the model's L or λ).
        """
        dps = mpmath.mp.dps if dps is None else dps
        with mpmath.workdps(dps):
            equal = weights is None or len(set(weights)) == 1
            scale = mpmath.sqrt(weights[0]) if weights is not None and equal else mpmath.mpf(1)
            if equal and self.exact_singular_values is not None:
                return [scale * evaluate_exact(s, dps) for s in self.exact_singular_values]
        key = ("sv", int(dps), None if weights is None else tuple(int(w) for w in weights))
        if key in self._cache:
            return list(self._cache[key])
        with mpmath.workdps(dps + 20):
            M = self.matrix_mp(dps + 20)
            if weights is not None:
                M = M * np.array([mpmath.sqrt(w) for w in weights], dtype=object)[None, :]
            s = mpmath.svd_r(mpmath.matrix(M.tolist()), compute_uv=False)
            s = sorted((s[i] for i in range(len(s))), reverse=True)
        r = self.rank
        with mpmath.workdps(dps):
            self._cache[key] = tuple([+x for x in s[:r]] + [mpmath.mpf(0)] * (self.K - r))
        return list(self._cache[key])

    def __repr__(self) -> str:
        return f"Structure({self.name!r}, K={self.K})"


def evaluate_exact(x: sp.Expr, dps: int) -> mpmath.mpf:
    """The mpf value of an exact sympy number: rationals divided at the current mpmath precision,
    other constants evaluated by sympy to dps+10 digits (a ParameterError if not real).

    >>> with mpmath.workdps(30):
    ...     mpmath.nstr(evaluate_exact(sp.Rational(1, 3), 30), 30), mpmath.nstr(evaluate_exact(sp.sqrt(2), 30), 25)
    ('0.333333333333333333333333333333', '1.414213562373095048801689')
    """
    if x.is_Integer:
        return mpmath.mpf(int(x))
    if x.is_Rational:
        return mpmath.mpf(int(x.p)) / int(x.q)
    v = sp.N(x, dps + 10)
    if not v.is_Float:
        raise V.ParameterError(f"structure entry {x} does not evaluate to a real number")
    return mpmath.mpf(v._mpf_)


def _certainly_positive(g: sp.Expr) -> bool:
    """g > 0 decided by sympy (exact for rationals; numerical evaluation with error control for
    explicit constants); an undecidable comparison counts as not positive."""
    try:
        return bool(g > 0)
    except TypeError:
        return False


def _numerical_rank(S: Structure) -> int:
    """Rank of a non-rational matrix: singular values at 60 and 120 digits; a value counts as zero
    when it is below 10^-50·‖S‖ at 60 digits and shrinks by > 10^40 at 120 digits (rounding noise)."""
    vals = []
    for dps in (60, 120):
        with mpmath.workdps(dps):
            M = mpmath.matrix(S.matrix_mp(dps).tolist())
            s = mpmath.svd_r(M, compute_uv=False)
            vals.append(sorted((s[i] for i in range(len(s))), reverse=True))
    smax = vals[1][0]
    r = 0
    for a, b in zip(*vals):
        noise = a < smax * mpmath.mpf(10) ** -50 and b < a * mpmath.mpf(10) ** -40
        if not noise:
            r += 1
    return r


# ---- named structures --------------------------------------------------------------------------

def dnc(K: int) -> Structure:
    """Simplex ETF S = I_K − (1/K)11ᵀ (paper Def. 2)."""
    K = V.integer("K", K, 2)
    M = sp.ImmutableMatrix(K, K, lambda i, j: sp.Rational(int(i == j)) - sp.Rational(1, K))
    return Structure("dnc", M, tuple([sp.Integer(1)] * (K - 1) + [sp.Integer(0)]),
                     "simplex ETF I − 11ᵀ/K (DNC, paper Def. 2)")


def paired(K: int) -> Structure:
    """Paired blocks (paper Eq. 5): I_m ⊗ [[1,−1],[−1,1]] for K = 2m; plus e_K e_Kᵀ for K = 2m+1."""
    K = V.integer("K", K, 2)
    m = K // 2

    def entry(i, j):
        if i < 2 * m and j < 2 * m:
            if i // 2 != j // 2:
                return sp.Integer(0)
            return sp.Integer(1) if i == j else sp.Integer(-1)
        return sp.Integer(1) if (i == j == K - 1) else sp.Integer(0)

    M = sp.ImmutableMatrix(K, K, entry)
    svals = [sp.Integer(2)] * m + ([sp.Integer(1)] if K % 2 else [])
    svals += [sp.Integer(0)] * (K - len(svals))
    return Structure("paired", M, tuple(svals), "paired blocks (paper Eq. 5)")


def polygon(K: int) -> Structure:
    """Regular polygon S_jc = cos(2π((j − c) mod K)/K): rank 2 (K >= 3), diagonally superior."""
    K = V.integer("K", K, 2)
    M = sp.ImmutableMatrix(K, K, lambda i, j: sp.cos(2 * sp.pi * sp.Rational((int(i) - int(j)) % K, K)))
    if K == 2:
        svals = (sp.Integer(2), sp.Integer(0))
    else:
        svals = tuple([sp.Rational(K, 2)] * 2 + [sp.Integer(0)] * (K - 2))
    return Structure("polygon", M, svals, "regular polygon, rank 2 (the q_K witness)")


def orthogonal_frame(K: int, name: str = "orthogonal frame") -> Structure:
    """MSE DNC pattern without bias: the orthogonal frame I_K (singular values 1, K times; Dang et al.
    2023) — the class means are orthogonal with equal norms, not the centred simplex ETF of CE.

    >>> orthogonal_frame(3).exact_singular_values
    (1, 1, 1)
    """
    K = V.integer("K", K, 2)
    return Structure(name, sp.ImmutableMatrix(sp.eye(K)), tuple([sp.Integer(1)] * K),
                     "identity I_K: class means orthogonal, equal norms (MSE DNC, no bias; Dang et al. 2023)")


def from_matrix(M, name: str = "user", require_diagonally_superior: bool = False) -> Structure:
    """Any K×K real matrix (nested lists, numpy, sympy). Floats are taken at their exact binary value;
    decimal strings ("0.1") and Fractions exactly."""
    if isinstance(M, sp.MatrixBase):
        S = sp.ImmutableMatrix(M)
    else:
        arr = np.asarray(M, dtype=object)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise V.ParameterError(f"matrix must be square K×K (K >= 2), got shape {arr.shape}")
        for x in arr.ravel():
            if isinstance(x, (float, np.floating)) and not np.isfinite(float(x)):
                raise V.ParameterError(f"matrix entries must be finite, found {x!r}")
        S = sp.ImmutableMatrix(arr.shape[0], arr.shape[1], lambda i, j: exact_entry(arr[i, j]))
    st = Structure(name, S, None, "user matrix")
    if require_diagonally_superior and not st.is_diagonally_superior():
        raise V.ParameterError(f"matrix {name!r} is not diagonally superior (paper Def. 3)")
    return st


def _registered(name: str):
    """This module's builder of the registry entry ``name`` (``patterns``: 'ufmtheory.structures:dnc' → dnc)."""
    module, _, function = get_pattern(name).builder.partition(":")
    if module != __name__:  # pragma: no cover - the registry's structures are built here
        raise V.ParameterError(f"pattern {name!r} is not built by {__name__} but by {module}")
    return globals()[function]


NAMED = {name: _registered(name) for name in STRUCTURE_NAMES}  # name → its builder (``patterns``)


def named(name: str, K: int, loss="ce") -> Structure:
    """A named structure by name: 'dnc', 'paired' or 'polygon' (``names.STRUCTURE_NAMES``, the registry
    ``patterns``). 'dnc' is the neural-collapse pattern *of the loss* (``losses.Loss.dnc_structure`` names
    the registry entry that builds it): the simplex ETF for CE and label-smoothed CE (paper Def. 2), the
    orthogonal frame I_K for MSE without bias (Dang et al. 2023).

    >>> named("dnc", 3, loss="mse").matrix == orthogonal_frame(3).matrix
    True
    """
    V.choice("structure", name, tuple(NAMED))
    if name == "dnc" and get_loss(loss).dnc_structure != name:
        S = _registered(get_loss(loss).dnc_structure)(K)
        return Structure(name, S.matrix, S.exact_singular_values, S.description)
    return NAMED[name](K)


def q_K(K: int) -> tuple[int, Structure]:
    """q_K: the smallest rank of a diagonally superior K×K matrix, with a witness of that rank.

    K = 2: 1 (witness [[1,−1],[−1,1]]). K >= 3: 2. Lower bound: a rank-one uvᵀ has column c equal
    to v_c u, whose maximum sits at argmax u (v_c > 0) or argmin u (v_c < 0), or nowhere strictly
    (v_c = 0); so at most two columns can have a strict maximum on the diagonal, and K >= 3 columns
    cannot. Upper bound: the polygon (rank 2) is diagonally superior. ``tests`` checks the witness.
    """
    K = V.integer("K", K, 2)
    if K == 2:
        return 1, polygon(2)
    return 2, polygon(K)
