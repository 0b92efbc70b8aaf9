"""Hostile and unlucky input to `ufmtheory certify` and `ufmtheory check-certificate` (issues 13, 14.2,
14.4): a claim that cannot be proven is a one-line result (exit 1, no file); bad parameters and bad
output paths are refused before any work (exit 2); no file is overwritten without --force and no
folder created; a certificate carries its digits relative to the value; check-certificate gives one
line per unreadable or malformed file. Each command runs in a forked child under a time and memory cap."""
import json
import os
import pathlib
from fractions import Fraction

import mpmath
import pytest

import ufmtheory as ut
import ufmtheory.certificates as C
from ufmtheory.certificates.format import digest
from ufmtheory.limits import CERTIFY_MAX_DIGITS, CERTIFY_MAX_K, CERTIFY_MAX_L, CERTIFY_MAX_N

CERT_DIR = pathlib.Path(__file__).resolve().parent.parent / "proofs" / "certificates"
ORDER_CERT = CERT_DIR / "order_dnc_paired_K10_L2_n5_lam0.0009765625.json"


def _ok(r, status):
    """The acceptance standard: this exit status, one line on stderr, no traceback, < 10 s, < 4 GB."""
    assert r.status == status, r.describe()
    assert "Traceback" not in r.output, r.describe()
    assert r.seconds < 10 and r.peak_rss_bytes < 4 * 2**30, r.describe()
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    if lines:  # a usage error (usage lines, then the message) or one line "ufmtheory CMD: …"
        assert lines[-1].startswith("ufmtheory "), r.describe()
        assert lines[0].startswith("usage:") or len(lines) == 1, r.describe()
    return lines[-1] if lines else ""


def _resealed(cert):
    cert = json.loads(json.dumps(cert))
    cert["sha256"] = digest(cert)
    return cert


def _mpf(q):
    return mpmath.mpf(q.numerator) / q.denominator


# ---- 1. a claim that cannot be proven is a result -------------------------------------------------------

def test_order_of_equal_optima_is_not_certified_and_writes_nothing(cli_box, tmp_path):
    # at K = 4 the square "polygon" and "paired" have the same optimum (independent 60-digit engine)
    model = ut.DeepUFM(4, 2, n=1, lam=Fraction(1, 100))
    a = ut.optimal_scale(ut.named("paired", 4), model, dps=60).loss
    b = ut.optimal_scale(ut.named("polygon", 4), model, dps=60).loss
    assert abs(a - b) < mpmath.mpf(10) ** -50
    r = cli_box.run(["certify", "order", "--K", "4", "--L", "2", "--lam", "0.01", "--structures", "paired,polygon"],
                    cwd=str(tmp_path))
    line = _ok(r, 1)
    assert line.startswith("ufmtheory certify: not certified: no strict order between paired and polygon")
    assert "overlap by" in line and "0.151703348" in line
    assert list(tmp_path.iterdir()) == []


def test_tie_bracket_without_a_sign_change_is_not_certified(cli_box, tmp_path):
    signs = set()
    for lam in (Fraction(1, 1000), Fraction(2, 1000)):
        model = ut.DeepUFM(4, 2, n=1, lam=lam)
        d = (ut.optimal_scale(ut.named("dnc", 4), model, dps=40).loss
             - ut.optimal_scale(ut.named("paired", 4), model, dps=40).loss)
        signs.add(mpmath.sign(d))
    assert len(signs) == 1 and 0 not in signs  # no tie between these two λ
    r = cli_box.run(["certify", "tie", "--K", "4", "--L", "2", "--lam-bracket", "0.001,0.002"], cwd=str(tmp_path))
    line = _ok(r, 1)
    assert "not certified" in line and "does not change sign between λ = 0.001 and 0.002" in line
    assert list(tmp_path.iterdir()) == []


def test_optimum_at_the_L1_zero_threshold_is_not_certified_and_says_why(cli_box, tmp_path):
    # at L = 1 zero is optimal exactly when λ√n >= 1/K (proofs/l1_global.py: ‖∇g(0)‖₂ = 1/K); at K = 5,
    # λ = 1/5 DNC's F(0) = h(0) − c is 0 exactly: the critical point is t = 0, not a tangency
    r = cli_box.run(["certify", "optimum", "--K", "5", "--L", "1", "--lam", "0.2", "--structure", "dnc"],
                    cwd=str(tmp_path))
    line = _ok(r, 1)
    assert line.startswith("ufmtheory certify: not certified: dnc: a critical point at t = 0")
    assert "zero threshold" in line and "tangent" not in line
    assert list(tmp_path.iterdir()) == []


