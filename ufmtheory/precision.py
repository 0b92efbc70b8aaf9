"""Working precision: how many digits a high-precision result carries, and how that is checked.

Convention used throughout the toolkit: a result requested with ``dps`` significant digits is
computed at ``dps + GUARD_DIGITS`` and recomputed at ``dps + 2*GUARD_DIGITS`` (``working_precisions``);
the two must agree to ``dps`` significant digits (``agreed_digits``), otherwise a ``PrecisionError`` is
raised (``recompute_and_check``). Digits ↔ bits: ``bits_for_digits``/``digits_for_bits`` only. This is a
numerical (not certified) check; certified enclosures use interval arithmetic (``intervals``).
"""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from fractions import Fraction

import mpmath
from mpmath import mp

from ._validate import ParameterError, integer

DEFAULT_DPS = 50
GUARD_DIGITS = 15
#: Most significant digits any computation accepts (commands set lower bounds of their own in
#: ``limits``, measured so that they finish in about a minute).
MAX_DPS = 10000
#: Largest |log10| of an exact number parsed from text (λ = 1e-1000 is fine; 10^1000000000 would
#: take minutes to build exactly and is refused while parsing).
MAX_DECIMAL_EXPONENT = 1000
#: Longest text accepted as an exact number.
MAX_NUMBER_CHARS = 200
#: A search loss counts as lower than the listed winner's only below loss − WINNER_RTOL·max(1, |loss|)
#: (``global_search.search_scope``): the search is float64 L-BFGS (its optima agree with the exact
#: ones to ~1e-15, test_global_search).
WINNER_RTOL = 1e-9
#: Bits of the interval arithmetic of the threshold search (``thresholds``, ``phase``).
SEARCH_BITS = 64

_POW = re.compile(r"^\s*([0-9.]+)\s*(?:\^|\*\*)\s*([+-]?\d+)\s*$")
_EXP = re.compile(r"[eE]\s*([+-]?\d+)\s*$")


class PrecisionError(ArithmeticError):
    """A result did not reproduce to the claimed number of digits when recomputed at higher precision."""


def bits_for_digits(digits) -> int:
    """Binary digits that carry ``digits`` decimal digits: ⌈digits·log2 10⌉.

    >>> bits_for_digits(50), digits_for_bits(bits_for_digits(50))
    (167, 50)
    """
    return int(math.ceil(digits * math.log2(10)))


def digits_for_bits(bits) -> int:
    """Decimal digits that ``bits`` binary digits carry: ⌊bits·log10 2⌋."""
    return int(math.floor(bits * math.log10(2)))


def check_dps(dps, maximum: int = MAX_DPS) -> int:
    """``dps`` as an integer in [5, maximum] (a ParameterError naming the range otherwise)."""
    return integer("dps", dps, 5, min(int(maximum), MAX_DPS))


def _not_exact(text: str, why: str = "") -> ParameterError:
    return ParameterError(f"not an exact number: {text!r}{why} (use e.g. 0.03, 1/1024, 2^-10, 1e-3)")


