"""Thresholds in λ (ties, folds, zero thresholds) against independent routes: hand-written closed forms
optimised and bisected with mpmath, Eq. 19's maximum, the L = 1 closed form, recomputation at higher
precision, interval enclosures, and dense scans for missed crossings."""
import json
import os

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

import ufmtheory as ut
from ufmtheory.families import blocks, from_structure, paired_centred, paired_two_scale
from ufmtheory.optimal_value import FamilyCurves
from ufmtheory.thresholds import alpha, fold_threshold, tail_bound, ties, zero_threshold


def f_dnc(K, L, lam):
    """By hand: log(1 + (K−1)e^{−t}) + ((L+1)λ/2)(K−1) t^{2/(L+1)} (n = 1)."""
    p = mpmath.mpf(2) / (L + 1)
    return lambda t: mpmath.log(1 + (K - 1) * mpmath.exp(-t)) + (L + 1) * lam / 2 * (K - 1) * t ** p


def f_paired(K, L, lam):
    """By hand, paper Eq. 5: even K pairs; odd K adds the e_K class; singular values 2 (m times) (+1)."""
    p = mpmath.mpf(2) / (L + 1)
    m = K // 2
    pair = lambda t: mpmath.log(1 + mpmath.exp(-2 * t) + (K - 2) * mpmath.exp(-t))  # noqa: E731
    if K % 2 == 0:
        return lambda t: pair(t) + (L + 1) * lam / 2 * m * 2 ** p * t ** p
    single = lambda t: mpmath.log(1 + (K - 1) * mpmath.exp(-t))  # noqa: E731
    return lambda t: ((K - 1) * pair(t) + single(t)) / K + (L + 1) * lam / 2 * (m * 2 ** p + 1) * t ** p


def best(f, guess):
    """Local minimum of a closed form near ``guess`` (mpmath.findroot on a numerical derivative), or the
    zero solution when that is lower."""
    t = mpmath.findroot(lambda x: mpmath.diff(f, x), guess)
    return min(f(t), f(mpmath.mpf(0))), t


def independent_tie(K, L, lo, hi, dps=40):
    """Bisect λ in [lo, hi] on f*_DNC(λ) − f*_paired(λ) with both minima found independently."""
    with mpmath.workdps(dps):
        def D(lam):
            vd, _ = best(f_dnc(K, L, lam), mpmath.log(1 / lam))
            vp, _ = best(f_paired(K, L, lam), mpmath.log(1 / lam))
            return vd - vp
        return mpmath.findroot(D, (mpmath.mpf(lo), mpmath.mpf(hi)), solver="anderson")


@pytest.mark.parametrize("K, L, lo, hi", [(4, 2, "0.008", "0.016"), (5, 2, "0.03", "0.05")])
def test_dnc_paired_tie_independent_route_to_30_digits(K, L, lo, hi):
    rep = ties(from_structure(ut.dnc(K)), from_structure(ut.paired(K)), L, dps=50)
    assert len(rep.ties) == 1 and not rep.unresolved
    ours = rep.ties[0].value
    ref = independent_tie(K, L, lo, hi, dps=45)
    with mpmath.workdps(60):
        assert abs(ours - ref) <= mpmath.mpf(10) ** -30 * ref
    assert rep.ties[0].digits >= 50


def test_tie_values_quoted_in_the_report():
    """The two values the issue asks for (first 40 digits; the CLI prints 50)."""
    r42 = ties(from_structure(ut.dnc(4)), from_structure(ut.paired(4)), 2, dps=50).ties[0]
    r52 = ties(from_structure(ut.dnc(5)), from_structure(ut.paired(5)), 2, dps=50).ties[0]
    assert r42.to_dict()["lam"].startswith("0.0117604980792883941770590629223765290356")
    assert r52.to_dict()["lam"].startswith("0.0415519959794759439475050627905144473462")


def test_tie_recomputed_at_twice_the_precision_and_certified():
    fx, fy = from_structure(ut.dnc(4)), from_structure(ut.paired(4))
    a = ties(fx, fy, 2, dps=30, certify=True).ties[0]
    b = ties(fx, fy, 2, dps=60).ties[0]
    with mpmath.workdps(80):
        assert abs(a.value - b.value) <= mpmath.mpf(10) ** -30 * b.value
        lo, hi = a.enclosure
        assert lo < b.value < hi and (hi - lo) < mpmath.mpf(10) ** -30 * b.value


def test_no_tie_missed_dense_scan():
    """Independent check of completeness: the sign of V_DNC − V_paired on a dense log grid changes exactly
    where the search reports ties (K = 4, 5, L = 2; K = 6, L = 2: none)."""
    for K, L in ((4, 2), (5, 2), (6, 2)):
        fx, fy = from_structure(ut.dnc(K)), from_structure(ut.paired(K))
        rep = ties(fx, fy, L, dps=20)
        X, Y = FamilyCurves(fx, L, 20), FamilyCurves(fy, L, 20)
        hi = min(X.zero_threshold(), Y.zero_threshold())
        with mpmath.workdps(20):
            grid = [hi * mpmath.mpf(2) ** (-k / 8) for k in range(1, 8 * 25)]
            signs = [mpmath.sign(X.point(mu)[0] - Y.point(mu)[0]) for mu in grid]
        changes = sum(1 for a, b in zip(signs, signs[1:]) if a * b < 0)
        assert changes == len(rep.ties)


