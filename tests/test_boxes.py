"""The generic box prover (ufmtheory.boxes) and the reduced K = 3 problem (ufmtheory.global_min).

Expected values are computed independently: the loss by a hand-written mpmath function (SVD of Y), the
penalty's derivatives by mpmath finite differences, the optimum of a toy problem in closed form, the
global minimum by ufmtheory.global_search (float multi-start over factorised weights)."""
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb

from ufmtheory import boxes as bx
from ufmtheory import global_min as G
from ufmtheory._validate import ParameterError


def toy(v):
    # (x − 1)² + 3(y + 2)² + cos(x) ... smooth, min near (1.4.., −2); Krawczyk + branch and bound
    return (v[0] - 1).square() + (v[1] + 2).square() * 3 + bx.cos(v[0]) * 0.5


def toy_float(x, y):
    return (x - 1) ** 2 + 3 * (y + 2) ** 2 + 0.5 * math.cos(x)


def toy_min():
    # ∂x: 2(x − 1) − 0.5 sin x = 0 (unique: the left side is increasing), y = −2
    x = mpmath.findroot(lambda t: 2 * (t - 1) - 0.5 * mpmath.sin(t), 1.3)
    return (x - 1) ** 2 + 0.5 * mpmath.cos(x)


def test_toy_certified_and_tree_replay():
    R = bx.krawczyk_region(toy, [1.3, -2.0], 0.25)
    assert R is not None
    res = bx.minimise(toy, [(0.0, 4.0), (0.0, 4.0)], R.upper, [R], interior=True)
    assert res.certified and res.width <= 1e-10
    exact = toy_min()
    assert float(res.lower) <= float(exact) <= float(res.upper)
    assert abs(float(res.upper) - float(exact)) < 1e-14
    low = bx.check_tree(toy, [(0.0, 4.0), (0.0, 4.0)], res.tree, [R], res.cut, interior=True)
    with bx.precision(128):
        assert low >= res.lower


def test_tampered_tree_rejected():
    R = bx.krawczyk_region(toy, [1.3, -2.0], 0.25)
    res = bx.minimise(toy, [(0.0, 4.0), (0.0, 4.0)], R.upper, [R], interior=True)
    box = [(0.0, 4.0), (0.0, 4.0)]
    i = res.tree.index("b")
    with pytest.raises(ValueError, match="tree"):  # a leaf removed (later leaves then land elsewhere)
        bx.check_tree(toy, box, res.tree[:i] + res.tree[i + 1:], [R], res.cut, interior=True)
    with pytest.raises(ValueError, match="not covered"):  # the last leaf removed
        bx.check_tree(toy, box, res.tree[:-1], [R], res.cut, interior=True)
    # a region claimed with a higher lower bound than proven cannot raise the replayed bound above it
    assert bx.check_tree(toy, box, res.tree, [R], res.cut, interior=True).lower() <= R.lower
    # a region leaf claimed where the region is elsewhere (shifted minimiser box)
    shifted = bx.krawczyk_region(toy, [1.3, -2.0], 0.25)
    shifted.contains = bx.inside([arb(3.0, 0.25), arb(-2.0, 0.25)])
    if "r0" in res.tree:
        with pytest.raises(ValueError, match="region"):
            bx.check_tree(toy, box, res.tree, [shifted], res.cut, interior=True)
    # a gradient leaf without the interior hypothesis
    if "g" in res.tree:
        with pytest.raises(ValueError):
            bx.check_tree(toy, box, res.tree, [R], res.cut, interior=False)


def test_krawczyk_refuses_a_saddle():
    saddle = lambda v: v[0].square() - v[1].square()  # noqa: E731
    assert bx.krawczyk_region(saddle, [0.01, 0.01], 0.5) is None


