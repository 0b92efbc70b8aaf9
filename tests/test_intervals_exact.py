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
