"""A generic certified box prover: the global minimum of a function of a few real variables on a box,
enclosed by interval branch and bound in python-flint ``arb`` (issue 10 item 3, issue 11 item 3).

The function is written once, with the operations of this module (``+ − * /``, ``exp``, ``log``,
``sqrt``, ``pow_nonneg``, ``unary``/``binary`` primitives with user derivative enclosures), and
evaluated three ways by a small forward-mode automatic differentiation (``Jet``: value, gradient,
Hessian, every entry an ``arb`` ball): on a point, and as an enclosure over a box.

Method (``minimise``). The initial box X₀ is bisected depth first (widest side, at exact dyadic
midpoints, so the tree of splits is an exact partition of X₀). A leaf is closed when
- ``b`` (bound): a lower bound of f on the leaf is >= the cut c = U − width/2, U the best proven upper
  bound of the minimum. Lower bound = max(natural interval extension f(B), mean-value form
  f(m) + Σ_i ∂_i f(B)·[−r_i, r_i]);
- ``g`` (gradient): some ∂_i f(B) excludes 0 — f is C¹ on the leaf with no critical point, so the leaf
  holds no global minimiser, PROVIDED every global minimiser of f over the (open) domain lies in X₀
  and f is minimised over an open domain (``interior=True``: the caller proves this, e.g. by a
  bounded-region lemma); the leaf then contributes nothing to the lower bound;
- ``r`` (region): the leaf lies in a proven region (``Region``) with a known lower bound of f on it:
  a Krawczyk box (below) or a region the caller proves (e.g. a ball where f >= f(0)).
Krawczyk box (``krawczyk_region``). Around a candidate x̃ (a float search's minimiser) a box X with
mid c: K(X) = c − C ∇f(c) + (I − C H(X))(X − c), C ≈ H(c)⁻¹. K(X) ⊂ int X proves ∇f has exactly
one zero x* in X (Krawczyk 1969, Moore–Kearfott–Cloud, "Introduction to interval analysis", §8.2);
an interval Cholesky factorisation of H(X) with positive pivots proves H is positive definite on X,
so f is strictly convex on X and x* is the minimiser of f on X. Iterating K contracts to a tiny box
around x*; f on that box encloses f(x*) = min_X f. So f >= lower(f(x*)) on X, and the minimum is
<= upper(f(x*)).

Result: lower = min over the ``b`` leaves and the regions that hold leaves of their lower bounds,
upper = the best proven value; the minimum over X₀ lies in [lower, upper]. ``certified`` when
upper − lower <= ``width``. The tree string (preorder: a digit i = split along axis i, then the two
halves; ``b``/``g``/``r<k>`` = a leaf) lets ``check_tree`` recompute every claim (certificates).
"""
from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from flint import arb, ctx

DEFAULT_PREC = 128


@contextmanager
def precision(bits: int):
    """Working precision of python-flint (restored afterwards)."""
    old = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = old


def finite(x) -> bool:
    return isinstance(x, arb) and x.is_finite()


# ---- forward-mode automatic differentiation over arb ------------------------------------------------

