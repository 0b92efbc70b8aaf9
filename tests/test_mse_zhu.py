"""MSE (Dang et al.; Súkeník et al.) and the L = 1 CE closed form (Zhu et al.) against the engine."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ufmtheory as ut
from ufmtheory.closed_forms import dang_mse_dnc, zhu_l1
from ufmtheory.constructions import orthogonal_frame
from ufmtheory.mse import lambda_at, threshold, triangular_beats_dnc
from ufmtheory.precision import agreed_digits
from ufmtheory.search import collapsed_search
from ufmtheory.theorems.zhu_l1 import engine_vs_closed_form, grid

lam_st = st.fractions(min_value=Fraction(1, 10 ** 6), max_value=Fraction(1, 2), max_denominator=10 ** 6)


@settings(max_examples=12)
@given(K=st.integers(2, 8), L=st.integers(1, 6), n=st.integers(1, 5), lam_H=lam_st, lam_W=lam_st)
def test_mse_dnc_engine_equals_closed_form(K, L, n, lam_H, lam_W):
    model = ut.DeepUFM(K, L, n=n, lam=[lam_H] + [lam_W] * L, loss="mse")
    opt = ut.optimal_scale(orthogonal_frame(K), model, 30)
    with mpmath.workdps(70):
        cf = dang_mse_dnc(K, L, n, model.lams)
        assert opt.kind == cf["kind"]
        assert [round(float(c.t), 12) for c in opt.critical_points] == [round(float(r), 12) for r in cf["roots"]]
        for c, r in zip(opt.critical_points, cf["roots"]):
            assert agreed_digits(c.t, r) >= 30
        assert agreed_digits(opt.loss, cf["loss"]) >= 30


@pytest.mark.parametrize("L", [2, 3, 5, 8])
def test_mse_threshold_by_hand(L):
    """At γ = (L−1)/L and c = (L−1)^{L−1}/L^{2L}: h(γ) = 1/2 and h'(γ) = 0 (direct evaluation)."""
    with mpmath.workdps(50):
        g = mpmath.mpf(L - 1) / L
        c = mpmath.mpf(threshold(L).numerator) / threshold(L).denominator
        assert abs(g ** (L - 1) * (1 - g) ** (L + 1) - c) < mpmath.mpf(10) ** -45
        K, n = 3, 2
        Lam = mpmath.root(c / (K ** (L + 1) * n), L + 1)  # all λ equal
        p = mpmath.mpf(2) / (L + 1)
        h = lambda x: (1 - x) ** 2 / 2 + K * (L + 1) * Lam * mpmath.root(n, L + 1) * x ** p / 2  # noqa: E731
        assert abs(h(g) - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -40
        assert abs(mpmath.diff(h, g)) < mpmath.mpf(10) ** -30


def test_mse_threshold_sides_engine():
    for K, L in [(3, 2), (4, 3)]:
        below = ut.DeepUFM(K, L, n=1, lam=[lambda_at(K, L, 1, Fraction(999, 1000))] + [1] * L, loss="mse")
        above = ut.DeepUFM(K, L, n=1, lam=[lambda_at(K, L, 1, Fraction(1001, 1000))] + [1] * L, loss="mse")
        assert ut.optimal_scale(orthogonal_frame(K), below, 30).kind == "positive critical point"
        assert ut.optimal_scale(orthogonal_frame(K), above, 30).kind == "zero"


def test_mse_l1_closed_form_by_hand():
    """L = 1: γ = 1 − K√(nλ_Hλ_W): K = 2, n = 1, λ = 1/16 → γ = 1 − 2/16 = 7/8."""
    with mpmath.workdps(30):
        cf = dang_mse_dnc(2, 1, 1, Fraction(1, 16))
        assert cf["roots"] == [mpmath.mpf(7) / 8] and cf["kind"] == "positive critical point"


@settings(max_examples=15)
@given(seed=st.integers(0, 10 ** 6), K=st.integers(2, 5), L=st.integers(1, 5))
def test_von_neumann_bound_on_random_outputs(seed, K, L):
    """Any Z̄: reduced MSE loss >= Σ_i h(s_i) >= K·min(h(0), h(γ*)) = the orthogonal-frame optimum."""
    rng = np.random.default_rng(seed)
    model = ut.DeepUFM(K, L, n=1, lam="0.001", loss="mse")
    Zbar = rng.standard_normal((K, K)) * rng.uniform(0.1, 2)
    total = ut.reduced_loss(model, Zbar)[0]
    best = float(ut.optimal_scale(orthogonal_frame(K), model, 20).loss)
    assert total >= best - 1e-12


def test_mse_search_finds_closed_form_and_never_below():
    model = ut.DeepUFM(3, 2, n=2, lam=Fraction(1, 100), loss="mse")
    res = collapsed_search(model, starts=4, rng=1)
    with mpmath.workdps(30):
        cf = dang_mse_dnc(3, 2, 2, Fraction(1, 100))
    assert res.loss == pytest.approx(float(cf["loss"]), rel=1e-9) and res.loss >= float(cf["loss"]) - 1e-12
    assert np.allclose(res.Zbar, float(cf["gamma"]) * np.eye(3), atol=1e-5)


def test_triangular_region_hand_values():
    """L = 3: 2 + 2√(2(r−1)(r−2)) < 2(r−1) never holds; L = 2: ties at r = 3, 4; L = 4 from r = 4."""
    assert not any(triangular_beats_dnc(r, L) for r in range(3, 80) for L in (2, 3))
    assert [r for r in range(3, 12) if triangular_beats_dnc(r, 4)] == list(range(4, 12))
    assert not any(triangular_beats_dnc(3, L) for L in range(2, 40))


# ---- Zhu et al. 2021, L = 1 ---------------------------------------------------------------------

def test_zhu_grid_engine_equals_closed_form_40_digits():
    pts = grid(quick=False)
    zero_side = 0
    for K, n, lh, lw in pts:
        r = engine_vs_closed_form(K, n, lh, lw)
        assert r["kind_engine"] == r["kind_closed"], (K, n, lh, lw)
        assert r["digits_t"] >= 40 and r["digits_loss"] >= 40
        zero_side += r["kind_closed"] == "zero"
    assert 0 < zero_side < len(pts)


def test_zhu_by_hand():
    """K = 2, n = 1, λ_H = λ_W = 1/4: √(nλλ) = 1/4, t* = log(4 − 1) = log 3, ℒ* = −log(3/4) + (1/4)log 3."""
    with mpmath.workdps(50):
        cf = zhu_l1(2, 1, Fraction(1, 4), Fraction(1, 4))
        assert abs(cf["t"] - mpmath.log(3)) < mpmath.mpf(10) ** -45
        assert abs(cf["loss"] - (-mpmath.log(mpmath.mpf(3) / 4) + mpmath.log(3) / 4)) < mpmath.mpf(10) ** -45
    opt = ut.optimal_scale(ut.dnc(2), ut.DeepUFM(2, 1, n=1, lam=Fraction(1, 4)), 45)
    with mpmath.workdps(60):
        assert agreed_digits(opt.scale, mpmath.log(3)) >= 44
    # zero side: K = 4, n = 1, λ = 1/3: K√(nλλ) = 4/3 >= 1
    assert ut.optimal_scale(ut.dnc(4), ut.DeepUFM(4, 1, lam=Fraction(1, 3)), 30).kind == "zero"
    assert zhu_l1(4, 1, Fraction(1, 3), Fraction(1, 3))["kind"] == "zero"


def test_closed_form_bad_input():
    with pytest.raises(ut.ParameterError, match="lams"):
        dang_mse_dnc(3, 2, 1, [1, 2])
    with pytest.raises(ut.ParameterError, match="K"):
        zhu_l1(1, 1, 1, 1)


def test_stored_relu_mse_search_solution_beats_triangular_and_dnc():
    """An L-BFGS search solution (tests/data, produced by ``collapsed_search``; see its 'source') for the
    ReLU MSE DUFM at K = 6, L = 4: re-evaluated here by the forward pass at 30 digits, its loss lies below
    the T(4) construction's exact optimum, which lies below DNC's — with the same mechanism (class-mean
    features of rank 4 = r before the last ReLU, rank 6 after it) but better-balanced shapes."""
    import json
    import pathlib

    from ufmtheory.constructions import triangular
    from ufmtheory.objective import forward, loss_parts

    d = json.loads((pathlib.Path(__file__).parent / "data" / "relu_mse_K6_L4_search.json").read_text())
    model = ut.DeepUFM(6, 4, n=1, lam=Fraction(1, 2000), loss="mse", activation="relu", d=12)
    P = ut.Parameters(np.array(d["H"]), tuple(np.array(w) for w in d["W"]))
    with mpmath.workdps(30):
        loss = loss_parts(model, P.to_mp())[0]
    T4 = triangular(4, 4).optimum(model, 30)
    dnc_opt = ut.optimal_scale(orthogonal_frame(6), model.with_(activation="linear"), 30)
    with mpmath.workdps(60):
        assert loss < T4.loss < dnc_opt.loss
    _, pres, acts = forward(model, P)
    ranks = [int((np.linalg.svd(A, compute_uv=False) > 1e-2).sum()) for A in acts]
    assert ranks == [4, 4, 4, 6]
