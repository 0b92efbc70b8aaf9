"""Exact scale optima (SPEC §2–§3) checked by independent routes."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ufmtheory as ut
from ufmtheory.precision import to_fraction
from ufmtheory.scale import ScaleProblem


def _dnc_closed_form(K, L, n, lam):
    """f_DNC(t) = log(1 + (K−1)e^{−t}) + ((L+1)λ/2) n^{1/(L+1)} (K−1) t^{2/(L+1)}, written out by hand."""
    p = mpmath.mpf(2) / (L + 1)
    return lambda t: mpmath.log(1 + (K - 1) * mpmath.exp(-t)) + (L + 1) * lam / 2 * mpmath.power(n, mpmath.mpf(1) / (L + 1)) * (K - 1) * mpmath.power(t, p)


def _paired_even_closed_form(K, L, n, lam):
    p = mpmath.mpf(2) / (L + 1)
    return lambda t: (mpmath.log(1 + mpmath.exp(-2 * t) + (K - 2) * mpmath.exp(-t))
                      + (L + 1) * lam / 2 * mpmath.power(n, mpmath.mpf(1) / (L + 1)) * (K // 2) * mpmath.power(2, p) * mpmath.power(t, p))


def _independent_min(f, guess):
    """Local minimum of a hand-written closed form: mpmath.findroot on f' (numerical derivative)."""
    t = mpmath.findroot(lambda x: mpmath.diff(f, x), guess)
    return t, f(t)


def test_figure1_setting_against_independent_closed_forms():
    model = ut.DeepUFM(10, 2, n=5, lam="0.0009765625")
    with mpmath.workdps(60):
        lam = mpmath.mpf(2) ** -10
        tD, fD = _independent_min(_dnc_closed_form(10, 2, 5, lam), 7)
        tP, fP = _independent_min(_paired_even_closed_form(10, 2, 5, lam), 7)
        d = ut.optimal_scale(ut.dnc(10), model)
        p = ut.optimal_scale(ut.paired(10), model)
        for a, b in ((d.scale, tD), (d.loss, fD), (p.scale, tP), (p.loss, fP)):
            assert abs(a - b) <= abs(b) * mpmath.mpf(10) ** -45
    # the values quoted by the paper's experiments (issue 6): 0.0906622… and 0.0800126…
    assert ut.precision.nstr(d.loss, 6) == "0.0906622" and ut.precision.nstr(p.loss, 6) == "0.0800127"


@pytest.mark.parametrize("K, L, n, lam", [(4, 2, 1, "0.01"), (10, 3, 5, "0.001"), (6, 5, 2, "1e-6"),
                                          (3, 2, 1, "0.05"), (12, 2, 3, "0.0004")])
def test_dnc_critical_points_solve_eq19_and_are_all_found(K, L, n, lam):
    """Eq. 19: λ n^{1/(L+1)} = t^{(L−1)/(L+1)}/(e^t + K − 1); its right side has one maximum, so 0 or 2
    roots: count them independently by locating that maximum."""
    model = ut.DeepUFM(K, L, n=n, lam=lam)
    opt = ut.optimal_scale(ut.dnc(K), model)
    with mpmath.workdps(80):
        lhs = mpmath.mpf(Fraction(lam).numerator) / Fraction(lam).denominator * mpmath.power(n, mpmath.mpf(1) / (L + 1))
        rhs = lambda t: mpmath.power(t, mpmath.mpf(L - 1) / (L + 1)) / (mpmath.exp(t) + K - 1)  # noqa: E731
        tmax = mpmath.findroot(lambda t: mpmath.diff(lambda x: mpmath.log(rhs(x)), t), 1)
        expected = 2 if rhs(tmax) > lhs else 0
        assert len(opt.critical_points) == expected
        for cp in opt.critical_points:
            assert abs(rhs(cp.t) - lhs) < lhs * mpmath.mpf(10) ** -48
        if expected == 2:
            assert [cp.kind for cp in opt.critical_points] == ["local max", "local min"]
            assert opt.critical_points[0].t < tmax < opt.critical_points[1].t


