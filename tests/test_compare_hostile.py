"""``ufmtheory compare`` and ``construction``: abbreviated numbers keep their exponent, ties are
relative, duplicates and out-of-range options are refused up front (exit 2, one line naming the
option and its range, fast, small), Λ is printed at the requested precision, and the library accepts
the same exact λ strings as the command line (issues 10.7, 10.9, 13, 14.1, 14.2, 14.5)."""
import json
import re
from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest

import ufmtheory as ut
from ufmtheory import limits
from ufmtheory.cli import main
from ufmtheory.precision import exact_number, short

README = ["compare", "--K", "10", "--L", "2", "--n", "5", "--lam", "2^-10"]


def run_json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


# ---- 14.1: abbreviated numbers keep their exponent --------------------------------------------------

def test_short_keeps_the_exponent():
    with mpmath.workdps(40):
        for x in (mpmath.mpf("4.65661937832e-6"), mpmath.mpf(2) ** -1400, mpmath.mpf("7.0375384944263"),
                  mpmath.mpf(10) ** 30 / 7, -mpmath.mpf("3.3e-9")):
            s = short(x)
            assert abs(mpmath.mpf(s) - x) <= abs(x) * mpmath.mpf(10) ** -9, (x, s)


def test_readme_example_critical_points_have_their_magnitude(capsys):
    """Every 't≈…' of the text output equals (to its 10 digits) the full-precision JSON value."""
    full = run_json(capsys, README)
    assert main(README) == 0
    text = capsys.readouterr().out
    for row in full["structures"]:
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(row["name"] + ":"))
        shown = re.findall(r"t≈(\S+)", line)
        assert len(shown) == len(row["critical_points"]) == 2
        for s, cp in zip(shown, row["critical_points"]):
            exact = Decimal(cp["t"])
            assert abs(Decimal(s) - exact) <= exact * Decimal("1e-9"), (s, cp["t"])
    # the local maxima are of size ~1e-6 (the issue: they were printed as 4.65…, 2.32…, 9.31…)
    assert all(Decimal(r["critical_points"][0]["t"]) < Decimal("1e-5") for r in full["structures"])


# ---- 14.2: ties are relative -----------------------------------------------------------------------

def test_tiny_lambda_no_false_tie(capsys):
    out = run_json(capsys, ["compare", "--K", "4", "--L", "2", "--lam", "1e-400"])
    losses = {r["name"]: Decimal(r["loss"]) for r in out["structures"]}
    best = min(losses, key=losses.get)
    assert out["winner"] == best == "dnc"
    assert losses["paired"] > losses["dnc"] * Decimal("1.05")  # 6 % apart: not a tie
    assert out["ties"] == []


def test_exact_copy_ties_to_all_digits():
    model = ut.DeepUFM(4, 2, lam="2^-10")
    copy = ut.from_matrix(ut.dnc(4).matrix, name="dnc-copy")  # same matrix, singular values by SVD
    res = ut.compare(model, [ut.dnc(4), copy], dps=30)
    assert {res["winner"], *res["ties"]} == {"dnc", "dnc-copy"} and len(res["ties"]) == 1


def test_paired_and_polygon_tie_at_K4():
    """At K = 4, paired and polygon have the same gap multisets and singular values, hence the same
    loss at every λ; above the (4, 2) tie λ ≈ 0.0118 paired wins, so polygon ties with it."""
    P, Q = ut.paired(4), ut.polygon(4)
    assert sorted(map(sorted, (g for _, g in P.column_types()))) == sorted(map(sorted, (g for _, g in Q.column_types())))
    assert P.exact_singular_values == Q.exact_singular_values
    res = ut.compare(ut.DeepUFM(4, 2, lam="2^-5"), [ut.dnc(4), P, Q], dps=40)
    assert res["winner"] == "paired" and res["ties"] == ["polygon"]


# ---- 14.5: duplicates, one range per option ---------------------------------------------------------