def exact_number(text: str) -> Fraction:
    """'0.03', '1/1024', '2^-10', '2**-10', '1e-3' → an exact Fraction (the sign is not checked).

    Magnitudes beyond 10^±MAX_DECIMAL_EXPONENT are refused (``ParameterError``) before any big
    integer is built. The command line (``cli.common.exact_number``) and ``DeepUFM(lam=...)`` use it.

    >>> exact_number("2^-10"), exact_number("1e-3"), exact_number("3/4")
    (Fraction(1, 1024), Fraction(1, 1000), Fraction(3, 4))
    >>> exact_number("10^2000")
    Traceback (most recent call last):
    ufmtheory._validate.ParameterError: not an exact number: '10^2000': its size is beyond 10^±1000, the largest accepted (use e.g. 0.03, 1/1024, 2^-10, 1e-3)
    """
    if not isinstance(text, str) or len(text) > MAX_NUMBER_CHARS:
        raise _not_exact(str(text)[:40] + ("…" if len(str(text)) > 40 else ""),
                         f", longer than {MAX_NUMBER_CHARS} characters")
    too_big = f": its size is beyond 10^±{MAX_DECIMAL_EXPONENT}, the largest accepted"
    m = _POW.match(text)
    try:
        if m:
            base, exponent = Fraction(m.group(1)), int(m.group(2))
            if base == 0 and exponent < 0:
                raise ZeroDivisionError
            # |log10 base| < MAX_NUMBER_CHARS (the text is that short), so float(base) is finite
            if base != 0 and abs(exponent) * abs(math.log10(base)) > MAX_DECIMAL_EXPONENT:
                raise _not_exact(text, too_big)
            return base ** exponent
        e = _EXP.search(text)
        if e and abs(int(e.group(1))) > MAX_DECIMAL_EXPONENT + MAX_NUMBER_CHARS:
            raise _not_exact(text, too_big)
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise _not_exact(text) from None
    bound = Fraction(10) ** MAX_DECIMAL_EXPONENT  # compared exactly (the value has at most ~1200 digits)
    if value != 0 and not 1 / bound <= abs(value) <= bound:
        raise _not_exact(text, too_big)
    return value


def short(x, digits: int = 10) -> str:
    """``x`` (mpf, number or decimal string) rounded to ``digits`` significant digits, for display:
    the exponent is always kept (never a slice of a longer decimal string).

    >>> short("4.6566193783201e-6"), short("7.03753849442636294105"), short(mpmath.mpf(2) ** -1400, 4)
    ('4.656619378e-6', '7.037538494', '3.614e-422')
    """
    digits = integer("digits", digits, 1, MAX_DPS)
    if not isinstance(x, mpmath.mpf):
        with mpmath.workdps(digits + 10):
            x = to_mpf(x)
    return mpmath.nstr(x, digits, min_fixed=-4, max_fixed=digits)


@contextmanager
def workdps(dps: int):
    """mpmath working precision ``dps`` (decimal digits) inside the block."""
    with mp.workdps(int(dps)):
        yield


