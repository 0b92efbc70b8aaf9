"""A convex-relaxation lower bound for the reduced K = 3 loss, by a two-variable branch and bound over the
singular values (the DNC regime, where the six-variable box prover of ``global_min`` does not close).

Problem (``global_min.Problem``): f(Z̄) = CE(Z̄) + A (s₁^p + s₂^p) over column-centred Z̄ ∈ R^{3×3}
(rank <= 2), CE(Z̄) = (1/3) Σ_c [log Σ_k e^{Z̄_kc} − Z̄_cc], p = 2/(L+1) <= 1.

Lemma (relaxation on a cell). Let C = {Z̄ : s₁ ∈ [a₁, b₁], s₂ ∈ [a₂, b₂]}. t ↦ t^p is concave, so on
[a, b] it lies above its chord α + β t (β = (b^p − a^p)/(b − a), α = a^p − β a). With β₋ = min(β₁, β₂),
β₊ = max(β₁, β₂) and s_i ∈ [a_i, b_i]:
    β₁ s₁ + β₂ s₂ >= β₋ ‖Z̄‖_* + (β₁ − β₋) a₁ + (β₂ − β₋) a₂,
    β₁ s₁ + β₂ s₂ >= β₊ ‖Z̄‖_* − (β₊ − β₁) b₁ − (β₊ − β₂) b₂.
So on C, f >= A(α₁ + α₂ + κ) + CE(Z̄) + Aβ ‖Z̄‖_* (β = β₋ or β₊, κ the matching constant), and C lies in
the convex set Q = {‖Z̄‖₂ <= b₁, ‖Z̄‖_* <= b₁ + b₂, ‖Z̄‖_F² <= b₁² + b₂²}. CE and the norms are convex and
invariant under relabelling Z̄ ↦ Π Z̄ Πᵀ, so (Jensen over the orbit of a minimiser) min over Q of
CE + Aβ‖·‖_* is attained at an invariant centred matrix t (I − 11ᵀ/3), t >= 0 (t < 0 is worse: the
objective decreases in t there), with s = (t, t, 0):
    min_Q >= min_{0 <= t <= T} φ(t),  φ(t) = log(1 + 2e^{−t}) + 2Aβ t,
    T = min(b₁, (b₁ + b₂)/2, √((b₁² + b₂²)/2)).
φ is convex with φ'(t) = 0 at t* = log((1 − 2Aβ)/(Aβ)) (Aβ < 1/3; else φ increases on [0, ∞)); the
minimum over [0, T] is φ(clip(t*)), enclosed in arb.
Bounded region: CE >= 0 and f(min) <= U give A s₁^p <= U, so s₁ <= S = (U/A)^{1/p}; cells cover
{S >= s₁ >= s₂ >= 0}. For L = 1 (p = 1) the relaxation is exact on one cell (f is convex). The bisection
is recorded as a preorder tree (``RelaxResult.tree``), which ``global_certificate`` writes and replays.
Upper bound: f at the best DNC scale t (a float t evaluated in arb: f(t(I − 11ᵀ/3)) = log(1 + 2e^{−t}) +
2A t^p) and any further candidate values the caller proves.
The enclosure [min over leaves, U] holds the global minimum; a leaf whose bound is >= U − width/2 holds
no point below that, so the minimiser (if the enclosure is narrow) is DNC-shaped where the bound is
attained only by cells at s₁ = s₂ (reported by ``dnc_cells_only``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from . import boxes as bx


def _arb():
    """python-flint's arb, imported on first use (the module loads without flint)."""
    global _ARB
    if _ARB is None:
        from flint import arb
        _ARB = arb
    return _ARB


_ARB = None


@dataclass
class RelaxResult:
    lower: object  # arb
    upper: object  # arb
    certified: bool
    cells: int
    open_cells: int
    seconds: float
    t_dnc: float
    lowest_cells: list = field(default_factory=list)  # [(a1, b1, a2, b2)] cells whose bound is below the cut
    budget_exhausted: bool = False
    side: float = 0.0  # the cells cover [0, side]² (side a dyadic >= S)
    tree: str = ""  # preorder: '0'/'1' split along s₁/s₂ (lower half first), 'b' bound, 'e' empty, 'o' open

    @property
    def width(self) -> float:
        return float((self.upper - self.lower).upper())