def _error_line(r):
    lines = [ln for ln in r.stderr.splitlines() if "error:" in ln or ln.startswith("ufmtheory ")]
    assert len(lines) == 1, r.describe()
    return lines[0]


def test_duplicate_structures_refused(cli_box):
    r = cli_box.run(["compare", "--K", "4", "--L", "2", "--lam", "0.01", "--structures", "dnc,paired,dnc"])
    assert r.status == 2, r.describe()
    line = _error_line(r)
    assert "dnc" in line and "more than once" in line and "paired" not in line.split("error:")[1]


@pytest.mark.parametrize("argv,option", [
    (["construction", "--name", "relu-paired", "--K", "4", "--lam", "0.01", "--L"], "--L"),
    (["compare", "--L", "2", "--lam", "0.01", "--K"], "--K"),
])
def test_one_message_per_range(cli_box, argv, option):
    """Every out-of-range value gets the same message (the true range), whatever side it is on."""
    lows = {"--L": ["-3", "0", "1"], "--K": ["-3", "0", "1"]}[option]
    messages = set()
    for v in lows:
        r = cli_box.run(argv + [v])
        assert r.status == 2 and "Traceback" not in r.output, r.describe()
        messages.add(_error_line(r).rsplit("got", 1)[0])
    assert len(messages) == 1, messages
    assert option in messages.pop()


# ---- 13/10: hostile inputs --------------------------------------------------------------------------

BASE = ["compare", "--K", "4", "--L", "2", "--lam", "0.01"]
CONS = ["construction", "--name", "relu-paired", "--K", "4", "--L", "2", "--lam", "0.01"]


def _with(base, option, value):
    out = list(base)
    if option in out:
        out[out.index(option) + 1] = value
    else:
        out += [option, value]
    return out


HOSTILE = [
    (_with(BASE, "--K", "1000000000"), ["--K", f"<= {limits.COMPARE_MAX_K}"]),
    (_with(CONS, "--K", "1000000000"), ["--K", f"<= {limits.CONSTRUCTION_MAX_K}"]),
    (_with(BASE, "--L", "1000000000"), ["--L", f"<= {limits.COMPARE_MAX_L}"]),
    (_with(CONS, "--L", "1000000000"), ["--L", f"<= {limits.CONSTRUCTION_MAX_L}"]),
    (_with(BASE, "--K", "2000"), ["--K", f"<= {limits.COMPARE_MAX_K}"]),
    (_with(BASE, "--dps", "10000"), ["dps", f"<= {limits.COMPARE_MAX_DPS}"]),
    (_with(CONS, "--dps", "10000"), ["dps", f"<= {limits.CONSTRUCTION_MAX_DPS}"]),
    (_with(_with(BASE, "--K", str(limits.COMPARE_MAX_K)), "--dps", str(limits.COMPARE_MAX_DPS)), ["--K or --dps"]),
    (_with(_with(CONS, "--K", str(limits.CONSTRUCTION_MAX_K)), "--dps", str(limits.CONSTRUCTION_MAX_DPS)),
     ["--K, --L or --dps"]),
    (_with(BASE, "--lam", "2^-100000000"), ["--lam", "10^±1000"]),
    (_with(BASE, "--lam", "10^1000000000"), ["--lam", "10^±1000"]),
    (_with(BASE, "--lam", "1e-100000000"), ["--lam", "10^±1000"]),
    (_with(CONS, "--lam", "1e-100000000"), ["--lam", "10^±1000"]),
    (_with(BASE, "--lam", "1e-1001"), ["--lam", "10^±1000"]),
    (_with(BASE, "--csv", "/nonexistent/x.csv"), ["--csv", "/nonexistent/x.csv", "does not exist"]),
    (_with(BASE, "--csv", "/tmp"), ["--csv", "/tmp", "folder"]),
    (_with(BASE, "--csv", "/proc/x.csv"), ["--csv", "/proc/x.csv"]),
    (_with(BASE, "--structures", "dnc,nope"), ["--structures", "nope"]),
    (_with(BASE, "--structures", " , "), ["--structures"]),
    (_with(CONS, "--n", "0"), ["--n", ">= 1"]),
]