def test_library_keeps_its_exception_types():
    with pytest.raises(C.CertificationError, match="overlap by"):
        C.certify_order(4, 2, 1, Fraction(1, 100), ("paired", "polygon"), digits=20)


# ---- 2. digits: the whole range works, beyond it a usage error --------------------------------------------

def test_the_largest_digits_certify_and_recheck(cli_box, tmp_path):
    out = tmp_path / "d.json"
    r = cli_box.run(["certify", "optimum", "--K", "4", "--L", "2", "--lam", "1/100", "--digits",
                     str(CERTIFY_MAX_DIGITS), "--out", str(out)], timeout=120)
    assert r.status == 0, r.describe()
    cert = C.load(out)
    assert C.check_certificate(cert).valid
    lo, hi = (Fraction(x) for x in cert["proof"]["analyses"][0]["result"]["loss"])
    assert 0 < lo and (hi - lo) <= lo * Fraction(1, 10 ** CERTIFY_MAX_DIGITS)
    with mpmath.workdps(CERTIFY_MAX_DIGITS + 40):  # the engine at 1040 digits lies inside
        opt = ut.optimal_scale(ut.named("dnc", 4), ut.DeepUFM(4, 2, n=1, lam=Fraction(1, 100)),
                               dps=CERTIFY_MAX_DIGITS + 20)
        assert _mpf(lo) <= opt.loss <= _mpf(hi)


@pytest.mark.parametrize("digits", [str(CERTIFY_MAX_DIGITS + 1), "100000", "9"])
def test_digits_out_of_range_is_a_usage_error(cli_box, tmp_path, digits):
    r = cli_box.run(["certify", "optimum", "--K", "4", "--L", "2", "--lam", "0.01", "--digits", digits],
                    cwd=str(tmp_path))
    line = _ok(r, 2)
    assert f"digits must be an integer >= 10 and <= {CERTIFY_MAX_DIGITS}" in line
    assert r.seconds < 1 and list(tmp_path.iterdir()) == []


# ---- 3. check-certificate: one line per bad file ----------------------------------------------------------

def _bad_files(tmp_path):
    files = {
        "deep.json": "[" * 200000 + "]" * 200000,
        "deep_object.json": '{"a":' * 100000 + "1" + "}" * 100000,
        "notjson.json": "{not json",
        "empty.json": "",
        "list.json": "[1, 2, 3]",
        "wrong_shape.json": json.dumps({"format": "ufmtheory-certificate", "version": 1, "claim": "optimum",
                                        "parameters": [], "proof": None, "engine": 3}),
        "huge_exponent.json": None,  # a real certificate with λ = 1e-999999999, digest refreshed
        "bad_kinds.json": None,
    }
    cert = C.load(ORDER_CERT)
    cert["parameters"]["lam"] = "1e-999999999"
    files["huge_exponent.json"] = json.dumps(_resealed(cert))
    cert = C.load(ORDER_CERT)
    cert["proof"]["analyses"][0]["kinds"] = [[[]]]
    cert["proof"]["analyses"][0]["breakpoints"] = {"x": 1}
    files["bad_kinds.json"] = json.dumps(_resealed(cert))
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    (tmp_path / "binary.json").write_bytes(bytes(range(256)) * 100)
    (tmp_path / "folder.json").mkdir()
    return paths + [tmp_path / "binary.json", tmp_path / "folder.json"]


def test_check_certificate_malformed_files_one_line_each(cli_box, tmp_path):
    paths = _bad_files(tmp_path)
    r = cli_box.run(["check-certificate"] + [str(p) for p in paths])
    _ok(r, 1)
    lines = r.stdout.strip().splitlines()
    assert len(lines) == len(paths), r.describe()
    for p, line in zip(paths, lines):
        assert line.startswith(f"INVALID {p}: ") and len(line) > len(f"INVALID {p}: ") + 5, line
    by = dict(zip((p.name for p in paths), lines))
    assert "nested too deeply" in by["deep.json"] and "nested too deeply" in by["deep_object.json"]
    assert "not valid JSON" in by["notjson.json"] and "not valid JSON" in by["empty.json"]
    assert "not a JSON object" in by["list.json"]
    assert "exponent" in by["huge_exponent.json"]
    assert "not a text file" in by["binary.json"] and "Is a directory" in by["folder.json"]


