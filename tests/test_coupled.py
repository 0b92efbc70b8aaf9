"""The coupled odd-K family (ufmtheory.coupled): formula vs the explicit matrix, derivatives vs finite
differences, critical points vs an independent route, the DNC/coupled tie vs a hand-written mpmath
computation."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from ufmtheory import _validate as V
from ufmtheory.coupled import CoupledFamily, critical_points, optimum
from ufmtheory.model import DeepUFM
from ufmtheory.reduction import reduced_loss


@pytest.mark.parametrize("K,L,n", [(3, 2, 1), (5, 2, 3), (7, 3, 2), (5, 1, 1)])
def test_formula_matches_matrix(K, L, n):
    """f(a, β, γ) equals the Schatten-reduced DUFM loss of Z = Z̄ ⊗ 1ᵀ (reduction.reduced_loss)."""
    rng = np.random.default_rng(K * 100 + L)
    lam = 0.0137
    model = DeepUFM(K, L, n=n, lam=lam)
    F = CoupledFamily.from_model(model)
    for _ in range(5):
        a, b = rng.uniform(0.1, 5, 2)
        g = rng.uniform(-3, 3)
        Zbar = F.matrix((a, b, g))
        total, _, _ = reduced_loss(model, np.kron(Zbar, np.ones((1, n))))
        assert F.value((a, b, g)) == pytest.approx(float(total), rel=1e-12, abs=1e-13)
        sv = np.linalg.svd(Zbar, compute_uv=False)[:K // 2 + 1]
        assert sorted(sv) == pytest.approx(sorted(float(s) for s in F.singular_values((a, b, g))), rel=1e-12)


def test_derivatives_match_finite_differences():
    F = CoupledFamily.at(5, 2, Fraction(3, 100))
    with mpmath.workdps(50):
        th = [mpmath.mpf("2.3"), mpmath.mpf("1.7"), mpmath.mpf("-0.4")]
        g = F.gradient(th, "mp")
        H = F.hessian(th, "mp")
        h = mpmath.mpf(10) ** -20
        for i in range(3):
            e = [h if j == i else 0 for j in range(3)]
            tp = [x + y for x, y in zip(th, e)]
            tm = [x - y for x, y in zip(th, e)]
            fd = (F.value(tp, "mp") - F.value(tm, "mp")) / (2 * h)
            assert abs(fd - g[i]) < mpmath.mpf(10) ** -30
            gp, gm = F.gradient(tp, "mp"), F.gradient(tm, "mp")
            for j in range(3):
                assert abs((gp[j] - gm[j]) / (2 * h) - H[j][i]) < mpmath.mpf(10) ** -30


def test_float_mp_arb_agree():
    from ufmtheory.intervals import backend
    B = backend("arb")
    F = CoupledFamily.at(7, 3, Fraction(1, 50))
    th = (Fraction(3), Fraction(5, 2), Fraction(-1, 3))
    with mpmath.workdps(30):  # the ball (200 bits) is far narrower than 10^-25: compare at 25 digits
        vm = F.value([mpmath.mpf(x.numerator) / x.denominator for x in th], "mp")
        with B.precision(200):
            va = F.value(tuple(B.point(x) for x in th), B)
            assert B.upper(va) - B.lower(va) < mpmath.mpf(10) ** -50
            assert abs(B.lower(va) - vm) < mpmath.mpf(10) ** -25
    assert abs(F.value(tuple(float(x) for x in th)) - float(vm)) < 1e-14


def _hand_f(K, L, mu):
    m = K // 2

    def f(a, b, g):  # constants at the caller's precision (μ an mpf or a Fraction)
        c, p = mpmath.mpf(K - 1) / K, mpmath.mpf(2) / (L + 1)
        A = (L + 1) * (mpmath.mpf(mu.numerator) / mu.denominator if isinstance(mu, Fraction) else mu) / 2
        return (2 * m * mpmath.log(1 + mpmath.exp(-2 * a) + (K - 3) * mpmath.exp(-a) + mpmath.exp(g - a)) / K
                + mpmath.log(1 + (K - 1) * mpmath.exp(-b)) / K
                + A * (m * (2 * a) ** p + (c * (b * b + 2 * m * g * g)) ** (p / 2)))
    return f


def test_minimum_vs_independent_route():
    """Independent: scipy multi-start on the hand-written f, then mpmath.findroot on its numerical gradient."""
    import scipy.optimize
    K, L, mu = 5, 2, Fraction(3, 100)
    opt = optimum(CoupledFamily.at(K, L, Fraction(3, 100)), dps=25)
    f = _hand_f(K, L, mu)
    best = None
    for x0 in ([3, 3, -0.5], [6, 6, -2], [1, 1, -0.1]):
        r = scipy.optimize.minimize(lambda x: float(f(abs(x[0]), abs(x[1]), x[2])), x0, method="Nelder-Mead",
                                    options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000})
        if best is None or r.fun < best.fun:
            best = r
    with mpmath.workdps(40):
        grad = lambda a, b, g: [mpmath.diff(lambda t: f(t, b, g), a), mpmath.diff(lambda t: f(a, t, g), b),  # noqa: E731
                                mpmath.diff(lambda t: f(a, b, t), g)]
        z = mpmath.findroot(grad, list(best.x))
        assert abs(f(*z) - opt.loss) < mpmath.mpf(10) ** -25
        for x, y in zip(z, opt.theta):
            assert abs(x - y) < mpmath.mpf(10) ** -20
    assert abs(float(opt.loss) - 0.5111539) < 1e-7  # the value quoted in issue 11 (λ = 0.03)


def test_every_critical_point_is_critical_and_strata_complete():
    F = CoupledFamily.at(5, 2, Fraction(3, 100))
    pts = critical_points(F, dps=20)
    strata = [p.stratum for p in pts]
    assert strata.count("zero") == 1 and "interior" in strata
    with mpmath.workdps(40):
        for p in pts:
            if p.stratum == "interior":
                assert max(abs(x) for x in F.gradient(p.theta, "mp")) < mpmath.mpf(10) ** -25
    # a local minimum of each stratum and, between the interior and the pairs-only minimum, an interior saddle
    kinds = {(p.stratum, p.kind) for p in pts}
    assert ("interior", "saddle (index 1)") in kinds and ("pairs only", "local min") in kinds


def test_even_K_is_refused():
    with pytest.raises(V.ParameterError, match="K"):
        CoupledFamily.at(6, 2, Fraction(1, 10))


LAM_STAR_5_2 = "0.000123574554421091064467009987625"  # printed by ties_with(5, 2, dps=30)


def _hand_min(f, x0, dps):
    """Minimum of a hand-written mpmath f by findroot on its numerical gradient from x0."""
    with mpmath.workdps(dps):
        n = len(x0)

        def grad(*z):
            return [mpmath.diff(lambda t: f(*[t if j == i else z[j] for j in range(n)]), z[i]) for i in range(n)]
        if n == 1:
            return f(mpmath.findroot(lambda t: mpmath.diff(f, t), mpmath.mpf(x0[0])))
        z = mpmath.findroot(grad, [mpmath.mpf(x) for x in x0], verify=False)
        return f(*list(z))


def test_dnc_tie_5_2_against_hand_written_mpmath():
    """At the printed λ*, the hand-written coupled f and DNC f (SPEC §3: log(1 + (K−1)e^{−t}) + Aμ(K−1)t^p)
    have equal minima to 28 digits; 10^-6 relative below, DNC is lower; above, coupled."""
    K, L = 5, 2
    with mpmath.workdps(60):
        mu = mpmath.mpf(LAM_STAR_5_2)
        p = mpmath.mpf(2) / 3

        def dnc(mu):
            return lambda t: mpmath.log(1 + (K - 1) * mpmath.exp(-t)) + (L + 1) * mu / 2 * (K - 1) * t ** p

        gaps = []
        for s in (0, -1, 1):
            m = mu * (1 + s * mpmath.mpf(10) ** -6)
            vc = _hand_min(_hand_f(K, L, m), [9.197, 9.643, -1.169], 60)
            vd = _hand_min(dnc(m), [9.758], 60)
            gaps.append(vc - vd)
        assert abs(gaps[0]) < mpmath.mpf(10) ** -28 * 0.0036  # λ* given to 33 digits: relative 1e-28 suffices
        assert gaps[1] > 0 and gaps[2] < 0


def test_no_spurious_ties_K3_K7():
    """K = 3: the coupled family contains DNC (β = 2a, γ = −a gives equal gaps 2a and singular values 2a, 2a),
    so the differences are rounding and no tie is reported; K = 7, L = 2: coupled is below DNC on the whole
    grid (and both are the zero solution at the top), so no tie either (before: a spurious bracket)."""
    from ufmtheory.coupled import ties_with
    assert ties_with(3, 2, dps=12, points=8) == []
    assert ties_with(7, 2, dps=12, points=8) == []
    F = CoupledFamily.at(3, 2, Fraction(1, 100))
    a = mpmath.mpf(3)
    assert F.singular_values((a, 2 * a, -a)) == pytest.approx([6, 6], rel=1e-15)


def test_small_mu_interior_found():
    """At μ = 10^-15 the interior minimum (a ≈ 36) is found (the scan runs at the digits the reduction cancels
    plus dps; before, only the pairs-only point, loss ≈ log 7 / 7, was found)."""
    from ufmtheory.coupled import value_at
    with mpmath.workdps(20):
        v, _, th, st = value_at(7, 2, mpmath.mpf(10) ** -15, dps=20)
    assert st == "interior" and v < mpmath.mpf(10) ** -12 and th[0] > 30