@pytest.mark.parametrize("argv,words", HOSTILE, ids=lambda x: " ".join(x) if isinstance(x, list) and x and x[0] in ("compare", "construction") else None)
def test_hostile_input_refused_fast(cli_box, argv, words):
    r = cli_box.run(argv, timeout=10, memory_bytes=4 * 2**30)
    assert r.status == 2, r.describe()
    assert "Traceback" not in r.output, r.describe()
    assert r.seconds < 1.0 and r.peak_rss_bytes < 4 * 2**30, r.describe()
    line = _error_line(r)
    for w in words:
        assert w in line, (w, r.describe())


@pytest.mark.parametrize("lam", ["1e-400", "1e-1000"])
def test_extreme_lambda_runs(cli_box, lam):
    """λ = 10^-400 and 10^-1000 (the extreme accepted): a result, every loss strictly positive and
    below log K, winner = the smallest loss."""
    r = cli_box.run(["compare", "--K", "4", "--L", "2", "--lam", lam, "--json"], timeout=120)
    assert r.status == 0, r.describe()
    out = json.loads(r.stdout)
    losses = {s["name"]: Decimal(s["loss"]) for s in out["structures"]}
    assert all(0 < v < Decimal("1.3862943611") for v in losses.values())
    assert out["winner"] == min(losses, key=losses.get) and out["ties"] == []


def test_csv_written(tmp_path, capsys):
    path = tmp_path / "cmp.csv"
    assert main(BASE + ["--csv", str(path)]) == 0
    rows = path.read_text().splitlines()
    assert rows[0].startswith("name,") and [r.split(",")[0] for r in rows[1:]] == ["dnc", "paired", "polygon", "zero"]


# ---- 10.9: Λ at the requested precision --------------------------------------------------------------

def test_lambda_exact_to_all_digits(capsys):
    out = run_json(capsys, BASE[:-2] + ["--lam", "1/100"])
    s = out["model"]["Lambda"]
    assert Decimal(s) == Decimal("0.01") and len(Decimal(s).as_tuple().digits) == out["dps"] == 50


def test_lambda_of_lams_matches_independent_mpmath(capsys):
    out = run_json(capsys, ["compare", "--K", "4", "--L", "2", "--lams", "1/3,2,5", "--dps", "60"])
    with mpmath.workdps(100):
        ref = mpmath.cbrt(mpmath.mpf(10) / 3)  # (1/3 · 2 · 5)^(1/3)
        got = mpmath.mpf(out["model"]["Lambda"])
        assert abs(got - ref) <= ref * mpmath.mpf(10) ** -59  # rounded to 60 significant digits
    assert len(Decimal(out["model"]["Lambda"]).as_tuple().digits) == 60


# ---- 10.7: the library takes the command line's exact strings ---------------------------------------

def test_model_accepts_cli_strings():
    assert ut.DeepUFM(K=10, L=2, n=5, lam="2^-10").lam == Fraction(1, 1024)
    assert ut.DeepUFM(K=3, L=1, lam=["1e-3", "2**-3"]).lams == (Fraction(1, 1000), Fraction(1, 8))
    with pytest.raises(ut.ParameterError, match="lam"):
        ut.DeepUFM(K=3, L=1, lam="two")
    with pytest.raises(ut.ParameterError, match="lam must be > 0"):
        ut.DeepUFM(K=3, L=1, lam="-1/8")


def test_exact_number_bounds():
    """|log10| <= 1000 accepted, beyond refused (1e-999 was refused by a wrong digit count)."""
    assert exact_number("1e-999") == Fraction(1, 10**999)
    assert exact_number("1e-1000") == Fraction(1, 10**1000)
    assert exact_number("5/1000") == Fraction(1, 200)
    assert exact_number("123456789012345678901234567890e-1020") == Fraction(123456789012345678901234567890, 10**1020)
    for bad in ("1e-1001", "1e1001", "10^1001", "2^-3400"):
        with pytest.raises(ut.ParameterError, match="10\\^±1000"):
            exact_number(bad)


