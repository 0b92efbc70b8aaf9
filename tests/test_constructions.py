"""Explicit constructions (Theorem 7's ReLU construction, T(r) / line graphs, orthogonal frame):
forward-pass loss of the explicit parameters against hand-derived closed forms, exact identities."""
from fractions import Fraction
from itertools import combinations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import ufmtheory as ut
from ufmtheory.closed_forms import relu_paired_loss, triangular_constant, triangular_loss
from ufmtheory.constructions import (incidence, line_graph, orthogonal_frame, orthogonal_frame_construction,
                                     paired_blocks, relu_paired, triangular)
from ufmtheory.objective import loss_parts, penalty_value
from ufmtheory.scale import optimal_scale_of

lam_st = st.fractions(min_value=Fraction(1, 10 ** 4), max_value=Fraction(1, 10), max_denominator=10 ** 4)


@pytest.mark.parametrize("K", [2, 3, 4, 5, 8, 11])
def test_paired_block_identities_exact(K):
    X, Y, chi = paired_blocks(K)
    assert X * Y == sp.zeros(K, K)
    assert X * X == 2 * X
    assert chi * Y * Y == 2 * Y
    assert all(x >= 0 for x in X + Y)


@pytest.mark.parametrize("K,L", [(4, 2), (5, 3), (10, 5), (11, 4)])
def test_relu_construction_output_and_identity_relus(K, L):
    c = relu_paired(K, L)
    assert c.relu_is_identity()
    assert c.kappa() == 2 ** (L - 1)
    X, _, _ = paired_blocks(K)
    assert c.output() == 2 ** (L - 1) * X


@settings(max_examples=6)
@given(K=st.integers(2, 9), L=st.integers(2, 5), n=st.integers(1, 3),
       lams=st.lists(lam_st, min_size=6, max_size=6), t=st.fractions(Fraction(1, 5), Fraction(8), max_denominator=100))
def test_relu_construction_forward_pass_equals_closed_form(K, L, n, lams, t):
    """Independent routes: explicit parameters through the ReLU forward pass vs the hand-derived formula."""
    model = ut.DeepUFM(K, L, n=n, lam=lams[:L + 1], d=K + 1, activation="relu")
    with mpmath.workdps(50):
        P = relu_paired(K, L).parameters(model, mpmath.mpf(t.numerator) / t.denominator)
        tot, fit, pen = loss_parts(model, P)
        ref = relu_paired_loss(K, L, n, model.lams, t)
        assert abs(tot - ref[0]) < mpmath.mpf(10) ** -40
        assert abs(fit - ref[1]) < mpmath.mpf(10) ** -40


def test_relu_construction_hand_value_K4_L2():
    """K = 4, L = 2, n = 1, λ = 1: penalty 3·(64/4)^{1/3} t^{2/3} = 3·16^{1/3} t^{2/3}; fit log(1 + e^{-2t} + 2e^{-t})."""
    t = mpmath.mpf(1)
    with mpmath.workdps(40):
        tot = relu_paired_loss(4, 2, 1, 1, t)[0]
        hand = mpmath.log(1 + mpmath.exp(-2) + 2 * mpmath.exp(-1)) + 3 * mpmath.cbrt(16)
        assert abs(tot - hand) < mpmath.mpf(10) ** -35


@settings(max_examples=10)
@given(K=st.integers(3, 7), L=st.integers(2, 4), logs=st.lists(st.floats(-0.5, 0.5), min_size=5, max_size=5))
def test_amgm_scalings_are_cheapest(K, L, logs):
    """Rescaling factors by e^{x_i} with Σ x_i = 0 keeps the output and never lowers the penalty."""
    model = ut.DeepUFM(K, L, n=2, lam=["0.01", "0.03"] + ["0.02"] * (L - 1), activation="relu")
    with mpmath.workdps(30):
        raw = [mpmath.mpf(v) for v in logs[:L + 1]]
        x = [v - mpmath.fsum(raw) / (L + 1) for v in raw]  # Σ x_i = 0 at 30 digits
        P = relu_paired(K, L).parameters(model, 2)
        base = penalty_value(model, P)
        factors = [f * mpmath.exp(xi) for f, xi in zip(P.factors, x)]
        Q = ut.Parameters(factors[0], tuple(factors[1:]))
        assert penalty_value(model, Q) >= base - mpmath.mpf(10) ** -25
        assert abs(loss_parts(model, Q)[1] - loss_parts(model, P)[1]) < mpmath.mpf(10) ** -20


