"""The K = 3 global-minimum certificate (issue 11: "a test that a tampered global certificate is rejected"):
``global_certificate.write`` / ``ufmtheory global --certificate`` write the convex relaxation's cell tree,
``check-certificate`` re-proves it. Every tampered file below has its statement and sha256 recomputed, so
the re-proof itself must reject it (the digest is not what catches it), except the zeroed digest."""
import copy
import json
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest

from ufmtheory import global_certificate as G
from ufmtheory.certificates import CertificationError, check_certificate, fmt
from ufmtheory.certificates.numbers import qstr
from ufmtheory.cli import main
from ufmtheory.precision import to_fraction

LOG3_40 = Fraction("1.098612288668109691395245236922525704647")  # log 3 to 40 digits


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ufmtheory", *args], capture_output=True, text=True, cwd=cwd)


def _dnc_min_l1(lam) -> Fraction:
    """Independent route: min over t of log(1 + 2e^{−t}) + 2λt (the DNC loss at L = 1, n = 1: A = λ, p = 1),
    by mpmath at 50 digits (root of the numerical derivative), as a Fraction."""
    with mpmath.workdps(50):
        lam = mpmath.mpf(Fraction(lam).numerator) / Fraction(lam).denominator
        f = lambda t: mpmath.log(1 + 2 * mpmath.exp(-t)) + 2 * lam * t  # noqa: E731
        t = mpmath.findroot(lambda s: mpmath.diff(f, s), mpmath.mpf(2))
        return to_fraction(f(t))


@pytest.fixture(scope="module")
def dnc():
    return G.write(3, 1, 1, "1/20")


@pytest.fixture(scope="module")
def zero():
    return G.write(3, 2, 1, "1/2")


def _tampered(cert, change):
    """A copy with ``change`` applied to it, the claim (statement, structure) rederived from the changed
    fields and the digest recomputed: only the re-proof can reject it."""
    c = copy.deepcopy(cert)
    change(c)
    c["claim"]["statement"] = G.statement(c["parameters"], c["proof"])
    c["claim"]["structure"] = "zero" if Fraction(c["proof"]["point_t"]) == 0 else "dnc"
    c["sha256"] = fmt.digest(c)
    return c


def _rejected(cert, words):
    rep = check_certificate(cert)
    assert not rep.valid and rep.digest_ok, rep.errors
    assert any(words in e for e in rep.errors), rep.errors
    return rep


# ---- valid certificates ------------------------------------------------------------------------------

def test_dnc_certificate_l1_is_valid(dnc):
    rep = check_certificate(dnc)
    assert rep.valid and rep.digest_ok, rep.errors
    assert dnc["claim"]["type"] == "global-minimum" and dnc["claim"]["structure"] == "dnc"
    assert rep.facts["cells"] == 1 and dnc["proof"]["tree"] == "b"  # L = 1: f is convex, one cell
    lo, up = (Fraction(x) for x in dnc["proof"]["enclosure"])
    assert 0 < up - lo <= Fraction(1, 10 ** 17)
    assert Fraction(dnc["proof"]["point_t"]) > 0


def test_dnc_enclosure_contains_an_independent_mpmath_minimum(dnc):
    m = _dnc_min_l1(Fraction(1, 20))
    lo, up = (Fraction(x) for x in dnc["proof"]["enclosure"])
    assert lo <= m <= up
    # the minimiser is t* = log 18 (φ'(t) = 0 in closed form); the certificate's point is within 1e-7 of it
    assert abs(float(dnc["proof"]["point_t"]) - float(mpmath.log(18))) < 1e-7


def test_zero_certificate_l2_is_valid(zero):
    rep = check_certificate(zero)
    assert rep.valid and rep.digest_ok, rep.errors
    assert zero["claim"]["structure"] == "zero" and zero["proof"]["point_t"] == "0"
    lo, up = (Fraction(x) for x in zero["proof"]["enclosure"])
    assert lo <= LOG3_40 <= up and up - lo <= Fraction(1, 10 ** 20)  # min f = f(0) = log 3


def test_dnc_regime_at_l2_is_refused():
    with pytest.raises(CertificationError, match="not certified by the convex relaxation"):
        G.write(3, 2, 1, "1/20", max_seconds=2)


# ---- tampering: each caught by the re-proof ---------------------------------------------------------------

def test_lower_raised_above_the_true_minimum_is_rejected(dnc):
    m = _dnc_min_l1(Fraction(1, 20))  # the minimum is DNC's (the certificate says within 1e-18)
    new = m + Fraction(1, 10 ** 25)
    assert Fraction(dnc["proof"]["enclosure"][0]) < m < new < Fraction(dnc["proof"]["enclosure"][1])
    c = _tampered(dnc, lambda c: c["proof"]["enclosure"].__setitem__(0, qstr(new)))
    _rejected(c, "< the claimed lower bound")


def test_upper_lowered_below_the_true_minimum_is_rejected(dnc):
    m = _dnc_min_l1(Fraction(1, 20))
    new = m - Fraction(1, 10 ** 25)
    assert Fraction(dnc["proof"]["enclosure"][0]) < new < m
    c = _tampered(dnc, lambda c: c["proof"]["enclosure"].__setitem__(1, qstr(new)))
    _rejected(c, "is not <= the claimed upper bound")


def test_upper_lowered_in_the_zero_regime_is_rejected(zero):
    new = LOG3_40 - Fraction(1, 10 ** 30)
    c = _tampered(zero, lambda c: c["proof"]["enclosure"].__setitem__(1, qstr(new)))
    _rejected(c, "is not <= the claimed upper bound")


