"""The coupled odd-K family in `ufmtheory compare`, `ufmtheory phase` and `ufmtheory verify` (CLI JSON).
Expected numbers come from other routes: the symmetry atlas's 30-digit refinement (README of the atlas:
coupled 0.51115385681530017755, DNC 0.52382274380251328023 at (5, 2, λ = 0.03)), the hand-written mpmath
tie of tests/test_coupled.py (λ* = 0.000123574554421091064467009987625), and the listed-families phase
diagram (DNC|paired2c at 0.0044664015700571704681)."""
import json
import subprocess
import sys

import mpmath
import pytest

from ufmtheory.names import COMPARE_NAMES


def _run(*args, timeout=600):
    r = subprocess.run([sys.executable, "-m", "ufmtheory", *args], capture_output=True, text=True, timeout=timeout)
    return r


def test_compare_includes_coupled_for_odd_K():
    r = _run("compare", "--K", "5", "--L", "2", "--n", "1", "--lam", "0.03", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(r.stdout)
    rows = {s["name"]: s for s in d["structures"]}
    assert d["winner"] == "coupled" and d["scope"] == "family-relative"
    assert "coupled" in d["compared"]
    assert rows["coupled"]["loss"].startswith("0.51115385681530017755")
    assert rows["dnc"]["loss"].startswith("0.52382274380251328023")
    assert set(rows["coupled"]["scales"]) == {"a", "beta", "gamma"}
    assert rows["coupled"]["critical_points"] and all("loss" in c for c in rows["coupled"]["critical_points"])
    assert rows["coupled"]["scales"]["a"].startswith("3.39386")


def test_compare_even_K_default_and_refusal():
    r = _run("compare", "--K", "4", "--L", "2", "--lam", "0.03", "--json", "--dps", "15")
    assert r.returncode == 0 and "coupled" not in json.loads(r.stdout)["compared"]
    r = _run("compare", "--K", "4", "--L", "2", "--lam", "0.03", "--structures", "dnc,coupled")
    assert r.returncode == 2 and "--K" in r.stderr and "K = 4" in r.stderr
    r = _run("compare", "--K", "5", "--L", "2", "--lam", "0.03", "--structures", "coupled", "--loss", "mse")
    assert r.returncode == 2 and "--loss" in r.stderr
    assert "coupled" in COMPARE_NAMES


@pytest.fixture(scope="module")
def phase52():
    r = _run("phase", "--K", "5", "--L", "2", "--n", "1", "--json", "--no-progress", "--dps", "30")
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_phase_5_2_coupled_splits_dnc_interval(phase52):
    g = phase52
    assert g["coupled_cells"] == [[5, 2]] and "coupled" in g["compared"]
    c = g["cells"][0]
    ivs = c["intervals"]
    assert [iv["winner"] for iv in ivs] == ["dnc", "coupled", "polygon", "zero"]
    assert all(iv["scope"] == "family-relative" for iv in ivs)
    assert ivs[0]["lam_hi"].startswith("0.000123574554421091064467009987625")
    assert ivs[1]["lam_lo"] == ivs[0]["lam_hi"]
    # the listed-families diagram is kept: DNC ended at the DNC|paired2c tie there
    listed = c["coupled"]["listed_intervals"]
    assert listed[0]["winner"] == "dnc" and listed[0]["lam_hi"].startswith("0.0044664015700571704681")
    ties = c["coupled"]["ties"]
    assert ties[0]["label"] == "dnc|coupled" and ties[0]["digits_verified"] >= 30
    # coupled beats paired2c throughout (paired2c is its face γ = 0): no paired2c interval is left
    assert not any("paired2c" in iv["winner"].split("=") for iv in ivs)
    # the coupled/polygon switch lies inside the listed polygon interval, the zero threshold is unchanged
    assert mpmath.mpf(listed[2]["lam_lo"]) < mpmath.mpf(ivs[2]["lam_lo"]) < mpmath.mpf(listed[2]["lam_hi"])
    assert ivs[3]["lam_lo"] == listed[3]["lam_lo"]


def test_phase_no_coupled_keeps_listed(phase52):
    r = _run("phase", "--K", "5", "--L", "2", "--json", "--no-progress", "--dps", "20", "--no-coupled")
    assert r.returncode == 0, r.stderr[-2000:]
    g = json.loads(r.stdout)
    assert g["coupled_cells"] == [] and g["cells"][0]["coupled"] is None
    assert [iv["winner"] for iv in g["cells"][0]["intervals"]] == ["dnc", "paired2c", "polygon", "zero"]


def test_verify_coupled_odd_finding():
    r = _run("verify", "--only", "coupled_odd", "--json", "--no-progress")
    assert r.returncode == 0, r.stderr[-2000:]
    rows = json.loads(r.stdout)["rows"]
    assert [x["verdict"] for x in rows] == ["finding", "certified", "finding"]
    assert "λ* = 0.00012357455442" in rows[0]["evidence"]
    assert "0.00012357455442109106446700998638" in rows[1]["evidence"] and "containing the located λ*" in rows[1]["evidence"]