def f_mpmath(y, L, lam, n=1):
    """Hand-written reduced loss: Z̄ = U Y, CE averaged over columns, A Σ s_i^p (mpmath SVD)."""
    with mpmath.workdps(40):
        U = mpmath.matrix([[1 / mpmath.sqrt(2), 1 / mpmath.sqrt(6)], [-1 / mpmath.sqrt(2), 1 / mpmath.sqrt(6)],
                           [0, -2 / mpmath.sqrt(6)]])
        Y = mpmath.matrix([[mpmath.mpf(x) for x in y[0:3]], [mpmath.mpf(x) for x in y[3:6]]])
        Z = U * Y
        ce = mpmath.fsum(mpmath.log(mpmath.fsum(mpmath.exp(Z[k, c] - Z[c, c]) for k in range(3))) for c in range(3)) / 3
        s = mpmath.svd_r(Y, compute_uv=False)
        p = mpmath.mpf(2) / (L + 1)
        A = (L + 1) * mpmath.mpf(lam.numerator) / lam.denominator * mpmath.power(n, 1 / mpmath.mpf(L + 1)) / 2
        return ce + A * mpmath.fsum(mpmath.power(abs(x), p) for x in s)


@pytest.mark.parametrize("L,lam,n", [(1, Fraction(1, 5), 1), (2, Fraction(9, 50), 3), (4, Fraction(1, 10), 1)])
def test_loss_matches_hand_written(L, lam, n):
    P = G.Problem(3, L, n, lam)
    rng = np.random.default_rng(L)
    for _ in range(5):
        y = rng.normal(0, 2, 6)
        with bx.precision(128):
            v = P.f([arb(float(x)) for x in y])
        exact = f_mpmath(y, L, lam, n)
        with mpmath.workdps(40):
            assert abs(mpmath.mpf(v.mid().str(35, radius=False)) - exact) < mpmath.mpf(10) ** -30
        assert float(v.rad()) < 1e-30
        assert abs(P.f_float(y) - float(f_mpmath(y, L, lam, n))) < 1e-12


def test_penalty_jet_encloses_finite_differences_at_equal_singular_values():
    # DNC-like Y (s₁ = s₂): the Jet's gradient and Hessian of the penalty contain central differences
    P = G.Problem(3, 2, 1, Fraction(1, 20))
    y0 = P.y_from_zbar(2 * (np.eye(3) - 1 / 3))
    pen = lambda y: P.penalty([y[0:3], y[3:6]])  # noqa: E731
    with bx.precision(128):
        box = [arb(float(x), 1e-6) for x in y0]
        _, g, H = bx.gradient_hessian(pen, box)

    def pen_mp(y):
        with mpmath.workdps(50):
            Y = mpmath.matrix([[mpmath.mpf(x) for x in y[0:3]], [mpmath.mpf(x) for x in y[3:6]]])
            s = mpmath.svd_r(Y, compute_uv=False)
            return mpmath.mpf(3) / 2 / 20 * mpmath.fsum(mpmath.power(abs(x), mpmath.mpf(2) / 3) for x in s)
    h = 1e-7
    for i in range(6):
        e = np.zeros(6)
        e[i] = h
        d = (pen_mp(y0 + e) - pen_mp(y0 - e)) / (2 * h)
        assert g[i].lower() - 1e-10 <= float(d) <= g[i].upper() + 1e-10
        for j in range(6):
            f = np.zeros(6)
            f[j] = 1e-4
            dd = (pen_mp(y0 + e * 1e3 + f) - pen_mp(y0 + e * 1e3 - f) - pen_mp(y0 - e * 1e3 + f)
                  + pen_mp(y0 - e * 1e3 - f)) / (4 * 1e-4 * 1e-4)
            assert H[i][j].lower() - 1e-5 <= float(dd) <= H[i][j].upper() + 1e-5


def test_structure_names():
    P = G.Problem(3, 2, 1, Fraction(9, 50))
    assert G.structure_name(P, np.zeros(6)) == "zero"
    assert G.structure_name(P, P.y_from_zbar(np.array([[0, 0, 0], [0, 1.5, -1.5], [0, -1.5, 1.5]]))) == "pair"
    assert G.structure_name(P, P.y_from_zbar(3 * (np.eye(3) - 1 / 3))) == "dnc"


@pytest.mark.parametrize("bad", [2, 4])
def test_K_outside_range(bad):
    with pytest.raises(ParameterError, match="K"):
        G.Problem(bad, 2, 1, Fraction(1, 10))


