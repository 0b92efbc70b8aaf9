"""Every command under hostile input (the list of the reliability issue): exit status 1 or 2, a
one-line message, no traceback, within 10 s and under 4 GB — each command run for real in a forked
child under those caps (tests/cli_sandbox.py).

Per-command details (the wording of each message, resume of a damaged results.jsonl, killed sweeps)
are tested next to each command; this file is the whole list in one place.
"""
import os
import subprocess

import pytest

TIME_LIMIT = 10.0
MEMORY_LIMIT = 4 * 2**30

CERT = ["--K", "3", "--L", "2", "--lam", "0.1"]


def assert_refused(r, statuses=(1, 2), mentions=(), stream="stderr"):
    assert not r.timed_out, r.describe()
    assert r.status in statuses, r.describe()
    assert "Traceback" not in r.output, r.describe()
    assert r.seconds < TIME_LIMIT, r.describe()
    assert r.peak_rss_bytes < MEMORY_LIMIT, r.describe()
    msg = [ln for ln in getattr(r, stream).strip().splitlines() if ln and not ln.startswith(("usage:", " "))]
    assert len(msg) == 1, f"expected a one-line message:\n{r.describe()}"
    for word in mentions:
        assert word in msg[0], f"{word!r} not in {msg[0]!r}"
    return msg[0]


SIZES = [
    (["compare", "--K", "1000000000", "--L", "2", "--lam", "0.1"], "K"),
    (["landscape", "--K", "1000000000", "--L", "2", "--lam", "0.1"], "K"),
    (["construction", "--name", "relu-paired", "--K", "1000000000", "--L", "5", "--lam", "2^-8"], "K"),
    (["sweep", "--preset", "custom", "--K", "1000000000", "--d", "10", "--out", "{tmp}/s"], "K"),
    (["compare", "--K", "3", "--L", "1000000000", "--lam", "0.1"], "L"),
    (["phase", "--K", "2..1000000000", "--L", "2"], "K"),
    (["landscape", "--K", "4", "--L", "2", "--lam", "0.1", "--d", "1000000"], "memory"),
    (["landscape", "--K", "4", "--L", "2", "--lam", "1e-400"], ""),
    (["landscape", "--K", "4", "--L", "2", "--lam", "0.1", "--seed", "-1"], "seed"),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--lam", "1e400", "--out", "{tmp}/s"], "λ"),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--lam", "1e-400", "--out", "{tmp}/s"], "λ"),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--lam", ",", "--out", "{tmp}/s"], "lam"),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--init-scale", "1e200", "--out", "{tmp}/s"],
     "init_scale"),
]

HANGS = [
    (["compare", "--K", "2000", "--L", "2", "--lam", "0.1"], "K"),
    (["phase", "--K", "200", "--L", "2"], "K"),
    (["phase", "--K", "1000000000", "--L", "2"], "K"),
    (["certify", "optimum", "--K", "1000000000", "--L", "2", "--lam", "0.1", "--out", "{tmp}/c.json"], "K"),
    (["certify", "tie", "--K", "1000000000", "--L", "2", "--out", "{tmp}/c.json"], "K"),
    (["landscape", "--K", "100", "--L", "2", "--lam", "0.1"], ""),
    (["landscape", "--K", "10", "--L", "2", "--n", "5", "--d", "70", "--lam", "2^-10", "--dense", "yes"], ""),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--lam", "2^-40", "--out", "{tmp}/s"], ""),
    (["compare", "--K", "3", "--L", "2", "--lam", "2^-100000000"], "lam"),
    (["compare", "--K", "3", "--L", "2", "--lam", "10^1000000000"], "lam"),
    (["compare", "--K", "3", "--L", "2", "--lam", "1e-100000000"], "lam"),
    (["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--dps", "10000"], "dps"),
]

CERTIFY = [
    (["certify", "order", "--K", "4", "--L", "2", "--lam", "0.01", "--structures", "paired,polygon",
      "--out", "{tmp}/c.json"], "not certified"),
    (["certify", "tie", "--K", "4", "--L", "2", "--lam-bracket", "0.001,0.002", "--out", "{tmp}/c.json"],
     "not certified"),
    (["certify", "optimum", *CERT, "--digits", "100000", "--out", "{tmp}/c.json"], "digits"),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--dask", "notanaddress", "--out", "{tmp}/s"],
     "notanaddress"),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--dask", "tcp://127.0.0.1:1",
      "--dask-timeout", "2", "--out", "{tmp}/s"], "tcp://127.0.0.1:1"),
    (["sweep", "--preset", "custom", "--K", "4", "--d", "4", "--out", "/etc/hostname"], "/etc/hostname"),
]


