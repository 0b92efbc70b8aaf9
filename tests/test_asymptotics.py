"""Extrapolation (Neville/Richardson) and the λ → 0 limits of the Hessian norm ratios (Theorem 6)."""
import mpmath
import pytest
from fractions import Fraction
from hypothesis import given, settings, strategies as st

import ufmtheory as ut
from ufmtheory.asymptotics import limit_norm_ratios, limit_operators
from ufmtheory.extrapolation import extrapolate_to_zero, lebesgue_at_zero, neville_at_zero
from ufmtheory.landscape import block_spectrum, critical_points


@settings(max_examples=25)
@given(st.lists(st.fractions(min_value=-5, max_value=5, max_denominator=20), min_size=1, max_size=5))
def test_neville_is_exact_on_polynomials(coeffs):
    xs = [Fraction(1, k) for k in range(2, 2 + len(coeffs))]
    ys = [sum(c * x ** i for i, c in enumerate(coeffs)) for x in xs]
    assert neville_at_zero(xs, ys) == coeffs[0]


def test_extrapolation_error_estimate_covers_the_truth():
    f = lambda x: 0.7 + 0.3 * x - 2 * x * x + mpmath.sin(x) ** 4  # noqa: E731
    xs = [1 / mpmath.mpf(t) for t in (10, 15, 20, 30, 40, 60)]
    e = extrapolate_to_zero(xs, [f(x) for x in xs])
    assert abs(e.value - mpmath.mpf("0.7")) <= e.error < 1e-5
    assert lebesgue_at_zero([1, 2]) == 3  # ℓ_1(0) = 2, ℓ_2(0) = −1


def test_limit_operators_prefactors():
    assert limit_operators(ut.dnc(4), 2)[2] == 1          # s̄² r/m = 1·3/3
    assert limit_operators(ut.paired(4), 2)[2] == 4       # 4·2/2 = 2K/(K−2)
    with pytest.raises(ut.ParameterError):
        limit_operators(ut.paired(5), 2)                   # unequal singular values


def test_exact_limits_for_K4_L2():
    r = limit_norm_ratios(ut.dnc(4), ut.paired(4), 2)
    assert (r.frobenius_squared, r.trace) == (Fraction(15, 28), Fraction(3, 4))
    assert abs(r.spectral - 1) < 1e-13


def test_limits_are_approached_by_the_full_hessian():
    """At λ = 2^-256 (t ≈ 179) the float64 ratios are within O(1/t) of the exact limits."""
    K, L = 4, 2
    model = ut.DeepUFM(K, L, n=1, lam=Fraction(1, 2 ** 256), d=5)
    a = block_spectrum(critical_points(model, ut.dnc(K), 30)[-1]).norms()
    b = block_spectrum(critical_points(model, ut.paired(K), 30)[-1]).norms()
    r = limit_norm_ratios(ut.dnc(K), ut.paired(K), L)
    assert abs(a["trace"] / b["trace"] - 0.75) < 2 / 179
    assert abs(a["frobenius"] / b["frobenius"] - float(r.frobenius)) < 2 / 179
    assert abs(a["spectral"] / b["spectral"] - 1) < 2 / 179