def test_enclosure_contains_search_value_and_candidate():
    # short budget: the enclosure is proven but may be wide; it must contain the float search's best
    from ufmtheory.global_search import global_search
    r = G.certified_minimum(3, 2, 1, "0.18", starts=12, max_seconds=6)
    s = global_search(3, 2, 0.18, starts=12)
    assert Fraction(r.lower) <= Fraction(s.best_loss) + Fraction(1, 10 ** 9)
    assert Fraction(r.upper) >= Fraction(s.best_loss) - Fraction(1, 10 ** 9)
    assert abs(float(r.upper) - s.best_loss) < 1e-8
    assert r.structure == "pair"


# ---- gap coordinates -----------------------------------------------------------------------------------

def test_gap_map_is_the_column_gap_bijection():
    rng = np.random.default_rng(3)
    for _ in range(20):
        Z = rng.normal(size=(3, 3))
        Z -= Z.mean(axis=0)  # centred columns
        d = G.gaps_from_zbar(Z)
        assert np.allclose(np.array(G.zbar_from_gaps(d)).T, Z)
    # ‖M‖ = 1, ‖M⁻¹‖ = √3 (Euclidean → Frobenius): one column block's extreme stretch
    M = np.array([G.zbar_from_gaps(e)[0] for e in np.eye(6)[:2]]).T  # 3×2 block of column 1
    sv = np.linalg.svd(M, compute_uv=False)
    assert np.allclose(sorted(sv), [1 / math.sqrt(3), 1.0])


def test_gap_loss_and_hook_bound_the_sampled_loss():
    P = G.Problem(3, 2, 1, Fraction(1, 10))
    GP = G.GapProblem(P)
    rng = np.random.default_rng(5)
    for _ in range(15):
        mid = rng.uniform(-1, 4, 6)
        rad = rng.uniform(0, 0.5, 6)
        box = [(float(m), float(r)) for m, r in zip(mid, rad)]
        with bx.precision(128):
            lo = GP.lower_hook(bx.box_arb(box), box)
            for _ in range(30):
                d = mid + rad * rng.uniform(-1, 1, 6)
                Z = np.array(G.zbar_from_gaps(d)).T
                exact = P.f_float(P.y_from_zbar(Z))  # loss through Y and numpy's SVD
                assert float(lo.lower()) <= exact + 1e-12
                v = GP.f([arb(float(x)) for x in d])
                assert abs(float(v.mid()) - exact) < 1e-9


def test_frobenius_min_below_samples():
    rng = np.random.default_rng(7)
    for _ in range(30):
        balls = [arb(float(m), float(r)) for m, r in zip(rng.uniform(-2, 2, 6), rng.uniform(0, 1, 6))]
        lo = float(G.frobenius_squared_min(balls).lower())
        for _ in range(50):
            d = [float(b.mid()) + float(b.rad()) * rng.uniform(-1, 1) for b in balls]
            assert np.sum(np.array(G.zbar_from_gaps(d)) ** 2) >= lo - 1e-12


@pytest.mark.parametrize("L,lam", [(1, "0.5"), (3, "0.3")])
def test_zero_regime_certified(L, lam):
    # the global minimum is the zero solution, f(0) = log 3 (hand-computed with mpmath)
    r = G.certified_minimum(3, L, 1, lam, starts=6, max_seconds=120)
    assert r.certified and Fraction(r.upper) - Fraction(r.lower) <= Fraction(1, 10 ** 10)
    with mpmath.workdps(40):
        log3 = mpmath.log(3)
        assert mpmath.mpf(r.lower) <= log3 <= mpmath.mpf(r.upper)
    assert r.structure == "zero"


def test_dnc_regime_enclosure_contains_dnc_optimum():
    # not narrow within the budget (see global3.README), but proven: min f <= DNC's one-scale optimum
    from ufmtheory import scale, structures
    from ufmtheory.model import DeepUFM
    r = G.certified_minimum(3, 2, 1, "0.05", starts=6, max_seconds=15)
    opt = scale.optimal_scale(structures.dnc(3), DeepUFM(3, 2, n=1, lam=Fraction(1, 20)), dps=40)
    assert mpmath.mpf(r.lower) <= opt.loss <= mpmath.mpf(r.upper)
    assert abs(mpmath.mpf(r.upper) - opt.loss) < mpmath.mpf(10) ** -15
    assert r.structure == "dnc"


