"""Rigorous interval (ball) arithmetic: python-flint's ``arb`` as the engine, ``mpmath.iv`` as fallback.

Both engines are driven through one small interface (``IntervalBackend``) so that root isolation
(``scale``), certificates and threshold enclosures do not care which one is installed. Every number
that enters an enclosure is converted *exactly* (mpf mantissa/exponent, or a rational p/q enclosed
at the working precision); no float is ever trusted as a bound.
"""
from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction

import mpmath

from .precision import signed_man_exp, to_fraction

try:  # python-flint is a core dependency; the fallback keeps the toolkit usable without it
    import flint
    from flint import arb, fmpq, fmpz
except ImportError:  # pragma: no cover - exercised only where flint is missing
    flint = None


class EnclosureError(ArithmeticError):
    """An exact quantity could not be enclosed (unsupported expression, a sign not decidable, an
    interval that is not finite)."""


class IntervalBackend:
    """Interface: exact conversion in, interval operations, certain sign tests out."""

    name = "abstract"

    def precision(self, bits: int):  # pragma: no cover - interface
        raise NotImplementedError

    def bits(self) -> int:  # pragma: no cover - interface
        """The current working precision (bits)."""
        raise NotImplementedError

    def point(self, x):
        """Enclosure of an exact number (int, Fraction, mpf, decimal string)."""
        raise NotImplementedError  # pragma: no cover

    def hull(self, a, b):
        """The interval [a, b] for exact numbers a <= b (or their ``point`` enclosures)."""
        raise NotImplementedError  # pragma: no cover

    def exp(self, x):
        raise NotImplementedError  # pragma: no cover

    def log(self, x):
        raise NotImplementedError  # pragma: no cover

    def lower(self, x) -> mpmath.mpf:
        raise NotImplementedError  # pragma: no cover

    def midpoint(self, x) -> mpmath.mpf:
        """A point of x (finite) near its centre, as an mpf (the arb midpoint, exactly): rounded to
        the bits of x's ends, not to the mpmath precision, so that narrow intervals keep their centre."""
        lo, hi = self.lower(x), self.upper(x)
        bits = max(int(mpmath.mp.prec), int(lo._mpf_[3]), int(hi._mpf_[3])) + 2
        return mpmath.ldexp(mpmath.fadd(lo, hi, prec=bits), -1)

    def center(self, x):
        """``midpoint(x)`` as a point interval (an exact number of the backend)."""
        return self.point(self.midpoint(x))

    def is_point(self, x) -> bool:
        """x is a single exact number (zero width)."""
        return self.lower(x) == self.upper(x)

    def upper(self, x) -> mpmath.mpf:
        raise NotImplementedError  # pragma: no cover

    # derived operations (generic through lower/upper; ``ArbBackend`` overrides them natively) --------
    def exact(self, x):
        """x (int, Fraction, mpf) as a backend number without rounding where the backend allows it
        (arb: an mpf is a dyadic ball of radius 0 at any precision); else ``point(x)``."""
        return self.point(x)

    def lower_point(self, x):
        """The lower end of x as an exact backend number."""
        return self.point(self.lower(x))

    def upper_point(self, x):
        """The upper end of x as an exact backend number."""
        return self.point(self.upper(x))

    def union(self, x, y):
        """The smallest interval containing the intervals x and y."""
        return self.hull(min(self.lower(x), self.lower(y)), max(self.upper(x), self.upper(y)))

    def intersection(self, x, y):
        """x ∩ y for two enclosures of the same number (non-empty)."""
        return self.hull(max(self.lower(x), self.lower(y)), min(self.upper(x), self.upper(y)))

    def max(self, x, y):
        """{max(a, b) : a ∈ x, b ∈ y}."""
        return self.hull(max(self.lower(x), self.lower(y)), max(self.upper(x), self.upper(y)))

    def log1p(self, x):
        """log(1 + x) for x > −1, accurate for small x."""
        return self.log(self.point(1) + x)

    def exact_bounds(self, x) -> tuple:
        """(lo, hi) of x as exact Fractions (x is inside [lo, hi]); ``EnclosureError`` if not finite."""
        lo, hi = self.lower(x), self.upper(x)
        if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
            raise EnclosureError("interval is not finite")
        return to_fraction(lo), to_fraction(hi)

    def less(self, x, y) -> bool:
        """Every point of x is below every point of y (certain)."""
        return self.sign(y - x) > 0

    def sign(self, x) -> int:
        """+1 if every point of x is > 0, -1 if every point is < 0, 0 if x contains 0 (or is not finite)."""
        lo, hi = self.lower(x), self.upper(x)
        if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
            return 0
        if lo > 0:
            return 1
        if hi < 0:
            return -1
        return 0

    def pow_pos(self, x, y):
        """x**y for x > 0 (all of x) and any real y, as exp(y log x)."""
        return self.exp(y * self.log(x))

    # elementary constants/functions needed to enclose exact structure entries (cos(2πk/K), √2, π)
    def pi(self):
        raise NotImplementedError  # pragma: no cover

    def cos(self, x):
        raise NotImplementedError  # pragma: no cover

    def sin(self, x):
        raise NotImplementedError  # pragma: no cover


