"""Fuzzing the command line: hypothesis draws each subcommand's arguments from sizes, λ strings,
precisions and paths — valid, extreme and malformed — and every call, run in a forked child under a
time and memory cap (tests/cli_sandbox.py), must end with status 0, 1 or 2, print no traceback and
stay within the caps. ``HYPOTHESIS_PROFILE=thorough`` runs many more examples.
"""
import tempfile
from pathlib import Path

from hypothesis import given, strategies as st

TIME_CAP = 30.0
MEMORY_CAP = 4 * 2**30

SIZES = ["-3", "0", "1", "2", "3", "4", "1000000000", "99999999999999999999", "x", "", "2.5", "1e3", "٣"]
SMALL = ["2", "3", "4"]
LAMS = ["0.1", "0.03", "2^-10", "1/1024", "1e-400", "1e400", "0", "-1", "nan", "inf", ",", "2^-100000000",
        "10^1000000000", "1e-100000000", "1/0", "0^-1", "abc", "1e-3,0.5", "2**-5", " 0.2 ", "1" * 300]
DPS = ["1", "5", "12", "20", "10000", "100000", "-5", "x"]
_TMP = Path(tempfile.mkdtemp(prefix="ufmtheory-fuzz-"))
PATHS = ["/nonexistent/x.csv", "/tmp", "/proc/x.csv", str(_TMP / "out.csv"), "", "/etc/hostname",
         str(_TMP / "x.notanimage"), str(_TMP / "plot.png"), str(_TMP)]


def options(draw, spec: dict) -> list:
    """Each option of ``spec`` (name → list of values) present or absent, in a drawn order."""
    argv = []
    for name, values in spec.items():
        if draw(st.booleans()):
            argv += [name, draw(st.sampled_from(values))]
    return argv


def check(cli_box, argv):
    r = cli_box.run(argv, timeout=TIME_CAP, memory_bytes=6 * 2**30)
    assert not r.timed_out, r.describe()
    assert r.status in (0, 1, 2), r.describe()
    assert "Traceback" not in r.output, r.describe()
    assert r.peak_rss_bytes < MEMORY_CAP, r.describe()


@st.composite
def model_args(draw, sizes=SIZES):
    argv = ["--K", draw(st.sampled_from(sizes + SMALL * 3)), "--L", draw(st.sampled_from(sizes + SMALL * 3))]
    argv += options(draw, {"--n": sizes + ["1", "2"], "--lam": LAMS, "--lams": LAMS + ["0.1,0.1,0.1"]})
    return argv


@given(st.data())
def test_fuzz_compare(cli_box, data):
    argv = ["compare"] + data.draw(model_args()) + options(data.draw, {
        "--dps": DPS, "--csv": PATHS, "--structures": ["dnc", "dnc,dnc", "paired,polygon", "hexagon", ","],
        "--loss": ["ce", "mse", "xx"]})
    check(cli_box, argv + data.draw(st.sampled_from([[], ["--json"]])))


@given(st.data())
def test_fuzz_construction(cli_box, data):
    argv = ["construction", "--name", data.draw(st.sampled_from(["relu-paired", "triangular", "nope"]))]
    argv += data.draw(model_args()) + options(data.draw, {"--dps": DPS})
    check(cli_box, argv)


@given(st.data())
def test_fuzz_landscape(cli_box, data):
    argv = ["landscape"] + data.draw(model_args()) + options(data.draw, {
        "--d": SIZES + ["5"], "--seed": ["-1", "0", "7", "x", "99999999999999999999"], "--dps": DPS,
        "--root": ["all", "small", "large", "7"], "--dense": ["auto", "yes", "no"], "--csv": PATHS})
    check(cli_box, argv)


@given(st.data())
def test_fuzz_phase(cli_box, data):
    ks = ["3", "4", "2..4", "5", "2..1000000000", "200", "0", "x", "4..2", "3,3"]
    argv = ["phase", "--K", data.draw(st.sampled_from(ks)), "--L", data.draw(st.sampled_from(ks[:3] + ["0", "1..2"])),
            "--workers", "1", "--no-progress"]
    argv += options(data.draw, {"--n": SIZES, "--dps": DPS, "--csv": PATHS, "--png": PATHS,
                                "--structures": ["dnc,paired", "nope", ","]})
    check(cli_box, argv)


@given(st.data())
def test_fuzz_certify(cli_box, data):
    kind = data.draw(st.sampled_from(["optimum", "order", "tie", "theorem1", "theorem7", "nope"]))
    argv = ["certify", kind] + data.draw(model_args(sizes=SIZES)) + options(data.draw, {
        "--digits": DPS, "--lam-bracket": LAMS + ["0.001,0.002"], "--structure": ["dnc", "nope"],
        "--structures": ["dnc,paired", "paired,polygon"]})
    argv += ["--out", data.draw(st.sampled_from(PATHS + ["-"]))]
    check(cli_box, argv)


@given(st.data())
def test_fuzz_sweep(cli_box, data):
    argv = ["sweep", "--preset", "custom", "--K", data.draw(st.sampled_from(SIZES + SMALL)), "--d",
            data.draw(st.sampled_from(["3", "4", "0", "1000000", "x", "2..1000000000"])), "--seeds", "1",
            "--lam", data.draw(st.sampled_from(LAMS + ["0.25"] * 4)), "--progress", "off", "--no-plot",
            "--workers", "1"]
    argv += options(data.draw, {"--init-scale": ["1", "1e200", "0", "-1", "nan", ","], "--lr": ["0.5", "0", "1e300"],
                                "--L": SIZES, "--n": SIZES, "--batch": SIZES,
                                "--dask": ["notanaddress", "tcp://127.0.0.1:1"]})
    argv += ["--out", data.draw(st.sampled_from(PATHS[:3] + [str(_TMP / "sweep")]))]
    if "--dask" in argv:
        argv += ["--dask-timeout", "2"]
    check(cli_box, argv)


@given(st.data())
def test_fuzz_verify(cli_box, data):
    argv = ["verify", "--only", data.draw(st.sampled_from(["zhu_l1", "nope", ",", "zhu_l1,zhu_l1"])), "--quick"]
    argv += options(data.draw, {"--dps": DPS, "--csv": PATHS})
    check(cli_box, argv)


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                              lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                              max_leaves=20).map(lambda x: __import__("json").dumps(x).encode())))
def test_fuzz_check_certificate(cli_box, content):
    f = _TMP / "cert.json"
    f.write_bytes(content)
    check(cli_box, ["check-certificate", str(f)])