def test_fold_matches_the_maximum_of_eq19():
    """DNC fold = max_t t^{(L−1)/(L+1)}/(e^t + K − 1) (paper Eq. 19), maximised independently."""
    for K, L in ((4, 2), (10, 3), (3, 5)):
        th = fold_threshold(from_structure(ut.dnc(K)), L, dps=30)
        with mpmath.workdps(50):
            r = lambda t: t ** (mpmath.mpf(L - 1) / (L + 1)) / (mpmath.exp(t) + K - 1)  # noqa: E731
            tmax = mpmath.findroot(lambda t: mpmath.diff(lambda x: mpmath.log(r(x)), t), 1)
            assert abs(th.value - r(tmax)) < mpmath.mpf(10) ** -30 * r(tmax)


def test_zero_threshold_independent_bisection():
    """The λ where the best positive critical point's loss equals log K, by bisection on the closed form."""
    K, L = 6, 3
    th = zero_threshold(from_structure(ut.dnc(K)), L, dps=30)
    with mpmath.workdps(45):
        def gap(lam):
            f = f_dnc(K, L, lam)
            t = mpmath.findroot(lambda x: mpmath.diff(f, x), 2)
            return f(t) - mpmath.log(K)
        ref = mpmath.findroot(gap, (th.value * mpmath.mpf("0.9"), th.value * mpmath.mpf("1.05")), solver="anderson")
        assert abs(th.value - ref) < mpmath.mpf(10) ** -28 * ref


@pytest.mark.parametrize("K", [3, 4, 7])
def test_L1_thresholds_are_one_over_K(K):
    """L = 1 (Zhu et al.): the DNC optimum is non-zero iff Kλ√n < 1; no fold before it."""
    z = zero_threshold(from_structure(ut.dnc(K)), 1, dps=30, certify=True)
    f = fold_threshold(from_structure(ut.dnc(K)), 1, dps=30)
    with mpmath.workdps(400):  # exact binary enclosure ends vs 1/K at far higher precision
        assert abs(z.value - mpmath.mpf(1) / K) < mpmath.mpf(10) ** -40
        assert abs(f.value - mpmath.mpf(1) / K) < mpmath.mpf(10) ** -40
        assert z.enclosure[0] <= mpmath.mpf(1) / K <= z.enclosure[1]


def test_zero_threshold_below_fold_and_enclosures():
    for fam in (from_structure(ut.dnc(5)), from_structure(ut.polygon(7)), paired_two_scale(5)):
        z = zero_threshold(fam, 2, dps=25, certify=True)
        f = fold_threshold(fam, 2, dps=25, certify=True)
        with mpmath.workdps(60):
            assert z.value < f.value
            assert z.enclosure[0] <= z.value <= z.enclosure[1]
            assert f.enclosure[0] <= f.value <= f.enclosure[1]


def test_tail_bound_is_a_true_bound():
    """Below μ₀ the asymptotic winner is lower (checked at μ₀ and 10⁻⁶ μ₀ with the exact optima)."""
    fx, fy = from_structure(ut.dnc(4)), from_structure(ut.paired(4))
    assert alpha(fx, 2) < alpha(fy, 2)
    mu0 = tail_bound(fx, fy, 2)
    assert mu0 is not None and mu0 > 0
    X, Y = FamilyCurves(fx, 2, 30), FamilyCurves(fy, 2, 30)
    with mpmath.workdps(30):
        for mu in (mu0, mu0 * mpmath.mpf(10) ** -6):
            assert X.point(mu)[0] < Y.point(mu)[0]
    assert tail_bound(fy, fx, 2) is None  # not the asymptotic winner


def test_equivalent_families_have_no_ties():
    rep = ties(from_structure(ut.dnc(3)), from_structure(ut.polygon(3)), 2)
    assert rep.ties == [] and "identical" in rep.argument


@given(K=st.integers(3, 9).filter(lambda k: k % 2 == 1), L=st.integers(1, 5), k=st.integers(2, 14))
@settings(max_examples=10)
def test_family_orderings(K, L, k):
    """paired2c <= paired2 <= paired everywhere (same fit, smaller penalty / one more scale), and the
    two-scale family is the sum of two independent scale optima (SPEC §2 per component)."""
    mu = mpmath.mpf(2) ** -k
    v2c = FamilyCurves(paired_centred(K), L, 25).point(mu)[0]
    v2 = FamilyCurves(paired_two_scale(K), L, 25).point(mu)[0]
    v1 = FamilyCurves(from_structure(ut.paired(K)), L, 25).point(mu)[0]
    with mpmath.workdps(25):
        assert v2c <= v2 + mpmath.mpf(10) ** -20 and v2 <= v1 + mpmath.mpf(10) ** -20