def _fraction_of(x) -> Fraction:
    """Exact rational value (``precision.to_fraction``); TypeError for anything not exactly rational."""
    if not isinstance(x, (Fraction, int, mpmath.mpf, str, float)):
        raise TypeError(f"cannot enclose {type(x).__name__} exactly")
    return to_fraction(x)


#: exact arb balls of small integers (arb values are immutable and exact at every precision)
_SMALL_INTS = {k: arb(fmpz(k)) for k in range(-16, 17)} if flint is not None else {}


class _ArbPrecision:
    """``ArbBackend.precision``: a plain context manager (entered tens of times per scale optimum;
    a generator-based one costs several times more)."""

    __slots__ = ("bits", "old")

    def __init__(self, bits: int):
        self.bits = bits

    def __enter__(self):
        self.old = flint.ctx.prec
        flint.ctx.prec = self.bits

    def __exit__(self, *exc):
        flint.ctx.prec = self.old
        return False


class ArbBackend(IntervalBackend):
    """python-flint ``arb`` balls (Arb library, F. Johansson): mid-rad intervals with rigorous rounding."""

    name = "arb"

    def __init__(self):
        # the hot elementary functions as arb's own methods: no Python frame per call (same results)
        self.exp, self.log = arb.exp, arb.log

    def precision(self, bits: int):
        """flint's working precision ``bits`` inside the block (restored after it)."""
        return _ArbPrecision(int(bits))

    def bits(self) -> int:
        return int(flint.ctx.prec)

    def point(self, x):
        if isinstance(x, arb):
            return x
        if type(x) is int:  # fast path (the common 0 and 1 of the interval evaluators): exact
            a = _SMALL_INTS.get(x)
            return a if a is not None else arb(fmpz(x))
        if isinstance(x, mpmath.mpf):
            # arb(x) is exact; + rounds it to the working precision (exact when the mantissa fits),
            # as arb(man)·2^exp did (the same ball: tests/test_intervals_exact.py)
            if not x._mpf_[1] and x._mpf_[2]:  # inf, nan (zero mantissa, non-zero exponent)
                signed_man_exp(x)  # ValueError: no exact value
            return +arb(x)
        q = _fraction_of(x)
        if q.denominator == 1:
            return arb(fmpz(q.numerator))
        return arb(fmpq(q.numerator, q.denominator))

    def hull(self, a, b):
        return self.point(a).union(self.point(b))

    def exp(self, x):
        return x.exp()

    def log(self, x):
        return x.log()

    def pi(self):
        return arb.pi()

    def cos(self, x):
        return x.cos()

    def sin(self, x):
        return x.sin()

    def lower(self, x):
        # exact (make_mpf does not round): mpf(...) would round the bound to the current mp precision
        return mpmath.mp.make_mpf(x.lower()._mpf_) if x.is_finite() else mpmath.mpf("-inf")

    def upper(self, x):
        return mpmath.mp.make_mpf(x.upper()._mpf_) if x.is_finite() else mpmath.mpf("inf")

    def midpoint(self, x):
        return mpmath.mp.make_mpf(x.mid()._mpf_)  # exact, like lower/upper

    def center(self, x):
        return x.mid()

    def is_point(self, x) -> bool:
        return x.is_exact()

    def sign(self, x) -> int:
        """``IntervalBackend.sign`` without converting the bounds (arb's comparisons are certain)."""
        if not x.is_finite():
            return 0
        return 1 if x > 0 else (-1 if x < 0 else 0)

    # the derived operations natively (no conversion of ends to mpf)
    def exact(self, x):
        if isinstance(x, mpmath.mpf):
            if not x._mpf_[1] and x._mpf_[2]:  # inf, nan
                signed_man_exp(x)  # ValueError: no exact value
            return arb(x)  # exact: radius 0 whatever the working precision
        return self.point(x)

    def lower_point(self, x):
        return x.lower()

    def upper_point(self, x):
        return x.upper()

    def union(self, x, y):
        return x.union(y)

    def intersection(self, x, y):
        return x.intersection(y)

    def max(self, x, y):
        return x.max(y)

    def log1p(self, x):
        return x.log1p()

    def exact_bounds(self, x) -> tuple:
        if not x.is_finite():
            raise EnclosureError("interval is not finite")
        out = []
        for e in (x.lower(), x.upper()):
            man, ex = e.man_exp()
            out.append(Fraction(int(man)) * Fraction(2) ** int(ex))
        return tuple(out)

    def less(self, x, y) -> bool:
        return bool(x < y)


