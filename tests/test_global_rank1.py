"""The rank <= 1 subproblem of the K = 3 global minimum (``global_min`` lemma 3): its float search, its
fundamental domain θ ∈ [π/3, π/2], and the two bounds its branch and bound uses (``Problem.rank1_hook``,
``Problem.rank1_hessian_lower``), each against an independent evaluation of f₁ written here in numpy."""
import math
from fractions import Fraction

import numpy as np
import pytest

from ufmtheory import boxes as bx
from ufmtheory import global_min as G

U = np.array([[1 / math.sqrt(2), 1 / math.sqrt(6)], [-1 / math.sqrt(2), 1 / math.sqrt(6)], [0, -2 / math.sqrt(6)]])


def f1(x, A, p):
    """f₁(θ, v) = (1/3) Σ_c log Σ_k exp(Z̄_kc − Z̄_cc) + A‖v‖^p, Z̄ = U w(θ) vᵀ (hand-written)."""
    z = U @ np.array([math.cos(x[0]), math.sin(x[0])])
    Z = np.outer(z, x[1:4])
    ce = np.mean([math.log(sum(math.exp(Z[k, c] - Z[c, c]) for k in range(3))) for c in range(3)])
    return ce + A * float(np.linalg.norm(x[1:4])) ** p


@pytest.fixture(scope="module")
def P():
    return G.Problem(3, 2, 1, Fraction(9, 50))


def constants(P):
    return float(P.A.mid()), float(P.p.mid())


def test_float_search_points_have_the_values_reported(P):
    # regression: θ was reduced mod π without flipping v, so the returned points were not the minima
    # found (f₁ = 2.38 at a point reported with 1.0665) and no Krawczyk region could be built around them
    A, p = constants(P)
    found = G.float_search_rank1(P, starts=8, seed=1)
    assert found
    for v, x in found:
        assert 0 <= x[0] < math.pi
        assert abs(f1(x, A, p) - v) < 1e-9


def test_every_point_has_an_image_in_the_fundamental_domain(P):
    # relabelling (z, v) ↦ (Πz, Πv) and the sign (z, v) ↦ (−z, −v) keep f₁; sorting z (and negating when
    # z₂ < 0) lands θ in [π/3, π/2]
    A, p = constants(P)
    rng = np.random.default_rng(3)
    lo, hi = G.RANK1_THETA[0] - G.RANK1_THETA[1], G.RANK1_THETA[0] + G.RANK1_THETA[1]
    assert lo <= math.pi / 3 and math.pi / 2 <= hi
    for _ in range(200):
        x = np.concatenate([[rng.uniform(0, 2 * math.pi)], rng.normal(0, 2, 3)])
        z = U @ np.array([math.cos(x[0]), math.sin(x[0])])
        v = x[1:4].copy()
        order = np.argsort(-z)
        z, v = z[order], v[order]
        if z[1] < 0:
            z, v = -z[::-1], -v[::-1]
        th = math.atan2(U[:, 1] @ z, U[:, 0] @ z)  # z = U w, UᵀU = I
        assert math.pi / 3 - 1e-12 <= th <= math.pi / 2 + 1e-12
        assert abs(f1(np.concatenate([[th], v]), A, p) - f1(x, A, p)) < 1e-9


def test_rank1_hook_below_sampled_values(P):
    A, p = constants(P)
    rng = np.random.default_rng(5)
    with bx.precision(128):
        for _ in range(40):
            mid = np.concatenate([[rng.uniform(1.0, 1.6)], rng.normal(0, 2, 3)])
            rad = rng.uniform(0.01, 0.8, 4)
            box = [(float(m), float(r)) for m, r in zip(mid, rad)]
            lo = float(P.rank1_hook(bx.box_arb(box), box).lower())
            for _ in range(25):
                assert f1(mid + rad * rng.uniform(-1, 1, 4), A, p) >= lo - 1e-12


def test_rank1_hessian_bound_below_finite_difference_eigenvalues(P):
    A, p = constants(P)
    rng = np.random.default_rng(6)
    x0 = np.array([math.pi / 3, 1.39515281, 0.0, -1.39515281])  # near the pair minimiser at λ = 0.18
    h = 1e-4
    with bx.precision(128):
        for _ in range(12):
            mid = x0 + rng.normal(0, 0.2, 4)
            rad = rng.uniform(0.001, 0.05, 4)
            box = [(float(m), float(r)) for m, r in zip(mid, rad)]
            m = P.rank1_hessian_lower(bx.box_arb(box), box)
            assert m.is_finite()
            for _ in range(5):
                x = mid + rad * rng.uniform(-1, 1, 4)
                H = np.empty((4, 4))
                for i in range(4):
                    for j in range(4):
                        ei, ej = np.eye(4)[i] * h, np.eye(4)[j] * h
                        H[i, j] = (f1(x + ei + ej, A, p) - f1(x + ei - ej, A, p) - f1(x - ei + ej, A, p)
                                   + f1(x - ei - ej, A, p)) / (4 * h * h)
                assert np.linalg.eigvalsh((H + H.T) / 2)[0] >= float(m.lower()) - 1e-5


