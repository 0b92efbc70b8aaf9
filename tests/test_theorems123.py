"""Registry entries for Theorems 1–3 (quick mode) and the Theorem 2 L₀ by hand."""
import json

import sympy as sp

from ufmtheory.cli import main
from ufmtheory.structures import dnc, paired, polygon
from ufmtheory.theorems import REGISTRY
from ufmtheory.theorems.theorem2 import explicit_L0, margin_factor


def test_registered_in_paper_order():
    assert {"theorem1", "theorem2", "theorem3"} <= set(REGISTRY)
    assert REGISTRY["theorem1"].order < REGISTRY["theorem2"].order == 20 < REGISTRY["theorem3"].order == 30


def test_verify_quick_json(capsys):
    assert main(["verify", "--only", "theorem1,theorem2,theorem3", "--quick", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["failures"] == 0
    claims = {(r["theorem"], r["verdict"]) for r in out["rows"]}
    assert ("Theorem 1", "certified") in claims and ("Theorem 2", "certified") in claims
    assert ("Theorem 3", "certified") in claims
    tie = [r for r in out["rows"] if "tie at exactly one" in r["claim"]][0]
    assert "0.0117604980792883941770590629" in tie["evidence"] and "0.0415519959794759439475050627" in tie["evidence"]
    region = [r for r in out["rows"] if "exact phase diagram" in r["claim"]][0]
    assert region["verdict"] == "holds"


def test_theorem2_L0_by_hand():
    """polygon(4) vs dnc(4): gaps of the polygon 1, 2 (opposite), of DNC 1 ⇒ γ = 1;
    G(p) = 3 − 2·2^p has its root at p* = log₂(3/2) = 0.585, so L₀ = ⌊2/p* − 1⌋ + 1 = 3."""
    assert margin_factor(polygon(4), dnc(4)) == 1
    r = explicit_L0(polygon(4), dnc(4))
    assert abs(float(r["p_star"]) - float(sp.log(sp.Rational(3, 2), 2))) < 1e-20 and r["L0"] == 3
    # paired(6) vs dnc(6): γ = 1, G(p) = 5 − 3·2^p, p* = log₂(5/3) = 0.737, L₀ = ⌊1.714⌋ + 1 = 2
    r = explicit_L0(paired(6), dnc(6))
    assert margin_factor(paired(6), dnc(6)) == 1 and r["L0"] == 2
