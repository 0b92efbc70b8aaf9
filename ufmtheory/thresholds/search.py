"""Branch and bound over μ: boxes with one winner or exactly one switch of two families, proven with
interval enclosures of V at the box ends (see the ``thresholds`` package docstring)."""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from ..families import Family
from ..intervals import enclose_exact
from ..optimal_value import FamilyCurves
from ..precision import digits_for_bits

SEARCH_DPS = 20  # mpmath digits of the search's curves (tie brackets); intervals use SEARCH_BITS


# ---- branch and bound over μ ------------------------------------------------------------------------

@dataclass
class Box:
    a: mpmath.mpf
    b: mpmath.mpf
    status: str  # "winner", "switch", "unresolved"
    winner: int | None = None
    pair: tuple | None = None  # (left winner, right winner) for a switch


class _Evaluator:
    """Cached interval enclosures of V and its superdifferential at box ends (cache shared between
    searches over the same curves: keyed by the curve object and μ)."""

    def __init__(self, fcs: list, cache: dict | None = None):
        self.fcs = fcs
        self.cache = {} if cache is None else cache
        self.count = 0

    def __call__(self, k: int, mu):
        key = (id(self.fcs[k]), mu)
        if key not in self.cache:
            self.count += 1
            self.cache[key] = self.fcs[k].value(mu)
        return self.cache[key]


def _box_tests(B, ex, ey, a, b, v0x, v0y):
    """Decide, on [a, b], whether D = V_X − V_Y is certainly > 0 (→ +1) or < 0 (→ −1) everywhere, else 0;
    and the sign of D' (0 if undecided). Bounds (module docstring), all in interval arithmetic:
    monotone [V_X(a) − V_Y(b), V_X(b) − V_Y(a)]; ratio (v0x − v0y) + [a, b]·(u_X − u_Y);
    mean value D(a) + [0, b−a]·D'(box) and D(b) − [0, b−a]·D'(box), D'(box) ⊂ hull(V_X'(a), V_X'(b)) −
    hull(V_Y'(a), V_Y'(b)) by concavity."""
    (xa, xb), (ya, yb) = ex, ey
    A_, B_ = B.exact(a), B.exact(b)
    AB = B.union(A_, B_)
    W = B.union(B.point(0), B_ - A_)
    Dp = B.union(xa.d, xb.d) - B.union(ya.d, yb.d)
    Da, Db = xa.v - ya.v, xb.v - yb.v
    sgn_p = B.sign(Dp)
    # D > 0 everywhere?
    pos = (B.sign(xa.v - yb.v) > 0
           or B.sign(v0x - v0y + AB * ((xb.v - v0x) / B_ - (ya.v - v0y) / A_)) > 0
           or B.sign(Da + W * Dp) > 0 or B.sign(Db - W * Dp) > 0)
    if pos:
        return 1, sgn_p
    neg = (B.sign(xb.v - ya.v) < 0
           or B.sign(v0x - v0y + AB * ((xa.v - v0x) / A_ - (yb.v - v0y) / B_)) < 0
           or B.sign(Da + W * Dp) < 0 or B.sign(Db - W * Dp) < 0)
    return (-1 if neg else 0), sgn_p


def difference_sign(B, e, f):
    """Sign of V_X − V_Y at one point from enclosures (0 if undecided)."""
    return B.sign(e.v - f.v)


