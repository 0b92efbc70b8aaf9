"""Critical points of the full model, the block decomposition of the Hessian, and D_Z by two routes.

Expected values are hand-derived: D_Z = L·dim St(r, d) = L(rd − r(r+1)/2), e.g. (K, d, L) = (4, 6, 2):
2·(3·6 − 6) = 24 and (4, 7, 3): 3·(3·7 − 6) = 45; the routes computed here (dense Hessian at a random
frame, symmetry blocks, orbit Jacobian) are independent of each other and of that formula."""
import mpmath
import numpy as np
import pytest

import ufmtheory as ut
from ufmtheory.landscape import (block_spectrum, critical_points, dense_spectrum, dimension_computed_formula,
                                 dimension_dnc_paper, dimension_paper, jacobian_rank, orbit_jacobian,
                                 point_in_bracket, ratio_R, robust_inertia)
from ufmtheory.reduction import balanced_parameters


def _flat(spec):
    return np.sort(np.array([float(mu) for mu, m in spec.eigenvalues() for _ in range(m)]))


@pytest.mark.parametrize("K,d,n,L,lam,name", [
    (4, 6, 2, 2, "0.01", "dnc"),
    (4, 5, 1, 3, ["0.01", "0.02", "0.005", "0.03"], "paired"),
    (5, 6, 3, 1, "0.02", "polygon"),
    (3, 5, 2, 2, "0.005", "dnc"),
])
def test_block_spectrum_equals_dense_spectrum_at_a_random_frame(K, d, n, L, lam, name):
    model = ut.DeepUFM(K, L, n=n, lam=lam, d=d)
    for pt in critical_points(model, ut.named(name, K), 30):
        spec = block_spectrum(pt)
        ev, asym = dense_spectrum(pt, "random", rng=7)
        assert asym < 1e-14
        assert spec.max_residual() < 1e-14 * spec.spectral_norm()
        assert np.allclose(_flat(spec), ev, atol=1e-12 * np.max(np.abs(ev)))


@pytest.mark.parametrize("name", ["dnc", "paired", "polygon"])
def test_lemma1_parameters_are_critical_in_float64_and_at_50_digits(name):
    model = ut.DeepUFM(4, 2, n=2, lam="0.01", d=7)
    for pt in critical_points(model, ut.named(name, 4), 50):
        g, s = pt.gradient(mp=False, orthogonals="random", rng=3)
        assert g < 1e-13 * s
        with mpmath.workdps(50):
            assert pt.is_critical(mp=True)


def test_odd_paired_scale_critical_point_is_not_critical():
    model = ut.DeepUFM(5, 2, n=1, lam="0.002", d=6)
    with mpmath.workdps(40):
        pts = critical_points(model, ut.paired(5), 40)
        assert pts and not any(p.is_critical(mp=True) for p in pts)


@pytest.mark.parametrize("K,d,n,L,expected", [(4, 6, 2, 2, 24), (4, 7, 2, 3, 45)])
def test_must_show_nullity_and_jacobian_rank(K, d, n, L, expected):
    model = ut.DeepUFM(K, L, n=n, lam="0.01", d=d)
    for pt in critical_points(model, ut.dnc(K), 30):
        spec = block_spectrum(pt)
        assert spec.inertia().zero == expected and spec.inertia().clear
        assert spec.orbit_dimension()[0] == expected
        rk, tol, z, nz = jacobian_rank(orbit_jacobian(model, pt.parameters("random", rng=1)))
        assert rk == expected and nz > 1e6 * tol
        assert dimension_computed_formula(L, K - 1, d) == expected
        assert dimension_dnc_paper(K, L, d) == {24: 18, 45: 36}[expected]  # the paper's count differs


def test_must_show_nullity_at_50_digits():
    model = ut.DeepUFM(4, 2, n=2, lam="0.01", d=6)
    with mpmath.workdps(50):
        for pt in critical_points(model, ut.dnc(4), 50):
            I = block_spectrum(pt, mp=True).inertia()
            assert I.zero == 24 and I.largest_zero < mpmath.mpf(10) ** -45 and I.smallest_nonzero > mpmath.mpf("0.009")