class Jet:
    """Value, gradient and (upper-triangular) Hessian of a function of n variables, as arb balls.

    ``order`` 0: value only; 1: + gradient; 2: + Hessian. Arithmetic follows the chain rule.
    >>> x, y = Jet.variables([arb(1), arb(2)], order=2)
    >>> f = x * y + exp(x)
    >>> f.h[0][1]  # ∂²f/∂x∂y
    1.00000000000000
    """

    __slots__ = ("v", "g", "h", "n")

    def __init__(self, v, g=None, h=None, n=0):
        self.v, self.g, self.h, self.n = v, g, h, n

    @staticmethod
    def variables(values, order=1):
        n = len(values)
        out = []
        zero = arb(0)
        for i, x in enumerate(values):
            g = [arb(1) if j == i else zero for j in range(n)] if order >= 1 else None
            h = [[zero] * n for _ in range(n)] if order >= 2 else None
            out.append(Jet(arb(x), g, h, n))
        return out

    @property
    def order(self):
        return 0 if self.g is None else (1 if self.h is None else 2)

    def _const(self, c):
        return Jet(c if isinstance(c, arb) else arb(c), None, None, self.n)

    def chain1(self, f0, f1, f2=None):
        """φ(self) given φ, φ', φ'' evaluated (enclosed) at self.v."""
        g = h = None
        if self.g is not None:
            g = [f1 * a for a in self.g]
            if self.h is not None:
                n, sg, sh = self.n, self.g, self.h
                h = [[None] * n for _ in range(n)]
                for i in range(n):
                    for j in range(i, n):
                        h[i][j] = f1 * sh[i][j] + f2 * sg[i] * sg[j]
        return Jet(f0, g, h, self.n)

    def __add__(self, o):
        if not isinstance(o, Jet):
            return Jet(self.v + o, self.g, self.h, self.n)
        g = None if self.g is None else [a + b for a, b in zip(self.g, o.g)]
        h = None
        if self.h is not None:
            n = self.n
            h = [[None] * n for _ in range(n)]
            for i in range(n):
                for j in range(i, n):
                    h[i][j] = self.h[i][j] + o.h[i][j]
        return Jet(self.v + o.v, g, h, self.n)

    __radd__ = __add__

    def __neg__(self):
        g = None if self.g is None else [-a for a in self.g]
        h = None if self.h is None else [[(-a if a is not None else None) for a in row] for row in self.h]
        return Jet(-self.v, g, h, self.n)

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if not isinstance(o, Jet):
            o = arb(o) if not isinstance(o, arb) else o
            g = None if self.g is None else [a * o for a in self.g]
            h = None if self.h is None else [[(a * o if a is not None else None) for a in row] for row in self.h]
            return Jet(self.v * o, g, h, self.n)
        g = h = None
        if self.g is not None:
            g = [self.v * b + o.v * a for a, b in zip(self.g, o.g)]
            if self.h is not None:
                n = self.n
                h = [[None] * n for _ in range(n)]
                for i in range(n):
                    for j in range(i, n):
                        h[i][j] = (self.v * o.h[i][j] + o.v * self.h[i][j]
                                   + self.g[i] * o.g[j] + self.g[j] * o.g[i])
        return Jet(self.v * o.v, g, h, self.n)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Jet):
            return self * (1 / (o if isinstance(o, arb) else arb(o)))
        return self * o.reciprocal()

    def __rtruediv__(self, o):
        return self.reciprocal() * o

    def reciprocal(self):
        r = 1 / self.v
        return self.chain1(r, -r * r, 2 * r * r * r)

    def square(self):
        return self.chain1(self.v * self.v, 2 * self.v, arb(2))


def _lift(x):
    return x if isinstance(x, Jet) else None


def exp(x):
    """exp of a Jet or an arb."""
    if isinstance(x, Jet):
        e = x.v.exp()
        return x.chain1(e, e, e)
    return arb(x).exp()


def log(x):
    """log of a Jet or an arb (arb's log: nan where the ball reaches 0)."""
    if isinstance(x, Jet):
        r = 1 / x.v
        return x.chain1(x.v.log(), r, -r * r)
    return arb(x).log()


def sqrt(x):
    """√x for x >= 0 (mathematically): the value uses the nonnegative part of the ball."""
    if isinstance(x, Jet):
        s = x.v.nonnegative_part().sqrt()
        return x.chain1(s, 1 / (2 * s), -1 / (4 * s * s * s))
    return arb(x).nonnegative_part().sqrt()


def pow_nonneg(x: arb, q) -> arb:
    """x^q for a ball x that is mathematically >= 0 and q > 0: [lo^q, hi^q] (0 included when lo <= 0)."""
    x = x.nonnegative_part()
    if x.lower() > 0:
        return (q * x.log()).exp()
    if not x.is_finite():
        return arb("nan")
    hi = x.upper()
    return arb(0).union((q * hi.log()).exp()) if hi > 0 else arb(0)


def deriv_pow(x: arb, q, k: int) -> arb:
    """k-th derivative of t ↦ t^q on the ball x (t > 0): q(q−1)⋯(q−k+1) x^{q−k}; nan where x reaches 0
    and q − k < 0 (the derivative is unbounded there)."""
    c = arb(1)
    for i in range(k):
        c = c * (q - i)
    e = q - k
    x = x.nonnegative_part()
    if x.lower() > 0:
        return c * (e * x.log()).exp()
    return c * pow_nonneg(x, e) if e >= 0 else arb("nan")


