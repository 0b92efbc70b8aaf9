"""Working precision: how many digits a high-precision result carries, and how that is checked.

Convention used throughout the toolkit: a result requested with ``dps`` significant digits is
computed at ``dps + GUARD_DIGITS`` and recomputed at ``dps + 2*GUARD_DIGITS``; the two must agree to
``dps`` significant digits (``agreed_digits``), otherwise a ``PrecisionError`` is raised. This is a
numerical (not certified) check; certified enclosures use interval arithmetic (``intervals``).
"""
from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction

import mpmath
from mpmath import mp

from ._validate import integer

DEFAULT_DPS = 50
GUARD_DIGITS = 15


class PrecisionError(ArithmeticError):
    """A result did not reproduce to the claimed number of digits when recomputed at higher precision."""


def check_dps(dps) -> int:
    return integer("dps", dps, 5, 10000)


@contextmanager
def workdps(dps: int):
    """mpmath working precision ``dps`` (decimal digits) inside the block."""
    with mp.workdps(int(dps)):
        yield


def to_mpf(x):
    """Exact conversion to mpf at the current precision (strings and Fractions parsed exactly)."""
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    if isinstance(x, str):
        if "/" in x:
            a, b = x.split("/", 1)
            return mpmath.mpf(a.strip()) / mpmath.mpf(b.strip())
        return mpmath.mpf(x)
    return mpmath.mpf(x)


def signed_man_exp(x: mpmath.mpf) -> tuple:
    """(m, e) with x = m·2^e exactly, m signed (``mpf.man_exp`` drops the sign)."""
    sign, man, exp, _ = x._mpf_
    if not man and exp:  # inf / nan have no finite value
        raise ValueError(f"{x} has no exact rational value")
    return (-int(man) if sign else int(man)), int(exp)


def to_fraction(x) -> Fraction:
    """Exact rational value of a float, mpf, int or decimal string."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, str):
        return Fraction(x)
    if isinstance(x, mpmath.mpf):
        man, exp = signed_man_exp(x)
        return Fraction(int(man)) * (Fraction(2) ** int(exp))
    return Fraction(x)


def agreed_digits(a, b) -> float:
    """Number of significant decimal digits on which ``a`` and ``b`` agree (inf if equal)."""
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if a == b:
        return mpmath.inf
    scale = max(abs(a), abs(b))
    if scale == 0:
        return mpmath.inf
    return float(-mpmath.log10(abs(a - b) / scale))


def nstr(x, dps: int) -> str:
    """Decimal string of ``x`` with ``dps`` significant digits (no exponent for moderate values)."""
    if not isinstance(x, mpmath.mpf):  # mpf(x) would round an existing mpf to the current precision
        with mpmath.workdps(int(dps) + 10):
            x = mpmath.mpf(x)
    if x == 0:
        return "0"
    return mpmath.nstr(x, int(dps), min_fixed=-6, max_fixed=int(dps) + 6, strip_zeros=False)


def recompute_and_check(fn, dps: int, name: str = "result"):
    """Run ``fn(working_dps)`` twice (``dps+GUARD`` and ``dps+2*GUARD``); check agreement to ``dps`` digits.

    ``fn`` returns an mpf or a tuple/list of mpf (all are checked); the higher-precision result is
    returned, rounded to nothing: callers format with ``nstr(x, dps)``.
    """
    lo = fn(dps + GUARD_DIGITS)
    hi = fn(dps + 2 * GUARD_DIGITS)
    lo_t = lo if isinstance(lo, (tuple, list)) else (lo,)
    hi_t = hi if isinstance(hi, (tuple, list)) else (hi,)
    with mp.workdps(dps + 2 * GUARD_DIGITS):
        for a, b in zip(lo_t, hi_t):
            if a is None or b is None:
                if a is not b:
                    raise PrecisionError(f"{name}: structure of the result changed with precision")
                continue
            if agreed_digits(a, b) < dps:
                raise PrecisionError(
                    f"{name}: values at {dps + GUARD_DIGITS} and {dps + 2 * GUARD_DIGITS} digits agree "
                    f"only to {agreed_digits(a, b):.1f} digits, fewer than the {dps} requested")
    return hi
