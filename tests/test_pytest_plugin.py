"""The pytest plugin of ufmtheory.testing (entry point pytest11), run on a small user test file."""
import configparser
import os
import pathlib

import pytest

import ufmtheory

pytest_plugins = ["pytester"]

ROOT = pathlib.Path(ufmtheory.__file__).resolve().parent.parent

USER_TESTS = '''
import mpmath
import pytest
from ufmtheory.model import DeepUFM
from ufmtheory.testing import assert_inequality, assert_optimum

STEP = "m*2**(2/(L+1)) < 2*m - 1"

@pytest.mark.certified
def test_theorem1_step_holds():
    assert_inequality(STEP, m=(2, None), L=(3, None), integer=["m", "L"])

def test_theorem1_step_fails_at_L2():
    assert_inequality(STEP, m=(2, None), L=(2, None), integer=["m", "L"])

def test_refutation_expected():
    with pytest.raises(AssertionError):
        assert_inequality(STEP, m=(2, None), L=(2, None), integer=["m", "L"])

def test_optimum():
    assert_optimum(DeepUFM(K=4, L=3, lam="1/100"), "dnc", digits=20)

@pytest.mark.certified
def test_marked_certified_without_a_claim():
    assert 1 + 1 == 2

def test_fixtures(claims, ufm_precision):
    with ufm_precision(60):
        assert mpmath.mp.dps == 60
    assert mpmath.mp.dps == 15
    assert all(r.status in ("certified", "held", "failed") for r in claims)
'''


def _run(pytester, monkeypatch, *args):
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the same plugin set however ufmtheory is installed
    pytester.makepyfile(test_user=USER_TESTS)
    return pytester.runpytest_subprocess("-p", "ufmtheory.testing.pytest_plugin", "--strict-markers",
                                         "-p", "no:cacheprovider", *args, timeout=120)


def test_plugin_counts_claims_and_enforces_the_certified_marker(pytester, monkeypatch):
    result = _run(pytester, monkeypatch)
    result.assert_outcomes(passed=4, failed=2)
    out = result.stdout.str()
    # the failed claim of test_refutation_expected (a passing test) is counted apart; the other is a failing test's
    assert "ufmtheory claims: 2 certified, 0 held, 2 failed (1 of them in tests that passed, which expected the refutation)" in out
    assert "is false at L=2, m=2" in out
    assert "marked certified, but the test made no certified ufmtheory claim" in out


@pytest.mark.slow
def test_plugin_summary_under_xdist(pytester, monkeypatch):
    pytest.importorskip("xdist")
    result = _run(pytester, monkeypatch, "-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=4, failed=2)
    assert ("ufmtheory claims: 2 certified, 0 held, 2 failed (1 of them in tests that passed, which expected the "
            "refutation)") in result.stdout.str()


def test_entry_point_is_declared():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    entries = cfg["options.entry_points"]["pytest11"].split("=")
    assert [e.strip() for e in entries] == ["ufmtheory", "ufmtheory.testing.pytest_plugin"]
