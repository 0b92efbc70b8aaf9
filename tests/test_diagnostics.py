"""NC metrics and endpoint classification on hand-made points with known answers."""
import math

import mpmath
import numpy as np
import sympy as sp
from hypothesis import given, strategies as st

import ufmtheory as ut
from ufmtheory.diagnostics import (block_scale_optimum, classify, layer_report, nc1, nc2, nc3, numerical_rank,
                                   snap_projector, structure_matrix)
from ufmtheory.model import Parameters
from ufmtheory.theorems.lemma1 import critical_parameters


def _float_params(model, structure, t, rng=0):
    with mpmath.workdps(30):
        _, P = critical_parameters(model, structure, t, rng=rng)
        return P.to_float()


def test_nc1_by_hand():
    """K = 2, one feature: classes at ±1 with spread ±a: Σ_W = a², Σ_B = 1, NC1 = a²/2."""
    a = 0.3
    X = np.array([[-1 - a, -1 + a, 1 - a, 1 + a]])
    y = np.array([0, 0, 1, 1])
    assert abs(nc1(X, y, 2) - a * a / 2) < 1e-15


@given(K=st.integers(3, 6), seed=st.integers(0, 1000))
def test_nc_metrics_vanish_at_a_simplex_etf_with_self_dual_classifier(K, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((K + 2, K + 2)))
    M = Q[:, :K] @ (np.eye(K) - np.ones((K, K)) / K) * 3.0  # centred simplex means in R^{K+2}
    y = np.repeat(np.arange(K), 2)
    X = M[:, y]
    assert nc1(X, y, K) < 1e-20 and nc2(X, y, K) < 1e-12
    assert nc3(0.7 * M.T, X, y, K, classifier=True) < 1e-12
    assert nc3(rng.standard_normal((K, K + 2)), X, y, K, classifier=True) > 0.1


def test_paired_nc2_by_hand():
    """Paired output (K = 10): centred-mean Gram ∝ the rank-5 projector P; ⟨P, E⟩ = 5, ‖P‖ = √5,
    ‖E‖ = 3, so NC2 = √(2 − 2√5/3)."""
    model = ut.DeepUFM(10, 2, n=2, lam=1 / 1024, d=12)
    P = _float_params(model, ut.paired(10), 7.0)
    rep = layer_report(model, P)
    assert abs(rep[-1]["nc2"] - math.sqrt(2 - 2 * math.sqrt(5) / 3)) < 1e-12
    assert all(r["nc1"] < 1e-20 for r in rep)
    assert rep[-1]["features_rank"] == 5 and rep[0]["W_rank"] == 5


def test_layer_report_at_lemma1_dnc_point():
    model = ut.DeepUFM(4, 3, n=2, lam=0.01, d=6)
    P = _float_params(model, ut.dnc(4), 3.0)
    rep = layer_report(model, P)
    assert [r["layer"] for r in rep] == [1, 2, 3, "Z"]
    for r in rep:
        assert r["nc1"] < 1e-20 and r["nc2"] < 1e-10 and r["features_rank"] == 3
    for r in rep[:-1]:
        assert r["nc3"] < 1e-10 and r["W_rank"] == 3
    # a random inner weight is not aligned with the features it acts on
    W = list(P.W)
    W[1] = np.random.default_rng(0).standard_normal(W[1].shape)
    assert layer_report(model, Parameters(P.H, W))[1]["nc3"] > 0.1


def test_numerical_rank():
    assert numerical_rank(np.array([1.0, 0.5, 2e-3, 5e-4])) == 3
    assert numerical_rank(np.array([1.0, 0.5, 2e-3, 5e-4]), rtol=1e-2) == 2
    assert numerical_rank(np.zeros(3)) == 0


def _permute(P: Parameters, perm) -> Parameters:
    """Relabel classes (n = 1): Z ↦ Z[perm][:, perm] via the rows of W_L and the columns of H_1."""
    W = list(P.W)
    W[-1] = W[-1][perm, :]
    return Parameters(P.H[:, perm], W)


def test_classify_dnc_paired_mixed_other():
    model = ut.DeepUFM(6, 2, n=1, lam=1 / 1024, d=8)
    dnc = classify(model, _float_params(model, ut.dnc(6), 6.0))
    assert dnc.label == "dnc" and dnc.rank == 5 and dnc.reference_kind == "exact"
    exact_dnc = ut.optimal_scale(ut.dnc(6), model, dps=20)
    assert abs(dnc.reference_loss - float(exact_dnc.loss)) < 1e-14
    # paired blocks, classes relabelled: still paired, same exact optimum as ut.paired
    perm = [3, 0, 5, 1, 2, 4]
    p = classify(model, _permute(_float_params(model, ut.paired(6), 6.0), perm))
    assert p.label == "paired" and p.rank == 3 and sorted(map(len, p.blocks)) == [2, 2, 2]
    assert abs(p.reference_loss - float(ut.optimal_scale(ut.paired(6), model, dps=20).loss)) < 1e-14
    # a 4-simplex plus a pair
    mixed = ut.from_matrix(np.array(structure_matrix(6, [[0, 1, 2, 3], [4, 5]]).tolist(), dtype=object))
    m = classify(model, _float_params(model, mixed, 6.0))
    assert m.label == "mixed" and m.detail == "1×simplex(4)+1×pair" and m.rank == 4
    assert m.reference_kind == "local" and m.reference_loss <= m.loss + 1e-12
    # features not collapsed (n = 2 so that there is within-class variability)
    rng = np.random.default_rng(1)
    model = model.with_(n=2)
    r = classify(model, model.random_parameters(rng))
    assert r.label == "other" and "not collapsed" in r.detail
    z = classify(model, model.random_parameters(rng).scaled(1e-6))
    assert z.label == "zero"


def test_petersen_projector_endpoint_is_other_with_exact_reference():
    """The projector onto the −2 eigenspace of the Petersen graph, E = (5I − 5A + J)/15 (rank 4,
    entries 2/5, −4/15, 1/15): a diagonally superior rank-4 pattern found by gradient descent."""
    import itertools
    verts = list(itertools.combinations(range(5), 2))
    A = sp.Matrix(10, 10, lambda i, j: int(not set(verts[i]) & set(verts[j])))
    E = (5 * sp.eye(10) - 5 * A + sp.ones(10, 10)) / 15
    assert E * E == E and E.rank() == 4
    model = ut.DeepUFM(10, 2, n=1, lam=1 / 1024, d=12)
    S = ut.from_matrix(np.array(E.tolist(), dtype=object), name="petersen")
    P = _float_params(model, S, 20.0)
    ep = classify(model, P)
    assert ep.label == "other" and ep.rank == 4 and "rank-4 projector" in ep.detail
    assert snap_projector(np.array(E.tolist(), dtype=float) * 3.3) == E
    assert ep.reference_kind == "exact"
    assert abs(ep.reference_loss - float(ut.optimal_scale(S, model, dps=20).loss)) < 1e-14


def test_block_scale_optimum_is_at_most_the_common_scale_optimum():
    model = ut.DeepUFM(5, 2, n=2, lam=1 / 512, d=6)
    blocks = [[0, 1, 2], [3, 4]]
    M = structure_matrix(5, blocks)
    common = float(ut.optimal_scale(ut.from_matrix(np.array(M.tolist(), dtype=object)), model, dps=20).loss)
    local = block_scale_optimum(model, np.array(M.tolist(), dtype=float) * 5, blocks)
    assert local <= common + 1e-12
