"""``ufmtheory landscape``: the must-show numbers, JSON, CSV and bad input."""
import json

import pytest

from ufmtheory.cli import main


def _run(capsys, argv):
    code = main(argv)
    return code, capsys.readouterr().out


@pytest.mark.parametrize("K,d,n,L,expected", [(4, 6, 2, 2, 24), (4, 7, 2, 3, 45)])
def test_landscape_json_must_show(capsys, K, d, n, L, expected):
    code, out = _run(capsys, ["landscape", "--K", str(K), "--L", str(L), "--n", str(n), "--d", str(d),
                              "--lam", "0.01", "--root", "large", "--json"])
    assert code == 0
    data = json.loads(out)
    (pt,) = data["points"]
    assert pt["critical"] and pt["hessian"]["negative"] == 0
    D = pt["D_Z"]
    assert D["hessian_nullity"] == D["jacobian_rank_blocks"] == D["jacobian_rank_dense"] == expected
    assert pt["hessian_mp"]["zero"] == pt["hessian_dense"]["zero"] == expected
    assert D["paper_D_DNC"] == 3 * L * (d - 3)


def test_landscape_text_and_csv(capsys, tmp_path):
    f = tmp_path / "out.csv"
    code, out = _run(capsys, ["landscape", "--K", "4", "--L", "2", "--n", "1", "--d", "5", "--lam", "2^-6",
                              "--structure", "paired", "--mp", "no", "--dense", "no", "--csv", str(f)])
    assert code == 0 and "[small]" in out and "[large]" in out and "critical point" in out
    rows = f.read_text().strip().splitlines()
    assert rows[0].startswith("branch,t,critical") and len(rows) == 3


def test_landscape_reports_a_non_critical_point(capsys):
    code, out = _run(capsys, ["landscape", "--K", "5", "--L", "2", "--lam", "0.002", "--d", "6",
                              "--structure", "paired", "--root", "2", "--dps", "30"])
    assert code == 0 and "NOT a critical point" in out


@pytest.mark.parametrize("argv,msg", [
    (["--K", "4", "--L", "2"], "--lam"),
    (["--K", "4", "--L", "2", "--lam", "0.01", "--root", "middle"], "--root"),
    (["--K", "4", "--L", "2", "--lam", "0.01", "--root", "7"], "--root"),
    (["--K", "4", "--L", "2", "--lam", "0.01", "--structure", "star"], "structure"),
    (["--K", "4", "--L", "2", "--lam", "0.01", "--d", "3"], "d"),
    (["--K", "4", "--L", "2", "--lam", "5"], "no positive critical scale"),
])
def test_landscape_bad_input_exits_2(capsys, argv, msg):
    with pytest.raises(SystemExit) as exc:
        main(["landscape"] + argv)
    assert exc.value.code == 2
    assert msg in capsys.readouterr().err


def test_landscape_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["landscape", "--help"])
    assert exc.value.code == 0
    assert "--structure" in capsys.readouterr().out
