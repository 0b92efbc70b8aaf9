"""rootfinding.refine_root_proven (interval Newton with a proven enclosure) and the scale optimum's
near-tangent fallback; expected values from closed forms (mpmath.cbrt, the MSE fold), not from the code."""
import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ufmtheory import scale
from ufmtheory.intervals import backend
from ufmtheory.losses import MSEFit
from ufmtheory.model import DeepUFM
from ufmtheory.rootfinding import refine_root_proven


@pytest.mark.parametrize("name", ["arb", "mpmath.iv"])
@settings(max_examples=25, deadline=None)
@given(k=st.integers(-120, 60), dps=st.integers(15, 120))
def test_cube_root_enclosed_to_working_precision(name, k, dps):
    """F(t) = t^{1/3} − 2^{k/3}: root 2^k, over a bracket spanning 2^{±40} around it (the power-law
    shape of F near t = 0 in the scale problem)."""
    B = backend(name)
    with mpmath.workdps(dps):
        c = mpmath.cbrt(mpmath.mpf(2) ** k)
        with B.precision(mpmath.mp.prec + 30):
            cpt = B.point(c)
            third = B.point(1) / 3
            F = lambda X: B.pow_pos(X, third) - cpt  # noqa: E731
            dF = lambda X: third * B.pow_pos(X, third - 1)  # noqa: E731
        a, b = mpmath.mpf(2) ** (k - 40), mpmath.mpf(2) ** (k + 37) * 3
        x, lo, hi = refine_root_proven(F, dF, a, b, 1, B)
        prec = mpmath.mp.prec
        root = mpmath.mpf(2) ** k
        with mpmath.workprec(4 * prec + 10):  # c^3 exactly
            assert a <= lo <= hi <= b
            # the enclosure holds the exact root c^3 of F (c is rounded) and is at most 2^17 ulp wide
            assert lo <= c ** 3 <= hi
            assert hi - lo <= abs(root) * mpmath.mpf(2) ** (17 - prec)
            assert abs(x - root) <= abs(root) * mpmath.mpf(2) ** (18 - prec)


def test_seeded_refinement_and_decreasing_function():
    """x0 inside the bracket (one Newton step), F decreasing: e^{−t} − 1/2 has the root log 2."""
    B = backend()
    with mpmath.workdps(60):
        with B.precision(mpmath.mp.prec + 20):
            half = B.point(1) / 2
            F = lambda X: B.exp(-X) - half  # noqa: E731
            dF = lambda X: -B.exp(-X)  # noqa: E731
        seed = mpmath.log(2) * (1 + mpmath.mpf(10) ** -40)
        x, lo, hi = refine_root_proven(F, dF, 0, 5, -1, B, x0=seed)
        assert lo <= mpmath.log(2) <= hi
        assert abs(x - mpmath.log(2)) <= mpmath.mpf(10) ** -58
    with pytest.raises(ValueError):
        refine_root_proven(F, dF, 0, 5, 0, B)


def _fold_problem(shift):
    """MSE scale problem (L = 2, p = 2/3) whose c sits (1 + shift) times at the maximum φ* of
    φ(t) = t^{1/3}(B − 2At): shift = 0 is a double root (a fold), shift < 0 two nearby roots."""
    def build(w):
        with mpmath.workdps(w):
            A, Bc, q = mpmath.mpf(1) / 3, mpmath.mpf(1), mpmath.mpf(1) / 3
            ts = q * Bc / (2 * A * (1 + q))
            phi = ts ** q * (Bc - 2 * A * ts)
            return scale.ScaleProblem("fold", 3, 2, MSEFit(A, Bc), phi * (1 + shift), mpmath.mpf(1))
    return build


