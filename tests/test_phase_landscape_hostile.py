"""Hostile input to `ufmtheory phase` and `ufmtheory landscape`: refused before work (exit 2, one line
naming the option and its range or the estimate), no traceback, fast, bounded memory; the phase plot."""
import json

import pytest

from ufmtheory.limits import LANDSCAPE_MAX_SECONDS, PHASE_MAX_SECONDS


def _refused(cli_box, argv, *words, status=2, limit=1.0):
    r = cli_box.run(argv, timeout=10)
    assert r.status == status, r.describe()
    assert "Traceback" not in r.output, r.describe()
    assert r.seconds < limit and r.peak_rss_bytes < 4 * 2**30, r.describe()
    last = r.stderr.strip().splitlines()[-1]
    for w in words:
        assert w in last, r.describe()
    return last


@pytest.mark.parametrize("argv,words", [
    (["--K", "2..1000000000"], ["--K", "at most 10000"]),
    (["--K", "200"], ["K must be an integer >= 2 and <= 128", "got 200"]),
    (["--K", "1000000000"], ["K must be an integer >= 2 and <= 128"]),
    (["--K", "-3"], ["K must be an integer >= 2 and <= 128"]),
    (["--L", "0"], ["L must be an integer >= 1 and <= 10000"]),
    (["--K", "4", "--L", "100000"], ["L must be an integer >= 1 and <= 10000"]),
    (["--K", "4", "--n", "0"], ["n must be an integer >= 1"]),
    (["--K", "4", "--n", "1" + "0" * 1001], ["n must be an integer >= 1 and <= 10^1000", "1002-digit"]),
    (["--K", "4", "--dps", "100000"], ["dps must be an integer >= 5 and <= 1000"]),
    (["--K", "4", "--workers", "100000"], ["workers must be an integer >= 1"]),
    # the grid estimate: every K up to 128 at every L up to 8, and K up to 96 at 1000 digits (measured truth in
    # test_phase_grid_estimate_refuses_only_what_would_not_finish)
    (["--K", "2..128", "--workers", "1"], ["the phase grid of 1016 cells", "would take about", f"limit of {PHASE_MAX_SECONDS:.2g} s"]),
    (["--K", "2..96", "--dps", "1000", "--workers", "1"], ["the phase grid of 760 cells", "1000 digits", "would take about"]),
])
def test_phase_refuses_out_of_range_and_too_long_grids(cli_box, argv, words):
    _refused(cli_box, ["phase"] + argv, *words)


def test_phase_grid_estimate_refuses_only_what_would_not_finish():
    """Measured on 2 December 2026 (2 shared cores, load 4–7 from other jobs; see limits.phase_cell_seconds):
    the default grid K 2..16 × L 1..8 at 1000 digits ran in 242 s on 2 workers (156 s of CPU in all), so it is
    accepted, also on one worker (it was refused before, estimated at 6524 s). K 2..96 × L 1..8 at 1000 digits
    is refused: single cells timed at 1000 digits take on average ≈ 0.25·K s of CPU above their 50-digit cost
    (K = 14: 6, K = 32: 8.6, (65, 2): 38, (128, 2): 29), i.e. ≈ 9300 s for the 760 cells plus ≈ 1500 s for the
    branch and bound ((128, 1): 41 s, (128, 2): 11 s, ∝ K³) — about 3 h on one worker. The same grid at 50
    digits (≈ 1500 s by the same measurements) is accepted."""
    from ufmtheory._validate import ParameterError
    from ufmtheory.phase import check_grid, grid_seconds

    default_K, default_L = range(2, 17), range(1, 9)
    assert check_grid(default_K, default_L, dps=1000, workers=1)[3] == 1000
    assert 242 <= grid_seconds(default_K, default_L, 1000, 2) <= PHASE_MAX_SECONDS  # an upper bound of the run
    assert check_grid(range(2, 97), default_L, dps=50, workers=1)[3] == 50
    with pytest.raises(ParameterError, match="the phase grid of 760 cells .*1000 digits.* would take about"):
        check_grid(range(2, 97), default_L, dps=1000, workers=1)


def test_phase_output_files_checked_before_work(cli_box, tmp_path):
    (tmp_path / "adir.csv").mkdir()
    for opt, path, why in [("--csv", "/nonexistent-folder/x.csv", "does not exist"),
                           ("--csv", str(tmp_path / "adir.csv"), "it is a folder"),
                           ("--csv", "/proc/x.csv", "cannot create a file"),
                           ("--png", str(tmp_path / "x.notanimage"), "must end in one of"),
                           ("--png", "/nonexistent-folder/x.png", "does not exist")]:
        # --K 2..128 alone would be refused by the estimate; the file is checked first (while parsing)
        _refused(cli_box, ["phase", "--K", "2..128", opt, path], opt, why)