def cos(x):
    """cos of a Jet or an arb."""
    if isinstance(x, Jet):
        c, s = x.v.cos(), x.v.sin()
        return x.chain1(c, -s, -c)
    return arb(x).cos()


def sin(x):
    """sin of a Jet or an arb."""
    if isinstance(x, Jet):
        c, s = x.v.cos(), x.v.sin()
        return x.chain1(s, c, -s)
    return arb(x).sin()


def power(x, q):
    """x^q for x >= 0 (mathematically) and q > 0, of a Jet or an arb; derivatives from ``deriv_pow``
    (not finite where x reaches 0 and the derivative is unbounded)."""
    if isinstance(x, Jet):
        return x.chain1(pow_nonneg(x.v, q), deriv_pow(x.v, q, 1), deriv_pow(x.v, q, 2) if x.h is not None else None)
    return pow_nonneg(arb(x), q)


def binary(x: Jet, y: Jet, F, Fx, Fy, Fxx=None, Fxy=None, Fyy=None) -> Jet:
    """A primitive F(x, y) given enclosures of F and its partial derivatives at (x.v, y.v) (the second
    ones needed only for order-2 jets)."""
    g = h = None
    if x.g is not None:
        g = [Fx * a + Fy * b for a, b in zip(x.g, y.g)]
        if x.h is not None:
            n = x.n
            h = [[None] * n for _ in range(n)]
            for i in range(n):
                for j in range(i, n):
                    h[i][j] = (Fx * x.h[i][j] + Fy * y.h[i][j] + Fxx * x.g[i] * x.g[j]
                               + Fxy * (x.g[i] * y.g[j] + x.g[j] * y.g[i]) + Fyy * y.g[i] * y.g[j])
    return Jet(F, g, h, x.n)


# ---- boxes --------------------------------------------------------------------------------------------

def box_arb(box) -> list:
    """A box [(mid, rad), …] (floats: exact dyadic numbers) as arb balls (radius rounded outward)."""
    return [arb(m, r) for m, r in box]


def evaluate(func, x, order: int = 1) -> Jet:
    """``func`` on the arb balls ``x`` (points or a box) as a Jet of the given order."""
    return func(Jet.variables(x, order))


def gradient_hessian(func, x):
    """(value, gradient list, full symmetric Hessian) of ``func`` on the balls ``x``."""
    J = evaluate(func, x, 2)
    n = len(x)
    H = [[J.h[min(i, j)][max(i, j)] for j in range(n)] for i in range(n)]
    return J.v, J.g, H


def _hess_pd(H) -> bool:
    """Interval Cholesky: True only if every symmetric matrix in the interval matrix H is positive
    definite (all pivots' enclosures > 0)."""
    n = len(H)
    Lm = [[arb(0)] * n for _ in range(n)]
    for j in range(n):
        s = H[j][j]
        for k in range(j):
            s = s - Lm[j][k] * Lm[j][k]
        if not (s.is_finite() and s.lower() > 0):
            return False
        d = s.sqrt()
        Lm[j][j] = d
        for i in range(j + 1, n):
            t = H[i][j]
            for k in range(j):
                t = t - Lm[i][k] * Lm[j][k]
            Lm[i][j] = t / d
    return True


def _float_inverse(H):
    import numpy as np
    M = np.array([[float(h.mid()) for h in row] for row in H])
    return np.linalg.inv(M)


@dataclass
class Region:
    """A part of the search box with a proven lower bound of f on it (and a proven upper bound of the
    minimum of f there, if known). ``contains(box_balls) -> bool`` must be sound (True only if the
    whole box lies in the region). ``data``: what a certificate needs to rebuild it."""

    name: str
    contains: object
    lower: arb
    upper: arb | None = None
    data: dict = field(default_factory=dict)


