"""The command line: --help everywhere, JSON output, exit statuses, usage errors with status 2."""
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from ufmtheory.cli import COMMANDS, main


def run(*args):
    return subprocess.run([sys.executable, "-m", "ufmtheory", *args], capture_output=True, text=True)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    r = run(command, "--help")
    assert r.returncode == 0 and "usage: ufmtheory" in r.stdout and "--json" in r.stdout


def test_no_command_is_a_usage_error():
    r = run()
    assert r.returncode == 2 and "usage" in r.stderr


def test_compare_json_figure1(capsys):
    assert main(["compare", "--K", "10", "--L", "2", "--n", "5", "--lam", "0.0009765625", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [s["name"] for s in out["structures"]]
    assert names == ["dnc", "paired", "polygon"] and out["winner"] == "paired"
    d = {s["name"]: s for s in out["structures"]}
    # 50 significant digits as decimal strings; first digits from an independent computation (test_scale)
    assert Decimal(d["dnc"]["loss"]).quantize(Decimal("1e-7")) == Decimal("0.0906622")
    assert Decimal(d["paired"]["loss"]).quantize(Decimal("1e-7")) == Decimal("0.0800127")
    assert len(d["dnc"]["loss"].lstrip("0.")) == 50


def test_compare_table_and_csv(tmp_path, capsys):
    f = tmp_path / "c.csv"
    assert main(["compare", "--K", "4", "--L", "3", "--lam", "2^-8", "--dps", "20", "--csv", str(f)]) == 0
    out = capsys.readouterr().out
    assert "winner: paired" in out and "zero solution" in out
    lines = f.read_text().splitlines()
    assert lines[0] == "name,kind,scale,loss,fit,penalty" and len(lines) == 5


@pytest.mark.parametrize("args, message", [
    (["compare", "--K", "1", "--L", "2", "--lam", "0.1"], "K must be an integer >= 2"),
    (["compare", "--K", "3", "--L", "0", "--lam", "0.1"], "L must be an integer >= 1"),
    (["compare", "--K", "3", "--L", "2", "--lam", "0"], "lam must be > 0"),
    (["compare", "--K", "3", "--L", "2", "--lam", "nan"], "not an exact number"),
    (["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--n", "0"], "n must be an integer >= 1"),
    (["compare", "--K", "3", "--L", "2"], "give exactly one of --lam or --lams"),
    (["compare", "--K", "3", "--L", "2", "--lams", "0.1,0.2"], "L+1 = 3 values"),
    (["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--structures", "hexagon"], "structure must be one of"),
    (["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--dps", "1"], "dps must be an integer >= 5"),
    (["compare", "--K", "x", "--L", "2", "--lam", "0.1"], "invalid int value"),
    (["verify", "--only", "theorem99"], "unknown theorem key"),
])
def test_bad_input_is_a_usage_error(args, message):
    r = run(*args)
    assert r.returncode == 2, r.stderr
    assert "usage: ufmtheory" in r.stderr and message in r.stderr
