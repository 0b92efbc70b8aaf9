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
    # bisection: robust, one bit per iteration
    sa = mpmath.sign(fa)
    for _ in range(int(mpmath.mp.prec) + 20):
        m = (a + b) / 2
        if m == a or m == b:
            break
        sm = mpmath.sign(f(m))
        if sm == 0:
            return m
        if sm == sa:
            a = m
        else:
            b = m
    return (a + b) / 2


def newton_bracket(f, df, a, b, x0=None, fa=None, fdf=None, tol_factor: int = 8, rtol=None):
    """The root of f in [a, b] (f(a), f(b) of opposite signs) to the current mpmath precision:
    Newton's method with the derivative ``df``, falling back to bisection whenever a step leaves the
    shrinking bracket (hand-written: mpmath.findroot's Newton has no bracket safeguard); a step below
    the tolerance ends the iteration even when it rounds onto an end of the bracket.
    ``fdf(x)`` -> (f, f') may replace f and df when both come from one computation; ``fa`` = f(a).
    ``rtol``: relative tolerance (default ``tol_factor``·eps); set it to the accuracy of f when f is
    only known to fewer digits than the working precision."""
    if fdf is None:
        fdf = lambda x: (f(x), df(x))  # noqa: E731
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    fa = fdf(a)[0] if fa is None else fa
    if fa == 0:
        return a
    sa = mpmath.sign(fa)
    x = x0 if (x0 is not None and a < x0 < b) else (a + b) / 2
    tol = mpmath.eps * tol_factor if rtol is None else mpmath.mpf(rtol)
    for _ in range(int(mpmath.mp.prec) * 2 + 100):
        fx, d = fdf(x)
        if fx == 0:
            return x
        if mpmath.sign(fx) == sa:
            a = x
        else:
            b = x
        xn = x - fx / d if d != 0 else None
        if xn is not None and a <= xn <= b and abs(xn - x) <= tol * abs(xn):
            return xn  # converged; xn may round onto an end of the bracket (the root is that close)
        if xn is None or not (a < xn < b):
            xn = (a + b) / 2
        if abs(xn - x) <= tol * abs(xn) or b - a <= tol * abs(b):
            return xn
        x = xn
    return x


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