def test_no_dnc_critical_point_for_large_lambda():
    opt = ut.optimal_scale(ut.dnc(5), ut.DeepUFM(5, 2, lam="0.5"))
    assert opt.critical_points == [] and opt.kind == "zero"
    with mpmath.workdps(60):
        assert abs(opt.loss - mpmath.log(5)) < mpmath.mpf(10) ** -50


@given(K=st.integers(2, 9), L=st.integers(1, 6), n=st.integers(1, 6), k=st.floats(1.0, 14.0),
       name=st.sampled_from(["dnc", "paired", "polygon"]))
@settings(max_examples=20)
def test_no_scale_on_a_dense_grid_beats_the_optimum(K, L, n, k, name):
    lam = Fraction(1, 2 ** int(k))
    model = ut.DeepUFM(K, L, n=n, lam=lam)
    opt = ut.optimal_scale(ut.named(name, K), model, dps=20)
    with mpmath.workdps(40):
        prob = ScaleProblem.from_structure(ut.named(name, K), model)
        grid = np.concatenate([np.geomspace(1e-8, 1e-2, 100), np.linspace(1e-2, 60, 1500)])
        best_grid = min(prob.value(mpmath.mpf(float(t))) for t in grid)
        assert best_grid >= opt.loss - mpmath.mpf(10) ** -18


@pytest.mark.parametrize("name", ["dnc", "paired", "polygon"])
def test_recomputation_at_higher_precision_agrees(name):
    model = ut.DeepUFM(7, 3, n=2, lam="0.0001")
    a = ut.optimal_scale(ut.named(name, 7), model, dps=50)
    b = ut.optimal_scale(ut.named(name, 7), model, dps=100)
    with mpmath.workdps(120):
        assert abs(a.loss - b.loss) <= abs(b.loss) * mpmath.mpf(10) ** -50
        assert abs(a.scale - b.scale) <= abs(b.scale) * mpmath.mpf(10) ** -50
    assert a.digits_verified >= 50


def test_mpmath_iv_backend_finds_the_same_critical_points():
    model = ut.DeepUFM(6, 2, n=1, lam="0.002")
    a = ut.optimal_scale(ut.paired(6), model, dps=30, backend="arb")
    b = ut.optimal_scale(ut.paired(6), model, dps=30, backend="mpmath.iv")
    assert b.interval_backend == "mpmath.iv"
    assert len(a.critical_points) == len(b.critical_points) == 2
    with mpmath.workdps(60):
        for x, y in zip(a.critical_points, b.critical_points):
            assert abs(x.t - y.t) <= x.t * mpmath.mpf(10) ** -30


@pytest.mark.parametrize("K, n, lamW, lamH", [(3, 1, "0.01", "0.02"), (10, 5, "0.0001", "0.003"),
                                             (4, 2, "0.2", "0.3"), (5, 3, "0.05", "0.06")])
def test_L1_matches_zhu_et_al_closed_form(K, n, lamW, lamH):
    """L = 1 (Zhu et al. 2021): non-zero optimum iff K√(nλ_Wλ_H) < 1, t* = log(1/√(nλ_Wλ_H) − K + 1)."""
    model = ut.DeepUFM(K, 1, n=n, lam=[lamH, lamW])
    opt = ut.optimal_scale(ut.dnc(K), model, dps=40)
    with mpmath.workdps(60):
        r = mpmath.sqrt(n * mpmath.mpf(lamW) * mpmath.mpf(lamH))
        if K * r < 1:
            assert opt.kind == "positive critical point"
            assert abs(opt.scale - mpmath.log(1 / r - K + 1)) < mpmath.mpf(10) ** -39
        else:
            assert opt.kind == "zero"


