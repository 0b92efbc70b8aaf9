"""``ufmtheory compare --global`` (K = 3): the winner against a certified enclosure of the global minimum
(``global_min.certified_minimum``), labelled by ``global_scope``. Expected values come from other routes: a
hand-written mpmath minimisation of the DNC closed form at L = 1, log 3 for the zero regime, and compare's
own (interval-verified) DNC loss; the refusals are checked on the real command line (exit 2)."""
import json
import subprocess
import sys
from fractions import Fraction
from types import SimpleNamespace

import mpmath
import pytest

from ufmtheory.cli import main
from ufmtheory.coupled import CoupledFamily, optimum
from ufmtheory.global_min import certified_minimum
from ufmtheory.global_scope import global_scope, winner_structures
from ufmtheory.model import DeepUFM
from ufmtheory.precision import to_fraction
from ufmtheory.scale import compare
from ufmtheory.structures import named


def run_json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "ufmtheory", *args], capture_output=True, text=True, timeout=300)


def _loss(out, name):
    return Fraction(next(r["loss"] for r in out["structures"] if r["name"] == name))


def test_L1_dnc_is_certified_global(capsys):
    out = run_json(capsys, ["compare", "--K", "3", "--L", "1", "--n", "1", "--lam", "0.05", "--global"])
    g = out["global"]
    assert set(g) == {"lower", "upper", "certified", "structure", "boxes", "seconds", "max_seconds"}
    assert out["winner"] == "dnc" and out["scope"] == "certified-global"
    assert g["certified"] is True and g["structure"] == "dnc" and g["max_seconds"] == 60
    lo, up = Fraction(g["lower"]), Fraction(g["upper"])
    assert 0 < up - lo < Fraction(1, 10**10)
    assert lo <= _loss(out, "dnc") <= up
    assert out["scope_statement"].startswith("certified-global:") and g["lower"] in out["scope_statement"]


def test_zero_regime_is_certified_global(capsys):
    out = run_json(capsys, ["compare", "--K", "3", "--L", "2", "--lam", "0.5", "--global"])
    g = out["global"]
    assert out["winner"] == "zero" and out["scope"] == "certified-global"
    assert g["certified"] is True and g["structure"] == "zero"
    with mpmath.workdps(60):
        log3 = to_fraction(mpmath.log(3))
    assert Fraction(g["lower"]) <= log3 <= Fraction(g["upper"])
    assert abs(Fraction(out["zero"]["loss"]) - log3) < Fraction(1, 10**49)


def test_not_certified_keeps_the_scope_and_states_the_enclosure(capsys):
    """L = 2, λ = 0.05 (DNC regime: the prover does not close, README) with a 2 s budget."""
    out = run_json(capsys, ["compare", "--K", "3", "--L", "2", "--lam", "0.05", "--global", "--global-seconds", "2"])
    g = out["global"]
    assert g["certified"] is False and out["scope"] == "family-relative"
    assert (f"global minimum not certified at this point: enclosure [{g['lower']}, {g['upper']}]"
            in out["scope_statement"])
    lo, up = Fraction(g["lower"]), Fraction(g["upper"])
    assert lo < _loss(out, "dnc") <= up + Fraction(1, 10**40)  # a proven enclosure, only too wide


def test_a_proven_upper_bound_below_the_winner_beats_it(capsys):
    """L = 2, λ = 0.18 with DNC alone listed: the rank-1 pair point (1.0665225578…, README) gives a proven upper
    bound below DNC's loss (1.0764590725…), even though the enclosure is too wide to certify."""
    out = run_json(capsys, ["compare", "--K", "3", "--L", "2", "--lam", "0.18", "--structures", "dnc", "--dps", "20",
                            "--global", "--global-seconds", "2"])
    g = out["global"]
    assert out["winner"] == "dnc" and out["scope"] == "beaten-by-global"
    assert Fraction(g["upper"]) < Fraction("1.0665225579") < _loss(out, "dnc")
    assert g["structure"] == "pair" and "structure pair" in out["scope_statement"]
    assert "NOT the optimum" in out["scope_statement"]


