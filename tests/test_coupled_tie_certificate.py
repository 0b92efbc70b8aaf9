"""``ufmtheory certify coupled-tie`` writes the certified DNC/coupled tie bracket at (K, L, n) = (5, 2, 1)
as a certificate file that ``check-certificate`` re-proves (Krawczyk region rebuilt, branch-and-bound
tree replayed, DNC's optimum recomputed); altered files are rejected by the re-proof itself (the digest
is recomputed after each change, so acceptance cannot rest on it)."""
import copy
import json
import subprocess
import sys
from fractions import Fraction

import pytest

from ufmtheory.cli import main
from ufmtheory.certificates import check_certificate, fmt

LAM_STAR_30 = Fraction("0.000123574554421091064467009987625")  # the value (coupled.ties_with, 40 digits)


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ufmtheory", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("tie") / "tie.json"
    r = _cli("certify", "coupled-tie", "--out", str(path))
    assert r.returncode == 0, r.stderr
    return path


def _resealed(cert):
    cert["sha256"] = fmt.digest(cert)
    return cert


def test_written_file_rechecks_valid(written):
    r = _cli("check-certificate", str(written))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("VALID")
    cert = json.loads(written.read_text())
    assert cert["claim"]["type"] == "coupled-tie"
    lo, hi = Fraction(cert["parameters"]["lam_lo"]), Fraction(cert["parameters"]["lam_hi"])
    assert lo < LAM_STAR_30 < hi and hi - lo < Fraction(1, 10 ** 28)
    assert set(cert["proof"]["at_lam_lo"]) >= {"box", "krawczyk", "cut", "tree"}


def test_existing_file_needs_force(written):
    r = _cli("certify", "coupled-tie", "--out", str(written))
    assert r.returncode == 2 and "exists" in (r.stderr + r.stdout)


def test_tampered_lam_hi_rejected(written):
    cert = json.loads(written.read_text())
    p = cert["parameters"]
    lo, hi = Fraction(p["lam_lo"]), Fraction(p["lam_hi"])
    new = lo + (hi - lo) / 10  # below the tie: (ii) cannot hold there
    from ufmtheory.certificates.numbers import qstr
    cert["claim"]["statement"] = cert["claim"]["statement"].replace(p["lam_hi"], qstr(new))
    p["lam_hi"] = qstr(new)
    rep = check_certificate(_resealed(cert))
    assert not rep.valid and rep.digest_ok
    assert any("(ii)" in e for e in rep.errors), rep.errors


def test_removed_leaf_rejected(written):
    cert = json.loads(written.read_text())
    tree = cert["proof"]["at_lam_lo"]["tree"]
    k = tree.rindex("b")
    cert["proof"]["at_lam_lo"]["tree"] = tree[:k] + tree[k + 1:]
    rep = check_certificate(_resealed(cert))
    assert not rep.valid and any("tree" in e for e in rep.errors), rep.errors


@pytest.mark.parametrize("which", ["below DNC", "above the minimum"])
def test_changed_cut_rejected(written, which):
    cert = json.loads(written.read_text())
    i = cert["proof"]["at_lam_lo"]
    if which == "below DNC":
        i["cut"] = i["dnc_loss"][0]  # not above DNC's optimal loss
        expect = "cut is not above"
    else:
        i["cut"] = str(Fraction(i["coupled_min"][1]) + Fraction(1, 10 ** 40))  # no tree can prove it
        expect = "tree"
    rep = check_certificate(_resealed(cert))
    assert not rep.valid and any(expect in e for e in rep.errors), rep.errors


def test_changed_digest_rejected(written):
    cert = json.loads(written.read_text())
    cert["sha256"] = "0" * 64
    rep = check_certificate(copy.deepcopy(cert))
    assert not rep.valid and rep.digest_ok is False and any("digest" in e for e in rep.errors)


@pytest.mark.parametrize("extra", [["--digits", "80"], ["--backend", "mpmath.iv"]])
def test_options_that_do_not_apply_are_refused(capsys, tmp_path, extra):
    with pytest.raises(SystemExit) as exc:
        main(["certify", "coupled-tie", "--out", str(tmp_path / "c.json"), *extra])
    assert exc.value.code == 2 and "do not apply" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()
