"""Exact conversions into and out of interval enclosures (signs of negative mpf; no rounding of bounds)."""
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from ufmtheory.intervals import _fraction_of, backend
from ufmtheory.precision import to_fraction


@given(st.fractions(min_value=-1000, max_value=1000))
@settings(max_examples=50)
def test_negative_mpf_keeps_its_sign(q):
    with mpmath.workdps(60):
        x = mpmath.mpf(q.numerator) / q.denominator
        assert to_fraction(x) == _fraction_of(x)
        assert (to_fraction(x) > 0) == (q > 0) and (to_fraction(x) < 0) == (q < 0)


@pytest.mark.parametrize("name", ["arb", "mpmath.iv"])
def test_point_and_bounds_are_exact(name):
    B = backend(name)
    with B.precision(300):
        x = B.point(Fraction(1, 3))
        lo, hi = B.lower(x), B.upper(x)
        assert B.sign(B.point(mpmath.mpf(-3) / 4)) == -1
    with mpmath.workdps(15):  # bounds must not be rounded to the current (low) mpmath precision
        lo2, hi2 = lo, hi
    with mpmath.workdps(400):
        third = mpmath.mpf(1) / 3
        assert lo2 <= third <= hi2 and hi2 - lo2 < mpmath.mpf(10) ** -80


@given(st.integers(min_value=-(2 ** 400), max_value=2 ** 400), st.integers(min_value=-300, max_value=300),
       st.sampled_from([20, 53, 64, 128, 266]))
@settings(max_examples=200)
def test_arb_point_of_mpf_is_the_rounded_product(man, exp, bits):
    """``ArbBackend.point(mpf)`` is the ball of man·2^exp rounded to the working precision: the same
    ball as arb(man) times the exact power 2^exp (written out here); it holds the exact value, and is
    exact when the mantissa fits."""
    from flint import arb, ctx, fmpz
    B = backend("arb")
    with mpmath.workprec(420):
        x = mpmath.mpf(man) * mpmath.mpf(2) ** exp  # exact: |man| < 2^401
    with B.precision(1000):
        exact = arb(fmpz(man)) * arb(2) ** exp
    with B.precision(bits):
        got = B.point(x)
        want = arb(fmpz(man)) * arb(2) ** exp
        assert ctx.prec == bits and got.mid() == want.mid() and got.rad() == want.rad()
        assert got.contains(exact)
        assert got.is_exact() == (x.man.bit_length() <= bits if man else True)