def test_dnc_regime_certified_at_L1_contains_dnc_optimum():
    # L = 1: the loss CE + A‖Z̄‖_* is convex; the relaxation route certifies; expected value from the
    # one-scale DNC optimum (scale.optimal_scale, all critical points compared) at 40 digits.
    from ufmtheory import scale, structures
    from ufmtheory.model import DeepUFM
    r = G.certified_minimum(3, 1, 1, "1/20", starts=4)
    assert r.certified and Fraction(r.upper) - Fraction(r.lower) <= Fraction(1, 10 ** 10)
    v = scale.optimal_scale(structures.dnc(3), DeepUFM(3, 1, n=1, lam=Fraction(1, 20)), dps=40).loss
    with mpmath.workdps(40):  # not mp.dps = 40: that leaks into later tests in the same worker
        assert mpmath.mpf(r.lower) - mpmath.mpf("1e-30") <= v <= mpmath.mpf(r.upper) + mpmath.mpf("1e-30")
    assert r.structure == "dnc"


def test_relaxation_cell_bound_below_sampled_loss():
    # f(Z̄) by hand (numpy SVD) >= cell_lower on any cell holding its singular values
    from ufmtheory import global_relax as GR
    rng = np.random.default_rng(3)
    P = G.Problem(3, 2, 1, Fraction(1, 20))
    A, p = float(P.A.mid()), 2 / 3
    for _ in range(60):
        Z = rng.normal(0, 3, (3, 3))
        Z -= Z.mean(axis=0)
        s = np.linalg.svd(Z, compute_uv=False)
        ce = np.mean([np.log(np.sum(np.exp(Z[:, c] - Z[c, c]))) for c in range(3)])
        f = ce + A * (s[0] ** p + s[1] ** p)
        w = rng.uniform(0.01, 1.0)
        lo = GR.cell_lower(P, max(0.0, s[0] - w * rng.uniform()), s[0] + w, max(0.0, s[1] - w * rng.uniform()),
                           s[1] + w)
        assert lo is not None and float(lo.upper()) <= f + 1e-12


def test_taylor2_bound_below_samples():
    rng = np.random.default_rng(5)
    for _ in range(20):
        c = rng.uniform(-1, 1, 2)
        r = rng.uniform(0.01, 0.5)
        box = [(float(c[0]), r), (float(c[1]), r)]
        lo = bx.taylor2_lower(toy, bx.box_arb(box), box)
        assert lo is not None
        for x in rng.uniform(-1, 1, (30, 2)):
            pt = c + r * x
            assert float(lo.upper()) <= toy_float(pt[0], pt[1]) + 1e-12


def test_tree_with_a_region_leaf_before_a_split_replays():
    """A region leaf followed by a split of axis 1 used to be written 'r01' and read back as region 01
    (a valid tree rejected): region leaves are terminated ('r0.'). Independent check: the minimum of
    (x − ½)² + 2y² is 0 at (½, 0), inside the enclosure and the replayed bound."""
    f = lambda v: (v[0] - 0.5).square() + v[1].square() * 2  # noqa: E731
    R = bx.krawczyk_region(f, [0.5, 0.0], 0.25)
    box = [(0.0, 2.0), (0.0, 2.0)]
    res = bx.minimise(f, box, R.upper, [R], interior=True)
    assert res.certified and "r0.1" in res.tree  # the case that was misread
    assert float(res.lower) <= 0 <= float(res.upper)
    with bx.precision(128):
        assert bx.check_tree(f, box, res.tree, [R], res.cut, interior=True) <= 0


def _problem_l2():
    """(Problem, GapProblem, f in gap coordinates through Y and numpy's SVD) at K = 3, L = 2, λ = 1/20."""
    P = G.Problem(3, 2, 1, Fraction(1, 20))
    return P, G.GapProblem(P), lambda d: P.f_float(P.y_from_zbar(np.array(G.zbar_from_gaps(d)).T))


def _fd_hessian(fun, x, h=1e-4):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            e = np.zeros(n)
            e[i] = h
            g = np.zeros(n)
            g[j] = h
            H[i, j] = (fun(x + e + g) - fun(x + e - g) - fun(x - e + g) + fun(x - e - g)) / (4 * h * h)
    return (H + H.T) / 2