def test_check_certificate_one_bad_file_at_a_time(cli_box, tmp_path):
    for p in _bad_files(tmp_path):
        r = cli_box.run(["check-certificate", str(p), "--json"])
        _ok(r, 1)
        assert json.loads(r.stdout)["valid"] is False


def test_check_certificate_missing_path_is_exit_2(cli_box, tmp_path):
    r = cli_box.run(["check-certificate", str(ORDER_CERT), str(tmp_path / "nope.json")])
    line = _ok(r, 2)
    assert str(tmp_path / "nope.json") in line and "does not exist" in line


def test_check_certificate_committed_still_valid_and_tampered_still_rejected(cli_box, tmp_path):
    files = sorted(CERT_DIR.glob("*.json"))
    assert len(files) == 6  # the five of issue 4 and the K = 3 global minimum (global_certificate)
    r = cli_box.run(["check-certificate"] + [str(p) for p in files])
    assert r.status == 0 and r.stdout.count("VALID ") == len(files), r.describe()
    cert = C.load(ORDER_CERT)
    cert["proof"]["difference"] = ["1", "2"]
    f = tmp_path / "tampered.json"
    f.write_text(json.dumps(_resealed(cert)))
    r = cli_box.run(["check-certificate", str(f)])
    _ok(r, 1)
    assert "does not contain the proven one" in r.stdout


# ---- 4. model sizes are bounded before any work -----------------------------------------------------------

@pytest.mark.parametrize("claim, extra", [("optimum", ["--lam", "0.01"]), ("order", ["--lam", "0.01"]), ("tie", [])])
@pytest.mark.parametrize("option, value, bound", [("K", "1000000000", CERTIFY_MAX_K), ("K", "-3", CERTIFY_MAX_K),
                                                  ("L", "1000000000", CERTIFY_MAX_L),
                                                  ("n", str(10 ** 30), CERTIFY_MAX_N)])
def test_huge_model_is_refused_at_once(cli_box, tmp_path, claim, extra, option, value, bound):
    args = {"K": "4", "L": "2", "n": "1"}
    args[option] = value
    argv = ["certify", claim] + [x for k, v in args.items() for x in (f"--{k}", v)] + extra
    r = cli_box.run(argv, cwd=str(tmp_path))
    line = _ok(r, 2)
    low = 2 if option == "K" else 1
    assert f"{option} must be an integer >= {low} and <= {bound}" in line
    assert r.seconds < 1 and list(tmp_path.iterdir()) == []


def test_checker_refuses_a_huge_model_in_a_file():
    cert = C.load(ORDER_CERT)
    cert["parameters"]["K"] = 10 ** 9
    rep = C.check_certificate(_resealed(cert))
    assert not rep.valid and f"K must be an integer >= 2 and <= {CERTIFY_MAX_K}" in rep.errors[0]


# ---- 5. output files: current folder, never overwritten without --force, no folder created ---------------

THEOREM1 = ["certify", "theorem1", "--K-max", "20"]


def test_default_output_is_the_current_folder(cli_box, tmp_path):
    r = cli_box.run(THEOREM1, cwd=str(tmp_path))
    assert r.status == 0, r.describe()
    assert [p.name for p in tmp_path.iterdir()] == ["theorem1_inequality_K2-20.json"]  # no proofs/ folder
    assert C.check_file(tmp_path / "theorem1_inequality_K2-20.json").valid


def test_existing_file_is_kept_without_force(cli_box, tmp_path):
    target = tmp_path / "optimum_dnc_K4_L2_n1_lam0.01.json"
    target.write_text("precious")
    argv = ["certify", "optimum", "--K", "4", "--L", "2", "--lam", "0.01"]
    r = cli_box.run(argv, cwd=str(tmp_path))
    line = _ok(r, 2)
    assert str(target.name) in line and "exists (use --force" in line and r.seconds < 1
    assert target.read_text() == "precious"
    r = cli_box.run(argv + ["--out", str(target)])  # the same through --out
    _ok(r, 2)
    assert target.read_text() == "precious"
    r = cli_box.run(argv + ["--force"], cwd=str(tmp_path))
    assert r.status == 0, r.describe()
    assert C.check_file(target).valid


def test_missing_dir_is_an_error_and_not_created(cli_box, tmp_path):
    r = cli_box.run(THEOREM1 + ["--dir", str(tmp_path / "sub" / "dir")])
    line = _ok(r, 2)
    assert str(tmp_path / "sub" / "dir") in line and "does not exist" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing_folder", "directory", "proc", "sys", "readonly"])