def test_blocks_do_not_depend_on_the_width():
    """The block matrices only see S and one direction of S⊥; d changes multiplicities only."""
    a = critical_points(ut.DeepUFM(4, 2, n=2, lam="0.01", d=5), ut.dnc(4), 30)[1]
    b = critical_points(ut.DeepUFM(4, 2, n=2, lam="0.01", d=40), ut.dnc(4), 30)[1]
    sa, sb = block_spectrum(a), block_spectrum(b)
    for x, y in zip(sa.blocks, sb.blocks):
        assert x.name == y.name and np.allclose(x.matrix, y.matrix, atol=1e-15)
    assert sb.inertia().zero == dimension_computed_formula(2, 3, 40)


def test_float64_without_margin_is_escalated_to_high_precision():
    """K = 6 polygon, small root (t ≈ 6e-7): genuine eigenvalues 4e-23 and 2.5e-16 sit at float64's
    rounding level; the float count is flagged, and 40 digits resolve the nullity to the orbit count."""
    model = ut.DeepUFM(6, 2, n=1, lam="0.002", d=8)
    pt = critical_points(model, ut.polygon(6), 30)[0]
    spec = block_spectrum(pt)
    assert not spec.inertia().clear
    I, prec, _ = robust_inertia(pt)
    assert prec == 40 and I.clear and I.zero == dimension_computed_formula(2, 2, 8) == 26
    assert 1e-24 < I.smallest_nonzero < 1e-22


def test_distinct_singular_values_give_the_stiefel_count():
    K, d, n, L, r = 5, 8, 2, 3, 3
    model = ut.DeepUFM(K, L, n=n, lam="0.01", d=d)
    g = np.random.default_rng(4)
    Z = g.standard_normal((K, r)) @ g.standard_normal((r, model.N))
    P = balanced_parameters(model, Z, rng=g, rank=r)
    assert jacobian_rank(orbit_jacobian(model, P))[0] == 3 * (3 * 8 - 6) == dimension_paper(L, r, d, False)


def test_ratio_R_parts():
    # paper's own counts: R(K) < 1; computed counts: R(K) = K(K−1)/(r(2K−r−1)) > 1
    assert ratio_R(6, 3, 6, paper=True) < 1
    assert ratio_R(6, 3, 6) == ratio_R(6, 3, 6, L=3) == (6 * 5) / (3 * (12 - 3 - 1))
    assert ratio_R(6, 3, 6) > 1


def test_point_in_bracket_matches_optimal_scale():
    model = ut.DeepUFM(4, 2, n=1, lam="1/4096", d=5)
    pts = critical_points(model, ut.paired(4), 40)
    with mpmath.workdps(40):
        p = point_in_bracket(model, ut.paired(4), pts[1].t - 1, pts[1].t + 1)
        assert abs(p.t - pts[1].t) < mpmath.mpf(10) ** -35 and p.kind == "local min"
        with pytest.raises(ut.ParameterError):
            point_in_bracket(model, ut.paired(4), pts[1].t + 1, pts[1].t + 2)


def test_figure1_size_block_route_and_lanczos():
    """K = 10, n = 5, d = 70, L = 2, λ = 2^-10 (9,100 parameters): nullity L(K−1)(d−K/2) = 1170 and no
    negative eigenvalue at the large root; Lanczos on HVPs at a random frame agrees on the extremes."""
    from ufmtheory.hessian import lanczos_extremes
    model = ut.DeepUFM(10, 2, n=5, lam="0.0009765625", d=70)
    pt = critical_points(model, ut.dnc(10), 30)[1]
    spec = block_spectrum(pt)
    I = spec.inertia()
    assert (I.negative, I.zero) == (0, 1170) and I.clear
    lo, hi = lanczos_extremes(model, pt.parameters("random", rng=2), k=1)
    assert abs(lo[0]) < 1e-12 and abs(hi[0] - float(I.max_eig)) < 1e-10