def branch_and_bound(fcs: list, mu_lo, mu_hi, zero_mu: list, v0: list | None = None, progress=None,
                     endpoint_rule=None, rel_resolution=None, max_boxes: int = 100000, cache=None) -> tuple:
    """Classify [mu_lo, mu_hi] into boxes with one winner, or exactly one switch between two families.

    ``zero_mu[k]``: family k's zero threshold (k equals f(0) above it and is dropped there; keep
    mu_hi <= max(zero_mu)). ``endpoint_rule(x, y, a, b)`` may decide a box the bounds cannot (returns
    the winner's index or None). Returns (boxes, evaluator)."""
    ev = _Evaluator(fcs, cache)
    B = fcs[0].B
    prec = fcs[0].prec
    res = rel_resolution if rel_resolution is not None else mpmath.mpf(2) ** (-(prec - 24))
    with B.precision(prec):
        v0 = [B.point(0) for _ in fcs] if v0 is None else [enclose_exact(B, x) for x in v0]
        breaks = sorted({mu_lo, mu_hi} | {z for z in zero_mu if mu_lo < z < mu_hi})
        stack = [(breaks[i], breaks[i + 1]) for i in range(len(breaks) - 1)][::-1]
        out = []
        nboxes = 0
        while stack:
            a, b = stack.pop()
            nboxes += 1
            if nboxes > max_boxes:
                raise ArithmeticError(f"branch and bound over μ exceeded {max_boxes} boxes")
            alive0 = [k for k in range(len(fcs)) if zero_mu[k] > a]
            decided = None
            E = {k: (ev(k, a), ev(k, b)) for k in alive0}
            dominated = set()
            tests = {}
            for ix, x in enumerate(alive0):
                for y in alive0[ix + 1:]:
                    tests[(x, y)] = _box_tests(B, E[x], E[y], a, b, v0[x], v0[y])
                    if tests[(x, y)][0] > 0:
                        dominated.add(x)
                    elif tests[(x, y)][0] < 0:
                        dominated.add(y)
            alive = [k for k in alive0 if k not in dominated]
            if len(alive) > 1 and endpoint_rule is not None:
                for x in alive:
                    for y in alive:
                        if x < y and x not in dominated and y not in dominated:
                            w = endpoint_rule(x, y, a, b, E)
                            if w is not None:
                                dominated.add(y if w == x else x)
                alive = [k for k in alive0 if k not in dominated]
            if len(alive) == 1:
                decided = Box(a, b, "winner", winner=alive[0])
            elif len(alive) == 2:
                x, y = alive
                sa = difference_sign(B, E[x][0], E[y][0])
                sb = difference_sign(B, E[x][1], E[y][1])
                key = (x, y) if (x, y) in tests else (y, x)
                sgn_p = tests[key][1] * (1 if key == (x, y) else -1)
                if sa * sb < 0 and sgn_p != 0:
                    left, right = (y, x) if sa > 0 else (x, y)
                    decided = Box(a, b, "switch", pair=(left, right))
            if decided is not None:
                out.append(decided)
                if progress:
                    progress()
                continue
            if b - a <= res * b:
                out.append(Box(a, b, "unresolved"))
                continue
            mid = mpmath.sqrt(a * b) if b / a > 2 else (a + b) / 2
            with mpmath.workdps(digits_for_bits(prec) + 5):
                mid = +mid
            stack.append((mid, b))
            stack.append((a, mid))
    return out, ev


def _exact_zero_thresholds_L1(fam: Family) -> list:
    """L = 1: each component's zero threshold h(0)/P exactly (sympy), h(0) = Σ w Σ m g / Σ m."""
    out = []
    for c in fam.components:
        h0 = sum(sp.sympify(w) * sum(m * sp.sympify(g) for g, m in zip(gs, ms)) / sum(ms) for w, gs, ms in c.types)
        P = sum(sp.sympify(s) for s in c.svals)
        out.append(h0 / P if h0 > 0 else sp.Integer(0))
    return out


def _cyclotomic_zero(d):
    """Is d = r₀ + Σ r_k cos(q_k π) (rationals r, q) zero? Exact: with ζ = e^{2πi/M} (M the common
    denominator of the q_k/2), d = P(ζ) for a polynomial P over Q, and P(ζ) = 0 iff the cyclotomic
    polynomial Φ_M (the minimal polynomial of ζ) divides P. None if d is not of that form."""
    rat, terms = sp.Integer(0), []
    for term, c in d.as_coefficients_dict().items():
        if not c.is_Rational:
            return None
        if term == 1:
            rat += c
        elif isinstance(term, sp.cos) and (term.args[0] / sp.pi).is_Rational:
            terms.append((term.args[0] / sp.pi / 2, c))
        else:
            return None
    if not terms:
        return rat == 0
    M = int(sp.ilcm(*[q.q for q, _ in terms]))
    coeffs = [sp.Integer(0)] * M
    coeffs[0] += rat
    for q, c in terms:  # cos(2πq) = (ζ^a + ζ^{−a})/2, a = qM
        a = int(q * M) % M
        coeffs[a] += c / 2
        coeffs[-a % M] += c / 2
    z = sp.Symbol("z")
    P = sp.Poly(list(reversed(coeffs)), z, domain=sp.QQ)
    return P.rem(sp.Poly(sp.cyclotomic_poly(M, z), z, domain=sp.QQ)).is_zero


def _same(x, y) -> bool:
    e = sp.expand(sp.sympify(x) - sp.sympify(y))
    if e == 0:
        return True
    exact = _cyclotomic_zero(e)  # rationals and cosines of rational multiples of π (the polygon's gaps)
    if exact is not None:
        return exact
    d = sp.nsimplify(sp.simplify(x - y))
    if d == 0:
        return True
    try:
        return bool(d.equals(0))
    except Exception:  # pragma: no cover
        return False