def krawczyk_region(func, center, radius, prec: int = DEFAULT_PREC, steps: int = 60, name: str = "krawczyk"):
    """Prove that the box X = center ± radius (floats) holds exactly one critical point x* of ``func``,
    that H is positive definite on X (so x* = argmin_X f), and enclose f(x*).

    Returns a ``Region`` (lower = lower(f(x*)), upper = upper(f(x*)), data: center, radius, the final
    tiny box) or None if the tests fail.
    >>> f = lambda v: (v[0] - 1).square() + (v[1] + 2).square() * 3 + 5
    >>> R = krawczyk_region(f, [1.1, -2.05], 0.5)
    >>> R.lower <= 5 <= R.upper, float(R.upper - R.lower) < 1e-30
    (True, True)
    """
    with precision(prec):
        X = [arb(c, radius) for c in center]
        x0 = [arb(c) for c in center]
        _, _, H = gradient_hessian(func, X)
        if not _hess_pd(H):
            return None
        K = _krawczyk_step(func, X, x0, H)
        if K is None or not all(a.contains_interior(k) for a, k in zip(X, K)):
            return None
        Xk = [a.intersection(k) for a, k in zip(X, K)]
        for _ in range(steps):
            mids = [arb(a.mid()) for a in Xk]
            _, _, Hk = gradient_hessian(func, Xk)
            Kn = _krawczyk_step(func, Xk, mids, Hk)
            if Kn is None:
                break
            new = [a.intersection(k) for a, k in zip(Xk, Kn)]
            shrunk = max(float(a.rad()) for a in new) < 0.5 * max(float(a.rad()) for a in Xk)
            Xk = new
            if not shrunk:
                break
        v = evaluate(func, Xk, 0).v
        return Region(name, inside(X), v.lower(), v.upper(),
                      {"center": [float(c) for c in center], "radius": float(radius),
                       "point": [a.str(radius=True, more=True) for a in Xk]})


def inside(X):
    """The ``Region.contains`` test of the box X (a list of balls): every ball of a box lies in X's.

    >>> inside([arb(0, 1), arb(0, 1)])([arb(0.5, 0.25), arb(0, 0.5)])
    True
    """
    def contains(balls):
        return all(a.contains(b) for a, b in zip(X, balls))
    return contains


def _krawczyk_step(func, X, c, H):
    import numpy as np
    try:
        Ci = _float_inverse(H)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(Ci)):
        return None
    n = len(X)
    C = [[arb(float(Ci[i, j])) for j in range(n)] for i in range(n)]
    g = evaluate(func, c, 1).g
    K = []
    for i in range(n):
        s = c[i]
        for j in range(n):
            s = s - C[i][j] * g[j]
        for j in range(n):
            mij = (1 if i == j else 0) - sum((C[i][k] * H[k][j] for k in range(n)), arb(0))
            s = s + mij * (X[j] - c[j])
        if not s.is_finite():
            return None
        K.append(s)
    return K


# ---- branch and bound -----------------------------------------------------------------------------------

@dataclass
class BoxResult:
    lower: arb
    upper: arb
    certified: bool
    boxes: int  # boxes processed (tree nodes)
    leaves: dict  # count per leaf kind
    tree: str
    regions: list
    open_boxes: list  # leaves closed by max depth/boxes without reaching the cut (enclosure not narrow)
    minimiser_regions: list  # names of the regions / 'box' whose lower bound attains ``lower``
    seconds: float
    prec: int
    cut: arb = None
    info: dict = field(default_factory=dict)

    @property
    def width(self) -> float:
        return float(self.upper - self.lower)


def hessian_min_eigenvalue(H) -> arb:
    """A lower bound m <= λ_min of every symmetric matrix in the interval matrix H: the larger of
    Gershgorin's bound min_i (H_ii − Σ_{j≠i} |H_ij|) and m* = λ_min(mid H) − ‖rad H‖_F (Weyl), the latter
    accepted only when the interval Cholesky of H − m* I succeeds (so it is proven, not a float claim).
    >>> bool(hessian_min_eigenvalue([[arb(2), arb(1)], [arb(1), arb(2)]]) <= 1)
    True
    """
    import numpy as np
    n = len(H)
    gersh = None
    for i in range(n):
        s = H[i][i]
        for j in range(n):
            if j != i:
                s = s - arb(abs(H[i][j]).upper())
        gersh = s.lower() if gersh is None else min(gersh, s.lower())
    best = arb(gersh)
    if not all(h.is_finite() for row in H for h in row):
        return arb("-inf")
    M = np.array([[float(h.mid()) for h in row] for row in H])
    R = math.sqrt(sum(float(h.rad()) ** 2 for row in H for h in row))
    lam = float(np.linalg.eigvalsh((M + M.T) / 2)[0])
    m = lam - 1.001 * R - 1e-12 * max(1.0, abs(lam))
    if m > float(best.upper()) and _hess_pd([[H[i][j] - (arb(m) if i == j else 0) for j in range(n)]
                                             for i in range(n)]):
        best = arb(m)
    return best


