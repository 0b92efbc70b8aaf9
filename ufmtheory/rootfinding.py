"""Isolation of every root of a smooth function on an interval, proven with interval arithmetic.

Algorithm (branch and bound, e.g. Moore, Kearfott & Cloud, "Introduction to Interval Analysis",
SIAM 2009, §8): a box X = [a, b] is
- discarded when the enclosure of F(X) excludes 0 (no root);
- accepted as holding exactly one simple root when the enclosure of F'(X) excludes 0 (F strictly
  monotone) and F(a), F(b) have proven opposite signs; discarded when they have the same sign;
- otherwise bisected (geometrically, at √(ab), while b/a > 4, so that ranges spanning many orders
  of magnitude cost only their logarithm).
F(X) is enclosed by both its natural interval extension and the mean-value form
F(m) + F'(X)(X − m), intersected. A box that shrinks below the resolution without a decision
(a double root, i.e. a tangency exactly at a threshold) is reported as ``unresolved``.

The isolator is hand-written because no maintained Python library isolates real roots of a general
transcendental function with interval proofs (mpmath.findroot, scipy.optimize.brentq only refine a
bracket; flint's arb_calc root isolation is not exposed by python-flint).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import mpmath

from .intervals import IntervalBackend


class IsolationError(RuntimeError):
    """The isolation exceeded its box budget (never happens for the toolkit's own functions)."""


@dataclass(frozen=True)
class RootBracket:
    """[lo, hi] contains exactly one root (``status='simple'``, F changes sign, F' ≠ 0 throughout),
    or possibly a multiple / clustered root that could not be resolved (``status='unresolved'``)."""

    lo: mpmath.mpf
    hi: mpmath.mpf
    status: str
    slope_sign: int  # sign of F' on the bracket (0 when unresolved)


@dataclass
class IsolationReport:
    brackets: list
    boxes: int
    lo: mpmath.mpf
    hi: mpmath.mpf
    backend: str


def isolate_roots(F: Callable, dF: Callable, lo, hi, B: IntervalBackend, *, prec_bits: int = 128,
                  max_boxes: int = 200000, rel_resolution=None, leaves: list | None = None,
                  split: Callable | None = None) -> IsolationReport:
    """All roots of F in [lo, hi] (mpf endpoints, 0 <= lo < hi).

    ``F(X)`` and ``dF(X)`` take a backend interval and return enclosures of F and F' over it; they
    are also called on point intervals (``B.point(x)``) for endpoint signs.

    Optional, for proof certificates (``ufmtheory.certificates``): ``leaves`` (a list) receives every
    decided box as ``(a, b, kind)``, kind "E" (F(X) or its mean-value form excludes 0), "M" (F' ≠ 0 and
    F(a), F(b) of one sign: no root), "R" (a simple-root bracket) or "U" (unresolved); ``split(a, b)``
    chooses the bisection point (an mpf strictly inside (a, b)) instead of √(ab) or (a+b)/2.
    """
    lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
    if not lo < hi:
        raise ValueError("isolate_roots needs lo < hi")
    res = rel_resolution if rel_resolution is not None else mpmath.mpf(2) ** (-(prec_bits - 16))
    out: list[RootBracket] = []
    boxes = 0
    with B.precision(prec_bits):
        point_sign_cache: dict = {}
        points: dict = {}  # every box end is converted once (it is the end of two boxes)

        def point_at(x):
            key = getattr(x, "_mpf_", x)  # normalised mpf: equal values, equal keys; hashes faster
            p = points.get(key)
            if p is None:
                p = points[key] = B.point(x)
            return p

        def sign_at(x):
            key = getattr(x, "_mpf_", x)
            s = point_sign_cache.get(key)
            if s is None:
                s = point_sign_cache[key] = B.sign(F(point_at(x)))
            return s

        stack = [(lo, hi)]
        while stack:
            a, b = stack.pop()
            boxes += 1
            if boxes > max_boxes:
                raise IsolationError(f"root isolation on [{mpmath.nstr(lo, 5)}, {mpmath.nstr(hi, 5)}] "
                                     f"exceeded {max_boxes} boxes")
            X = B.hull(point_at(a), point_at(b))
            D = dF(X)
            dsign = B.sign(D)
            sa, sb = sign_at(a), sign_at(b)
            if dsign != 0 and sa != 0 and sb != 0:
                if sa != sb:
                    out.append(RootBracket(a, b, "simple", dsign))
                if leaves is not None:
                    leaves.append((a, b, "R" if sa != sb else "M"))
                continue
            if not (sa == 0 or sb == 0):
                # F(X) excludes 0, or else its mean-value form F(m) + F'(X)(X − m) does (m = (a+b)/2;
                # F(m) is only needed when F(X) does not decide: the box is then split, and m is the
                # next split point when the split is (a+b)/2, so its sign is remembered)
                excluded = B.sign(F(X)) != 0
                if not excluded:
                    m = (a + b) / 2
                    M = point_at(m)
                    FM = F(M)
                    point_sign_cache.setdefault(getattr(m, "_mpf_", m), B.sign(FM))
                    excluded = B.sign(FM + D * (X - M)) != 0
                if excluded:
                    if leaves is not None:
                        leaves.append((a, b, "E"))
                    continue
            if b - a <= res * max(abs(b), mpmath.mpf(1) if a == 0 else abs(a)):
                out.append(RootBracket(a, b, "unresolved", 0))
                if leaves is not None:
                    leaves.append((a, b, "U"))
                continue
            if split is not None:
                mid = split(a, b)
                if not a < mid < b:
                    raise ValueError(f"split({a}, {b}) returned {mid}, not strictly inside")
            elif a > 0 and b / a > 4:
                mid = mpmath.sqrt(a * b)
            else:
                mid = (a + b) / 2
            # depth-first, left box processed first so brackets come out in increasing order
            stack.append((mid, b))
            stack.append((a, mid))
    out = _merge_unresolved(sorted(out, key=lambda r: r.lo))
    return IsolationReport(out, boxes, lo, hi, B.name)


def _merge_unresolved(brackets: list) -> list:
    merged: list = []
    for r in brackets:
        if merged and r.status == "unresolved" and merged[-1].status == "unresolved" and merged[-1].hi >= r.lo:
            prev = merged.pop()
            merged.append(RootBracket(prev.lo, max(prev.hi, r.hi), "unresolved", 0))
        else:
            merged.append(r)
    return merged


def refine_root(f: Callable, a, b):
    """The root of f in [a, b] (sign change proven by the caller) to the current mp precision.

    mpmath's Anderson–Björck bracketing solver, checked to stay inside [a, b]; bisection finishes
    the job if it does not.
    """
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    fa, fb = f(a), f(b)
    if fa == 0:
        return a
    if fb == 0:
        return b
    tol = mpmath.eps * 4
    try:
        r = mpmath.findroot(f, (a, b), solver="anderson", tol=tol ** 2, verify=False)
        if a <= r <= b:
            fr = f(r)
            # confirm by a sign change across r at the working resolution
            h = abs(r) * tol if r != 0 else mpmath.eps  # relative: tiny roots keep their digits
            if fr == 0 or (mpmath.sign(f(max(a, r - h))) != mpmath.sign(f(min(b, r + h)))):
                return r
    except (ZeroDivisionError, ValueError):
        pass
    # bisection (``safeguarded_newton`` without Newton points and with tolerance 0): robust, one bit
    # per iteration, until the bracket's midpoint rounds onto one of its ends
    sa = mpmath.sign(fa)

    def step(x):
        s = mpmath.sign(f(x))
        return (0 if s == 0 else (1 if s == sa else -1)), None
    return safeguarded_newton(step, a, b, (a + b) / 2, mpmath.mpf(0), max_steps=int(mpmath.mp.prec) + 20,
                              stop_on_split=True)[0]


#: returned by a ``safeguarded_newton`` step where f is undefined (e.g. log φ beyond φ's zero): the
#: root lies to the left of the point
UNDEFINED = "undefined"


class MpfArithmetic:
    """The comparisons and bracket points of ``safeguarded_newton`` on mpmath numbers (the current precision)."""

    @staticmethod
    def less(u, v) -> bool:
        return u < v

    @staticmethod
    def mid(a, b):
        return (a + b) / 2

    @staticmethod
    def split(a, b, ratio):
        """√(ab) while a > 0 and b/a > ratio (None: never), else (a+b)/2."""
        return mpmath.sqrt(a * b) if (ratio is not None and a > 0 and b / a > ratio) else (a + b) / 2

    @staticmethod
    def close(xn, x, tol) -> bool:
        return abs(xn - x) <= tol * abs(xn)

    @staticmethod
    def narrow(a, b, tol) -> bool:
        return b - a <= tol * abs(b)


class PointArithmetic:
    """The same on exact points (zero-width intervals) of an interval backend ``B``, at B's current
    precision: bracket points are ``B.center`` of their enclosures, comparisons are certain, a
    tolerance test holds unless it is certainly false.

    >>> from ufmtheory.intervals import backend
    >>> B = backend("arb")
    >>> x = PointArithmetic(B).split(B.point(1), B.point(16), 4)  # √(1·16), as an exact point
    >>> B.is_point(x), mpmath.nstr(B.midpoint(x), 10)
    (True, '4.0')
    """

    def __init__(self, B: IntervalBackend):
        self.B = B
        self.half = B.point(mpmath.mpf(1) / 2)  # exact at every precision

    def less(self, u, v) -> bool:
        return self.B.less(u, v)

    def mid(self, a, b):
        return self.B.center((a + b) * self.half)

    def split(self, a, b, ratio):
        """exp((log a + log b)/2) while a > 0 and b > ratio·a (None: never), else (a+b)/2."""
        B = self.B
        if ratio is not None and B.sign(a) > 0 and B.sign(b - a * ratio) > 0:
            return B.center(B.exp((B.log(a) + B.log(b)) * self.half))
        return B.center((a + b) * self.half)

    def close(self, xn, x, tol) -> bool:
        return self.B.sign(tol * xn - abs(xn - x)) >= 0

    def narrow(self, a, b, tol) -> bool:
        return self.B.sign(tol * b - (b - a)) >= 0


MPF = MpfArithmetic()


def safeguarded_newton(step, a, b, x, tol, *, max_steps: int, arith=MPF, ratio=None, strict: bool = True,
                       stop_on_split: bool = False, narrow_mid: bool = False, must_converge: bool = False):
    """The one safeguarded Newton iteration of the toolkit: a root in the bracket [a, b] from the start x,
    as ``(x, a, b)`` (a, b: the bracket shrunk by every sign seen). Generic over the numbers
    (``arith``: ``MPF`` for mpmath numbers, ``PointArithmetic(B)`` for exact points of an interval backend).

    ``step(x)`` -> ``(s, xn)``: s = +1 if the root lies right of x, −1 if left of x, 0 to accept x;
    xn the Newton point from x (None: no step); or ``UNDEFINED`` (f undefined at x, the root lies to
    its left: the bracket's right end moves to x, the next point is the midpoint).
    A Newton point strictly inside the bracket is taken, and returned when the step is below ``tol``
    relative (``strict=False``: also a point rounded onto an end of the bracket); otherwise the next
    point is the bracket's split (√(ab) while b/a > ``ratio``, else (a+b)/2), itself returned if it
    is within ``tol`` of x when ``stop_on_split``. A bracket below ``tol`` relative ends the iteration
    (returning the point, or the midpoint if ``narrow_mid``). After ``max_steps`` evaluations the
    last point is returned, or ``ArithmeticError`` raised if ``must_converge``.

    >>> step = lambda x: (mpmath.sign(2 - x * x), x - (x * x - 2) / (2 * x))
    >>> with mpmath.workdps(30):
    ...     print(safeguarded_newton(step, mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf(1), 8 * mpmath.eps, max_steps=100)[0])
    1.41421356237309504880168872421
    """
    less = arith.less
    for _ in range(max_steps):
        r = step(x)
        if r is UNDEFINED:
            b = x
            x = arith.mid(a, b)
            continue
        s, xn = r
        if s == 0:
            return x, a, b
        if s > 0:
            a = x
        else:
            b = x
        inside = xn is not None and less(a, xn) and less(xn, b)
        if (inside or (xn is not None and not strict and not less(xn, a) and not less(b, xn))) \
                and arith.close(xn, x, tol):
            return xn, a, b  # converged (when not strict, xn may round onto an end: the root is that close)
        if not inside:
            xn = arith.split(a, b, ratio)
            if stop_on_split and arith.close(xn, x, tol):
                return xn, a, b
        x = xn
        if arith.narrow(a, b, tol):
            return (arith.mid(a, b) if narrow_mid else x), a, b
    if must_converge:
        raise ArithmeticError("safeguarded_newton: no convergence")  # pragma: no cover
    return x, a, b


def newton_bracket(f, df, a, b, x0=None, fa=None, fdf=None, tol_factor: int = 8, rtol=None):
    """The root of f in [a, b] (f(a), f(b) of opposite signs) to the current mpmath precision:
    Newton's method with the derivative ``df``, falling back to bisection whenever a step leaves the
    shrinking bracket (``safeguarded_newton``; mpmath.findroot's Newton has no bracket safeguard); a
    step below the tolerance ends the iteration even when it rounds onto an end of the bracket.
    ``fdf(x)`` -> (f, f') may replace f and df when both come from one computation; ``fa`` = f(a).
    ``rtol``: relative tolerance (default ``tol_factor``·eps); set it to the accuracy of f when f is
    only known to fewer digits than the working precision.

    >>> with mpmath.workdps(30):
    ...     print(newton_bracket(lambda x: x * x - 2, lambda x: 2 * x, 1, 2))
    1.41421356237309504880168872421
    """
    if fdf is None:
        fdf = lambda x: (f(x), df(x))  # noqa: E731
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    fa = fdf(a)[0] if fa is None else fa
    if fa == 0:
        return a
    sa = mpmath.sign(fa)
    x = x0 if (x0 is not None and a < x0 < b) else (a + b) / 2
    tol = mpmath.eps * tol_factor if rtol is None else mpmath.mpf(rtol)

    def step(x):
        fx, d = fdf(x)
        if fx == 0:
            return 0, None
        return (1 if mpmath.sign(fx) == sa else -1), (x - fx / d if d != 0 else None)
    return safeguarded_newton(step, a, b, x, tol, max_steps=int(mpmath.mp.prec) * 2 + 100, strict=False,
                              stop_on_split=True)[0]


def refine_root_proven(F: Callable, dF: Callable, a, b, slope_sign: int, B: IntervalBackend, *,
                       prec_bits: int | None = None, seed_bits: int = 80, x0=None, FdF: Callable | None = None):
    """The root of F in a proven simple-root bracket [a, b] (``isolate_roots``: F' has the sign
    ``slope_sign`` throughout, F(a), F(b) of opposite signs), to the current mpmath precision, with
    a proof: returns ``(x, lo, hi)`` (mpf), x rounded to mp.prec and the root in [lo, hi] ⊆ [a, b],
    hi − lo ≈ 2^{1−mp.prec}|x| (F(lo), F(hi) proven of opposite signs).

    ``F(X)``, ``dF(X)`` are the interval functions given to ``isolate_roots`` (evaluated here on
    point intervals, with constants enclosed at ``prec_bits`` or finer); ``FdF(X)`` -> (F(X), F'(X))
    may replace both when they share work. Safeguarded Newton in interval arithmetic, never leaving
    the bracket, which shrinks with every proven sign of F (bisection when a step would leave it):
    x ← x − F(x)/F'(x), or x ← x·exp(−F(x)/(x F'(x))) (Newton in log x) while the bracket spans more
    than a factor 4 (power laws, as F near 0). First at ``seed_bits``, then at ``prec_bits``
    (default mp.prec + 20) until a step is below 2^{−mp.prec/2} (quadratic convergence: 2–4 steps);
    the final enclosure is checked by the signs of F at its ends. ``x0``: a seed inside (a, b), e.g.
    the root at another precision (the ``seed_bits`` phase is then skipped). Falls back to
    ``refine_root`` (mpmath, on the interval midpoint) if the enclosure cannot be proven, which does
    not happen for simple roots of functions evaluated to full precision.

    >>> from ufmtheory.intervals import backend
    >>> import mpmath
    >>> B = backend("arb")
    >>> with mpmath.workdps(30):
    ...     x, lo, hi = refine_root_proven(lambda X: X * X - 2, lambda X: 2 * X, 1, 2, 1, B)
    ...     print(x, lo <= mpmath.sqrt(2) <= hi)
    1.41421356237309504880168872421 True
    """
    if slope_sign not in (1, -1):
        raise ValueError("refine_root_proven needs the sign of F' on the bracket (+1 or -1)")
    target = int(mpmath.mp.prec)
    full = int(prec_bits) if prec_bits is not None else target + 20
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if not a < b:
        raise ValueError("refine_root_proven needs a < b")
    left_sign = -slope_sign  # sign of F left of the root
    exact_bits = max(full, *(int(v._mpf_[3]) + 2 for v in (a, b)))  # a, b enter exactly

    with B.precision(exact_bits):
        lo, hi = B.point(a), B.point(b)
        seed = B.point(mpmath.mpf(x0)) if x0 is not None and a < x0 < b else None
        two = B.point(2)

    def inside(x):
        return B.sign(x - lo) > 0 and B.sign(hi - x) > 0

    def wide():
        return B.sign(hi - 4 * lo) > 0 and B.sign(lo) > 0

    def bisect():
        m = B.center(B.exp((B.log(lo) + B.log(hi)) / 2) if wide() else (lo + hi) / 2)
        return m if inside(m) else None

    def newton(x, bits, stop_exp, max_steps):
        """Safeguarded Newton at ``bits``; returns (x, converged): converged when a step was below
        2^-stop_exp relative, or the bracket that small, or F(x) not distinguishable from 0."""
        nonlocal lo, hi
        tol = two ** -stop_exp
        with B.precision(bits):
            for _ in range(max_steps):
                Fx, D = FdF(x) if FdF is not None else (F(x), None)
                s = B.sign(Fx)
                if s == 0:  # F(x) indistinguishable from 0 at this precision: x is as good as it gets
                    return x, True
                if s == left_sign:
                    lo = x
                else:
                    hi = x
                D = dF(x) if D is None else D
                xn = None
                if B.sign(D) == slope_sign:
                    xn = B.center(x * B.exp(-Fx / (x * D)) if wide() else x - Fx / D)
                    if not inside(xn):
                        xn = None
                if xn is None:
                    xn = bisect()
                    if xn is None:  # the bracket is down to adjacent numbers at this precision
                        return x, True
                done = B.sign(tol * abs(xn) - abs(xn - x)) > 0 or B.sign(tol * abs(hi) - (hi - lo)) > 0
                x = xn
                if done:
                    return x, True
        return x, False

    def certify(x):
        """Exact points xl < x < xr with F(xl), F(xr) of opposite proven signs, xr − xl ≈ 2^(1+w−target)|x|."""
        with B.precision(full):
            for widen in (0, 4, 8, 16):
                r = abs(x) * two ** (widen - target)
                xl, xr = B.center(x - r), B.center(x + r)
                if B.sign(xl - lo) < 0:
                    xl = lo
                if B.sign(hi - xr) < 0:
                    xr = hi
                if B.sign(xr - xl) > 0 and B.sign(F(xl)) == left_sign and B.sign(F(xr)) == -left_sign:
                    return x, xl, xr
        return None

    proven = None
    if seed is not None:
        x = seed  # e.g. the root at a higher precision: one Newton step suffices
    else:
        with B.precision(full):
            x = bisect() or B.center((lo + hi) / 2)
        # a step below 2^-(seed_bits/2 − 2) leaves an error O(2^-seed_bits): the seed is as good as it gets
        x, _ = newton(x, seed_bits, seed_bits // 2 - 2, 4 * seed_bits + 40)
    # quadratic convergence: after a step of relative size δ the error is O(δ²)
    x, ok = newton(x, full, target // 2 + 8, 2 * full)
    if ok:
        proven = certify(x)
    if proven is not None:
        x, xl, xr = (B.midpoint(v) for v in proven)
        return +x, xl, xr  # +x: rounded to the working precision

    def f(t):  # pragma: no cover - ill-conditioned root: the bracketing solver on the interval midpoint
        with B.precision(full):
            return B.midpoint(F(B.point(t)))
    return refine_root(f, B.midpoint(lo), B.midpoint(hi)), B.midpoint(lo), B.midpoint(hi)  # pragma: no cover