def default_ambient_precision(fn):
    """Run ``fn`` with mpmath's default ambient precision (53 bits), whatever the caller set: searches
    whose inner steps use their own explicit precisions (``workdps``) but leave some setup arithmetic
    (search starts, box ends) to the ambient context would otherwise give caller-dependent box ends,
    and so caller-dependent cache hits and evaluation counts (measured: the (6, 1) DNC/paired tie
    search took 2 evaluations at the default, 66 with ``mp.dps = 30`` set by an earlier caller).

    >>> import mpmath
    >>> f = default_ambient_precision(lambda: mpmath.mp.prec)
    >>> with mpmath.workdps(40):
    ...     f()
    53
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with mpmath.workprec(53):
            return fn(*args, **kwargs)
    return wrapper


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
    """Number of significant decimal digits on which ``a`` and ``b`` agree (inf if equal):
    float(−log10(|a − b| / max(|a|, |b|))), the logarithm at the current precision (``float_neg_log10``).

    >>> agreed_digits(mpmath.mpf(1), mpmath.mpf("1.001")) > 2.99, agreed_digits(2, 2)
    (True, mpf('+inf'))
    """
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if a == b:
        return mpmath.inf
    scale = max(abs(a), abs(b))
    if scale == 0:
        return mpmath.inf
    return float_neg_log10(abs(a - b) / scale)


def float_neg_log10(r) -> float:
    """``float(−mpmath.log10(r))`` for an mpf r > 0 at the current precision, usually without mpmath's
    logarithm: arb encloses −log10 r at prec + 20 bits and the ball is widened by the relative
    2^{8−prec} that mpmath's result may be off (a few ulps); mpmath converts its result to the
    nearest float, so when the widened ball lies strictly between the midpoints from a float d to its
    neighbours, d is that float. Otherwise (or without python-flint) mpmath computes it.

    >>> float_neg_log10(mpmath.mpf(10) ** -7) == float(-mpmath.log10(mpmath.mpf(10) ** -7))
    True
    """
    prec = int(mp.prec)
    try:
        import flint
        from flint import arb
    except ImportError:  # pragma: no cover - python-flint is a core dependency
        flint = None
    if flint is not None:
        old = flint.ctx.prec
        flint.ctx.prec = prec + 20
        try:
            y = -(arb(r).log() / arb(10).log()) * arb(1, arb(2) ** (8 - prec))
            d = float(y.mid()) if y.is_finite() else math.nan
            if math.isfinite(d) and d != 0:
                below = (arb(d) + arb(math.nextafter(d, -math.inf))) / 2  # exact: two neighbouring floats
                above = (arb(d) + arb(math.nextafter(d, math.inf))) / 2
                if y > below and y < above:  # arb comparisons: true for every point of y
                    return d
        finally:
            flint.ctx.prec = old
    return float(-mpmath.log10(r))


def nstr(x, dps: int) -> str:
    """Decimal string of ``x`` with ``dps`` significant digits (no exponent for moderate values)."""
    if not isinstance(x, mpmath.mpf):  # mpf(x) would round an existing mpf to the current precision
        with mpmath.workdps(int(dps) + 10):
            x = mpmath.mpf(x)
    if x == 0:
        return "0"
    return mpmath.nstr(x, int(dps), min_fixed=-6, max_fixed=int(dps) + 6, strip_zeros=False)


def working_precisions(dps: int) -> tuple:
    """The two working precisions (decimal digits) of a result requested with ``dps`` digits:
    ``dps + GUARD_DIGITS`` and ``dps + 2*GUARD_DIGITS`` (the module's convention; the second is also
    the precision at which such a result is kept and compared).

    >>> working_precisions(50)
    (65, 80)
    """
    dps = int(dps)
    return dps + GUARD_DIGITS, dps + 2 * GUARD_DIGITS


def recompute_and_check(fn, dps: int, name: str = "result"):
    """Run ``fn(working_dps)`` at both ``working_precisions(dps)``; the results must agree to ``dps``
    significant digits, else ``PrecisionError``. Returns ``(higher-precision result, digits)``:
    ``digits`` is the smallest number of agreeing digits (inf when equal or all zero).

    ``fn`` returns an mpf or a tuple/list of mpf (all are checked; ``None`` entries must be ``None`` at
    both precisions); callers format with ``nstr(x, dps)``.

    >>> def third(wdps):
    ...     with workdps(wdps):
    ...         return mpmath.mpf(1) / 3
    >>> value, digits = recompute_and_check(third, 20, "1/3")
    >>> nstr(value, 20), digits >= 20
    ('0.33333333333333333333', True)
    >>> recompute_and_check(lambda wdps: mpmath.mpf(wdps), 20, "w")
    Traceback (most recent call last):
    ufmtheory.precision.PrecisionError: w: values at 35 and 50 digits agree to 0.5 digits only, fewer than the 20 requested
    """
    lo_dps, hi_dps = working_precisions(dps)
    lo = fn(lo_dps)
    hi = fn(hi_dps)
    lo_t = lo if isinstance(lo, (tuple, list)) else (lo,)
    hi_t = hi if isinstance(hi, (tuple, list)) else (hi,)
    digits = mpmath.inf
    with mp.workdps(hi_dps):
        for a, b in zip(lo_t, hi_t):
            if a is None or b is None:
                if a is not b:
                    raise PrecisionError(f"{name}: structure of the result changed with precision")
                continue
            if a != 0 or b != 0:
                digits = min(digits, agreed_digits(a, b))
    if digits < dps:
        raise PrecisionError(f"{name}: values at {lo_dps} and {hi_dps} digits agree to {float(digits):.1f} "
                             f"digits only, fewer than the {dps} requested")
    return hi, digits
