"""Symbolic layer: stationarity equations against the paper's forms, asymptotics (sympy limits and an
independent numerical route), Theorem 1's proof steps, and LaTeX."""
import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from ufmtheory import symbolic as S
from ufmtheory.families import from_structure
from ufmtheory.optimal_value import FamilyCurves
from ufmtheory.structures import dnc, paired
from ufmtheory.theorems.theorem1 import penalty_inequality, stated_region


def test_stationarity_matches_paper_eq19_and_theorem6():
    assert S.check_stationarity() == {"dnc_eq19": True, "paired_theorem6": True, "derivative_form": True}


@pytest.mark.parametrize("name, L, K", [("dnc", 2, 4), ("paired_even", 3, 6), ("paired_odd", 2, 5)])
def test_asymptotic_limits(name, L, K):
    r = S.check_asymptotics(name, L, K)
    assert r["stationarity_ratio_limit"] == 1 and r["loss_ratio_limit"] == 1 and r["scale_over_log"] == 1


def test_loss_ratio_limit_numerically():
    """f*_paired/f*_DNC → (K/2)2^p/(K−1) as λ → 0 (K = 4, L = 2: 2^{5/3}/3 = 1.0583…): the exact optima
    approach it, with the O(log log/log) error shrinking as λ decreases."""
    lim = S.loss_ratio_limit("paired_even", "dnc").subs({S.K: 4, S.L: 2})
    target = float(lim)
    assert abs(target - 2 ** (5 / 3) / 3) < 1e-12
    errs = []
    for e in (20, 80, 320):
        mu = mpmath.mpf(10) ** -e
        vd = FamilyCurves(from_structure(dnc(4)), 2, 30).point(mu)[0]
        vp = FamilyCurves(from_structure(paired(4)), 2, 30).point(mu)[0]
        errs.append(abs(float(vp / vd) - target))
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.01


def test_theorem1_fit_step():
    r = S.theorem1_fit_step()
    assert r["is_u_times_1_minus_u"] and r["positive_for_0<u<1"] and r["odd_K_identity"]


def test_theorem1_penalty_step_K_min():
    r = S.theorem1_penalty_step(range(1, 9))
    assert r["K_min"] == {1: None, 2: 6, 3: 4, 4: 4, 5: 4, 6: 4, 7: 4, 8: 4}
    assert r["odd_equals_even_condition"] and r["L_ge_3_gives_K_min_4"]


@given(L=st.integers(1, 12), K=st.integers(2, 40))
@settings(max_examples=40)
def test_symbolic_threshold_equals_integer_inequality(L, K):
    """K >= K_min(L) (sympy floor of an algebraic number) ⇔ 4 m^{L+1} < (2m−1)^{L+1} (integers)."""
    km = S.theorem1_penalty_step([L])["K_min"][L]
    assert (km is not None and K >= km) == penalty_inequality(K, L)
    if L <= 8:
        assert penalty_inequality(K, L) == stated_region(K, L)


def test_latex_and_two_scale_family():
    lx = S.structure("dnc").latex()
    assert "e^{t}" in lx["stationarity"] or "e^{- t}" in lx["f"]
    assert set(S.summary()) == {"dnc", "paired_even", "paired_odd", "polygon"}
    assert S.paired_two_scale()["separable"]


def test_theorem3_constants():
    r = S.theorem3_bounds()
    q = sp.Symbol("q", positive=True)
    assert r["regime_i_exponent_limit"] == -sp.oo
    assert sp.simplify(r["spec_ratio_minus_1"] - 1 / (q * (q + 2))) == 0
    assert r["condition_limit_lhs"] == q