@pytest.mark.parametrize("argv,words", [
    (["--lam", "1e-400"], ["--lam", ">= 2.23e-308", "1.0e-1200"]),
    (["--lam", "1e-110"], ["--lam", ">= 2.23e-308"]),  # λ³ = 1e-330 is no float64: silently wrong before
    (["--lam", "0.01", "--seed", "-1"], ["seed must be an integer >= 0 and <= 4294967295"]),
    (["--lam", "0.01", "--d", "1000000"], ["1000008000000 parameters", "TiB of memory", "limit"]),
    (["--lam", "0.01", "--K", "100"], ["30000 parameters", "GiB of memory", "limit"]),
    (["--lam", "2^-10", "--K", "10", "--n", "5", "--d", "70", "--dense", "yes"],
     ["--dense yes at 9100 parameters", "would take about", f"limit of {LANDSCAPE_MAX_SECONDS:.2g} s"]),
])
def test_landscape_refuses_hostile_input(cli_box, argv, words):
    base = ["landscape", "--K", "4", "--L", "2"]
    limit = 1.0
    if "--K" in argv:  # the estimate needs the structure's exact rank, i.e. sympy: its import time (measured
        import subprocess  # now, on this machine) comes on top of the 1 s
        import sys
        import time
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sympy"], check=True)
        limit += time.perf_counter() - t0
    _refused(cli_box, base + argv, *words, limit=limit)


def test_landscape_csv_checked_before_work(cli_box, tmp_path):
    (tmp_path / "adir.csv").mkdir()
    for path, why in [("/nonexistent-folder/x.csv", "does not exist"), (str(tmp_path / "adir.csv"), "it is a folder"),
                      ("/proc/x.csv", "cannot create a file"), (str(tmp_path / "x.png"), "must end in one of")]:
        _refused(cli_box, ["landscape", "--K", "100", "--L", "2", "--lam", "0.01", "--csv", path], "--csv", why)


def test_landscape_small_run_writes_csv(cli_box, tmp_path):
    out = tmp_path / "l.csv"
    r = cli_box.run(["landscape", "--K", "3", "--L", "2", "--lam", "0.01", "--mp", "no", "--dense", "no",
                     "--csv", str(out)], timeout=30)
    assert r.status == 0, r.describe()
    assert out.read_text().startswith("branch,t,critical")


# ---- the phase plot (issue 14.7) ----

@pytest.fixture(scope="module")
def small_grid():
    from ufmtheory.phase import phase_grid
    return phase_grid([3, 4, 5], [2, 3], dps=20, workers=1)


def test_phase_plot_colours_distinct_and_lambda_axis_shows_every_switch(small_grid):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.colors import to_hex

    from ufmtheory.phase import plot
    fig = plot(small_grid)
    colour_of = {}
    for ax in fig.axes:
        for p in ax.patches:
            colour_of.setdefault(p.get_gid(), set()).add(to_hex(p.get_facecolor()))
    winners = {iv["winner"] for c in small_grid["cells"] for iv in c["intervals"]}
    assert set(colour_of) == winners
    assert all(len(c) == 1 for c in colour_of.values())  # one colour per winner in every panel
    colours = [next(iter(c)) for c in colour_of.values()]
    assert len(set(colours)) == len(colours)  # distinct winners, distinct colours
    switches = [v for c in small_grid["cells"] for iv in c["intervals"]
                for v in (iv["log2_lam_lo"], iv["log2_lam_hi"]) if v is not None]
    # the (5, 3) paired2c band ends near 2^-40.9, below the old floor 2^-30
    c53 = next(c for c in small_grid["cells"] if (c["K"], c["L"]) == (5, 3))
    assert c53["intervals"][0]["winner"] == "paired2c" and c53["intervals"][0]["log2_lam_hi"] < -30
    for ax in fig.axes:
        if ax.patches:
            lo, hi = ax.get_xlim()
            assert lo < min(switches) and hi > max(switches)


def test_phase_png_written(cli_box, tmp_path):
    png = tmp_path / "p.png"
    r = cli_box.run(["phase", "--K", "3,4", "--L", "2", "--dps", "20", "--workers", "1", "--no-progress",
                     "--png", str(png), "--json"], timeout=60)
    assert r.status == 0, r.describe()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(r.stdout)["K"] == [3, 4]
