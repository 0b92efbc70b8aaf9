"""The Schatten identity and the Lemma 1 builder (SPEC §2)."""
from functools import reduce

import mpmath
import numpy as np
import scipy.optimize
from hypothesis import given, settings, strategies as st

import ufmtheory as ut
from ufmtheory.linalg import to_mp_array
from ufmtheory.objective import output, penalty_value

lam_st = st.floats(min_value=0.05, max_value=20.0)


def _closed_form(X, lams):
    s = np.linalg.svd(X, compute_uv=False)
    k = len(lams)
    return k / 2 * np.prod(lams) ** (1 / k) * np.sum(s ** (2 / k))


@given(seed=st.integers(0, 10**6), K=st.integers(2, 3), lams=st.lists(lam_st, min_size=1, max_size=4))
@settings(max_examples=15)
def test_schatten_identity_against_numerical_minimisation(seed, K, lams):
    """min over factorisations X = U_k⋯U_1 of Σ λ_i/2 ‖U_i‖² equals (k/2)Λ Σ s^{2/k}: a
    quasi-Newton minimisation over U_1…U_{k-1} (U_k = X (U_{k-1}⋯U_1)^{-1}) reaches the formula."""
    rng = np.random.default_rng(seed)
    k = len(lams)
    X = rng.standard_normal((K, K))
    closed = float(ut.schatten_penalty(np.linalg.svd(X, compute_uv=False), lams))
    assert abs(closed - _closed_form(X, lams)) < 1e-10 * closed
    if k == 1:
        assert abs(closed - lams[0] / 2 * np.sum(X ** 2)) < 1e-10 * closed
        return

    def pen(v):
        Us = [v[i * K * K:(i + 1) * K * K].reshape(K, K) for i in range(k - 1)]
        prod = reduce(lambda A, B: B @ A, Us)  # U_{k-1} ⋯ U_1
        Uk = X @ np.linalg.inv(prod)
        return sum(l / 2 * np.sum(U ** 2) for l, U in zip(lams, Us + [Uk]))

    best = np.inf
    for _ in range(4):
        v0 = np.concatenate([np.eye(K).ravel() + 0.3 * rng.standard_normal(K * K) for _ in range(k - 1)])
        res = scipy.optimize.minimize(pen, v0, method="BFGS", options={"gtol": 1e-11, "maxiter": 5000})
        best = min(best, res.fun)
        # every factorisation is an upper bound for the minimum
        assert res.fun >= closed * (1 - 1e-9)
    assert best <= closed * (1 + 1e-6)


@given(seed=st.integers(0, 10**6), K=st.integers(2, 4), k=st.integers(1, 5))
def test_random_factorisations_never_beat_schatten(seed, K, k):
    rng = np.random.default_rng(seed)
    lams = rng.uniform(0.1, 5, size=k)
    Us = [rng.standard_normal((K, K)) for _ in range(k)]
    X = reduce(lambda A, B: B @ A, Us)
    direct = sum(l / 2 * np.sum(U ** 2) for l, U in zip(lams, Us))
    assert direct >= float(ut.schatten_penalty(np.linalg.svd(X, compute_uv=False), lams)) * (1 - 1e-10)


@given(seed=st.integers(0, 10**6), K=st.integers(2, 4), L=st.integers(1, 4), n=st.integers(1, 3),
       extra=st.integers(0, 2))
def test_builder_on_random_Z(seed, K, L, n, extra):
    rng = np.random.default_rng(seed)
    model = ut.DeepUFM(K, L, n=n, lam=list(rng.uniform(0.01, 1, size=L + 1)), d=K + extra)
    Z = rng.standard_normal((K, K * n))
    P = ut.balanced_parameters(model, Z, rng=rng)
    assert np.allclose(output(model, P), Z, atol=1e-10)
    total, fit, pen = model.loss_parts(P)
    r_total, r_fit, r_pen = ut.reduced_loss(model, Z)
    assert abs(pen - r_pen) <= 1e-10 * max(1, r_pen)
    assert abs(total - r_total) <= 1e-10 * max(1, r_total)
    # every factor carries the same weighted energy λ_f‖F‖² (balance)
    energies = [float(ut.model.to_mpf(l)) * np.sum(F ** 2) for l, F in zip(model.lams, P.factors)]
    assert np.allclose(energies, energies[0], rtol=1e-9)


def test_builder_is_exact_at_high_precision_with_low_rank_Z():
    model = ut.DeepUFM(4, 3, n=2, lam="0.01", d=6)
    with mpmath.workdps(50):
        S = ut.polygon(4).matrix_mp()  # rank 2
        Z = np.repeat(S, 2, axis=1) * mpmath.mpf("3.25")
        P = ut.balanced_parameters(model, Z, rng=0, rank=2)
        diff = output(model, P) - Z
        assert max(abs(x) for x in diff.ravel()) < mpmath.mpf(10) ** -45
        pen = penalty_value(model, P)
        # polygon(4) singular values 2, 2; Z has √n·t·2 twice; penalty = (L+1)/2 λ Σ s^{2/(L+1)}
        expect = mpmath.mpf(4) / 2 * mpmath.mpf("0.01") * 2 * (mpmath.sqrt(2) * mpmath.mpf("3.25") * 2) ** (mpmath.mpf(2) / 4)
        assert abs(pen - expect) < mpmath.mpf(10) ** -45


@given(seed=st.integers(0, 10**6))
@settings(max_examples=10)
def test_loss_invariant_under_free_orthogonal_factors(seed):
    model = ut.DeepUFM(3, 3, n=2, lam="0.02", d=5)
    rng = np.random.default_rng(seed)
    with mpmath.workdps(40):
        Z = to_mp_array(rng.standard_normal((3, 6)))
        a = model.loss_value(ut.balanced_parameters(model, Z, rng=rng))
        b = model.loss_value(ut.balanced_parameters(model, Z, rng=rng))
        assert abs(a - b) < mpmath.mpf(10) ** -35