def dnc_value(P, t):
    """f at t (I − 11ᵀ/3): log(1 + 2e^{−t}) + 2A t^p (arb; t an arb ball or number)."""
    arb = _arb()
    t = arb(t)
    return (1 + 2 * (-t).exp()).log() + 2 * P.A * bx.pow_nonneg(t, P.p)


def best_dnc_scale(P) -> float:
    """The DNC scale minimising log(1 + 2e^{−t}) + 2A t^p over t > 0 (float; golden section on a bracket
    of the unique large root region, then checked against t = 0 by the caller through the value)."""
    import scipy.optimize
    A, p = float(P.A.mid()), float(P.p.mid())

    def g(t):
        return math.log1p(2 * math.exp(-t)) + 2 * A * t ** p
    ts = [0.05 * 1.15 ** k for k in range(80)]
    k = min(range(len(ts)), key=lambda i: g(ts[i]))
    lo, hi = ts[max(k - 1, 0)], ts[min(k + 1, len(ts) - 1)]
    r = scipy.optimize.minimize_scalar(g, bounds=(lo, hi), method="bounded", options={"xatol": 1e-14})
    return float(r.x)


def chord(P, a, b):
    """(α, β) with t^p >= α + β t on [a, b] (concavity of t ↦ t^p, p <= 1: the chord lies below), arb;
    β = (b^p − a^p)/(b − a), α = a^p − β a (a < b).

    >>> from ufmtheory.global_min import Problem
    >>> al, be = chord(Problem(3, 2, 1, "1/20"), 1, 8)
    >>> abs(float(al + be * 8) - 4) < 1e-12, bool(al + be * 3 < 3 ** (2 / 3))
    (True, True)
    """
    arb = _arb()
    a, b = arb(a), arb(b)
    if P.L == 1:
        return arb(0), arb(1)
    ap = bx.pow_nonneg(a, P.p)
    bp = bx.pow_nonneg(b, P.p)
    beta = (bp - ap) / (b - a)
    return ap - beta * a, beta


def _phi_min(P, c, T):
    """min_{0 <= t <= T} log(1 + 2e^{−t}) + 2 c t (c = Aβ > 0), a lower enclosure (arb)."""
    arb = _arb()
    T = arb(T)
    if c.lower() >= arb(1) / 3:
        t = arb(0)
    elif c.upper() < arb(1) / 3:
        ts = ((1 - 2 * c) / c).log()
        t = ts.union(arb(0)) if ts.lower() < 0 else ts
        if t.upper() > T.lower():
            t = arb(T.lower()).union(t) if t.lower() < T.lower() else T
    else:
        t = arb(0).union(T)  # c straddles 1/3: enclose over [0, T] (sound, crude)
    t = t.nonnegative_part()
    return (1 + 2 * (-t).exp()).log() + 2 * c * t


def cell_lower(P, a1, b1, a2, b2):
    """Lower bound of f on the cell s₁ ∈ [a₁, b₁], s₂ ∈ [a₂, b₂] (module docstring), arb; None if empty."""
    arb = _arb()
    b2 = min(b2, b1)
    a1 = max(a1, a2)
    if a2 > b1 or a1 > b1 or a2 > b2:
        return None
    al1, be1 = chord(P, a1, b1) if b1 > a1 else (bx.pow_nonneg(arb(a1), P.p), arb(0))
    al2, be2 = chord(P, a2, b2) if b2 > a2 else (bx.pow_nonneg(arb(a2), P.p), arb(0))
    if b1 > a1 and b2 > a2:
        pass
    elif b1 <= a1 and b2 <= a2:
        return None  # degenerate cell (never produced by bisection)
    T = min(arb(b1), (arb(b1) + b2) / 2, ((arb(b1) ** 2 + arb(b2) ** 2) / 2).sqrt())
    best = None
    bmin = be1 if be1.upper() <= be2.lower() else be2 if be2.upper() <= be1.lower() else None
    cands = []
    lo_beta = arb(min(be1.lower(), be2.lower()))
    hi_beta = arb(max(be1.upper(), be2.upper()))
    # β₋ form: β₋‖Z‖_* + (β₁ − β₋)a₁ + (β₂ − β₋)a₂ (β₋ rounded down: still a valid minorant)
    cands.append((lo_beta, (be1 - lo_beta) * a1 + (be2 - lo_beta) * a2))
    cands.append((hi_beta, -(hi_beta - be1) * b1 - (hi_beta - be2) * b2))
    del bmin
    for beta, kappa in cands:
        if beta.upper() <= 0:
            continue
        v = P.A * (al1 + al2 + kappa) + _phi_min(P, P.A * beta, T)
        if v.is_finite():
            best = v.lower() if best is None else max(best, v.lower())
    return None if best is None else arb(best)


