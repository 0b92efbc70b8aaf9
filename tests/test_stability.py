"""Theorem 4 closed forms (``stability``) against the full Hessian and against independent routes."""
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ufmtheory as ut
from ufmtheory.landscape import block_spectrum, critical_points
from ufmtheory.stability import (dnc_block_spectrum, dnc_point_at_scale, fold_function, k22_threshold, lam_of_t,
                                 measure_last_sign_change, predicted_negative_count, threshold_T, thresholds,
                                 v_block)


@settings(max_examples=20)
@given(st.integers(min_value=3, max_value=30), st.integers(min_value=2, max_value=9))
def test_T_at_Kq_has_the_derived_positive_value(K, L):
    with mpmath.workdps(40):
        q = mpmath.mpf(L - 1) / (L + 1)
        t = K * q
        expected = K * q * (K - 2) * (1 + q) * (mpmath.exp(t) - 1)
        assert abs(threshold_T(t, K, L) - expected) < mpmath.mpf(10) ** -30 * abs(expected)


@settings(max_examples=20)
@given(st.integers(min_value=3, max_value=12), st.integers(min_value=2, max_value=6),
       st.floats(min_value=0.05, max_value=30))
def test_v_block_determinant_is_proportional_to_T(K, L, t):
    with mpmath.workdps(40):
        B = v_block(t, K, L)
        det = B[0][0] * B[1][1] - B[0][1] ** 2
        t = mpmath.mpf(t)
        assert abs(det - threshold_T(t, K, L) * K / (t * t * (mpmath.exp(t) + K - 1))) < mpmath.mpf(10) ** -28 * (1 + abs(det))


@pytest.mark.parametrize("K,L,n", [(4, 2, 1), (6, 3, 2), (3, 5, 1)])
def test_stationarity_curve_reproduces_the_proven_critical_points(K, L, n):
    """λ(t) inverts Eq. 19: at the critical scales found by optimal_scale (interval isolation), λ(t) = λ."""
    model = ut.DeepUFM(K, L, n=n, lam="1/300")
    with mpmath.workdps(40):
        for pt in critical_points(model, ut.dnc(K), 40):
            assert abs(lam_of_t(pt.t, K, L, n) - mpmath.mpf(1) / 300) < mpmath.mpf(10) ** -35
            assert (fold_function(pt.t, K, L) < 0) == (pt.kind == "local max")


@pytest.mark.parametrize("K,L", [(4, 2), (7, 3), (3, 4)])
def test_predicted_negative_counts_match_the_full_hessian(K, L):
    thr = thresholds(K, L)
    ts = [0.01, float(thr.t_fold) * 0.9, (float(thr.t_fold) + float(thr.t_V)) / 2, float(thr.t_star) * 0.98,
          float(thr.t_star) * 1.02, 3 * K]
    for t in ts:
        with mpmath.workdps(30):
            pt = dnc_point_at_scale(K, L, t, n=2, d=K + 1, mp=False)
        I = dnc_block_spectrum(pt).inertia()
        assert I.negative == predicted_negative_count(t, K, L, thr), t


def test_isotypic_blocks_reproduce_the_generic_spectrum():
    model = ut.DeepUFM(6, 3, n=2, lam="0.001", d=8)
    for pt in critical_points(model, ut.dnc(6), 30):
        a = np.sort([float(mu) for mu, m in block_spectrum(pt).eigenvalues() for _ in range(m)])
        spec = dnc_block_spectrum(pt)
        b = np.sort([float(mu) for mu, m in spec.eigenvalues() for _ in range(m)])
        assert np.allclose(a, b, atol=1e-14) and spec.max_residual() < 1e-15


@pytest.mark.parametrize("K,L", [(3, 2), (5, 4)])
def test_measured_sign_change_equals_closed_form(K, L):
    t, block, _ = measure_last_sign_change(K, L)
    thr = thresholds(K, L)
    assert abs(t - float(thr.t_star)) < 1e-12 * float(thr.t_star)
    assert block == ("standard" if K == 3 else "(K-2,2)")
    if K >= 4:
        assert thr.t_star == k22_threshold(K, L)


def test_thresholds_are_ordered_and_certified():
    thr = thresholds(10, 2)
    assert thr.certified and thr.t_fold < thr.t_V < thr.t_22 == thr.t_star
    assert mpmath.nstr(thr.t_V, 10) == "1.278065666"
    assert thr.lam_star < thr.lam_max
    with pytest.raises(ut.ParameterError):
        thresholds(2, 2)


def test_tiny_small_root_keeps_its_relative_digits():
    """λ = 2^-128, L = 2: the small DNC root is t ≈ 1e-116. refine_root's confirmation step must be
    relative (it used an absolute ε before): the root has to satisfy Eq. 19 to 25 relative digits."""
    from fractions import Fraction
    model = ut.DeepUFM(4, 2, n=1, lam=Fraction(1, 2 ** 128))
    opt = ut.optimal_scale(ut.dnc(4), model, 30)
    small = opt.critical_points[0].t
    with mpmath.workdps(60):
        lam = mpmath.mpf(2) ** -128
        assert small < mpmath.mpf(10) ** -100
        assert abs(lam_of_t(small, 4, 2) - lam) < mpmath.mpf(10) ** -25 * lam