# ---- 10.8: zero thresholds at L = 1, ill-conditioned roots, exact ties ---------------------------------

def _dnc_L1(K, lam):
    """DNC at L = 1 by hand: gaps 1 (S = I − J/K), P = K − 1 (singular values 1), so
    f(t) = log(1 + (K−1)e^{−t}) + c t with c = (K−1)λ, h(t) = (K−1)e^{−t}/(1 + (K−1)e^{−t}) decreasing from
    (K−1)/K: no positive critical point when c >= (K−1)/K (λ >= 1/K), else the one root e^{−t} = c/((K−1)(1−c))."""
    c = (K - 1) * lam
    if c >= mpmath.mpf(K - 1) / K:
        return None, mpmath.log(K)
    t = mpmath.log((K - 1) * (1 - c) / c)
    return t, mpmath.log(1 + (K - 1) * mpmath.exp(-t)) + c * t


@pytest.mark.parametrize("K", [3, 5, 7, 9])
def test_coupled_family_at_its_L1_zero_threshold(capsys, K):
    """λ = 1/K, L = 1 (the issue's K = 7 command raised IndexError): the zero solution is critical for
    the coupled family exactly when μ >= 1/K (the subgradient conditions at θ = 0 both reduce to it), here
    with equality; it is the family's minimum, and DNC has no positive critical point (``_dnc_L1``)."""
    out = run_json(capsys, ["compare", "--K", str(K), "--L", "1", "--lam", f"1/{K}", "--dps", "30"])
    rows = {r["name"]: r for r in out["structures"]}
    with mpmath.workdps(60):
        logK = ut.precision.nstr(mpmath.log(K), 30)
    assert rows["coupled"]["kind"] == "zero" and rows["coupled"]["loss"] == logK
    assert rows["dnc"]["kind"] == "zero" and rows["dnc"]["critical_points"] == []
    assert out["winner"] == "zero" and out["zero"]["loss"] == logK


def test_coupled_family_just_below_its_L1_threshold(capsys):
    """λ = 1/K − ε, L = 1: the zero solution is not critical (μ < 1/K) and the minimiser's scales are ~ε; at
    ε = 10^-20 they were below the scans' smallest scale 10^-12 (IndexError, then no answer). At K = 3 the
    family contains DNC (β = 2a, γ = −a), whose optimum is the closed form ``_dnc_L1``; loss − log 3 ~ ε²."""
    from ufmtheory.coupled import CoupledFamily, optimum
    o = optimum(CoupledFamily.at(7, 1, Fraction(1, 7) - Fraction(1, 10 ** 6)), dps=20)
    assert o.kind != "zero" and o.loss < mpmath.log(7)
    lam = Fraction(1, 3) - Fraction(1, 10 ** 20)
    out = run_json(capsys, ["compare", "--K", "3", "--L", "1", "--lam", str(lam), "--dps", "50"])
    rows = {r["name"]: r for r in out["structures"]}
    with mpmath.workdps(100):
        t, loss = _dnc_L1(3, mpmath.mpf(lam.numerator) / lam.denominator)
        assert mpmath.log(3) - loss > mpmath.mpf(10) ** -42  # visible at 50 digits
        for name in ("dnc", "coupled"):
            assert ut.precision.agreed_digits(mpmath.mpf(rows[name]["loss"]), loss) >= 49, name
    assert out["winner"] == "dnc" and set(out["ties"]) == {"polygon", "coupled"}