def test_removed_cell_is_rejected(dnc):
    c = _tampered(dnc, lambda c: c["proof"].__setitem__("tree", ""))
    _rejected(c, "1 cells not covered (a cell was removed)")


def test_removed_cell_from_a_larger_tree_is_rejected():
    cert = G.write(3, 2, 1, "1/4")  # zero regime; tree '010bbeb': 4 bounded cells, 1 empty
    assert check_certificate(cert).valid and cert["proof"]["tree"] == "010bbeb"
    _rejected(_tampered(cert, lambda c: c["proof"].__setitem__("tree", "010bbe")), "not covered")
    _rejected(_tampered(cert, lambda c: c["proof"].__setitem__("tree", "010bbebb")), "more tokens than cells")
    # an empty-marked cell must be empty (a₂ >= b₁), and a bounded one must have a bound
    _rejected(_tampered(cert, lambda c: c["proof"].__setitem__("tree", "010ebeb")), "is not empty")
    _rejected(_tampered(cert, lambda c: c["proof"].__setitem__("tree", "010bbbb")), "has bound none")
    _rejected(_tampered(cert, lambda c: c["proof"].__setitem__("tree", "010bbxb")), "unknown token")


@pytest.mark.parametrize("lam, side, want", [
    ("0.1", None, "claimed upper bound"),  # λ up: the point's loss exceeds the upper bound
    ("0.025", None, "does not contain the region"),  # λ down: S = (upper/A)^{1/p} doubles past the domain
    ("0.025", "16", "claimed lower bound")])  # … and with the domain enlarged, the cell's bound is too low
def test_changed_lambda_is_rejected(dnc, lam, side, want):
    def change(c):
        c["parameters"]["lam"] = lam
        if side is not None:
            c["proof"]["domain_side"] = side
    _rejected(_tampered(dnc, change), want)


@pytest.mark.parametrize("t", ["2.9", "0"])
def test_changed_point_is_rejected(dnc, t):
    c = _tampered(dnc, lambda c: c["proof"].__setitem__("point_t", t))
    _rejected(c, "is not <= the claimed upper bound")


def test_shrunk_domain_is_rejected(dnc):
    c = _tampered(dnc, lambda c: c["proof"].__setitem__("domain_side", "4"))  # S = 7.89 at L = 1, λ = 1/20
    _rejected(c, "does not contain the region")


def test_widened_enclosure_beyond_the_width_is_rejected(dnc):
    c = _tampered(dnc, lambda c: c["proof"]["enclosure"].__setitem__(0, "0.3"))
    _rejected(c, "exceeds the claimed width")


def test_statement_not_following_from_the_fields_is_rejected(dnc):
    c = copy.deepcopy(dnc)
    c["claim"]["statement"] = c["claim"]["statement"].replace("L=1", "L=2")
    c["sha256"] = fmt.digest(c)
    _rejected(c, "does not follow from the proven fields")


def test_zeroed_digest_is_rejected(dnc):
    c = copy.deepcopy(dnc)
    c["sha256"] = "0" * 64
    rep = check_certificate(c)
    assert not rep.valid and rep.digest_ok is False and any("digest" in e for e in rep.errors)


# ---- command line ------------------------------------------------------------------------------------------

def test_cli_global_certificate_round_trip(tmp_path):
    path = tmp_path / "g.json"
    r = _cli("global", "--K", "3", "--L", "1", "--n", "1", "--lam", "1/20", "--certificate", str(path),
             "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "certified" in r.stdout and "certificate written" in r.stdout
    cert = json.loads(path.read_text())
    assert cert["claim"]["type"] == "global-minimum" and cert["parameters"]["lam"] == "0.05"
    r = _cli("check-certificate", str(path))
    assert r.returncode == 0 and r.stdout.startswith("VALID"), r.stdout + r.stderr
    # an existing file is refused without --force (exit 2), before any work
    r = _cli("global", "--L", "1", "--lam", "1/20", "--certificate", str(path), "--no-progress")
    assert r.returncode == 2 and "exists" in r.stderr
    # a tampered file: INVALID, exit 1
    cert["proof"]["tree"] = ""
    cert["sha256"] = fmt.digest(cert)
    path.write_text(fmt.dumps(cert))
    r = _cli("check-certificate", str(path))
    assert r.returncode == 1 and r.stdout.startswith("INVALID") and "not covered" in r.stdout


def test_cli_refuses_the_dnc_regime_at_l2_without_a_file(tmp_path, capsys):
    path = tmp_path / "h.json"
    assert main(["global", "--L", "2", "--lam", "1/20", "--certificate", str(path), "--no-progress",
                 "--max-seconds", "4"]) == 1
    assert "no certificate: not certified by the convex relaxation" in capsys.readouterr().err
    assert not path.exists()


def test_cli_force_needs_certificate(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["global", "--L", "1", "--lam", "1/20", "--force", "--no-progress"])
    assert exc.value.code == 2 and "--force: only with --certificate" in capsys.readouterr().err


def test_certify_global_minimum(tmp_path, capsys):
    assert main(["certify", "global-minimum", "--L", "2", "--lam", "1/2", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "global_minimum_K3_L2_n1_lam0.5.json"
    rep = check_certificate(json.loads(path.read_text()))
    assert rep.valid and rep.facts["structure"] == "zero", rep.errors
    with pytest.raises(SystemExit) as exc:
        main(["certify", "global-minimum", "--L", "2", "--lam", "1/2", "--digits", "80", "--dir", str(tmp_path)])
    assert exc.value.code == 2 and "do not apply" in capsys.readouterr().err