def taylor2_lower(func, balls, box, m=None, centre=None):
    """Second-order lower bound of f on a box X with centre c, radii r (Taylor with Lagrange remainder,
    H(X) the interval Hessian, m <= λ_min(H(X)) from ``hessian_min_eigenvalue``):
        f(x) >= f(c) + ∇f(c)·δ + (m/2)‖δ‖² >= f(c) + Σ_i min_{|δ_i| <= r_i} (g_i δ_i + (m/2) δ_i²),
    δ = x − c; the one-dimensional minima are exact: −g_i²/(2m) if m > 0 and |g_i| <= m r_i, else
    −|g_i| r_i + (m/2) r_i² (any sign of m). Tight near a non-degenerate minimum, where the first-order
    forms lose f − f_min. ``m``: the caller's own proven lower bound of λ_min on the box, used instead of
    the generic Jet Hessian (which can lose much to dependency); ``centre``: the caller's enclosures
    (f(c), ∇f(c)) instead of an order-1 Jet at c. Returns an arb lower bound or None.
    >>> f = lambda v: (v[0] - 0.25).square() + v[1].square()
    >>> lo = taylor2_lower(f, [arb(0, 0.5), arb(0, 0.5)], [(0.0, 0.5), (0.0, 0.5)])
    >>> bool(lo <= 0) and float(lo) > -1e-12
    True
    """
    if m is None:
        J = evaluate(func, balls, 2)
        n = len(balls)
        H = [[J.h[min(i, j)][max(i, j)] for j in range(n)] for i in range(n)]
        m = hessian_min_eigenvalue(H)
    if not m.is_finite():
        return None
    if centre is None:
        Jc = evaluate(func, [arb(mid) for mid, _ in box], 1)
        centre = (Jc.v, Jc.g)
    fc, gc = centre
    if not (fc.is_finite() and all(finite(gi) for gi in gc)):
        return None
    tot = fc
    for gi, (_, r) in zip(gc, box):
        ga = arb(abs(gi).upper())
        ra = arb(r)
        if m > 0 and ga <= m * ra:
            tot = tot - ga * ga / (2 * m)
        else:
            tot = tot - ga * ra + m * ra * ra / 2
    return tot if tot.is_finite() else None


def leaf_lower(func, balls, box, lower_hook=None, cut=None, jets: bool = True, second_order: bool = False):
    """(lower bound of f on the box, gradient enclosure or None): the caller's ``lower_hook(balls, box)``
    (first; if it reaches ``cut`` or ``jets`` is False nothing else is computed), the natural extension
    and the mean-value form — the largest of them."""
    lo = None
    if lower_hook is not None:
        h = lower_hook(balls, box)
        if h is not None and h.is_finite():
            lo = h.lower()
            if (cut is not None and lo >= cut) or not jets:
                return lo, None
    J = evaluate(func, balls, 1)
    if J.v.is_finite():
        lo = J.v.lower() if lo is None else max(lo, J.v.lower())
    grad = J.g if all(finite(gi) for gi in J.g) else None
    if grad is not None:
        mid = evaluate(func, [arb(m) for m, _ in box], 0).v
        mv = mid
        for gi, (_, r) in zip(grad, box):
            mv = mv + gi * arb(0, r)
        if mv.is_finite():
            lo = mv.lower() if lo is None else max(lo, mv.lower())
    if second_order and (lo is None or cut is None or lo < cut):
        t2 = taylor2_lower(func, balls, box)
        if t2 is not None:
            lo = t2.lower() if lo is None else max(lo, t2.lower())
    return lo, grad


def halves(B: list, axis: int) -> tuple:
    """The two halves of box ``B`` (a list of (centre, radius) pairs) split at the centre of ``axis``;
    the prover and the tree replay (``check_tree``) split the same way.

    >>> halves([(0.0, 1.0), (5.0, 2.0)], 1)
    ([(0.0, 1.0), (4.0, 1.0)], [(0.0, 1.0), (6.0, 1.0)])
    """
    m, r = B[axis]
    left, right = list(B), list(B)
    left[axis] = (m - r / 2, r / 2)
    right[axis] = (m + r / 2, r / 2)
    return left, right