class MpmathIVBackend(IntervalBackend):
    """mpmath.iv intervals (outward-rounded endpoint arithmetic); slower fallback for arb."""

    name = "mpmath.iv"

    @contextmanager
    def precision(self, bits: int):
        old = mpmath.iv.prec
        mpmath.iv.prec = int(bits)
        try:
            yield
        finally:
            mpmath.iv.prec = old

    def bits(self) -> int:
        return int(mpmath.iv.prec)

    def point(self, x):
        if isinstance(x, mpmath.ctx_iv.ivmpf):
            return x
        if isinstance(x, mpmath.mpf):
            return mpmath.iv.mpf(x)  # exact when iv.prec >= the mantissa size; else outward rounded
        q = _fraction_of(x)
        return mpmath.iv.mpf(q.numerator) / q.denominator

    def hull(self, a, b):
        lo, hi = self.point(a), self.point(b)
        return mpmath.iv.mpf([lo.a, hi.b])

    def exp(self, x):
        return mpmath.iv.exp(x)

    def log(self, x):
        return mpmath.iv.log(x)

    def pi(self):
        return +mpmath.iv.pi

    def cos(self, x):
        return mpmath.iv.cos(x)

    def sin(self, x):
        return mpmath.iv.sin(x)

    def log1p(self, x):
        return mpmath.iv.log1p(x)

    def exact_bounds(self, x) -> tuple:
        out = []
        for sign, man, ex, _bc in x._mpi_:
            if man == 0 and ex != 0:  # inf / nan special values of mpmath
                raise EnclosureError("interval is not finite")
            q = Fraction(int(man)) * Fraction(2) ** int(ex)
            out.append(-q if sign else q)
        return tuple(out)

    def lower(self, x):
        return mpmath.mp.make_mpf(x._mpi_[0])  # exact: mpf(x.a) would round to the current mp precision

    def upper(self, x):
        return mpmath.mp.make_mpf(x._mpi_[1])