def test_imbalanced_sizes_change_weights_and_penalty():
    sizes = [1, 2, 3, 4]
    model = ut.DeepUFM(4, 2, class_sizes=sizes, lam="0.001")
    opt = ut.optimal_scale(ut.dnc(4), model, dps=30)
    # full-model check: the reduced loss of Z = t S·blocks equals f_S(t)
    with mpmath.workdps(50):
        S = ut.dnc(4).matrix_mp()
        Z = np.repeat(S, sizes, axis=1) * opt.scale
        red = ut.reduced_loss(model, Z, rank=3)[0]
        assert abs(red - opt.loss) < mpmath.mpf(10) ** -29


def test_mse_scale_optimum_matches_closed_form_stationarity():
    """MSE, DNC, L = 1: f(t) = (1/2K)‖tS − I‖² + λ√n (K−1) t, so t* = 1 − K λ √n (K−1)/(K−1)… solved by hand:
    f'(t) = (K−1)/K · t − (K−1)/K + λ√n(K−1) = 0 ⇒ t* = 1 − K λ √n."""
    K, n, lam = 5, 4, "0.01"
    opt = ut.optimal_scale(ut.dnc(K), ut.DeepUFM(K, 1, n=n, lam=lam, loss="mse"), dps=30)
    with mpmath.workdps(50):
        assert abs(opt.scale - (1 - K * mpmath.mpf(lam) * 2)) < mpmath.mpf(10) ** -29


@pytest.mark.parametrize("backend", ["arb", "mpmath.iv"])
@pytest.mark.parametrize("L", [1, 2, 4])
def test_user_matrix_with_negative_gaps_against_dense_scan(backend, L):
    """A pattern that is not diagonally superior (class 1's own logit is below class 0's, gap −1):
    its optimum must not be beaten anywhere on a dense t-grid (negative constants enter the interval
    engine here, so a sign error in the exact conversion would show)."""
    S = ut.from_matrix([["1", "2", "0"], ["0.5", "1", "0"], ["0", "-1", "1"]], name="skew")
    assert not S.is_diagonally_superior()
    model = ut.DeepUFM(3, L, n=2, lam="0.01")
    opt = ut.optimal_scale(S, model, dps=30, backend=backend)
    with mpmath.workdps(50):
        prob = ScaleProblem.from_structure(S, model)
        assert min(min(g) for _, g, _ in prob.fit.types) < 0  # a negative gap is present
        grid = np.concatenate([np.geomspace(1e-9, 1e-2, 200), np.linspace(1e-2, 30, 3000)])
        best_grid = min(prob.value(mpmath.mpf(float(t))) for t in grid)
        assert best_grid >= opt.loss - mpmath.mpf(10) ** -25
        for cp in opt.critical_points:  # every reported critical point is one: f'(t) = 0
            assert abs(prob.derivative(cp.t)) < mpmath.mpf(10) ** -25


def test_remembered_constants_are_keyed_exactly():
    """``Structure.memo`` and the fit's remembered constants are keyed on exact inputs: one structure
    object used in turn for models that differ in L, n, class sizes, loss and digits gives, field for
    field, what a fresh structure object (nothing remembered) gives for each."""
    models = [ut.DeepUFM(6, 2, lam="0.01"), ut.DeepUFM(6, 3, lam="0.01"), ut.DeepUFM(6, 2, n=3, lam="0.01"),
              ut.DeepUFM(6, 2, lam="0.01", class_sizes=[1, 2, 1, 2, 1, 2]), ut.DeepUFM(6, 2, lam="0.01", loss="mse"),
              ut.DeepUFM(6, 2, lam="0.01", loss="ls-ce:0.1"), ut.DeepUFM(6, 2, lam="0.02")]
    shared = ut.paired(6)
    for model in models:
        for dps in (30, 50):
            assert ut.optimal_scale(shared, model, dps).to_dict() == ut.optimal_scale(ut.paired(6), model, dps).to_dict()


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(1, 40)), min_size=1, max_size=6),
       st.integers(1, 10 ** 6), st.sampled_from([1, 2, 3, 7]), st.sampled_from([53, 120, 266]))
