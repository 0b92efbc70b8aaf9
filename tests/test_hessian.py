"""The exact Hessian: finite-difference cross-checks (float64 and 60-digit mpmath), symmetry, the
cancellation-free softmax Hessian at large scales, Lanczos vs dense, inertia bookkeeping."""
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ufmtheory as ut
from ufmtheory.hessian import (HessianContext, dense_hessian, hvp, inertia, lanczos_extremes,
                               symmetric_eigenvalues, zero_tolerance)
from ufmtheory.objective import loss_and_gradient


def _grad_flat(model, P):
    return loss_and_gradient(model, P)[1].flat()


@pytest.mark.parametrize("loss", ["ce", "mse"])
@pytest.mark.parametrize("L", [1, 2, 3])
def test_hvp_matches_central_differences_of_the_gradient(loss, L):
    model = ut.DeepUFM(3, L, n=2, lam=[0.01 * (i + 1) for i in range(L + 1)], d=4, loss=loss)
    rng = np.random.default_rng(10 + L)
    P = model.random_parameters(rng)
    V = model.random_parameters(rng)
    eps = 1e-5
    num = (_grad_flat(model, P + V.scaled(eps)) - _grad_flat(model, P + V.scaled(-eps))) / (2 * eps)
    ana = hvp(model, P, V.flat())
    assert np.max(np.abs(num - ana)) <= 1e-8 * max(1.0, np.max(np.abs(ana)))


def test_hvp_matches_differences_at_60_digits():
    """Truncation O(h²) = 1e-40 and round-off 1e-60/h = 1e-40: agreement to ~1e-38 is only possible
    if the analytic HVP is exact."""
    model = ut.DeepUFM(3, 2, class_sizes=[1, 2, 2], lam=["0.01", "0.02", "0.03"], d=4)
    rng = np.random.default_rng(3)
    with mpmath.workdps(60):
        P = model.random_parameters(rng).to_mp()
        V = model.random_parameters(rng).to_mp()
        h = mpmath.mpf(10) ** -20
        num = (_grad_flat(model, P + V.scaled(h)) - _grad_flat(model, P + V.scaled(-h))) / (2 * h)
        ana = hvp(model, P, V.flat())
        assert max(abs(a - b) for a, b in zip(num, ana)) < mpmath.mpf(10) ** -36


def test_dense_hessian_is_symmetric_and_matches_hvp():
    model = ut.DeepUFM(4, 2, n=1, lam=0.02, d=5)
    rng = np.random.default_rng(0)
    P = model.random_parameters(rng)
    Hm = dense_hessian(model, P)
    assert np.max(np.abs(Hm - Hm.T)) < 1e-14 * np.max(np.abs(Hm))
    v = rng.standard_normal(Hm.shape[0])
    assert np.allclose(Hm @ v, hvp(model, P, v), atol=1e-13)


@settings(max_examples=15)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=3))
def test_hvp_is_symmetric_bilinear(seed, L):
    model = ut.DeepUFM(3, L, n=2, lam=0.03, d=4)
    rng = np.random.default_rng(seed)
    P = model.random_parameters(rng)
    u, v = rng.standard_normal((2, sum(a * b for a, b in model.shapes().values())))
    ctx = HessianContext(model, P)
    Hu, Hv = ctx.apply(u), ctx.apply(v)
    scale = np.linalg.norm(Hu) * np.linalg.norm(v) + 1e-300
    assert abs(u @ Hv - v @ Hu) <= 1e-12 * scale
    assert np.allclose(ctx.apply(np.stack([u, v])), np.stack([Hu, Hv]), atol=1e-14)  # batched = one by one


def test_softmax_hessian_keeps_tiny_probabilities():
    """At scale t = 60 the off-class probabilities are e^-60; the naive p − p² cancels to 0 in
    float64. The float64 Hessian must agree with the 40-digit one to ~1e-12 relative."""
    model = ut.DeepUFM(3, 2, n=1, lam=1e-25, d=3)
    S = ut.dnc(3).matrix_float()
    Z = S * 60.0
    P = ut.balanced_parameters(model, Z, orthogonals=[np.eye(3)] * 2, rank=2)
    H64 = dense_hessian(model, P)
    with mpmath.workdps(40):
        Hmp = np.array(dense_hessian(model, P.to_mp()), dtype=float)
    assert np.max(np.abs(H64 - Hmp)) <= 1e-12 * np.max(np.abs(Hmp))
    assert np.max(np.abs(Hmp)) < 1e-20  # the whole Hessian is tiny: nothing trivially large hides it


def test_lanczos_extremes_match_dense_eigenvalues():
    model = ut.DeepUFM(4, 2, n=2, lam=0.01, d=6)
    P = model.random_parameters(5)
    ev = symmetric_eigenvalues(dense_hessian(model, P))
    lo, hi = lanczos_extremes(model, P, k=2)
    assert np.allclose(lo, ev[:2], atol=1e-9 * np.max(np.abs(ev)))
    assert np.allclose(hi, ev[-2:], atol=1e-9 * np.max(np.abs(ev)))


def test_mp_eigenvalues_agree_with_float64():
    A = np.random.default_rng(1).standard_normal((6, 6))
    A = A + A.T
    with mpmath.workdps(30):
        e_mp = symmetric_eigenvalues(np.vectorize(mpmath.mpf, otypes=[object])(A))
        assert np.allclose(np.array(e_mp, dtype=float), np.linalg.eigvalsh(A), atol=1e-13)


def test_inertia_counts_with_multiplicities_and_margin():
    I = inertia([-1.0, 1e-18, 2.0, 3.0], 1e-12, [2, 5, 1, 0])
    assert (I.negative, I.zero, I.positive) == (2, 5, 1)
    assert I.largest_zero == 1e-18 and I.smallest_nonzero == 1.0 and I.clear
    assert I.max_eig == 2.0  # multiplicity-0 entries are ignored
    J = inertia([1e-14, 5.0], zero_tolerance(2, 5.0, False, C=1))  # tol = 2·ε·5 ≈ 2.2e-15
    assert not J.clear  # 1e-14 is counted non-zero but lies within a factor 10 of tol: no margin
    assert J.zero + J.positive == 2


def test_relu_model_is_rejected():
    model = ut.DeepUFM(3, 2, lam=0.1, d=3, activation="relu")
    with pytest.raises(ut.ParameterError, match="activation"):
        HessianContext(model, model.random_parameters(0))