def test_coupled_family_at_large_lambda_L2():
    """L = 2, μ = 50 (K = 3): T(a) >= K e^{−a} wherever T(a) < 1, so no interior point; the scans used to
    run at ~10^6 digits (the a-range's top) and did not finish. p < 1: the zero solution is a local minimum."""
    from ufmtheory.coupled import CoupledFamily, optimum
    for K in (3, 5):
        o = optimum(CoupledFamily.at(K, 2, 50), dps=20)
        with mpmath.workdps(40):
            assert o.kind == "zero" and ut.precision.nstr(o.loss, 20) == ut.precision.nstr(mpmath.log(K), 20)


@pytest.mark.parametrize("dps", [30, 50, 200])
def test_dnc_at_its_L1_zero_threshold(capsys, dps):
    """K = 5, L = 1, λ = 1/5 (the issue: PrecisionError at --dps 200): F(0) = h(0) − c = 4/5 − 4/5 = 0, so the
    computed sign of F(0) was rounding noise and a spurious root t ~ 10^-230 appeared at one precision."""
    out = run_json(capsys, ["compare", "--K", "5", "--L", "1", "--lam", "0.2", "--dps", str(dps),
                            "--structures", "dnc,paired,polygon"])
    dnc = next(r for r in out["structures"] if r["name"] == "dnc")
    with mpmath.workdps(dps + 20):
        t, loss = _dnc_L1(5, mpmath.mpf(1) / 5)
        assert t is None
        assert dnc["kind"] == "zero" and dnc["critical_points"] == [] and dnc["loss"] == ut.precision.nstr(loss, dps)


@pytest.mark.parametrize("K, dps", [(5, 30), (5, 200), (3, 50)])
def test_dnc_root_just_below_the_L1_threshold(capsys, K, dps):
    """λ = 1/K − 10^-40: DNC's one root t* ≈ 10^-39 loses ~40 digits to the rounding of c (F(0) = h(0) − c
    cancels); the engine raises its precisions by the shortfall and returns t* to dps digits (closed form)."""
    lam = Fraction(1, K) - Fraction(1, 10 ** 40)
    out = run_json(capsys, ["compare", "--K", str(K), "--L", "1", "--lam", str(lam), "--dps", str(dps),
                            "--structures", "dnc"])
    dnc = out["structures"][0]
    with mpmath.workdps(dps + 60):
        t, loss = _dnc_L1(K, mpmath.mpf(lam.numerator) / lam.denominator)
        assert mpmath.mpf("1e-40") < t < mpmath.mpf("1e-37")
        assert dnc["kind"] == "positive critical point"
        assert ut.precision.agreed_digits(mpmath.mpf(dnc["scale"]), t) >= dps - 1
        assert ut.precision.agreed_digits(mpmath.mpf(dnc["loss"]), loss) >= dps - 1


@pytest.mark.parametrize("lam", ["2^-10", "0.03", "0.2"])
def test_exact_K3_ties_name_dnc(capsys, lam):
    """K = 3: polygon = (3/2)·DNC (cos(2π/3) = −1/2 off the diagonal) and the coupled family contains DNC
    (β = 2a, γ = −a), so their optima are equal; the winner among them is named by the registry's order
    (dnc), not by which rounding came out lowest (it was 'coupled' at 2^-10 and 'dnc' at 0.03)."""
    assert ut.polygon(3).matrix == ut.dnc(3).matrix * Fraction(3, 2)
    out = run_json(capsys, ["compare", "--K", "3", "--L", "1", "--lam", lam, "--dps", "30"])
    assert out["winner"] == "dnc" and out["ties"] == ["polygon", "coupled"]


def test_preference_rank_orders_ties():
    from ufmtheory.patterns import PATTERNS
    from ufmtheory.scale import preference_rank
    registry = [p.name for p in PATTERNS]
    names = ["my-structure", "coupled", "blocks:3+2", "paired", "zero", "dnc"]
    ranked = sorted(names, key=lambda n: preference_rank(n, names))
    assert ranked[0] == "zero" and ranked[-1] == "my-structure"
    assert ranked[1:-1] == sorted(ranked[1:-1], key=lambda n: registry.index(n.split(":")[0]))