@settings(max_examples=60, deadline=None)
def test_search_region_bounds_hold_and_are_tight(terms, c_int, L, prec):
    """``losses.head_bound`` and ``losses.tail_bound`` (the one search region of the scale optimum and
    the certificates): checked in mpmath at 60 digits, independently of the interval proof — M t_lo^{1−p}
    < c, and 4 t_lo exceeds (c/M)^{1/(1−p)} (the largest power of two <= half of it); every T δ > 1−p
    and T^{1−p} Σ a e^{−δT} < c, and T/2 fails one of the two (or is below the start (1−p)/δ)."""
    from ufmtheory.intervals import backend
    from ufmtheory.losses import head_bound, tail_bound
    B = backend()
    omp = Fraction(L - 1, L + 1)
    with B.precision(prec):
        enc = [(B.point(Fraction(a, 7)), B.point(Fraction(d, 8))) for a, d in terms]
        c, M = B.point(Fraction(c_int, 10 ** 4)), B.point(Fraction(sum(a for a, _ in terms), 5))
        t_lo, T = head_bound(B, M, c, omp), tail_bound(B, enc, c, omp)
    assert T.numerator & (T.numerator - 1) == 0 and T.denominator & (T.denominator - 1) == 0
    with mpmath.workdps(60):
        q = lambda x: mpmath.mpf(x.numerator) / x.denominator  # noqa: E731
        om, cc, MM = q(omp), q(Fraction(c_int, 10 ** 4)), q(Fraction(sum(a for a, _ in terms), 5))
        if L > 1:
            assert MM * mpmath.power(q(t_lo), om) < cc
            assert 4 * q(t_lo) > mpmath.power(cc / MM, 1 / om)
        else:
            assert t_lo == 0
        ts = [(q(Fraction(a, 7)), q(Fraction(d, 8))) for a, d in terms]

        def holds(t):  # T δ > 1 − p strictly (>= at L = 1), as proven
            return (all(t * d > om if L > 1 else t * d >= om for _, d in ts)
                    and mpmath.power(t, om) * mpmath.fsum(a * mpmath.exp(-d * t) for a, d in ts) < cc)
        assert holds(q(T))
        half = q(T) / 2
        start = max([om / d for _, d in ts] + [mpmath.mpf(2) ** -60])
        # (minimal up to the interval proof's rounding: within 2^{10−prec} of c it may not decide)
        near = abs(mpmath.power(half, om) * mpmath.fsum(a * mpmath.exp(-d * half) for a, d in ts) - cc) <= cc * mpmath.mpf(2) ** (10 - prec)
        assert half < start or not holds(half) or near


@pytest.mark.parametrize("name,K,L", [("dnc", 4, 2), ("paired", 5, 2), ("polygon", 6, 3), ("dnc", 3, 1)])
def test_scale_engine_and_certificate_share_the_search_region(name, K, L):
    """One search region: the t_lo and T of ``ScaleProblem.search_interval`` are those the certificate
    of the same optimum states."""
    import ufmtheory.certificates as C
    lam = Fraction(1, 64)
    cert = C.certify_optimum(name, K, L, 1, lam, digits=20)
    sec = cert["proof"]["analyses"][0]
    with mpmath.workdps(40):
        prob = ScaleProblem.from_structure(ut.named(name, K), ut.DeepUFM(K, L, n=1, lam=lam), 40)
        t_lo, T, _ = prob.search_interval()
    assert (Fraction(sec["t_lo"]), Fraction(sec["T"])) == (to_fraction(t_lo), to_fraction(T))


@given(st.integers(1, 10 ** 30), st.integers(-400, 40), st.sampled_from([53, 100, 219, 269, 1000]))
@settings(max_examples=200, deadline=None)
def test_agreed_digits_logarithm_as_mpmath(man, exp, prec):
    """``precision.float_neg_log10`` (arb when the float is certain) returns float(−mpmath.log10(r))."""
    from ufmtheory.precision import float_neg_log10
    with mpmath.workprec(prec):
        r = +(mpmath.mpf(man) * mpmath.mpf(2) ** exp)
        assert float_neg_log10(r) == float(-mpmath.log10(r))