def test_penalty_hessian_smallest_eigenvalue_is_phi_second_derivative():
    # Lewis–Sendov: for Σ φ(s_i) the Hessian's eigenvalues are φ''(s_i), divided differences of φ' and
    # φ'(s_i)/s_i; for φ(s) = s^p (p < 1) the smallest is φ''(s₂). Checked by finite differences of the
    # penalty computed from numpy's SVD.
    rng = np.random.default_rng(11)
    p = 2 / 3
    for _ in range(8):
        Y = rng.normal(0, 2, (2, 3))

        def pen(y):
            return float(np.sum(np.linalg.svd(y.reshape(2, 3), compute_uv=False) ** p))
        s = np.linalg.svd(Y, compute_uv=False)
        lam = np.linalg.eigvalsh(_fd_hessian(pen, Y.reshape(-1), 1e-4))[0]
        assert abs(lam - p * (p - 1) * s[1] ** (p - 2)) < 1e-5 * max(1.0, abs(lam))


def test_hessian_lower_bounds_sampled_hessians_and_convex_region():
    P, GP, f_gap = _problem_l2()
    rng = np.random.default_rng(3)
    for _ in range(6):
        mid = rng.uniform(1.5, 4, 6)
        rad = rng.uniform(0.05, 0.4, 6)
        box = [(float(m), float(r)) for m, r in zip(mid, rad)]
        with bx.precision(128):
            m = GP.hessian_lower(bx.box_arb(box), box)
        for _ in range(4):
            d = mid + rad * rng.uniform(-1, 1, 6)
            assert np.linalg.eigvalsh(_fd_hessian(f_gap, d))[0] >= float(m.lower()) - 1e-6
    # the convex region around DNC: much larger than the Krawczyk box, f >= f(d*) on samples in it
    t = 3.327098  # DNC scale at L = 2, λ = 1/20 (a float start; the Krawczyk test proves the point)
    with bx.precision(128):
        R = bx.krawczyk_region(GP.f, [t] * 6, 0.015625, prec=128)
        C = GP.convex_region(R)
    assert R is not None and C is not None and C.data["radius"] >= 0.25 > R.data["radius"]
    fmin = float(C.lower)
    for _ in range(200):
        d = np.array(C.data["center"]) + C.data["radius"] * rng.uniform(-1, 1, 6)
        assert f_gap(d) >= fmin - 1e-12


def test_rank1_bound_below_sampled_loss():
    # f(Y) >= m₁ + A s₂^p − G s₂ (G = √(2/3)), m₁ the rank <= 1 minimum (here from a float multi-start,
    # which is an estimate from above; the samples keep a margin) — checked on samples near rank 1
    P = G.Problem(3, 2, 1, Fraction(1, 20))
    GP = G.GapProblem(P)
    m1 = G.float_search_rank1(P, starts=8)[0][0]
    rng = np.random.default_rng(4)
    with bx.precision(128):
        GP.rank1_lower = arb(m1)
        for _ in range(200):
            Y = np.outer(rng.normal(0, 1, 2), rng.normal(0, 4, 3)) + rng.normal(0, 0.3, (2, 3))
            s = np.linalg.svd(Y, compute_uv=False)
            lo = GP.rank1_bound(arb(s[1]), arb(s[1]), P.g)
            assert P.f_float(Y.reshape(-1)) >= float(lo.mid()) - 1e-9


def test_star_region_and_structured_taylor_bound_below_samples():
    # star region: f >= its lower on samples inside (f through Y and numpy's SVD); taylor2: below samples
    P, GP, f_gap = _problem_l2()
    rng = np.random.default_rng(9)
    with bx.precision(128):
        S = GP.star_region([3.327098] * 6)
        assert S is not None and S.data["radius"] >= 0.75
        X = [(float(b.mid()), float(b.rad())) for b in bx.box_arb([(3.327098, S.data["radius"])] * 6)]
        for _ in range(300):
            d = np.array([m + r * rng.uniform(-1, 1) for m, r in X])
            assert f_gap(d) >= float(S.lower.lower()) - 1e-12
        for _ in range(10):
            mid = rng.uniform(1.5, 5, 6)
            rad = rng.uniform(0.05, 0.6, 6)
            box = [(float(m), float(r)) for m, r in zip(mid, rad)]
            t2 = GP.taylor2(bx.box_arb(box), box)
            if t2 is None:
                continue
            for _ in range(30):
                assert f_gap(mid + rad * rng.uniform(-1, 1, 6)) >= float(t2.lower()) - 1e-12