def test_truncation_bound_below_the_truncations_loss(P):
    # GapProblem.truncation_lower <= f₁ at the rank-1 truncation (numpy's SVD) of every sampled point of
    # the box, for boxes near rank 1 (where the full problem uses it) and elsewhere
    A, p = constants(P)
    GP = G.GapProblem(P)
    rng = np.random.default_rng(8)
    pair = np.array([[1.0, -1, 0], [-1, 1, 0], [0, 0, 0]])
    checked = 0
    with bx.precision(128):
        for k in range(60):
            Z0 = 2 * pair + (rng.normal(0, 0.1, (3, 3)) if k % 2 else rng.normal(0, 1.5, (3, 3)))
            Z0 -= Z0.mean(axis=0)
            d0 = np.array(G.gaps_from_zbar(Z0))
            rad = rng.uniform(0.001, 0.2, 6)
            box = [(float(m), float(r)) for m, r in zip(d0, rad)]
            lo = GP.truncation_lower(bx.box_arb(box))
            if lo is None:
                continue
            checked += 1
            for _ in range(20):
                d = d0 + rad * rng.uniform(-1, 1, 6)
                Y = U.T @ np.array(G.zbar_from_gaps(d)).T
                u, s, vt = np.linalg.svd(Y)
                th = math.atan2(u[1, 0], u[0, 0])
                x = np.concatenate([[th], s[0] * vt[0]])
                assert f1(x, A, p) >= float(lo.lower()) - 1e-12
    assert checked >= 20


def test_above_cut_ball_holds_no_point_below_the_cut():
    # GapProblem.above_cut_region: f >= cut on the ball ‖d‖ <= r_c; checked on samples of the reduced
    # loss (hand-written: CE of Z̄ = M d plus A Σ s_i^p from numpy's SVD), including the sphere itself
    P = G.Problem(3, 2, 1, Fraction(9, 50))
    A, p = constants(P)
    GP = G.GapProblem(P)
    cut = 1.0665
    R = GP.above_cut_region(cut)
    assert R is not None and R.data["radius"] > float(GP.zero_ball_radius().mid())
    rng = np.random.default_rng(11)
    for _ in range(2000):
        d = rng.normal(0, 1, 6)
        d *= R.data["radius"] * rng.uniform(0.5, 1) ** (1 / 6) / np.linalg.norm(d)
        Z = np.array(G.zbar_from_gaps(d)).T
        ce = np.mean([math.log(sum(math.exp(Z[k, c] - Z[c, c]) for k in range(3))) for c in range(3)])
        f = ce + A * float(np.sum(np.linalg.svd(Z, compute_uv=False) ** p))
        assert f >= cut
    assert GP.above_cut_region(math.log(3) + 0.01) is None  # a cut above log 3: the zero ball's job


def test_rank1_minimum_certified_in_the_pair_regime():
    # L = 2, λ = 0.18: the best matrix of rank <= 1 is the pair pattern t·[[1,−1,0],[−1,1,0],0]; its loss
    # (2 log(1 + e^{−2t} + e^{−t}) + log 3)/3 + A (2t)^p minimised by hand in mpmath lies in the enclosure
    import mpmath
    r = G.certified_rank1_minimum(3, 2, 1, "0.18", max_seconds=600)
    assert r.certified and r.structure == "pair"
    with mpmath.workdps(40):
        A, p = mpmath.mpf(3) / 2 * mpmath.mpf(18) / 100, mpmath.mpf(2) / 3

        def f(t):
            return (2 * mpmath.log(1 + mpmath.exp(-2 * t) + mpmath.exp(-t)) + mpmath.log(3)) / 3 + A * (2 * t) ** p
        t = mpmath.findroot(lambda t: mpmath.diff(f, t), 1.0)
        v = Fraction(mpmath.nstr(f(t), 35, strip_zeros=False))
    assert Fraction(r.lower) <= v <= Fraction(r.upper)
    assert Fraction(r.upper) - Fraction(r.lower) <= Fraction(1, 10 ** 10)