def test_bad_out_path_is_refused_before_work(cli_box, tmp_path, where):
    if where == "readonly":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
    path = {"missing_folder": str(tmp_path / "nope" / "c.json"), "directory": str(tmp_path),
            "proc": "/proc/c.json", "sys": "/sys/c.json", "readonly": str(tmp_path / "ro" / "c.json")}[where]
    # an order at K = 100 would take seconds: the refusal comes first
    r = cli_box.run(["certify", "order", "--K", "100", "--L", "2", "--lam", "0.01", "--out", path])
    line = _ok(r, 2)
    assert "--out" in line and path in line and r.seconds < 1


# ---- 6. digits relative to the value (issue 14.2) ---------------------------------------------------------

@pytest.mark.parametrize("exponent", [40, 400])
def test_tiny_loss_is_enclosed_to_its_digits(exponent):
    lam = Fraction(1, 10 ** exponent)
    cert = C.certify_optimum("dnc", 4, 2, 1, lam, digits=50)
    assert C.check_certificate(cert).valid
    res = cert["proof"]["analyses"][0]["result"]
    for key in ("loss", "scale"):
        lo, hi = (Fraction(x) for x in res[key])
        assert 0 < lo <= hi and hi - lo <= lo * Fraction(1, 10 ** 50), (key, res[key])
    # the independent 80-digit engine lies inside, and the loss is tiny (about λ·t^p), not 0
    opt = ut.optimal_scale(ut.named("dnc", 4), ut.DeepUFM(4, 2, n=1, lam=lam), dps=80)
    with mpmath.workdps(120):
        lo, hi = (_mpf(Fraction(x)) for x in res["loss"])
        assert lo <= opt.loss <= hi and opt.loss < _mpf(lam) * 10 ** 3
    # (the fit is enclosed in its log1p form, which keeps its relative accuracy: no raise of the
    # working precision is needed for a tiny loss any more; the two assertions above are the claim)


def test_wide_enclosure_is_rejected_even_with_a_fresh_digest(tmp_path, cli_box):
    cert = C.certify_optimum("dnc", 4, 2, 1, Fraction(1, 10 ** 40), digits=50)
    lo, hi = (Fraction(x) for x in cert["proof"]["analyses"][0]["result"]["loss"])
    wide = json.loads(json.dumps(cert))
    wide["proof"]["analyses"][0]["result"]["loss"] = [str(-hi), str(hi)]  # still contains the true loss
    wide["claim"]["statement"] = C.claims.optimum_statement(wide["parameters"], wide["proof"]["analyses"][0])
    f = tmp_path / "wide.json"
    f.write_text(json.dumps(_resealed(wide)))
    r = cli_box.run(["check-certificate", str(f)])
    _ok(r, 1)
    assert "does not carry the 50 digits claimed" in r.stdout and "contains 0" in r.stdout
    narrowish = json.loads(json.dumps(cert))  # relative width 10^-40 > 10^-50
    narrowish["proof"]["analyses"][0]["result"]["loss"] = [str(lo * (1 - Fraction(1, 10 ** 40))), str(hi)]
    narrowish["claim"]["statement"] = C.claims.optimum_statement(narrowish["parameters"],
                                                                 narrowish["proof"]["analyses"][0])
    rep = C.check_certificate(_resealed(narrowish))
    assert not rep.valid and "does not carry the 50 digits claimed" in rep.errors[0]


def test_order_certificate_carries_relative_digits_too():
    cert = C.load(ORDER_CERT)
    for sec in cert["proof"]["analyses"]:
        lo, hi = (Fraction(x) for x in sec["result"]["loss"])
        assert 0 < lo and hi - lo <= lo * Fraction(1, 10 ** cert["engine"]["digits"])
    cert["engine"]["digits"] = 80  # claims more digits than the enclosures carry
    rep = C.check_certificate(_resealed(cert))
    assert not rep.valid and "does not carry the 80 digits claimed" in rep.errors[0]


def test_tiny_dyadic_numbers_are_written_as_fractions():
    """t_lo ≈ λ³ at λ = 1e-900 is 2^-k with k ≈ 9000: its decimal would have > 4300 digits (Python
    refuses to print such an integer); it is written as n/d, which stays under the reader's limit."""
    from ufmtheory.certificates.numbers import MAX_NUMBER_CHARS, qparse, qstr
    q = Fraction(1, 2 ** 9000)
    s = qstr(q)
    assert s == f"1/{2 ** 9000}" and len(s) <= MAX_NUMBER_CHARS and qparse(s) == q
    assert qstr(Fraction(1, 10 ** 400)) == "1e-400"