def minimise(func, box, upper, regions=(), width: float = 1e-10, prec: int = DEFAULT_PREC,
             interior: bool = False, lower_hook=None, max_boxes: int = 2_000_000, min_radius: float = 1e-9,
             max_seconds: float | None = None, progress: bool = False, jets: bool = True,
             second_order=False) -> BoxResult:
    """Enclose min_{box} func by branch and bound (module docstring).

    ``box``: [(mid, rad), …] floats (exact dyadics); ``upper``: an arb or number, a proven upper bound of
    the minimum (f at a point, or a region's upper); ``regions``: ``Region``s (e.g. from
    ``krawczyk_region``); ``interior``: the caller has proven every global minimiser over the open domain
    lies in the box (enables gradient pruning). Leaves smaller than ``min_radius`` that do not reach the
    cut stay open (their lower bound enters ``lower``). When ``max_boxes`` or ``max_seconds`` is reached,
    every unprocessed box becomes an open leaf with its own lower bound: the enclosure stays proven but
    is wide (``certified`` False, ``info['budget_exhausted']``). ``jets`` False: the leaves' bounds come
    from ``lower_hook`` alone (no natural/mean-value forms, no gradient pruning; the tree records it).
    ``second_order``: False, True, or a predicate on the balls; where it holds, a leaf that neither
    reaches the cut nor is gradient-pruned gets the Taylor bound ``taylor2_lower`` (order-2 jets) before
    it is split (replay with ``check_tree(..., second_order=True)``).
    >>> f = lambda v: (v[0] - 0.5).square() + v[1].square() * 2
    >>> R = krawczyk_region(f, [0.5, 0.0], 0.25)
    >>> res = minimise(f, [(0.0, 2.0), (0.0, 2.0)], R.upper, [R], interior=True)
    >>> res.certified, res.lower <= 0 <= res.upper
    (True, True)
    """
    if len(box) > 10:  # the tree stores a split axis as one digit
        raise ValueError(f"minimise: at most 10 variables, got {len(box)}")
    from tqdm import tqdm
    t0 = time.time()
    with precision(prec):
        U = arb(upper) if not isinstance(upper, arb) else upper
        for R in regions:
            if R.upper is not None and R.upper < U.upper():
                U = R.upper
        Uu = arb(U.upper())
        cut = Uu - arb(width) / 2
        cut_lo = cut.lower()
        tree = []
        counts = {"b": 0, "g": 0, "r": 0, "open": 0}
        lowest = None
        used_regions = set()
        open_boxes = []
        stack = [list(box)]
        n = 0
        exhausted = False
        bar = tqdm(desc="boxes", disable=not progress, leave=False, unit="box", mininterval=0.5)
        while stack:
            B = stack.pop()
            n += 1
            if n % 1000 == 0:
                bar.update(1000)
            balls = box_arb(B)
            if exhausted or n > max_boxes or (max_seconds is not None and n % 64 == 0
                                              and time.time() - t0 > max_seconds):
                exhausted = True
                lo, _ = leaf_lower(func, balls, B, lower_hook, cut_lo, jets)
                if lo is None:
                    lo = arb("-inf")
                tree.append("b")
                counts["open"] += 1
                open_boxes.append(B)
                lowest = lo if lowest is None else min(lowest, lo)
                continue
            hit = None
            for k, R in enumerate(regions):
                if R.contains(balls):
                    hit = k
                    break
            if hit is not None:
                tree.append(f"r{hit}.")  # terminated: "r0" then axis 1 must not read as region 01
                counts["r"] += 1
                used_regions.add(hit)
                continue
            lo, grad = leaf_lower(func, balls, B, lower_hook, cut_lo, jets)
            if lo is not None and lo >= cut_lo:
                tree.append("b")
                counts["b"] += 1
                lowest = lo if lowest is None else min(lowest, lo)
                continue
            if interior and grad is not None and any(gi.lower() > 0 or gi.upper() < 0 for gi in grad):
                tree.append("g")
                counts["g"] += 1
                continue
            if jets and second_order and (second_order is True or second_order(balls)):
                t2 = taylor2_lower(func, balls, B)
                if t2 is not None and (lo is None or t2.lower() > lo):
                    lo = t2.lower()
                    if lo >= cut_lo:
                        tree.append("b")
                        counts["b"] += 1
                        counts["t2"] = counts.get("t2", 0) + 1
                        lowest = lo if lowest is None else min(lowest, lo)
                        continue
            axis = max(range(len(B)), key=lambda i: B[i][1])
            r = B[axis][1]
            if r < min_radius:
                tree.append("b")
                counts["open"] += 1
                open_boxes.append(B)
                lowest = lo if lowest is None else (min(lowest, lo) if lo is not None else None)
                if lo is None:
                    raise RuntimeError("branch and bound: a leaf at the minimum radius has no finite bound")
                continue
            tree.append(str(axis))
            stack.extend(halves(B, axis)[::-1])  # left on top: depth first, left to right
        bar.close()
        lows = [regions[k].lower for k in used_regions]
        if lowest is not None:
            lows.append(lowest)
        L = min(lows) if lows else Uu
        L = min(L, Uu)
        lower = arb(L)
        minimisers = [regions[k].name for k in sorted(used_regions) if regions[k].lower <= cut_lo]
        if lowest is not None and lowest < cut_lo:
            minimisers.append("box")
        certified = float(Uu - lower) <= width
    return BoxResult(lower, Uu, certified, n, counts, "".join(tree), list(regions), open_boxes, minimisers,
                     time.time() - t0, prec, cut, {"budget_exhausted": exhausted})


