"""The interval backend is complete: every operation the engines use exists on both backends (no caller
branches on the backend), holds the exact value, and exact constants are enclosed from their
expression trees (never a rounded float as a bound)."""
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from ufmtheory.intervals import EnclosureError, backend, enclose, enclose_exact
from ufmtheory.precision import to_fraction

BACKENDS = ["arb", "mpmath.iv"]
fractions = st.fractions(min_value=-50, max_value=50, max_denominator=97)


def _contains(B, x, value) -> bool:
    return B.lower(x) <= value <= B.upper(x)


@pytest.mark.parametrize("name", BACKENDS)
@given(a=fractions, b=fractions, w=st.fractions(min_value=0, max_value=3, max_denominator=64))
@settings(max_examples=40, deadline=None)
def test_derived_operations_hold_the_exact_values(name, a, b, w):
    B = backend(name)
    lo, hi = min(a, b), max(a, b)
    with B.precision(160):
        X = B.hull(B.point(lo), B.point(lo + w))
        Y = B.hull(B.point(hi), B.point(hi + w))
        U, M = B.union(X, Y), B.max(X, Y)
        I = B.intersection(B.hull(lo - 1, hi + 1), B.hull(lo, hi + 2))
        bounds = B.exact_bounds(X)
        xa = mpmath.mpf(a.numerator) / a.denominator  # a rounded to 53 bits: exact for the backend
        E = B.exact(xa)
        L1 = B.log1p(B.point(abs(a)))
        ends = B.exact_bounds(B.lower_point(X)), B.exact_bounds(B.upper_point(X))
        less = B.less(B.point(lo - 1), B.point(lo))
    with mpmath.workdps(60):
        for v in (lo, lo + w, hi, hi + w):
            assert _contains(B, U, mpmath.mpf(v.numerator) / v.denominator)
        for u in (lo, lo + w):  # max(x, y) for x in X, y in Y
            for v in (hi, hi + w):
                m = max(u, v)
                assert _contains(B, M, mpmath.mpf(m.numerator) / m.denominator)
        i_lo, i_hi = B.exact_bounds(I)  # [lo − 1, hi + 1] ∩ [lo, hi + 2] = [lo, hi + 1]
        # (an arb ball's radius carries 30 bits: the ends of a hull are rounded outwards at ~2^-30 of its width)
        assert i_lo <= lo and hi + 1 <= i_hi and (i_hi - i_lo) <= (hi + 1 - lo) * (1 + Fraction(1, 2 ** 25))
        assert bounds[0] <= lo and lo + w <= bounds[1]
        assert bounds[1] - bounds[0] <= w * (1 + Fraction(1, 2 ** 25)) + Fraction(1 + abs(lo), 2 ** 150)
        assert ends[0][0] == ends[0][1] == bounds[0] and ends[1][0] == ends[1][1] == bounds[1]
        assert B.exact_bounds(E) == (to_fraction(xa), to_fraction(xa))
        assert _contains(B, L1, mpmath.log1p(mpmath.mpf(abs(a).numerator) / abs(a).denominator))
        assert less


def test_arb_exact_keeps_every_bit_of_an_mpf():
    """``exact`` of a 400-bit mpf at 64 bits is that mpf (``point`` rounds it to the working precision)."""
    B = backend("arb")
    with mpmath.workprec(400):
        x = mpmath.mpf(1) / 3
    with B.precision(64):
        e, p = B.exact(x), B.point(x)
        assert B.is_point(e) and to_fraction(B.midpoint(e)) == to_fraction(x)
        assert not B.is_point(p) and B.exact_bounds(p)[0] < to_fraction(x) < B.exact_bounds(p)[1]


@pytest.mark.parametrize("name", BACKENDS)
def test_exact_bounds_refuse_an_infinite_interval(name):
    B = backend(name)
    with B.precision(64):
        x = B.log(B.point(0) * B.point(1)) if name == "arb" else mpmath.iv.mpf(["-inf", 0])
        with pytest.raises(EnclosureError):
            B.exact_bounds(x)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("K", [5, 7, 12])
def test_structure_constants_are_enclosed_from_their_trees(name, K):
    """cos(2πk/K), √(K−1)/√K: the enclosure's width follows the working precision (no padding by a
    fixed number of digits, which N() would need), and it holds the value computed at 120 digits."""
    B = backend(name)
    exprs = [sp.cos(2 * sp.pi * k / K) for k in range(1, K)] + [sp.sqrt(sp.Rational(K - 1, K)), sp.sqrt(K) / 2 + 1]
    for bits in (64, 300):
        with B.precision(bits):
            encl = [(B.lower(x), B.upper(x)) for x in (enclose_exact(B, e) for e in exprs)]
        with mpmath.workdps(120):
            for e, (lo, hi) in zip(exprs, encl):
                v = mpmath.mpf(str(sp.N(e, 110)))  # the test's independent value, not a bound
                assert lo <= v <= hi
                assert hi - lo <= mpmath.mpf(2) ** (12 - bits) * max(1, abs(v))


def test_an_expression_outside_the_supported_tree_is_refused():
    B = backend()
    with B.precision(64):
        for e in (sp.zeta(3), sp.gamma(sp.Rational(1, 3)), sp.sqrt(-1 + sp.cos(2 * sp.pi / 5))):
            with pytest.raises(EnclosureError):
                enclose(e, B)