def test_blocks_of_one_size_reproduce_dnc():
    for K, L, k in ((5, 2, 6), (6, 3, 9)):
        mu = mpmath.mpf(2) ** -k
        a = FamilyCurves(blocks(K, [K]), L, 25).point(mu)[0]
        b = FamilyCurves(from_structure(ut.dnc(K)), L, 25).point(mu)[0]
        with mpmath.workdps(25):
            assert abs(a - b) < mpmath.mpf(10) ** -20


def test_phase_certified_thresholds_5_2():
    """Every switch of the (5, 2) diagram and the DNC/paired tie carry interval enclosures containing the
    value (the two-scale family with its irrational singular value √(4/5) included)."""
    from ufmtheory.thresholds import phase
    ph = phase(5, 2, dps=30, certify=True, pairs=(("dnc", "paired"),))
    assert [lab for _, _, lab in ph.intervals] == ["dnc", "paired2c", "polygon", "zero"]
    for t in ph.thresholds + ph.pair_ties[0].ties:
        with mpmath.workdps(100):
            assert t.enclosure is not None and t.enclosure[0] <= t.value <= t.enclosure[1]


GOLDEN = os.path.join(os.path.dirname(__file__), "data", "phase_cells_44e7453.json")


@pytest.mark.parametrize("KL", [(5, 2), (6, 1), (7, 1), (7, 3), (16, 4)])
def test_phase_cells_unchanged_by_the_performance_work(KL):
    """Issue 10 made phase cells faster (remembered exact facts, shared moments, seeded Newton): every
    printed field of these cells — endpoints, switches to 50 digits, folds, ties, box and evaluation
    counts — equals the output of the code before it (recorded at commit 44e7453), 'seconds' aside.
    (7, 1) decides its L = 1 endpoint boxes with the cyclotomic equality test; (6, 1) with the
    shortcut for endpoint proofs that must fail."""
    from ufmtheory.phase import cell
    with open(GOLDEN, encoding="utf-8") as fh:
        want = {(c["K"], c["L"]): c for c in json.load(fh)["cells"]}[KL]
    got = json.loads(json.dumps(cell(*KL)))
    got.pop("seconds")
    assert got == want


def test_cyclotomic_zero_decides_cosine_sums_exactly():
    """Rational + Σ r cos(qπ) is decided by reduction modulo the cyclotomic polynomial; the answers agree
    with 60-digit evaluation and with sympy's simplify/equals route, and anything else is left to sympy
    (None)."""
    import sympy as sp
    from ufmtheory.families import default_families
    from ufmtheory.thresholds.search import _cyclotomic_zero, _exact_zero_thresholds_L1, _same
    pi = sp.pi
    assert _cyclotomic_zero(sp.expand(sp.cos(2 * pi / 7) + sp.cos(4 * pi / 7) + sp.cos(6 * pi / 7) + sp.Rational(1, 2)))
    assert _cyclotomic_zero(sp.expand(sp.cos(2 * pi / 7) + sp.cos(4 * pi / 7) + sp.cos(6 * pi / 7))) is False
    assert _cyclotomic_zero(sp.cos(pi / 5) - sp.cos(2 * pi / 5) - sp.Rational(1, 2)) is True  # (1+√5)/4 − (√5−1)/4
    assert _cyclotomic_zero(sp.sqrt(2) - 1) is None and _cyclotomic_zero(sp.cos(1) - 1) is None
    for K in (7, 13):
        thr = [z for f in default_families(K) for z in _exact_zero_thresholds_L1(f)]
        for x in thr:
            for y in thr:
                d = sp.expand(x - y)
                numeric = abs(sp.N(d, 60)) < sp.Float("1e-50")
                exact = _cyclotomic_zero(d)
                assert exact is None or exact == numeric
                assert _same(x, y) == numeric
        poly = _exact_zero_thresholds_L1(default_families(K)[-1])[0]  # the polygon's h(0)/P, a cosine sum
        assert _cyclotomic_zero(sp.expand(poly - sp.Rational(1, K))) is True
        d = sp.nsimplify(sp.simplify(poly - sp.Rational(1, K)))  # sympy's route (the one _same used alone)
        assert d == 0 or d.equals(0)


@pytest.mark.parametrize("KL", [(6, 1), (5, 2)])
def test_phase_cells_do_not_depend_on_the_callers_mpmath_precision(KL):
    """A caller (or an earlier test) that leaves mpmath.mp.dps raised must not change a cell: the search
    runs at its own precisions (``precision.default_ambient_precision``). Before that, (6, 1)'s DNC/paired
    tie search took 66 evaluations instead of 2 after ``mp.dps = 30``."""
    from ufmtheory.phase import cell
    with open(GOLDEN, encoding="utf-8") as fh:
        want = {(c["K"], c["L"]): c for c in json.load(fh)["cells"]}[KL]
    with mpmath.workdps(30):
        got = json.loads(json.dumps(cell(*KL)))
    got.pop("seconds")
    assert got == want
