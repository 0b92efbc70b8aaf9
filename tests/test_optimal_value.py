"""Optimal value V(μ) of families: branches, mpmath values and interval enclosures, against the
foundation's proven scale optima (``scale.optimal_scale``) and the full model."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ufmtheory as ut
from ufmtheory.families import (blocks, default_families, from_structure, merge_equivalent, paired_centred,
                                paired_two_scale)
from ufmtheory.intervals import backend
from ufmtheory.objective import gradient_norm, loss_and_gradient
from ufmtheory.optimal_value import Curve, FamilyCurves, decomposition
from ufmtheory.reduction import balanced_parameters


@given(K=st.integers(2, 9), L=st.integers(1, 6), k=st.floats(1.0, 14.0),
       name=st.sampled_from(["dnc", "paired", "polygon"]))
@settings(max_examples=15)
def test_value_equals_optimal_scale(K, L, k, name):
    """V(μ) (branch solve) = the foundation's optimum (interval root isolation), and the interval
    enclosure contains it."""
    lam = Fraction(1, 2 ** int(k))
    opt = ut.optimal_scale(ut.named(name, K), ut.DeepUFM(K, L, lam=lam), dps=25)
    fc = FamilyCurves(from_structure(ut.named(name, K)), L, 25)
    with mpmath.workdps(40):
        mu = mpmath.mpf(lam.numerator) / lam.denominator
        v, d, _ = fc.point(mu)
        assert abs(v - opt.loss) < mpmath.mpf(10) ** -20
        iv = fc.value(mu)
        B = fc.B
        assert B.lower(iv.v) <= opt.loss + mpmath.mpf(10) ** -22 and opt.loss - mpmath.mpf(10) ** -22 <= B.upper(iv.v)
        # envelope theorem: dV/dμ = penalty*/μ
        assert abs(d * mu - opt.penalty) < mpmath.mpf(10) ** -18


def test_derivative_matches_finite_difference():
    fc = FamilyCurves(from_structure(ut.dnc(6)), 3, 40)
    with mpmath.workdps(40):
        mu = mpmath.mpf("0.01")
        h = mpmath.mpf(10) ** -15
        fd = (fc.point(mu + h)[0] - fc.point(mu - h)[0]) / (2 * h)
        assert abs(fd - fc.point(mu)[1]) < mpmath.mpf(10) ** -20


def test_decomposition_single_peak_for_named_structures():
    """φ = t^{1−p}h is unimodal for DNC (log-concave: (1−p)/t − e^t/(e^t+K−1) decreases), so exactly one
    branch; the certified decomposition agrees for the other named patterns too."""
    for K in (3, 6, 11):
        for fam in default_families(K):
            for comp in fam.components:
                d = decomposition(comp, 3)
                assert len(d["branches"]) == 1 and [k for _, k in d["roots"]] == ["peak"]


def _full_gradient(K, L, lam, Zbar_float):
    model = ut.DeepUFM(K, L, n=1, lam=lam, d=K + 2)
    P = balanced_parameters(model, np.asarray(Zbar_float, dtype=float), rng=3)
    return float(gradient_norm(loss_and_gradient(model, P)[1]))


def test_odd_K_two_scale_optima_are_not_critical_but_the_coupled_structure_is():
    """paired2 and paired2c optima are achievable losses (upper bounds) but not critical points of the
    DUFM: moving the pair classes' singleton logit (γ) or centring the singleton column lowers the loss.
    The coupled family's optimum (``coupled.optimum``, the structure the global search finds) is critical."""
    from ufmtheory.coupled import CoupledFamily, optimum
    K, L, lam = 5, 2, 2.0 ** -8
    for fam in (paired_two_scale(K), paired_centred(K)):
        _, _, scales = FamilyCurves(fam, L, 30).point(mpmath.mpf(lam))
        Z = fam.matrix_float([float(x) for x in scales])
        assert _full_gradient(K, L, lam, Z) > 1e-4
    a, b, g = (float(t) for t in optimum(CoupledFamily.at(K, L, lam), dps=20).theta)
    u = np.full(K, -1.0 / K)
    u[-1] += 1
    v = np.full(K, g)
    v[-1] = b
    Z = paired_two_scale(K).matrix_float([a, 0]) + np.outer(u, v)
    assert _full_gradient(K, L, lam, Z) < 1e-6


def test_merge_equivalent_patterns():
    labels = [lab for lab, _ in merge_equivalent(default_families(3))]
    assert "dnc=polygon" in labels
    labels = [lab for lab, _ in merge_equivalent(default_families(4))]
    assert labels == ["dnc", "paired=polygon"]
    assert [lab for lab, _ in merge_equivalent(default_families(2))] == ["dnc=paired=polygon"]


def test_blocks_validation_and_matrix():
    with pytest.raises(ut.ParameterError, match="sum to K"):
        blocks(5, [3, 3])
    Z = blocks(5, [3, 2]).matrix([3, 2])
    assert Z[0, 0] == 2 and Z[1, 0] == -1 and Z[3, 3] == 1 and Z[4, 3] == -1 and Z[3, 0] == 0


def test_paired_centred_singular_values():
    fam = paired_centred(5)
    Z = np.array(fam.matrix([1, 1]).evalf(30).tolist(), dtype=float)
    s = np.linalg.svd(Z, compute_uv=False)
    assert np.allclose(sorted(s, reverse=True)[:3], [2, 2, np.sqrt(4 / 5)])


def test_interval_backend_fallback_agrees():
    """mpmath.iv backend: same enclosure (looser) as arb."""
    c = Curve(from_structure(ut.paired(6)).components[0], 2, 20)
    from ufmtheory.optimal_value import IntervalCurve
    a = IntervalCurve(c, 64, "arb").candidates(mpmath.mpf("0.01"))
    b = IntervalCurve(c, 64, "mpmath.iv").candidates(mpmath.mpf("0.01"))
    Ba, Bb = backend("arb"), backend("mpmath.iv")
    for x, y in zip(a, b):
        assert max(Ba.lower(x[0]), Bb.lower(y[0])) <= min(Ba.upper(x[0]), Bb.upper(y[0]))


def test_component_facts_remembered_and_not_pickled():
    """Component facts (numbers at a precision, superiority, γ, signature, interval functions) are computed
    once; they equal a fresh component's, and a pickled component carries none of them."""
    import pickle
    fam = default_families(7)[-1]  # the polygon: gaps 1 − cos(2πk/7), decided by sympy
    comp = fam.components[0]
    first = (comp.numbers(30), comp.min_positive_gap(), comp.weakly_superior(), comp.strictly_superior(),
             comp.signature())
    assert comp.numbers(30) == first[0] and comp.numbers(30) is not comp.numbers(30)  # fresh lists, same numbers
    FamilyCurves(fam, 2, 20, prec=64).value(mpmath.mpf("0.01"))  # remembers the interval functions too
    clone = pickle.loads(pickle.dumps(comp))
    assert clone == comp and "_facts" not in clone.__dict__ and "_facts" in comp.__dict__
    fresh = (clone.numbers(30), clone.min_positive_gap(), clone.weakly_superior(), clone.strictly_superior(),
             clone.signature())
    assert fresh == first
