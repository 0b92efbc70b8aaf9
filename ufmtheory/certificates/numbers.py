"""Exact numbers in certificate files: every number is a string holding an exact rational.

A number is written as a terminating decimal ("0.0009765625", "4.6e-21") when that is short, else as
"n/d"; both parse exactly with ``fractions.Fraction``. Enclosures are written rounded *outward* to a
number of significant decimal digits (``dec_down``/``dec_up``), so a written interval always
contains the computed one.
"""
from __future__ import annotations

import re
from fractions import Fraction

#: Longest number string a certificate may hold (below Python's 4300-digit int/str limit; a t_lo
#: of about λ^3 at λ = 10^-1000 and L = 2 needs about 3000 digits).
MAX_NUMBER_CHARS = 4000
#: Largest |decimal exponent| of a number written as "…e±N" (refused before 10^N is built).
MAX_EXPONENT = 5000
_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)\s*$")


class CertificateFormatError(ValueError):
    """A certificate field is missing or malformed."""


def decimal_exponent(a: Fraction) -> int:
    """e with 10^e <= a < 10^(e+1) (a > 0), exactly.

    >>> decimal_exponent(Fraction(1, 1000)), decimal_exponent(Fraction(999, 1)), decimal_exponent(Fraction(1000, 1))
    (-3, 2, 3)
    """
    e = len(str(a.numerator)) - len(str(a.denominator))
    while Fraction(10) ** e > a:
        e -= 1
    while Fraction(10) ** (e + 1) <= a:
        e += 1
    return e


def _decimal_str(m: int, exp: int) -> str:
    """m·10^exp (m >= 0) as a short exact decimal string (plain, or scientific for extreme exponents)."""
    digits = str(m).rstrip("0") or "0"
    exp += len(str(m)) - len(digits)
    if digits == "0":
        return "0"
    lead = exp + len(digits) - 1  # power of ten of the leading digit
    if -7 <= lead <= 21:
        if exp >= 0:
            return digits + "0" * exp
        point = len(digits) + exp
        if point > 0:
            return digits[:point] + "." + digits[point:]
        return "0." + "0" * (-point) + digits
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mant}e{lead}"


def dec_round(q: Fraction, sig: int, up: bool) -> str:
    """q rounded to ``sig`` significant digits towards +∞ (up) or −∞ (down), as a decimal string."""
    q = Fraction(q)
    if q == 0:
        return "0"
    neg = q < 0
    a = -q if neg else q
    e = decimal_exponent(a)
    shift = sig - 1 - e
    x = a * Fraction(10) ** shift
    toward_larger_magnitude = up != neg
    m = -((-x.numerator) // x.denominator) if toward_larger_magnitude else x.numerator // x.denominator
    s = _decimal_str(m, -shift)
    return "-" + s if neg else s


def dec_down(q, sig: int) -> str:
    return dec_round(q, sig, up=False)


def dec_up(q, sig: int) -> str:
    return dec_round(q, sig, up=True)


def qstr(q) -> str:
    """Exact string of a rational: a decimal if it terminates within 100 characters, else "n/d".

    >>> qstr(Fraction(-1, 16)), qstr(Fraction(1, 3)), qstr(Fraction(-5, 2))
    ('-0.0625', '1/3', '-2.5')
    """
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    d = q.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d == 1:
        k = max(twos, fives)
        m = q.numerator * 10 ** k // q.denominator
        if abs(m).bit_length() <= 340:  # at most ~100 digits (never str() a huge integer)
            s = ("-" if m < 0 else "") + _decimal_str(abs(m), -k)  # _decimal_str takes m >= 0
            if len(s) <= 100 and Fraction(s) == q:
                return s
    return f"{q.numerator}/{q.denominator}"


def qparse(s, what: str = "number") -> Fraction:
    """An exact rational from a certificate string (decimal or n/d); a clear error otherwise."""
    if isinstance(s, bool) or not isinstance(s, (str, int)):
        raise CertificateFormatError(f"{what}: expected an exact number as a string, got {s!r}")
    if isinstance(s, str):
        if len(s) > MAX_NUMBER_CHARS:
            raise CertificateFormatError(f"{what}: number string longer than {MAX_NUMBER_CHARS} characters")
        e = _EXPONENT.search(s)
        if e and abs(int(e.group(1))) > MAX_EXPONENT:
            raise CertificateFormatError(f"{what}: exponent beyond ±{MAX_EXPONENT} in {s[:40]!r}")
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise CertificateFormatError(f"{what}: not an exact number: {s!r}") from None


def interval_str(lo, hi, sig: int) -> list:
    """[lo, hi] rounded outward to ``sig`` significant digits."""
    return [dec_down(lo, sig), dec_up(hi, sig)]


def parse_interval(v, what: str) -> tuple:
    if not (isinstance(v, list) and len(v) == 2):
        raise CertificateFormatError(f"{what}: expected [lo, hi]")
    lo, hi = qparse(v[0], what), qparse(v[1], what)
    if lo > hi:
        raise CertificateFormatError(f"{what}: lo > hi")
    return lo, hi
