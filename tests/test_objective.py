"""Full-parameter loss and gradient: finite differences, float64 vs mpmath, stable log-sum-exp."""
import mpmath
import numpy as np
import pytest
from hypothesis import given, strategies as st

import ufmtheory as ut
from ufmtheory.losses import logsumexp_columns
from ufmtheory.objective import loss_and_gradient, output


def _direction(model, rng):
    return model.random_parameters(rng)


@pytest.mark.parametrize("activation", ["linear", "relu"])
@pytest.mark.parametrize("loss", ["ce", "mse"])
@pytest.mark.parametrize("L", [1, 2, 3])
def test_gradient_matches_central_differences_float64(activation, loss, L):
    model = ut.DeepUFM(3, L, n=2, lam=[0.01 * (i + 1) for i in range(L + 1)], d=5,
                       activation=activation, loss=loss)
    rng = np.random.default_rng(L)
    P = model.random_parameters(rng)
    D = _direction(model, rng)
    _, G = loss_and_gradient(model, P)
    eps = 1e-6
    num = (model.loss_value(P + D.scaled(eps)) - model.loss_value(P + D.scaled(-eps))) / (2 * eps)
    ana = float(np.dot(G.flat(), D.flat()))
    assert abs(num - ana) <= 1e-6 * max(1.0, abs(ana))


def test_gradient_matches_differences_at_high_precision():
    model = ut.DeepUFM(3, 2, n=2, lam=["0.01", "0.02", "0.03"], d=4)
    rng = np.random.default_rng(7)
    with mpmath.workdps(60):  # round-off 1e-60/eps = 1e-40, truncation eps^2 = 1e-40
        P = model.random_parameters(rng).to_mp()
        D = model.random_parameters(rng).to_mp()
        _, G = loss_and_gradient(model, P)
        eps = mpmath.mpf(10) ** -20
        num = (model.loss_value(P + D.scaled(eps)) - model.loss_value(P + D.scaled(-eps))) / (2 * eps)
        ana = mpmath.fsum(a * b for a, b in zip(G.flat(), D.flat()))
        assert abs(num - ana) < mpmath.mpf(10) ** -35


def test_float64_and_mpmath_agree():
    model = ut.DeepUFM(4, 3, class_sizes=[1, 2, 3, 1], lam=0.05, d=5, activation="relu")
    P = model.random_parameters(3)
    f64, g64 = loss_and_gradient(model, P)
    with mpmath.workdps(40):
        fmp, gmp = loss_and_gradient(model, P.to_mp())
        assert abs(float(fmp) - f64) < 1e-13
        assert np.allclose(np.array(gmp.flat(), dtype=float), g64.flat(), atol=1e-13, rtol=1e-11)


@given(st.floats(min_value=1.0, max_value=1e6), st.integers(min_value=2, max_value=6))
def test_logsumexp_is_stable_for_huge_logits(scale, K):
    Z = np.linspace(-1, 1, K * 3).reshape(K, 3) * scale
    out = logsumexp_columns(Z)
    assert np.all(np.isfinite(out))
    # independent: log Σ exp computed by mpmath at 30 digits
    with mpmath.workdps(30):
        for j in range(3):
            ref = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(z)) for z in Z[:, j]))
            assert abs(float(ref) - out[j]) <= 1e-12 * max(1.0, abs(float(ref)))


def test_ce_loss_at_huge_margin_is_finite():
    model = ut.DeepUFM(3, 1, n=1, lam=1e-3, d=3)
    P = ut.Parameters(np.eye(3) * 40.0, (np.eye(3) * 40.0,))  # logits 1600 on the diagonal
    total, fit, pen = model.loss_parts(P)
    assert np.isfinite(total) and 0.0 <= fit < 1e-300  # exact value 2e^-1600 underflows to 0
    assert pen == pytest.approx(1e-3 / 2 * (2 * 3 * 1600.0))
    with mpmath.workdps(30):  # at high precision the tiny fit is resolved: log(1 + 2e^-1600)
        _, fit_mp, _ = model.loss_parts(P.to_mp())
        assert abs(fit_mp / (2 * mpmath.exp(-1600)) - 1) < mpmath.mpf(10) ** -25


def test_relu_forward_matches_manual():
    model = ut.DeepUFM(2, 3, n=1, lam=0.1, d=2, activation="relu")
    H = np.array([[1.0, -2.0], [3.0, 0.5]])
    W1 = np.array([[1.0, -1.0], [0.5, 2.0]])
    W2 = np.array([[-1.0, 1.0], [2.0, 0.0]])
    W3 = np.array([[1.0, 2.0], [0.0, -1.0]])
    Z = output(model, ut.Parameters(H, (W1, W2, W3)))
    manual = W3 @ np.maximum(W2 @ np.maximum(W1 @ H, 0), 0)
    assert np.array_equal(Z, manual)
