"""ufmtheory.testing: certified inequalities (branch and bound in arb), optima, winners and
registry claims, with their certificates re-checked by ``ufmtheory check-certificate``."""
import copy
import json
import re
from fractions import Fraction

import mpmath
import pytest

from ufmtheory._validate import ParameterError
from ufmtheory.certificates import check_certificate, format as fmt
from ufmtheory.model import DeepUFM
from ufmtheory.testing import (CLAIMS, ClaimFailed, ClaimRefused, assert_claim, assert_inequality, assert_optimum,
                               assert_winner)

THEOREM1 = "m*2**(2/(L+1)) < 2*m - 1"


def _resealed(cert):
    cert = copy.deepcopy(cert)
    cert["sha256"] = fmt.digest(cert)
    return cert


def _enclosure(message):
    """The interval [lo, hi] a failure message states for lhs − rhs."""
    lo, hi = re.search(r"lhs − rhs ∈ \[([-0-9.e]+), ([-0-9.e]+)\]", message).groups()
    return mpmath.mpf(lo), mpmath.mpf(hi)


@pytest.fixture(scope="module")
def theorem1_cert():
    return assert_inequality(THEOREM1, m=(2, None), L=(3, None), integer=["m", "L"])


def test_theorem1_step_is_proven_for_all_m_ge_2_and_L_ge_3(theorem1_cert):
    cert = theorem1_cert
    assert CLAIMS[-1].status == "certified" or any(r.statement == cert.statement for r in CLAIMS)
    assert "L ∈ {3, …} (integers)" in cert.statement and "m ∈ {2, …} (integers)" in cert.statement
    assert cert.ranges == {"L": ("3", None, True), "m": ("2", None, True)}
    assert cert.engine == "arb" and cert.precision >= 64 and cert.boxes
    assert all(set(b["box"]) == {"s_L", "s_m"} for b in cert.boxes)
    # the compactified domain is covered: m = 1/s, L = 1/t with s ∈ [0, 1/2], t ∈ [0, 1/3]
    (region,) = cert.to_dict()["proof"]["regions"]
    assert region["pieces"] == {"L": {"tail_from": "3", "coordinate": "s_L"}, "m": {"tail_from": "2", "coordinate": "s_m"}}
    rep = cert.check()
    assert rep.valid, rep.errors
    # the claim is the exact integer inequality 4 m^(L+1) < (2m−1)^(L+1) (independent spot check)
    assert all(4 * m ** (L + 1) < (2 * m - 1) ** (L + 1) for m in range(2, 40) for L in range(3, 40))


def test_theorem1_step_fails_at_L_2_with_the_counterexample_m2_L2():
    with pytest.raises(ClaimFailed) as info:
        assert_inequality(THEOREM1, m=(2, None), L=(2, None), integer=["m", "L"])
    msg = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert msg.startswith("m*2**(2/(L+1)) < 2*m - 1 is false at L=2, m=2: lhs − rhs ∈ [")
    lo, hi = _enclosure(msg)
    with mpmath.workdps(40):
        exact = 2 * mpmath.cbrt(4) - 3  # 2·2^(2/3) − 3 ≈ 0.1748 > 0
    assert lo <= exact <= hi and lo > 0
    assert 4 * 2 ** 3 > 3 ** 3  # the integer form 4 m^(L+1) < (2m−1)^(L+1) fails at (2, 2)
    assert CLAIMS[-1].status == "failed"


def test_bounded_real_interval_proven_and_refuted():
    cert = assert_inequality("x*(1 - x) < 1/3", x=(0, 1))  # max of x(1−x) is 1/4
    assert cert.check().valid
    with pytest.raises(ClaimFailed) as info:
        assert_inequality("x*(1 - x) <= 1/5", x=(0, 1))
    x = Fraction(re.search(r"false at x=([0-9/.]+)", str(info.value)).group(1))
    assert 0 <= x <= 1 and x * (1 - x) > Fraction(1, 5)  # the reported point really violates it


def test_integer_ranges_and_non_strict_claims():
    cert = assert_inequality("2**k >= k**2", k=(4, 60), integer=["k"])
    assert cert.check().valid
    assert all(2 ** k >= k ** 2 for k in range(4, 61))
    with pytest.raises(ClaimFailed, match="false at k=3"):
        assert_inequality("2**k >= k**2", k=(1, 10), integer=["k"])  # 8 < 9
    assert 2 ** 3 < 3 ** 2


def test_sympy_relational_and_greater_than():
    import sympy as sp
    x = sp.Symbol("x")
    cert = assert_inequality(sp.exp(x) > 1 + x + x ** 2 / 2, x=(sp.Rational(1, 2), 3))
    assert cert.check().valid
    y = sp.Symbol("y", positive=True)  # a symbol with assumptions is matched by name, also on a tail
    rel = sp.StrictLessThan(y / (y + 2), 1 - 1 / (y + 3), evaluate=False)
    assert assert_inequality(rel, y=(1, None)).check().valid


