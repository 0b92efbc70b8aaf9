"""Imbalanced classes (App. A): STEP sizes, the symmetric reduction, the L = 1 optimum (generalised DNC),
Theorem 2's explicit L_0 and the registry entries."""
import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ufmtheory as ut
from ufmtheory.cli import main
from ufmtheory.imbalance import StepFamily, generalised_dnc, step_class_sizes, theorem2_L0, ufm_optimum_step
from ufmtheory.search import collapsed_search
from ufmtheory.theorems.appendix_a import a3_point


def test_step_class_sizes():
    assert step_class_sizes(6, 5, Fraction(1, 2)) == (5, 5, 5, 1, 1, 1)
    assert step_class_sizes(8, 4, "1/4", n_min=2) == (8,) * 6 + (2,) * 2
    with pytest.raises(ut.ParameterError, match="rho"):
        step_class_sizes(6, 5, Fraction(1, 4))
    with pytest.raises(ut.ParameterError, match="rho"):
        step_class_sizes(4, 2, 1)


@settings(max_examples=20)
@given(KA=st.integers(1, 4), KB=st.integers(1, 4), nA=st.integers(1, 6), nB=st.integers(1, 6),
       x=st.lists(st.floats(0.05, 5), min_size=4, max_size=4))
def test_step_family_singular_values_and_centring(KA, KB, nA, nB, x):
    """Closed-form singular values of Z̄D against numpy's SVD; columns of Z̄ sum to zero."""
    fam = StepFamily(KA, KB, nA, nB, 1, 1)
    with mpmath.workdps(30):
        Z = np.array(fam.matrix([mpmath.mpf(v) for v in x]), dtype=float)
        sv = sorted(float(s) for s in fam.singular_values([mpmath.mpf(v) for v in x]))
    D = np.sqrt(np.array([nA] * KA + [nB] * KB, float))
    ref = sorted(np.linalg.svd(Z * D[None, :], compute_uv=False))[1:]  # one exact zero (centred)
    assert np.allclose(sv, ref, rtol=1e-9, atol=1e-9)
    assert np.allclose(Z.sum(axis=0), 0, atol=1e-9)


@settings(max_examples=10)
@given(L=st.integers(1, 4), x=st.lists(st.floats(0.3, 4), min_size=4, max_size=4))
def test_step_family_gradient_by_finite_differences(L, x):
    fam = StepFamily(3, 2, 4, 1, L, "0.01")
    with mpmath.workdps(40):
        xm = [mpmath.mpf(v) for v in x]
        g = fam.gradient(xm)
        for i in range(4):
            fd = mpmath.diff(lambda t: fam.loss(xm[:i] + [t] + xm[i + 1:]), xm[i])
            assert abs(g[i] - fd) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("lam,collapsed", [(Fraction(1, 100), ()), (Fraction(1, 16), ("minority",))])
def test_l1_optimum_matches_unrestricted_search(lam, collapsed):
    """Independent route: unrestricted factorised L-BFGS over all K×K outputs (convex at L = 1)."""
    K, R, rho = 6, 5, Fraction(1, 2)
    opt = ufm_optimum_step(K, R, rho, lam, dps=40)
    assert opt["collapsed"] == collapsed
    model = ut.DeepUFM(K, 1, class_sizes=step_class_sizes(K, R, rho), lam=lam)
    res = collapsed_search(model, starts=3, rng=2)
    assert res.loss == pytest.approx(float(opt["loss"]), rel=1e-8)
    assert res.loss >= float(opt["loss"]) - 1e-12


def test_generalised_dnc_is_exactly_centred_rank_k_minus_1():
    S = generalised_dnc(6, 5, Fraction(1, 2), Fraction(1, 100))
    assert all(sum(S.matrix[:, j]) == 0 for j in range(6))
    assert S.rank == 5 and S.is_diagonally_superior()
    Sc = generalised_dnc(6, 5, Fraction(1, 2), Fraction(1, 16))  # minority collapse: u_B = 0, rank (K_A − 1) + 1
    assert Sc.rank == 3 and not Sc.is_diagonally_superior()


def test_generalised_dnc_is_optimal_at_l1_among_structures():
    K, R, rho, lam = 4, 10, Fraction(1, 2), Fraction(1, 128)
    gen = generalised_dnc(K, R, rho, lam)
    model = ut.DeepUFM(K, 1, class_sizes=step_class_sizes(K, R, rho), lam=lam)
    g = ut.optimal_scale(gen, model, 30)
    with mpmath.workdps(60):
        assert abs(g.loss - ufm_optimum_step(K, R, rho, lam, dps=40)["loss"]) < mpmath.mpf(10) ** -25
        for S in (ut.paired(K), ut.polygon(K), ut.dnc(K)):
            assert ut.optimal_scale(S, model, 30).loss > g.loss


def test_theorem2_L0_consistent_with_engine():
    """Past the proof's L_0, the engine's optima must agree (M no worse than X at every L checked)."""
    sizes = step_class_sizes(6, 5, Fraction(1, 2))
    M, X = ut.polygon(6), ut.dnc(6)
    L0 = theorem2_L0(M, X, sizes, L_max=300)["L0"]
    assert L0 is not None
    for L in range(L0, L0 + 4):
        model = ut.DeepUFM(6, L, class_sizes=sizes, lam=Fraction(1, 2 ** 10))
        assert ut.optimal_scale(M, model, 25).loss <= ut.optimal_scale(X, model, 25).loss
    with pytest.raises(ut.ParameterError, match="rank"):
        theorem2_L0(ut.polygon(6), ut.polygon(6), sizes)


def test_a3_point_deep_and_shallow():
    r = a3_point(6, 5, Fraction(1, 2), Fraction(1, 2 ** 7), 4)
    assert r["holds"] and r["best"].loss < r["gen"].loss
    assert not a3_point(6, 5, Fraction(1, 2), Fraction(1, 2 ** 7), 1)["holds"]


def test_verify_issue7_entries_quick(capsys):
    keys = "theorem7,zhu_l1,mse_dnc,mse_lowrank,appendix_a1,appendix_a2,appendix_a3"
    assert main(["verify", "--only", keys, "--quick", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["failures"] == 0
    theorems = {r["theorem"] for r in out["rows"]}
    for name in ("Theorem 7", "Zhu et al. 2021 (L = 1)", "Dang et al. 2023 (MSE)", "Súkeník et al. 2024 (MSE, ReLU)",
                 "Appendix A1 (Thm 2, imbalanced)", "Appendix A2 (Thm 3, imbalanced)", "Appendix A3 (STEP imbalance)"):
        assert name in theorems
    assert {r["verdict"] for r in out["rows"]} <= {"holds", "certified", "finding"}