def _fill(argv, tmp):
    return [a.replace("{tmp}", str(tmp)) for a in argv]


@pytest.mark.parametrize("argv, word", SIZES + HANGS + CERTIFY,
                         ids=[" ".join(a[:1] + [x for x in a[1:] if "{tmp}" not in x])[:70]
                              for a, _ in SIZES + HANGS + CERTIFY])
def test_refused_with_a_message(cli_box, tmp_path, argv, word):
    r = cli_box.run(_fill(argv, tmp_path), timeout=TIME_LIMIT + 5, memory_bytes=6 * 2**30)
    assert_refused(r, mentions=[word] if word else [])


def test_check_certificate_deeply_nested_json(cli_box, tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100000 + "]" * 100000)
    r = cli_box.run(["check-certificate", str(f)])
    assert_refused(r, statuses=(1,), mentions=["INVALID", "deep.json"], stream="stdout")


def test_certify_optimum_at_1000_digits_works_and_rechecks(cli_box, tmp_path):
    """--digits 1000 raised CertificateFormatError; it is now within the supported range."""
    out = tmp_path / "c.json"
    r = cli_box.run(["certify", "optimum", *CERT, "--digits", "1000", "--out", str(out)], timeout=60)
    assert r.status == 0 and "Traceback" not in r.output, r.describe()
    check = cli_box.run(["check-certificate", str(out)], timeout=60)
    assert check.status == 0 and "VALID" in check.stdout, check.describe()


# -- files: every command that writes one refuses a bad path before it starts -----------------------

WRITERS = {
    "compare --csv": ["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--dps", "10", "--csv", "{path}"],
    "phase --csv": ["phase", "--K", "3", "--L", "2", "--dps", "10", "--workers", "1", "--csv", "{path}"],
    "phase --png": ["phase", "--K", "3", "--L", "2", "--dps", "10", "--workers", "1", "--png", "{path}"],
    "verify --csv": ["verify", "--only", "zhu_l1", "--quick", "--csv", "{path}"],
    "landscape --csv": ["landscape", "--K", "3", "--L", "2", "--lam", "0.1", "--csv", "{path}"],
    "certify --out": ["certify", "optimum", *CERT, "--digits", "20", "--out", "{path}"],
    "sweep --out": ["sweep", "--preset", "custom", "--K", "3", "--d", "3", "--seeds", "1", "--out", "{path}"],
}


def _immutable_folder(tmp_path):
    folder = tmp_path / "immutable"
    folder.mkdir()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    return folder


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("where", ["missing folder", "a folder", "/proc", "immutable folder", "read-only sysfs"])
def test_bad_output_path_is_refused(cli_box, tmp_path, writer, where):
    suffix = ".png" if "png" in writer else ".json" if "certify" in writer else ".csv"
    immutable = None
    if where == "missing folder":
        path = tmp_path / "no-such-folder" / f"x{suffix}"
    elif where == "a folder":
        path = tmp_path
        if "sweep" in writer:  # sweep's --out is a folder: give it a file that exists instead
            path = tmp_path / "a-file"
            path.write_text("not a folder")
    elif where == "/proc":
        path = f"/proc/ufmtheory-test{suffix}"
    elif where == "read-only sysfs":  # refuses new files even to root
        path = f"/sys/kernel/ufmtheory-test{suffix}"
    else:
        immutable = _immutable_folder(tmp_path)
        path = immutable / f"x{suffix}"
    try:
        r = cli_box.run([a.replace("{path}", str(path)) for a in WRITERS[writer]])
    finally:
        if immutable is not None:
            subprocess.run(["chattr", "-i", str(immutable)])
    assert_refused(r, statuses=(2,), mentions=[str(path)])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only (mode 555) folder")
@pytest.mark.parametrize("writer", list(WRITERS))
def test_read_only_folder_is_refused(cli_box, tmp_path, writer):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    path = folder / ("x.png" if "png" in writer else "x.json" if "certify" in writer else "x.csv")
    r = cli_box.run([a.replace("{path}", str(path)) for a in WRITERS[writer]])
    assert_refused(r, statuses=(2,), mentions=[str(path)])


def test_png_that_is_not_an_image_format(cli_box, tmp_path):
    r = cli_box.run(["phase", "--K", "3", "--L", "2", "--png", str(tmp_path / "x.notanimage")])
    assert_refused(r, statuses=(2,), mentions=["x.notanimage"])
    assert not (tmp_path / "x.notanimage").exists()