def relaxed_minimum(P, width: float = 1e-10, upper=None, max_seconds: float = 60.0, max_cells: int = 500_000,
                    min_size: float = 1e-13) -> RelaxResult:
    """Enclose min f by the cell relaxation (module docstring): U = min(f at the best DNC scale,
    ``upper``), cells bisected (exact dyadics) until their bound reaches U − width/2.

    >>> from ufmtheory.global_min import Problem
    >>> r = relaxed_minimum(Problem(3, 1, 1, "1/20"))  # L = 1: f is convex, one cell
    >>> r.certified, r.width <= 1e-10
    (True, True)
    """
    arb = _arb()
    t0 = time.time()
    with bx.precision(P.prec):
        t_d = best_dnc_scale(P)
        U = dnc_value(P, arb(t_d))
        U = arb(min(U.upper(), P.logK.upper()))  # t = 0 (zero) is also a point
        if upper is not None and arb(upper).upper() < U.upper():
            U = arb(arb(upper).upper())
        cut = (U - arb(width) / 2).lower()
        S = ((U / P.A).log() / P.p).exp()
        Sf = bx.dyadic_ceil(float(S.upper()) * 1.0001 + 1e-12)
        stack = [(0.0, Sf, 0.0, Sf)]
        n, opened, lowest, low_cells, exhausted, tree = 0, 0, None, [], False, []
        while stack:
            a1, b1, a2, b2 = stack.pop()
            n += 1
            v = cell_lower(P, a1, b1, a2, b2)
            if v is None:
                if a2 >= b1:  # no point with s₁ > s₂ (``cell_lower``'s None for an empty cell)
                    tree.append("e")
                    continue
                v = arb("-inf")  # a non-empty cell without a bound is split, never dropped
            if v.lower() >= cut:
                lowest = v if lowest is None else min(lowest, v)
                tree.append("b")
                continue
            if n > max_cells or time.time() - t0 > max_seconds or max(b1 - a1, b2 - a2) < min_size:
                exhausted = exhausted or max(b1 - a1, b2 - a2) >= min_size
                opened += 1
                low_cells.append((a1, b1, a2, b2))
                lowest = v if lowest is None else min(lowest, v)
                tree.append("o")
                continue
            if b1 - a1 >= b2 - a2:
                m = (a1 + b1) / 2
                stack += [(m, b1, a2, b2), (a1, m, a2, b2)]
                tree.append("0")
            else:
                m = (a2 + b2) / 2
                stack += [(a1, b1, m, b2), (a1, b1, a2, m)]
                tree.append("1")
        lower = arb(min(lowest.lower(), U.upper())) if lowest is not None else U
        cert = float((U - lower).upper()) <= width
    return RelaxResult(lower, U, cert, n, opened, time.time() - t0, t_d, low_cells, exhausted, Sf, "".join(tree))


def dnc_cells_only(res: RelaxResult, tol: float = 1e-6) -> bool:
    """True when every cell left below the cut touches the diagonal s₁ = s₂ (the minimiser is DNC-shaped
    up to the cell size) — a float summary, not a proof of uniqueness."""
    return all(a2 <= b1 + tol and a1 <= b2 + tol for a1, b1, a2, b2 in res.lowest_cells)