@pytest.mark.parametrize("r", [3, 4, 5, 6])
def test_triangular_relu_gives_identity_exactly(r):
    V = incidence(list(combinations(range(r), 2)))
    K = r * (r - 1) // 2
    M = V.T * (sp.eye(r) - sp.ones(r, r) / 4) * V
    assert sp.ImmutableMatrix(K, K, lambda i, j: max(M[i, j], 0)) == sp.eye(K)
    assert V.rank() == r


@pytest.mark.parametrize("r,L", [(3, 2), (4, 2), (4, 3), (4, 4), (5, 5)])
def test_triangular_forward_pass_equals_closed_form(r, L):
    c = triangular(r, L)
    model = ut.DeepUFM(c.K, L, n=2, lam=["0.001", "0.002"] + ["0.0015"] * (L - 1), loss="mse", activation="relu")
    with mpmath.workdps(50):
        P = c.parameters(model, mpmath.mpf("0.95"))
        tot = loss_parts(model, P)[0]
        assert abs(tot - triangular_loss(r, L, 2, model.lams, "0.95")[0]) < mpmath.mpf(10) ** -40


def test_triangular_nuclear_norm_by_hand():
    """r = 4: VVᵀ = 2I + J has eigenvalues 6, 2, 2, 2, so ‖V‖_* = √6 + 3√2; L = 3, n = 1:
    C⁴ = ‖V‖_*² r³ (r−1)²/16 ... (L >= 3 formula with r^L = 4³)."""
    with mpmath.workdps(40):
        nuc = mpmath.sqrt(6) + 3 * mpmath.sqrt(2)
        C = mpmath.root(nuc ** 2 * 4 ** 3 * 9 / 16, 4)
        assert abs(triangular_constant(4, 3, 1) - C) < mpmath.mpf(10) ** -35
        model = ut.DeepUFM(6, 3, n=1, lam=1, loss="mse", activation="relu")
        assert abs(triangular(4, 3).penalty_constant(model, 40) - C) < mpmath.mpf(10) ** -35


def test_line_graph_non_triangular_K():
    """K_4 minus one edge (K = 5 classes): generic route (penalty constant from the factors) vs forward pass."""
    edges = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)]
    c = line_graph(edges, 4)
    model = ut.DeepUFM(5, 4, n=1, lam="0.001", loss="mse", activation="relu")
    with mpmath.workdps(50):
        P = c.parameters(model, mpmath.mpf("0.9"))
        assert abs(loss_parts(model, P)[0] - c.loss_at(model, "0.9", 50)[0]) < mpmath.mpf(10) ** -40


def test_orthogonal_frame_relu_equals_linear():
    model = ut.DeepUFM(4, 3, n=2, lam="0.001", loss="mse", activation="relu")
    with mpmath.workdps(50):
        P = orthogonal_frame_construction(4, 3).parameters(model, mpmath.mpf("0.8"))
        lin = ut.loss_at_scale(orthogonal_frame(4), model.with_(activation="linear"), "0.8", 50)[0]
        assert abs(loss_parts(model, P)[0] - lin) < mpmath.mpf(10) ** -40


def test_optimal_scale_of_matches_optimal_scale():
    model = ut.DeepUFM(6, 3, n=2, lam="0.001")
    a = ut.optimal_scale(ut.paired(6), model, 30)
    b = optimal_scale_of(lambda w: ut.ScaleProblem.from_structure(ut.paired(6), model, w), "paired", model, 30)
    with mpmath.workdps(60):
        assert a.loss == b.loss and a.scale == b.scale and a.kind == b.kind


def test_construction_bad_input():
    with pytest.raises(ut.ParameterError, match="L"):
        relu_paired(6, 1)
    with pytest.raises(ut.ParameterError, match="edges"):
        line_graph([(0, 1), (1, 0)], 3)
    c = triangular(4, 3)
    with pytest.raises(ut.ParameterError, match="K = 6"):
        c.optimum(ut.DeepUFM(5, 3, lam=1, loss="mse", activation="relu"))
    with pytest.raises(ut.ParameterError, match="t must be > 0"):
        c.parameters(ut.DeepUFM(6, 3, lam=1, loss="mse", activation="relu"), 0)