def test_near_fold_falls_back_to_the_full_isolation():
    """Near a double root the 128-bit isolation gives up (unresolved) and the full-precision one
    decides: above the fold no critical point, below it two, at t* ∓ δ with
    δ ≈ sqrt(2·|shift|·φ*/|φ''(t*)|) (second-order Taylor expansion at the maximum t*)."""
    model = DeepUFM(3, 2, n=1, lam="1/100", loss="mse")
    above = scale.optimal_scale_of(_fold_problem(mpmath.mpf(10) ** -40), "fold", model, dps=30)
    assert above.kind == "zero" and above.critical_points == []
    shift = -mpmath.mpf(10) ** -24
    below = scale.optimal_scale_of(_fold_problem(shift), "fold", model, dps=10)
    kinds = [cp.kind for cp in below.critical_points]
    assert kinds == ["local max", "local min"]
    with mpmath.workdps(60):
        A, Bc, q = mpmath.mpf(1) / 3, mpmath.mpf(1), mpmath.mpf(1) / 3
        ts = q * Bc / (2 * A * (1 + q))
        phi = lambda t: t ** q * (Bc - 2 * A * t)  # noqa: E731
        delta = mpmath.sqrt(2 * abs(shift) * phi(ts) / abs(mpmath.diff(phi, ts, 2)))
        t1, t2 = below.critical_points[0].t, below.critical_points[1].t
        assert abs((t2 - t1) / (2 * delta) - 1) < mpmath.mpf(10) ** -6
        assert abs((t1 + t2) / 2 / ts - 1) < mpmath.mpf(10) ** -10
    # two roots 1e-35 apart at 50 digits: the working precisions (65, 80 digits) do not reproduce them, so
    # the engine raises both by the shortfall (scale.optimal_scale_of's retry; it used to refuse with a
    # PrecisionError) — and the roots it returns are the second-order prediction t* ∓ δ
    close = scale.optimal_scale_of(_fold_problem(-mpmath.mpf(10) ** -70), "fold", model, dps=50)
    assert [cp.kind for cp in close.critical_points] == ["local max", "local min"]
    assert close.digits_verified >= 50
    with mpmath.workdps(120):
        delta = mpmath.sqrt(2 * mpmath.mpf(10) ** -70 * phi(ts) / abs(mpmath.diff(phi, ts, 2)))
        t1, t2 = close.critical_points[0].t, close.critical_points[1].t
        assert abs((t2 - t1) / (2 * delta) - 1) < mpmath.mpf(10) ** -6
        assert abs((t1 + t2) / 2 / ts - 1) < mpmath.mpf(10) ** -40


@pytest.mark.parametrize("dps", [20, 50, 80])
def test_newton_bracket_stops_when_a_converged_step_rounds_onto_the_bracket(dps):
    """F(x) = x − c, c = 1/3 carried to twice the working precision: one Newton step lands on the mpf x*
    nearest c, F(x*) ≠ 0 makes x* an end of the bracket, and the next step rounds back onto x*. That is
    convergence (3 evaluations: F(a), F(x₀), F(x*)), not a step leaving the bracket (which used to bisect
    the whole bracket: 65 evaluations at 20 digits)."""
    from ufmtheory.rootfinding import newton_bracket
    with mpmath.workdps(2 * dps):
        c = mpmath.mpf(1) / 3
    calls = []
    with mpmath.workdps(dps):
        def fdf(x):
            calls.append(x)
            return x - c, mpmath.mpf(1)
        x = newton_bracket(None, None, 0, 1, x0=mpmath.mpf("0.3"), fdf=fdf)
        assert len(calls) <= 3
        assert abs(x - c) <= mpmath.eps * c


@pytest.mark.parametrize("dps", [20, 50])
def test_safeguarded_newton_undefined_region_and_both_arithmetics(dps):
    """G(x) = log(1 − x) − log c (undefined for x >= 1: UNDEFINED, the root is to the left) on [0, 4]
    from x = 3: the root 1 − c, from mpmath numbers and from exact arb points (``PointArithmetic``),
    agreeing to the working precision (expected value from the closed form)."""
    from ufmtheory.rootfinding import MPF, UNDEFINED, PointArithmetic, safeguarded_newton
    B = backend("arb")
    c = mpmath.mpf(1) / 7
    with mpmath.workdps(dps):
        def step(x):
            if x >= 1:
                return UNDEFINED
            G = mpmath.log(1 - x) - mpmath.log(c)
            return (0 if G == 0 else (1 if G > 0 else -1)), x + G * (1 - x)
        x, a, b = safeguarded_newton(step, mpmath.mpf(0), mpmath.mpf(4), mpmath.mpf(3), 8 * mpmath.eps,
                                     max_steps=500, arith=MPF, ratio=2, must_converge=True)
        assert a <= x <= b < 1 and abs(x - (1 - c)) <= 16 * mpmath.eps
        bits = int(mpmath.mp.prec) + 8
        with B.precision(bits):
            one, C = B.point(1), B.exact(c)

            def step_iv(X):
                if B.sign(one - X) <= 0:
                    return UNDEFINED
                G = B.log(one - X) - B.log(C)
                return B.sign(G), B.center(X + B.center(G) * (one - X))
            X, A, Bb = safeguarded_newton(step_iv, B.point(0), B.point(4), B.point(3), B.point(mpmath.mpf(2) ** (6 - bits)),
                                          max_steps=500, arith=PointArithmetic(B), ratio=4)
            assert B.is_point(X) and abs(B.midpoint(X) - (1 - c)) <= 16 * mpmath.eps