def test_aligned_region_inside_and_on_the_grid():
    lattice = [(8.375, 10.0)] * 6
    out = bx.aligned_box([3.3270983244070393] * 6, 1.0, lattice)
    h = Fraction(20, 256)
    for (m, r) in out:
        a, b = Fraction(m) - Fraction(r), Fraction(m) + Fraction(r)
        assert Fraction(3.3270983244070393) - 1 <= a < b <= Fraction(3.3270983244070393) + 1
        assert (a - Fraction(-1.625)) % h == 0 and (b - Fraction(-1.625)) % h == 0


def test_dnc_regime_certified_at_L2():
    # the DNC regime at L = 2 (flat valley, f − f_min ≈ 0.0045‖δ‖²): certified by the star region, the
    # structured Taylor bound and the singular-value relaxation. Independent checks: DNC's one-scale
    # minimum by a hand-written mpmath minimisation lies in the enclosure; a float multi-start search over
    # the factorised weights finds nothing below its lower end.
    r = G.certified_minimum(3, 2, 1, "1/20", max_seconds=900)
    assert r.certified and r.structure == "dnc"
    lo, hi = Fraction(r.lower), Fraction(r.upper)
    assert hi - lo <= Fraction(1, 10 ** 10)
    with mpmath.workdps(40):
        A = mpmath.mpf(3) / 2 * mpmath.mpf(1) / 20

        def f(t):
            return mpmath.log(1 + 2 * mpmath.exp(-t)) + 2 * A * t ** (mpmath.mpf(2) / 3)
        t = mpmath.findroot(lambda t: mpmath.diff(f, t), 3.3)
        assert lo <= Fraction(mpmath.nstr(f(t), 35)) <= hi
    from ufmtheory.global_search import global_search
    s = global_search(3, 2, mpmath.mpf(1) / 20, starts=6, seed=0)
    assert s.best_loss >= float(lo) - 1e-9


def test_column_bound_and_its_ingredients_below_samples():
    # the box-local convex relaxation (GapProblem.column_lower) and its ingredients against numpy: the
    # nuclear-norm functional <= ‖Y‖_*, the spectral radius >= ‖Y(δ)‖₂ and the minors' bound <= (s₁s₂)² at
    # random points (SVD by numpy),
    # the bound <= f (float f through numpy's SVD) at random points and corners of random boxes
    P, GP, f_gap = _problem_l2()
    rng = np.random.default_rng(11)

    def y_of(d):
        return P.y_from_zbar(np.array(G.zbar_from_gaps(d)).T).reshape(2, 3)
    for _ in range(60):
        mid = rng.uniform(-1, 12, 6)
        rad = rng.uniform(0.05, 2.5, 6)
        box = [(float(m), float(r)) for m, r in zip(mid, rad)]
        gam = [float(g.mid()) for g in GP.nuclear_functional(box)]
        rho2 = float(GP.spectral_radius(tuple(rad.tolist())))
        for _ in range(20):
            d = rng.uniform(-15, 15, 6)
            assert np.dot(gam, d) <= np.linalg.svd(y_of(d), compute_uv=False).sum() + 1e-9
            delta = rad * rng.choice([-1.0, 1.0], 6) * rng.uniform(0.5, 1, 6)
            assert np.linalg.norm(y_of(delta), 2) <= rho2 + 1e-12
        with bx.precision(128):
            lo = GP.column_lower(bx.box_arb(box), box)
            det_lo = float(GP.minors_lower(bx.box_arb(box)))
        assert lo is not None
        for _ in range(50):  # det(Y Yᵀ) = (s₁ s₂)² from numpy's SVD
            s = np.linalg.svd(y_of(mid + rad * rng.uniform(-1, 1, 6)), compute_uv=False)
            assert det_lo <= (s[0] * s[1]) ** 2 * (1 + 1e-12) + 1e-12
        pts = [mid + rad * rng.uniform(-1, 1, 6) for _ in range(150)] + \
              [mid + rad * rng.choice([-1.0, 1.0], 6) for _ in range(64)]
        assert float(lo) <= min(f_gap(d) for d in pts) + 1e-12