def backend(name: str | None = None) -> IntervalBackend:
    """The interval engine: ``"arb"`` (default when python-flint is installed) or ``"mpmath.iv"``."""
    if name is None:
        name = "arb" if flint is not None else "mpmath.iv"
    if name == "arb":
        if flint is None:
            raise RuntimeError("python-flint is not installed; use backend('mpmath.iv')")
        return ArbBackend()
    if name in ("mpmath.iv", "iv", "mpmath"):
        return MpmathIVBackend()
    raise ValueError(f"interval backend must be 'arb' or 'mpmath.iv', got {name!r}")


def enclose(expr, B):
    """Interval enclosure of an exact real sympy expression in backend ``B`` at its current precision,
    by evaluating its expression tree in interval arithmetic: Integer, Rational, π, +, ×, integer and
    fractional powers (base > 0), cos, sin, exp, log. Anything else raises ``EnclosureError`` (never a
    rounded float as a bound). Every entry of the named structures and families is of this form
    (cos(2πk/K), √(K−1)/√K, rationals).

    >>> import sympy as sp
    >>> B = backend()
    >>> with B.precision(128):
    ...     c = enclose(sp.cos(2 * sp.pi / 7), B)
    ...     lo, hi = B.lower(c), B.upper(c)
    >>> with mpmath.workdps(40):
    ...     lo <= mpmath.cos(2 * mpmath.pi / 7) <= hi, hi - lo < mpmath.mpf(10) ** -35
    (True, True)
    """
    import sympy as sp  # imported here: sympy costs ~0.5 s of start-up
    if isinstance(expr, (int, Fraction)):
        return B.point(expr)
    if expr.is_Integer:
        return B.point(int(expr))
    if expr.is_Rational:
        return B.point(Fraction(int(expr.p), int(expr.q)))
    if expr is sp.pi:
        return B.pi()
    if isinstance(expr, sp.Add):
        out = B.point(0)
        for a in expr.args:
            out = out + enclose(a, B)
        return out
    if isinstance(expr, sp.Mul):
        out = B.point(1)
        for a in expr.args:
            out = out * enclose(a, B)
        return out
    if isinstance(expr, sp.Pow):
        base, ex = expr.args
        b = enclose(base, B)
        if ex.is_Integer:
            k = int(ex)
            out = B.point(1)
            for _ in range(abs(k)):
                out = out * b
            return out if k >= 0 else 1 / out
        if B.sign(b) <= 0:
            raise EnclosureError(f"cannot enclose {expr}: the base of a fractional power must be > 0")
        return B.pow_pos(b, enclose(ex, B))
    if isinstance(expr, sp.cos):
        return B.cos(enclose(expr.args[0], B))
    if isinstance(expr, sp.sin):
        return B.sin(enclose(expr.args[0], B))
    if isinstance(expr, sp.exp):
        return B.exp(enclose(expr.args[0], B))
    if isinstance(expr, sp.log):
        return B.log(enclose(expr.args[0], B))
    raise EnclosureError(f"cannot enclose the expression {expr!r} (unsupported function)")


def enclose_exact(B: IntervalBackend, x):
    """Enclosure of an exact number ``x`` (sympy expression, int, Fraction, or a string sympy parses):
    exact for rationals, else ``enclose`` of its expression tree at the backend's precision.

    >>> B = backend()
    >>> with B.precision(64):
    ...     half, root2 = enclose_exact(B, "1/2"), enclose_exact(B, "sqrt(2)")
    >>> B.lower(half) == B.upper(half) == mpmath.mpf(1) / 2
    True
    >>> with mpmath.workdps(50):
    ...     B.lower(root2) < mpmath.sqrt(2) < B.upper(root2), B.upper(root2) - B.lower(root2) < mpmath.mpf(10) ** -15
    (True, True)
    """
    import sympy as sp
    if isinstance(x, (int, Fraction)):
        return B.point(x)
    return enclose(sp.sympify(x), B)