def check_tree(func, box, tree: str, regions, cut, prec: int = DEFAULT_PREC, interior: bool = False,
               lower_hook=None, second_order: bool = False) -> arb:
    """Replay a preorder tree (``minimise``): every ``b`` leaf's lower bound is recomputed and must be
    >= ``cut`` unless it is returned as the lowest, every ``r<k>`` leaf must lie in region k, every ``g``
    leaf must have a gradient component excluding 0 (only with ``interior``). Returns the proven lower
    bound min(b leaves, used regions' lower); ValueError if the tree is malformed or a claim fails.
    >>> f = lambda v: v[0].square()
    >>> R = minimise(f, [(0.0, 1.0)], arb(0), interior=True)
    >>> check_tree(f, [(0.0, 1.0)], R.tree, [], R.cut, interior=True) <= 0
    True
    """
    with precision(prec):
        cut_lo = arb(cut).lower()
        pos = 0
        lowest = None
        stack = [list(box)]
        import re
        tokens = re.findall(r"r\d+\.|[bg]|\d", tree)
        if "".join(tokens) != tree:
            raise ValueError("tree: unknown token")
        for tok in tokens:
            if not stack:
                raise ValueError("tree: more tokens than boxes")
            B = stack.pop()
            pos += 1
            if tok[0] == "r":
                k = int(tok[1:-1])
                if k >= len(regions) or not regions[k].contains(box_arb(B)):
                    raise ValueError(f"tree: leaf {pos} is not inside region {k}")
                lo = regions[k].lower
                lowest = lo if lowest is None else min(lowest, lo)
            elif tok == "b":
                lo, _ = leaf_lower(func, box_arb(B), B, lower_hook, cut_lo, second_order=second_order)
                if lo is None:
                    raise ValueError(f"tree: leaf {pos} has no finite lower bound")
                lowest = lo if lowest is None else min(lowest, lo)
            elif tok == "g":
                _, grad = leaf_lower(func, box_arb(B), B, None)
                if not interior or grad is None or not any(gi.lower() > 0 or gi.upper() < 0 for gi in grad):
                    raise ValueError(f"tree: leaf {pos}: no gradient component excludes 0")
            else:
                axis = int(tok)
                if axis >= len(B):
                    raise ValueError("tree: split axis out of range")
                stack.extend(halves(B, axis)[::-1])
        if stack:
            raise ValueError(f"tree: {len(stack)} boxes not covered (a box was removed)")
        if lowest is None:
            raise ValueError("tree: no leaf bounds the minimum")
        return arb(lowest)