def make_l1_endpoint_rule(fcs: list, L: int):
    """For L = 1: decide a box [a, b] lying below a common zero threshold μ_c >= b of X and Y.

    Near μ_c only one component of each family moves (the others sit at f(0): their thresholds are
    <= a). For L = 1, V_X(μ) = V_X(μ_c) − ∫_μ^{μ_c} P_X t_X(s) ds where s = h_X(t_X)/P_X; with
    u = P_X t_X, k_X(u) := h_X(u/P_X)/P_X is decreasing and k_X(0) = μ_c = k_Y(0). If
    g(u) := Var_Y(u/P_Y)/P_Y² − Var_X(u/P_X)/P_X² = (k_X − k_Y)'(u) is > 0 on [0, U] (U >= both u at
    μ = a; proven with intervals), then k_X > k_Y, so P_X t_X(s) > P_Y t_Y(s) for s in [a, μ_c) and X is
    strictly lower there (and vice versa). Proven ranges [0, U] are cached per pair."""
    if L != 1:
        return None
    exact = [_exact_zero_thresholds_L1(fc.family) for fc in fcs]
    floats = [[float(sp.N(z, 30)) for z in thr] for thr in exact]
    same_cache: dict = {}
    proven: dict = {}  # (x, y) -> (U proven, sign) ; failures: (x, y) -> U that failed
    # (x, y) -> {sign: the smallest lower end of a piece where g was proven to have that sign}: once g is
    # known to take both signs in [0, u], no proof for any U >= u exists, so such a call fails without
    # evaluating g (recorded as the failure it is)
    seen: dict = {}

    def prove(x, y, icx, Px, icy, Py, U):
        B = fcs[x].B
        key = (x, y)
        done, sgn = proven.get(key, (mpmath.mpf(0), None))
        if U <= done and sgn is not None:
            return sgn
        if ("fail", key) in proven and U >= proven[("fail", key)]:
            return None
        both = seen.setdefault(key, {})
        if len(both) == 2 and U >= max(both.values()):
            proven[("fail", key)] = min(U, proven.get(("fail", key), mpmath.inf))
            return None

        def g(X):
            return (B.point(0) - icy.dh_iv(X / Py)) / (Py * Py) - (B.point(0) - icx.dh_iv(X / Px)) / (Px * Px)

        pieces = [(done, U)]
        for _ in range(2000):
            if not pieces:
                proven[key] = (U, sgn)
                return sgn
            lo, hi = pieces.pop()
            s = B.sign(g(B.hull(lo, hi)))
            if s != 0 and lo < both.get(s, mpmath.inf):
                both[s] = lo
            if s != 0 and (sgn is None or s == sgn):
                sgn = s
                continue
            if s != 0:
                break
            if hi - lo < U * mpmath.mpf(2) ** -14:
                # g may vanish in [lo, hi]: look right of it for a point where g has the other sign
                # (then every later U beyond that point fails at once, see ``seen``)
                if sgn is not None:
                    q, step = hi, hi - lo
                    while q + step < min(U, both.get(-sgn, mpmath.inf)):
                        q += step
                        if B.sign(g(B.point(q))) == -sgn:
                            both[-sgn] = q
                            break
                        step *= 4
                break
            m = (lo + hi) / 2
            pieces += [(m, hi), (lo, m)]
        proven[("fail", key)] = min(U, proven.get(("fail", key), mpmath.inf))
        return None

    def rule(x, y, a, b, E):
        B = fcs[x].B
        act = []
        for k in (x, y):
            thr = exact[k]
            vals = floats[k]
            top = max(range(len(thr)), key=lambda i: vals[i])
            if vals[top] < float(b) * (1 - 1e-12):
                return None
            if not all(vals[i] <= float(a) * (1 - 1e-12) for i in range(len(thr)) if i != top):
                return None
            act.append((k, top, thr[top]))
        key = (act[0][0], act[0][1], act[1][0], act[1][1])
        if key not in same_cache:
            same_cache[key] = _same(act[0][2], act[1][2])
        if not same_cache[key]:
            return None
        with B.precision(fcs[x].prec):
            (kx, ix, _), (ky, iy, _) = act
            icx, icy = fcs[kx].interval_curves[ix], fcs[ky].interval_curves[iy]
            U = max(B.upper(icx.P * B.point(E[kx][0].tmax[ix])), B.upper(icy.P * B.point(E[ky][0].tmax[iy])))
            s = prove(x, y, icx, icx.P, icy, icy.P, U * mpmath.mpf("1.001"))
        if s is None:
            return None
        return x if s > 0 else y

    return rule


def search_curves(fams, L, search_dps, search_bits, backend):
    """``FamilyCurves`` of ``fams`` for the search: ``search_dps`` digits, intervals at ``search_bits``."""
    return [FamilyCurves(f, L, search_dps, prec=search_bits, backend_name=backend) for f in fams]
