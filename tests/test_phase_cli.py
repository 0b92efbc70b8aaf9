"""`ufmtheory phase`: the acceptance run of issue 3 and its outputs (JSON, CSV, PNG), bad input."""
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from ufmtheory.cli import main
from ufmtheory.phase import csv_rows, phase_grid, stated_region
from ufmtheory.theorems.theorem1 import penalty_inequality


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    d = tmp_path_factory.mktemp("phase")
    r = subprocess.run([sys.executable, "-m", "ufmtheory", "phase", "--K", "2..12", "--L", "1..6", "--json",
                        "--csv", str(d / "p.csv"), "--png", str(d / "p.png"), "--no-progress"],
                       capture_output=True, text=True, timeout=1200, env={**__import__("os").environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout), d


def test_reproduces_theorem1_region_exactly(grid):
    g, _ = grid
    region = {(K, L) for K in range(2, 13) for L in range(1, 7) if penalty_inequality(K, L)}
    never = {tuple(x) for x in g["theorem1"]["dnc_never_optimal"]}
    assert never == region and g["theorem1"]["reproduced"]
    assert all(not c["unresolved"] for c in g["cells"])


def test_dnc_paired_ties_for_4_2_and_5_2(grid):
    """Compared with the independent route of tests/test_thresholds.py (30 digits there)."""
    g, _ = grid
    cells = {(c["K"], c["L"]): c for c in g["cells"]}
    t42 = cells[(4, 2)]["ties"]["dnc|paired=polygon"]["ties"]
    t52 = cells[(5, 2)]["ties"]["dnc|paired"]["ties"]
    assert len(t42) == 1 and len(t52) == 1
    assert t42[0]["lam"].startswith("0.01176049807928839417705906292237652903567453717682")
    assert t52[0]["lam"].startswith("0.04155199597947594394750506279051444734627697675039")
    assert t42[0]["digits"] == 50 and t52[0]["digits"] == 50
    # no tie of DNC and paired inside the region, e.g. (6, 2)
    assert cells[(6, 2)]["ties"]["dnc|paired"]["ties"] == []


def test_csv_and_png(grid):
    g, d = grid
    lines = (d / "p.csv").read_text().splitlines()
    assert lines[0] == "K,L,n,kind,label,lam_lo,lam_hi,lam,digits,certified"
    assert len(lines) - 1 == len(csv_rows(g))
    assert (d / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_intervals_tile_the_lambda_axis(grid):
    g, _ = grid
    for c in g["cells"]:
        iv = c["intervals"]
        assert iv[0]["lam_lo"] == "0" and iv[-1]["lam_hi"] == "inf" and iv[-1]["winner"] == "zero"
        for a, b in zip(iv, iv[1:]):
            assert a["lam_hi"] == b["lam_lo"] and Decimal(a["lam_lo"]) < Decimal(a["lam_hi"])


def test_n_rescales_lambda():
    """λ_n = μ n^{−1/(L+1)} (SPEC §2): every threshold at n = 8, L = 2 is half of n = 1's."""
    a = phase_grid([4], [2], n=1, dps=30, workers=1)["cells"][0]
    b = phase_grid([4], [2], n=8, dps=30, workers=1)["cells"][0]
    for x, y in zip(a["intervals"], b["intervals"]):
        if x["lam_hi"] != "inf":
            assert abs(Decimal(x["lam_hi"]) / 2 - Decimal(y["lam_hi"])) < Decimal("1e-28")


def test_stated_region_helper():
    assert stated_region(6, 2) and not stated_region(5, 2) and stated_region(4, 3)


@pytest.mark.parametrize("args, message", [
    (["phase", "--K", "1..3", "--L", "2"], "K must be an integer >= 2"),
    (["phase", "--K", "3", "--L", "0"], "L must be an integer >= 1"),
    (["phase", "--K", "3", "--L", "2", "--n", "0"], "n must be an integer >= 1"),
    (["phase", "--K", "3", "--L", "2", "--structures", "hexagon"], "structure must be one of"),
    (["phase", "--K", "3", "--L", "2", "--pairs", "dnc-paired"], "expected a:b"),
    (["phase", "--K", "x", "--L", "2"], "not an integer range"),
    (["phase", "--K", "3", "--L", "2", "--dps", "2"], "dps must be an integer >= 5"),
])
def test_bad_input(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "usage: ufmtheory phase" in err and message in err


def test_text_output(capsys):
    assert main(["phase", "--K", "4,5", "--L", "2", "--dps", "20", "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "dnc|paired" in out and "0.011760498" in out and "DNC ever best" in out
    # winners are labelled as relative to the families compared (K = 4: paired=polygon merged; K = 5: paired2c)
    assert ("scope: family-relative — each winner is the best among zero, dnc, paired, paired2, paired2c, polygon,"
            in out)
    assert "DNC is never the best of the compared families" in out and "DNC is never optimal ==" not in out