def test_unbounded_real_tail_with_strictness_kept_by_cancelling_powers():
    cert = assert_inequality("x/(x + 1) < 1", x=(0, None))  # N = −s after x = 1/s: strict for s > 0
    assert cert.check().valid and len(cert.to_dict()["proof"]["regions"]) == 2  # [0, 1] and x >= 1


def test_no_tail_bound_is_refused_with_the_reason():
    with pytest.raises(ClaimRefused) as info:
        assert_inequality("x < 2**x", x=(1, None))
    msg = str(info.value)
    assert "no proven tail bound for x" in msg and "s_x = 0" in msg
    assert CLAIMS[-1].status == "failed" and CLAIMS[-1].detail.startswith("refused")


def test_strict_claim_that_is_only_non_strict_in_the_limit_is_refused():
    with pytest.raises(ClaimRefused, match="x → ∞"):
        assert_inequality("sqrt(x**2 + 1) > x", x=(1, None))  # N = sqrt(s²+1) − 1 → 0 as s → 0


def test_box_budget_and_time_limit_refuse():
    with pytest.raises(ClaimRefused, match="max_boxes=50"):
        assert_inequality("x**2 + 1 >= 2*x", x=(-3, 5), max_boxes=50)  # equality at x = 1
    with pytest.raises(ClaimRefused, match="within 0 s"):
        assert_inequality("x**2 + 1 >= 2*x", x=(-3, 5), max_seconds=0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(expr="x < 1"), "unknown name 'x'; give every variable a range"),
    (dict(expr="x == 1", x=(0, 1)), "one of < <= > >="),
    (dict(expr="x < 1", x=(2, 1)), "x: empty range"),
    (dict(expr="x < 1", x=(0, 1), y=(0, 1)), "do not occur"),
    (dict(expr="x.__class__ < 1", x=(0, 1)), "unknown name|unexpected text"),
    (dict(expr="__import__('os') < 1", x=(0, 1)), "unknown name"),
    (dict(expr="x**100000 < 1", x=(0, 1)), "powers are limited"),
    (dict(expr="pi < 1", pi=(0, 1)), "variable names must be identifiers"),
    (dict(expr="1 < 2", x=(0, 1)), "evaluated the inequality to True"),
    (dict(expr="gamma(x) < 1", x=(1, 2)), "unknown name 'gamma'"),
    (dict(expr="x < 1", x=(None, 1)), "lower end must be finite"),
    (dict(expr="x < 1", x=(0, 1), integer=["y"]), "'y' has no range"),
])
def test_bad_input_is_a_parameter_error(kwargs, match):
    expr = kwargs.pop("expr")
    with pytest.raises(ParameterError, match=match):
        assert_inequality(expr, **kwargs)


# ---- the certificate on disk and `ufmtheory check-certificate` -----------------------------------

def test_check_certificate_cli_accepts_and_rejects_tampering(theorem1_cert, tmp_path, cli_box):
    path = tmp_path / "t1.json"
    theorem1_cert.save(path)
    r = cli_box.run(["check-certificate", str(path)])
    assert r.status == 0 and "VALID" in r.stdout and "L ∈ {3, …}" in r.stdout, r.describe()

    cert = json.loads(path.read_text())
    # alter a bound: L >= 2 (statement updated, digest recomputed) — the proof does not cover it
    lowered = copy.deepcopy(cert)
    lowered["parameters"]["variables"]["L"]["lo"] = "2"
    lowered["claim"]["statement"] = lowered["claim"]["statement"].replace("L ∈ {3,", "L ∈ {2,")
    rep = check_certificate(_resealed(lowered))
    assert not rep.valid and "region" in " ".join(rep.errors)
    # remove a box: the rest does not cover the domain
    removed = copy.deepcopy(cert)
    assert len(removed["proof"]["regions"][0]["boxes"]) >= 2
    removed["proof"]["regions"][0]["boxes"].pop()
    rep = check_certificate(_resealed(removed))
    assert not rep.valid and "do not cover" in " ".join(rep.errors)
    # move a box's edge (tail L >= 3 → a box no longer reaching s_L = 1/3): a gap
    gap = copy.deepcopy(cert)
    box = max(gap["proof"]["regions"][0]["boxes"], key=lambda b: Fraction(b["box"]["s_L"][1]))
    assert box["box"]["s_L"][1] == "1/3"
    box["box"]["s_L"][1] = "1/4"
    rep = check_certificate(_resealed(gap))
    assert not rep.valid and "do not cover" in " ".join(rep.errors)
    # a forged enclosure is caught by re-evaluation
    forged = copy.deepcopy(cert)
    forged["proof"]["regions"][0]["boxes"][0]["enclosure"] = ["-5", "-4"]
    rep = check_certificate(_resealed(forged))
    assert not rep.valid and "does not agree" in " ".join(rep.errors)
    # the CLI: tampered file (digest not updated) -> exit 1 with one line
    path.write_text(json.dumps(lowered))
    r = cli_box.run(["check-certificate", str(path)])
    assert r.status == 1 and "INVALID" in r.stdout and "Traceback" not in r.stdout + r.stderr, r.describe()


