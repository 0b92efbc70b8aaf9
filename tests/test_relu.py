"""Theorem 7's inequalities and region, Assumption 1, ReLU DNC configurations (Step 1)."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ufmtheory as ut
from ufmtheory.constructions import relu_paired
from ufmtheory.objective import forward, loss_parts
from ufmtheory.relu import (K_min, L_min, assumption1, best_linear_dnc, monotonicity_certificate, random_relu_dnc,
                            relu_dnc_family_minimum, stated_inequality_mp, stated_region, theorem7_inequality)


def test_integer_form_equals_typeset_inequality():
    for K in range(2, 41):
        for L in range(1, 21):
            lhs, rhs = stated_inequality_mp(K, L, 40)
            assert (lhs < rhs) == theorem7_inequality(K, L), (K, L)


def test_stated_region_inside_inequality_region():
    for K in range(2, 151):
        for L in range(1, 61):
            if stated_region(K, L):
                assert theorem7_inequality(K, L), (K, L)


def test_region_hand_values():
    """Corners by hand: (9,5), (15,4) fail; (10,5), (11,5), (14,4), (16,4), (17,4) hold; L <= 3 never."""
    assert not theorem7_inequality(9, 5) and not theorem7_inequality(15, 4)
    assert all(theorem7_inequality(K, L) for K, L in [(10, 5), (11, 5), (14, 4), (16, 4), (17, 4)])
    assert not any(theorem7_inequality(K, L) for K in range(2, 300) for L in (1, 2, 3))
    # K = 4: both sides grow like 4^L, the ratio is the constant 128/27 > 1 (never); K = 6 from L = 8
    assert L_min(4) is None and L_min(5) is None and L_min(6) == 8 and L_min(10) == 5
    assert K_min(4, 0) == 14 and K_min(4, 1) == 17 and K_min(5, 0) == 10 and K_min(5, 1) == 11
    assert K_min(12, 0) == 6 and K_min(12, 1) == 7


def test_monotonicity_certificate():
    cert = monotonicity_certificate()
    assert all(v["dF/dK < 0 for K >= 5, L >= 1"] for v in cert.values())
    # independent: F decreasing in K within parity on a range, numerically
    for L in (4, 6, 9):
        for par in (0, 1):
            Ks = [K for K in range(6 + par, 80, 2)]
            vals = [theorem7_inequality(K, L) for K in Ks]
            assert vals == sorted(vals), (L, par)  # False … False True … True


def test_assumption1_by_hand():
    """d = 1 row pre-activation [3, −1]: mean 1, centred (2, −2): ratio 1/2; after ReLU [3, 0]:
    mean 1.5, centred (1.5, −1.5): ratio 1 >= 1/2, so the assumption holds."""
    model = ut.DeepUFM(2, 2, n=1, lam=1, d=2, activation="relu")
    H = np.eye(2)
    W1 = np.array([[3.0, -1.0], [0.0, 0.0]])
    P = ut.Parameters(H, (W1, np.eye(2)))
    rows = assumption1(model, P)
    assert len(rows) == 1
    assert rows[0]["ratio_before"] == pytest.approx(0.5) and rows[0]["ratio_after"] == pytest.approx(1.0)
    assert rows[0]["holds"]
    W1b = np.array([[1.0, 1.0], [1.0, 1.0]]) * 2  # all mean: ratio inf before and after
    assert assumption1(model, ut.Parameters(H, (W1b, np.eye(2))))[0]["ratio_before"] == float("inf")


def test_random_relu_dnc_has_dnc_features():
    model = ut.DeepUFM(5, 4, n=2, lam="0.01", activation="relu")
    I, J = np.eye(5), np.ones((5, 5))
    rng = np.random.default_rng(3)
    for _ in range(20):
        P = random_relu_dnc(model, rng)
        _, _, acts = forward(model, P)
        for A in acts[1:]:
            means = A[:, ::2]
            a, b = means[0, 0] - means[1, 0], means[1, 0]
            assert np.allclose(means, a * I + b * J, atol=1e-10) and (means >= -1e-12).all()


@settings(max_examples=8)
@given(seed=st.integers(0, 10 ** 6), K=st.integers(3, 6), L=st.integers(2, 4))
def test_step1_random_configurations_never_below_linear_dnc(seed, K, L):
    model = ut.DeepUFM(K, L, n=2, lam=Fraction(1, 200), activation="relu")
    bound = float(best_linear_dnc(model, 20).loss)
    rng = np.random.default_rng(seed)
    for _ in range(10):
        assert float(loss_parts(model, random_relu_dnc(model, rng))[0]) >= bound - 1e-12


def test_step1_best_aligned_configuration_above_linear_dnc():
    """Independent route: the aligned family's optimum (L-BFGS) stays above the exact linear DNC optimum."""
    model = ut.DeepUFM(4, 3, n=1, lam=Fraction(1, 100), activation="relu")
    bound = float(best_linear_dnc(model, 20).loss)
    res = relu_dnc_family_minimum(model, starts=4, rng=0)
    assert res["loss"] >= bound
    assert res["loss"] - bound < 0.05  # it does get close: the search is not stuck at the zero solution


def test_theorem7_construction_beats_dnc_in_region_only_at_equal_scale():
    """At DNC's own critical scale the construction has lower fit, and lower penalty iff the inequality holds."""
    for K, L in [(10, 5), (9, 5), (16, 4), (15, 4)]:
        model = ut.DeepUFM(K, L, n=1, lam=Fraction(1, 2 ** 10), activation="relu")
        d = best_linear_dnc(model, 30)
        with mpmath.workdps(60):
            c = relu_paired(K, L).loss_at(model, d.scale, 40)
            assert c[1] < d.fit
            assert (c[2] < d.penalty) == theorem7_inequality(K, L)
