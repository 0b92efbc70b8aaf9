"""``ufmtheory construction``: JSON output against the library, usage errors."""
import json
import subprocess
import sys
from decimal import Decimal

import mpmath
import pytest

from ufmtheory.cli import main
from ufmtheory.closed_forms import relu_paired_loss


def test_construction_relu_paired_json(capsys):
    assert main(["construction", "--name", "relu-paired", "--K", "10", "--L", "5", "--lam", "2^-8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["construction_beats_reference"] and out["penalty_constant_below_dnc"] and out["stated_region"]
    t = out["construction"]["scale"]
    with mpmath.workdps(40):  # the reported optimum, re-evaluated with the hand-derived closed form
        ref = relu_paired_loss(10, 5, 1, "0.00390625", t)[0]
        assert abs(ref - mpmath.mpf(out["construction"]["loss"])) < mpmath.mpf(10) ** -25
    assert Decimal(out["reference"]["loss"]) > Decimal(out["construction"]["loss"])


def test_construction_triangular_below_region(capsys):
    assert main(["construction", "--name", "triangular", "--K", "10", "--L", "3", "--lam", "1/10000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["r"] == 5 and not out["penalty_constant_below_dnc"] and not out["construction_beats_reference"]


@pytest.mark.parametrize("args, message", [
    (["construction", "--name", "triangular", "--K", "7", "--L", "4", "--lam", "0.1"], "triangular number"),
    (["construction", "--name", "relu-paired", "--K", "6", "--L", "1", "--lam", "0.1"], "L must be an integer >= 2"),
    (["construction", "--name", "hexagon", "--K", "6", "--L", "3", "--lam", "0.1"], "invalid choice"),
    (["construction", "--name", "relu-paired", "--K", "6", "--L", "3"], "give exactly one of --lam or --lams"),
])
def test_construction_bad_input(args, message):
    r = subprocess.run([sys.executable, "-m", "ufmtheory", *args], capture_output=True, text=True)
    assert r.returncode == 2 and "usage: ufmtheory" in r.stderr and message in r.stderr
