"""Bad input gets a clear error naming the parameter and its range (API)."""
import math

import numpy as np
import pytest

import ufmtheory as ut
from ufmtheory import ParameterError


@pytest.mark.parametrize("kwargs, match", [
    (dict(K=1, L=2, lam=0.1), r"K must be an integer >= 2"),
    (dict(K=2.5, L=2, lam=0.1), r"K must be an integer >= 2"),
    (dict(K=True, L=2, lam=0.1), r"K must be an integer"),
    (dict(K=3, L=0, lam=0.1), r"L must be an integer >= 1"),
    (dict(K=3, L=2, lam=0), r"lam must be > 0"),
    (dict(K=3, L=2, lam=-0.1), r"lam must be > 0"),
    (dict(K=3, L=2, lam=math.nan), r"lam must be finite"),
    (dict(K=3, L=2, lam=math.inf), r"lam must be finite"),
    (dict(K=3, L=2, lam="abc"), r"lam must be a finite real number"),
    (dict(K=3, L=2), r"lam is required"),
    (dict(K=3, L=2, lam=[0.1, 0.1]), r"L\+1 = 3 values"),
    (dict(K=3, L=2, lam=[0.1, -1, 0.1]), r"lam_W1 must be > 0"),
    (dict(K=3, L=2, lam=0.1, d=2), r"d must be an integer >= 3"),
    (dict(K=3, L=2, lam=0.1, n=0), r"n must be an integer >= 1"),
    (dict(K=3, L=2, lam=0.1, class_sizes=[1, 2]), r"class_sizes must have K = 3 entries"),
    (dict(K=3, L=2, lam=0.1, class_sizes=[1, 0, 2]), r"class_sizes\[1\] must be an integer >= 1"),
    (dict(K=3, L=2, lam=0.1, activation="tanh"), r"activation must be one of"),
    (dict(K=3, L=2, lam=0.1, loss="hinge"), r"loss must be one of"),
])
def test_model_rejects_bad_input(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        ut.DeepUFM(**kwargs)


def test_parameters_shape_and_finiteness_checked():
    m = ut.DeepUFM(3, 2, n=2, lam=0.1, d=4)
    P = m.random_parameters(0)
    bad = ut.Parameters(P.H[:, :-1], P.W)
    with pytest.raises(ParameterError, match=r"H must have shape \(4, 6\)"):
        m.loss_parts(bad)
    W = list(P.W)
    W[1] = W[1].copy()
    W[1][0, 0] = np.nan
    with pytest.raises(ParameterError, match="W2 must contain finite numbers only"):
        m.loss_parts(ut.Parameters(P.H, W))
    with pytest.raises(ParameterError, match="W must hold L = 2 matrices"):
        m.gradient(ut.Parameters(P.H, P.W[:1]))


def test_reduction_rejects_bad_input():
    m = ut.DeepUFM(3, 2, n=2, lam=0.1)
    with pytest.raises(ParameterError, match=r"Z must have shape \(3, 6\)"):
        ut.reduced_loss(m, np.zeros((3, 5)))
    with pytest.raises(ParameterError, match="Z must contain finite numbers only"):
        ut.reduced_loss(m, np.full((3, 6), np.inf))
    relu = ut.DeepUFM(3, 2, n=2, lam=0.1, activation="relu")
    with pytest.raises(ParameterError, match="activation='linear' only"):
        ut.reduced_loss(relu, np.zeros((3, 6)))


def test_structure_input_checked():
    with pytest.raises(ParameterError, match="square"):
        ut.from_matrix([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ParameterError, match="finite"):
        ut.from_matrix([[1, np.nan], [0, 1]])
    with pytest.raises(ParameterError, match="not diagonally superior"):
        ut.from_matrix([[1, 2], [0, 1]], require_diagonally_superior=True)
    with pytest.raises(ParameterError, match="structure must be one of"):
        ut.named("hexagon", 6)
    m = ut.DeepUFM(4, 2, lam=0.1)
    with pytest.raises(ParameterError, match="structure 'dnc' is 3×3 but the model has K = 4"):
        ut.optimal_scale(ut.dnc(3), m)
    with pytest.raises(ParameterError, match="zero matrix"):
        ut.optimal_scale(ut.from_matrix(np.zeros((4, 4))), m)
    with pytest.raises(ParameterError, match="dps must be an integer >= 5"):
        ut.optimal_scale(ut.dnc(4), m, dps=2)