@pytest.mark.parametrize("args, message", [
    (["--K", "4", "--L", "2", "--lam", "0.5", "--global"], "--global: the certified global minimum is implemented "
                                                             "for K = 3 only, got K = 4"),
    (["--K", "3", "--L", "2", "--lams", "0.1,0.2,0.3", "--global"], "--global: one λ for every factor only"),
    (["--K", "3", "--L", "2", "--lam", "0.1", "--loss", "mse", "--global"], "--global: the certified global "
                                                                              "minimum is for the CE loss only"),
    (["--K", "3", "--L", "7", "--lam", "0.1", "--global"], "--global: L must be an integer >= 1 and <= 6, got 7"),
    (["--K", "3", "--L", "2", "--lam", "0.1", "--global-seconds", "5"], "--global-seconds: only with --global"),
    (["--K", "3", "--L", "2", "--lam", "0.1", "--global", "--global-seconds", "0"], "--global-seconds must be > 0"),
    (["--K", "3", "--L", "2", "--lam", "0.1", "--global", "--global-seconds", "1000"],
     "--global-seconds must be <= 120"),
])
def test_refusals(args, message):
    r = _cli("compare", *args)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr


def test_certified_enclosure_contains_an_independent_dnc_minimisation():
    """L = 1, n = 1, λ = 1/20: f(t) = log(1 + 2e^{−t}) + 2At, A = ((L+1)/2)·λ·n^{1/(L+1)} = λ (DNC at K = 3:
    gaps t, two singular values t), minimised by hand in mpmath (root of f′ by the secant method)."""
    lam = Fraction(1, 20)
    r = certified_minimum(3, 1, 1, lam)
    assert r.certified and r.structure == "dnc"
    with mpmath.workdps(60):
        A = mpmath.mpf(lam.numerator) / lam.denominator

        def f(t):
            return mpmath.log(1 + 2 * mpmath.exp(-t)) + 2 * A * t

        t = mpmath.findroot(lambda s: mpmath.diff(f, s), 3)
        assert mpmath.diff(f, t, 2) > 0
        m = to_fraction(f(t))
    assert Fraction(r.lower) <= m <= Fraction(r.upper)


# ---- the decision on made-up enclosures (the branches real enclosures rarely reach) -------------------------

@pytest.fixture(scope="module")
def l1():
    return compare(DeepUFM(3, 1, lam="1/20"), [named("dnc", 3), named("paired", 3)], 30)


def _enc(lower, upper, certified=True, structure="dnc"):
    return SimpleNamespace(lower=lower, upper=upper, certified=certified, structure=structure, boxes=7, seconds=0.5)


def test_structure_mismatch_keeps_the_scope(l1):
    g = global_scope(l1, _enc("0.39", "0.40", structure="pair"))
    assert l1["winner"] == "dnc" and g["scope"] == "family-relative" and "differs" in g["statement"]


def test_tie_not_excluded_still_certifies(l1):
    g = global_scope(l1, _enc("0.39", "0.40", structure="dnc (tie not excluded)"))
    assert g["scope"] == "certified-global" and "not excluded" in g["statement"]


def test_prior_evidence_is_kept_in_the_statement(l1):
    prior = {"scope": "best-known", "statement": "best-known (8 starts found nothing lower)"}
    g = global_scope(l1, _enc("0.1", "0.2", certified=False, structure="pair"), prior)
    assert g["scope"] == "beaten-by-global" and g["statement"].endswith(prior["statement"])
    g = global_scope(l1, _enc("0.1", "0.5", certified=False), prior)
    assert g["scope"] == "best-known" and "not certified at this point: enclosure [0.1, 0.5]" in g["statement"]
    g = global_scope(l1, _enc("0.5", "0.6"), prior)
    assert g["scope"] == "best-known" and "INCONSISTENT" in g["statement"]


def test_winner_structures_at_K3(l1):
    """polygon(3) is DNC; the coupled family's 'pairs only' stratum is the rank-1 pair (λ = 0.18, L = 2)."""
    res = compare(DeepUFM(3, 2, lam="0.18"), [named("dnc", 3)], 20,
                  extra=[optimum(CoupledFamily.at(3, 2, Fraction(18, 100)), 20)])
    assert res["winner"] == "coupled" and winner_structures(res) == {"pair"}
    assert l1["winner"] == "dnc" and winner_structures(l1) == {"dnc"}