def test_checker_refuses_code_in_the_expression(theorem1_cert):
    bad = copy.deepcopy(theorem1_cert.to_dict())
    bad["parameters"]["expression"] = "__import__('os').system('echo pwned') < m + L"
    rep = check_certificate(_resealed(bad))
    assert not rep.valid and "unknown name" in " ".join(rep.errors)


@pytest.mark.parametrize("expression", ["(" * 600 + "m" + ")" * 600 + " < L", "(m + L)**5000 < 1"])
def test_checker_refuses_hostile_expressions_quickly(theorem1_cert, expression):
    import time
    bad = copy.deepcopy(theorem1_cert.to_dict())
    bad["parameters"]["expression"] = expression
    t = time.monotonic()
    rep = check_certificate(_resealed(bad))
    assert not rep.valid and rep.errors and time.monotonic() - t < 5


def test_mpmath_iv_engine_rechecks_an_arb_certificate():
    cert = assert_inequality("x*(1 - x) < 1/3", x=(0, 1))
    rep = check_certificate(cert.to_dict(), backend="mpmath.iv")
    assert rep.valid, rep.errors


# ---- optima, winners, registry claims ------------------------------------------------------------

def _dnc_optimum(K, L, n, lam, dps=40):
    """DNC optimum from SPEC §3 directly: f(t) = log(1 + (K−1)e^{−t}) + ((L+1)λ/2) n^{1/(L+1)} (K−1) t^p."""
    with mpmath.workdps(dps):
        p = mpmath.mpf(2) / (L + 1)
        c = (L + 1) * (mpmath.mpf(lam.numerator) / lam.denominator) / 2 * mpmath.mpf(n) ** (mpmath.mpf(1) / (L + 1)) * (K - 1)
        f = lambda t: mpmath.log(1 + (K - 1) * mpmath.exp(-t)) + c * t ** p
        t = mpmath.findroot(lambda t: mpmath.diff(f, t), 5)
        return min(f(t), mpmath.log(K))


def test_assert_optimum_agrees_with_an_independent_value():
    model = DeepUFM(K=4, L=3, lam="1/100")
    value = _dnc_optimum(4, 3, 1, Fraction(1, 100))
    res = assert_optimum(model, "dnc", digits=25, value=value)
    assert res.kind == "positive critical point" and res.loss[0] <= Fraction(mpmath.nstr(value, 30)) + Fraction(1, 10 ** 25)
    assert CLAIMS[-1].status == "certified" and "agrees with" in CLAIMS[-1].statement
    assert check_certificate(res.certificate).valid
    with pytest.raises(ClaimFailed, match="does not agree with value"):
        assert_optimum(model, "dnc", digits=25, value=value + mpmath.mpf(10) ** -20)


def test_assert_optimum_refuses_what_certificates_do_not_cover():
    with pytest.raises(ClaimRefused, match="cross-entropy"):
        assert_optimum(DeepUFM(K=4, L=3, lam="1/100", loss="mse"), "dnc")
    with pytest.raises(ParameterError, match="lam must be exact"):
        assert_optimum(DeepUFM(K=4, L=3, lam=0.01), "dnc")


def test_assert_winner():
    model = DeepUFM(K=4, L=3, lam="1/100")
    res = assert_winner(model, ["dnc", "paired"], "paired", digits=20)
    assert res["paired"].loss[1] < res["dnc"].loss[0]
    lo = res["dnc"].loss[0]
    assert abs(_dnc_optimum(4, 3, 1, Fraction(1, 100)) - mpmath.mpf(lo.numerator) / lo.denominator) < 1e-12
    with pytest.raises(ClaimFailed, match="dnc does not win: paired"):
        assert_winner(model, ["dnc", "paired"], "dnc", digits=20)
    with pytest.raises(ParameterError, match="including winner"):
        assert_winner(model, ["dnc", "paired"], "polygon")


def test_assert_claim_held_and_failing(monkeypatch):
    rows = assert_claim("lemma1")
    assert CLAIMS[-1].status == "held" and all(not r.is_failure for r in rows)
    from ufmtheory.theorems.registry import REGISTRY, CheckRow, TheoremEntry
    fake = TheoremEntry("fake", "Fake claim", "1 = 2", "test", lambda **k: True,
                        lambda opts: [CheckRow("Fake", "one equals two", "K=2", "fails", "1 != 2"),
                                      CheckRow("Fake", "two equals two", "K=2", "holds", "2 = 2")])
    monkeypatch.setitem(REGISTRY, "fake", fake)
    with pytest.raises(ClaimFailed) as info:
        assert_claim("fake")
    assert "1 of 2 checks fail" in str(info.value) and "one equals two (K=2): 1 != 2" in str(info.value)
    assert CLAIMS[-1].status == "failed"
    with pytest.raises(ParameterError, match="unknown theorem key"):
        assert_claim("no-such-theorem")