def dyadic_ceil(x: float) -> float:
    """The smallest number m·2^e >= x with a 4-bit mantissa m (so bisections stay exact floats)."""
    if x <= 0:
        return 0.0
    e = math.floor(math.log2(x)) - 3
    return math.ceil(x / 2.0 ** e) * 2.0 ** e


def aligned_box(center, R, lattice, spacing: float = 0.125):
    """[(mid, rad)] of the largest box inside center ± R with faces on the bisection grid of ``lattice``
    (the branch and bound's search box [(mid, rad)]: faces at lo + j·h, h = 2·rad/2^k <= ``spacing``, exact
    dyadics), so bisected boxes never straddle its faces below that level; center ± R itself without one.

    >>> aligned_box([0.3, 0.3], 0.5, [(0.0, 4.0), (0.0, 4.0)])
    [(0.3125, 0.4375), (0.3125, 0.4375)]
    """
    if lattice is None:
        return [(c, R) for c in center]
    from fractions import Fraction
    out = []
    for c, (m, r) in zip(center, lattice):
        h = 2 * r
        while h > spacing:
            h /= 2
        lo0 = m - r
        a = lo0 + math.ceil((c - R - lo0) / h) * h
        b = lo0 + math.floor((c + R - lo0) / h) * h
        if Fraction(a) < Fraction(c) - Fraction(R):  # float rounding of the quotient: stay inside
            a += h
        if Fraction(b) > Fraction(c) + Fraction(R):
            b -= h
        if b <= a:
            return [(c, R) for c in center]
        out.append(((a + b) / 2, (b - a) / 2))
    return out


def star_region(func, center, hessian_lower, radii=(1.5, 1.25, 1.0, 0.875, 0.75, 0.625, 0.5, 0.375),
                shells: int = 24, lattice=None, name: str = "star"):
    """A region x̃ ± R around a float point x̃ (a minimiser candidate) with a proven lower bound, by the
    integral form of Taylor's theorem: for δ = x − x̃,
        f(x) = f(x̃) + ∇f(x̃)·δ + ∫₀¹ (1 − τ) δᵀ ∇²f(x̃ + τδ) δ dτ,
    and x̃ + τδ lies in the box x̃ ± τR, so with m_k <= λ_min(∇²f) on x̃ ± r_k (``hessian_lower(balls, box)``,
    the caller's proven bound; r_k = kR/N) the integral is >= J ‖δ‖², J = Σ_k m_k ∫_{r_{k−1}/R}^{r_k/R}
    (1 − τ) dτ (outer shells may have m_k < 0: the weight 1 − τ favours the inner ones). If J > 0:
        min over the box >= f(x̃) − ‖∇f(x̃)‖² / (4J),
    and f(x̃) is a proven upper bound of the minimum. Returns the largest such box (radius from ``radii``)
    as a Region, or None. Needs no critical point inside — x̃ only has to be near one. ``lattice``: the
    region is shrunk to ``aligned_box``.

    >>> f = lambda v: (v[0] - 0.25).square() + v[1].square()
    >>> S = star_region(f, [0.25, 0.0], lambda balls, box: arb(2), radii=(1.0,))
    >>> S.data["radius"], bool(S.lower <= 0 <= S.upper)
    (1.0, True)
    """
    x = [arb(c) for c in center]
    J1 = evaluate(func, x, 1)
    g2 = sum((gi * gi for gi in J1.g), arb(0))
    for R in radii:
        R = dyadic_ceil(R)
        J = arb(0)
        r_prev = 0.0
        for k in range(1, shells + 1):
            r = R * k / shells  # a float: the τ-interval below is taken from it exactly
            box = [(c, r) for c in center]
            m = hessian_lower(box_arb(box), box)
            if not m.is_finite():
                J = None
                break
            a, b = arb(r_prev) / R, arb(r) / R  # x̃ + τδ ∈ x̃ ± r for τ <= r/R
            J = J + m * ((b - a) - (b * b - a * a) / 2)
            r_prev = r
        if J is None or not J > 0:
            continue
        lower = J1.v - g2 / (4 * J)
        X = box_arb(aligned_box(center, R, lattice))
        return Region(name, inside(X), arb(lower.lower()), arb(J1.v.upper()),
                      {"center": list(center), "radius": R, "J": str(J), "shells": shells})
    return None
