"""`ufmtheory sweep` under hostile input (issues 13 and 14): every bad option ends with one line and
exit 1 or 2, fast and small; a results file with bad lines is repaired, never a crash; the messages
and file names say what is true; the fig5 plot has integer rank ticks."""
import json
import os
import re
import stat

import pytest

from ufmtheory import limits
from ufmtheory.cli import main
from ufmtheory.sweep import (Grid, ResultsFileWarning, read_results, record_problem, rejected_path, run_key,
                             run_sweep, step_budget, summarise, task_bytes)

TINY = ["sweep", "--preset", "custom", "--K", "3", "--n", "1", "--d", "3", "--lam", "1/64", "--seeds", "2",
        "--batch", "1", "--step-factor", "20", "--grad-tol", "1e-9", "--no-plot", "--workers", "1"]


def check_refused(r, status, *words):
    assert not r.timed_out and r.status == status, r.describe()
    assert "Traceback" not in r.output, r.describe()
    assert r.seconds < 10 and r.peak_rss_bytes < 4 * 2**30, r.describe()
    err = [line for line in r.stderr.splitlines() if not line.startswith(("usage:", " "))]
    assert len(err) == 1, r.describe()  # one message line (after argparse's usage, for exit 2)
    for w in words:
        assert w in err[0], r.describe()
    return err[0]


@pytest.mark.parametrize("bad, words", [
    (["--K", "1000000000"], ["K=1000000000", "of memory", "limit"]),
    (["--n", "100000", "--K", "100000", "--d", "100000"], ["of memory", "limit"]),
    (["--lam", "1e400"], ["lr·λ must be < 2"]),
    (["--lam", "1e-400"], ["step budget", "10^401", f"{limits.SWEEP_MAX_STEPS:.0e}"]),  # 20/(0.5·10^-400)
    (["--lam", "1e-400", "--step-factor", "50"], ["step budget", "10^402"]),
    (["--lam", ","], ["--lam", "at least one"]),
    (["--init-scale", "1e200"], ["init_scale", "<= 1e+50", "L = 2"]),
    (["--lam", "2^-40"], ["step budget", "4.4e+13", "SWEEP_MAX_STEPS"]),  # 20/(0.5·2^-40) = 40·2^40
    (["--lam", "2^-40", "--step-factor", "50"], ["step budget", "1.1e+14"]),
    (["--lr", "1e-300"], ["step budget"]),
    (["--dask", "notanaddress"], ["dask", "'notanaddress'", "tcp://HOST:PORT"]),
    (["--dask", "tcp://host:99999"], ["dask", "port 1..65535"]),
    (["--out", "/etc/hostname"], ["/etc/hostname", "is a file"]),
    (["--out", "/nonexistent-ufm/o"], ["/nonexistent-ufm", "does not exist"]),
    (["--out", "/proc/ufm-sweep"], ["/proc", "cannot create a file"]),
    (["--out", "/proc"], ["'/proc'", "cannot create a file"]),
    (["--workers", "0"], ["workers", f"<= {limits.SWEEP_MAX_WORKERS}"]),
    (["--workers", "100000"], ["workers", f"<= {limits.SWEEP_MAX_WORKERS}"]),
    (["--dask-timeout", "0"], ["--dask-timeout", "seconds > 0"]),
    (["--seeds", "1000000", "--d", "3..4"], ["2000000 runs", str(limits.SWEEP_MAX_RUNS)]),
])
def test_hostile_options_exit_2_with_one_line(cli_box, tmp_path, bad, words):
    argv = [*TINY, "--out", str(tmp_path / "o"), *bad]
    check_refused(cli_box.run(argv, memory_bytes=4 * 2**30), 2, *words)


def _msg(cli_box, tmp_path, option, value):
    line = check_refused(cli_box.run([*TINY, "--out", str(tmp_path / "o"), option, value], memory_bytes=4 * 2**30), 2)
    return re.sub(r", got .*$", "", line)


@pytest.mark.parametrize("option, values, rng", [
    ("--K", ["-3", "0", "1", "10000000000"], ">= 2 and <= 1000000000"),
    ("--L", ["-3", "0", "10000000000"], ">= 1 and <= 1000000000"),
    ("--n", ["-3", "0", "10000000000"], ">= 1 and <= 1000000000"),
    ("--d", ["0", "1", "2", "10000000000"], ">= 3 and <= 1000000000"),  # d >= K = 3
    ("--seeds", ["-3", "0", "10000000"], ">= 1 and <= 1000000"),
])
def test_one_message_per_size_whatever_the_bad_value(cli_box, tmp_path, option, values, rng):
    msgs = {_msg(cli_box, tmp_path, option, v) for v in values}
    assert len(msgs) == 1, msgs
    assert rng in msgs.pop()


def test_d_below_K_is_refused_with_K_as_the_bound(cli_box, tmp_path):
    line = check_refused(cli_box.run([*TINY, "--out", str(tmp_path), "--K", "10", "--d", "5"]), 2)
    assert "d must be an integer >= 10" in line


def test_unreachable_dask_scheduler_fails_with_the_address(cli_box, tmp_path):
    r = cli_box.run([*TINY, "--out", str(tmp_path / "o"), "--dask", "tcp://127.0.0.1:1"])
    line = check_refused(r, 1, "'tcp://127.0.0.1:1'", "Dask scheduler")
    assert line.startswith("ufmtheory sweep: ")


def test_silent_dask_address_gives_up_after_dask_timeout(cli_box, tmp_path):
    """A scheduler address that accepts the connection and then says nothing (a loopback socket of
    this test): the sweep gives up within --dask-timeout, naming the address."""
    import socket
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        r = cli_box.run([*TINY, "--out", str(tmp_path / "o"), "--dask", address, "--dask-timeout", "1"])
    finally:
        server.close()
    check_refused(r, 1, f"'{address}'")
    # the bound: the timeout (1 s) plus what importing dask.distributed costs on this machine now
    # (measured in the same run: under load it alone can take seconds), with 2 s to spare — a hang
    # (the bug this guards against) never ends
    import subprocess
    import sys
    import time
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import dask.distributed"], check=True)
    imported = time.perf_counter() - t0
    assert r.seconds < 1 + imported + 2, (imported, r.describe())


@pytest.mark.parametrize("option, value", [("--K", "1"), ("--K", "12"), ("--lam", "0.1"), ("--loss", "mse")])
def test_custom_grid_options_with_a_preset_are_refused_not_ignored(cli_box, tmp_path, option, value):
    """``sweep --K 1`` used to run the whole fig2 preset, ignoring --K: a custom-grid option given with
    another preset is an error naming the option (exit 2), before any work."""
    r = cli_box.run(["sweep", "--preset", "fig2", "--out", str(tmp_path / "o"), option, value])
    line = check_refused(r, 2, option, "--preset custom")
    assert not (tmp_path / "o").exists()


def test_read_only_out_folder(cli_box, tmp_path):
    if os.geteuid() == 0:  # root ignores permission bits: sysfs refuses new files even to root
        target = "/sys/kernel"
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
        target = str(ro)
    check_refused(cli_box.run([*TINY, "--out", target]), 2, target, "cannot create a file")
    check_refused(cli_box.run([*TINY, "--out", os.path.join(target, "new")]), 2, target, "cannot create a file")


def test_results_jsonl_that_is_a_folder(cli_box, tmp_path):
    (tmp_path / "results.jsonl").mkdir()
    check_refused(cli_box.run([*TINY, "--out", str(tmp_path)]), 2, "results.jsonl")


def test_huge_init_scale_within_range_diverges_and_is_reported(cli_box, tmp_path):
    """σ = 1e40 (allowed for L = 2) makes gradient descent diverge at once: reported as such, no crash."""
    r = cli_box.run([*TINY, "--out", str(tmp_path), "--init-scale", "1e40", "--json"])
    assert r.status == 0 and "Traceback" not in r.output, r.describe()
    recs = read_results(tmp_path / "results.jsonl")
    assert len(recs) == 2 and all(x["reason"] == "diverged" and x["label"] == "other" for x in recs)


# ---- the library's bounds ----------------------------------------------------------------------

def test_step_budget_is_exact():
    assert step_budget("1/1024", 0.5, 50) == 102400  # 50 / (1/2 · 1/1024)
    assert step_budget("1/3", 0.5, 1) == 6
    assert step_budget("1e400", 0.5, 50) == 1


def test_task_memory_estimate_counts_the_parameters():
    # K=2, L=1, n=1, d=2: N=2; parameters d·N + K·d = 8 floats; features (L+2)·d·N = 12; logits 4·K·N = 16
    assert task_bytes(2, 1, 1, 2, runs=1) == 8 * (6 * 8 + 12 + 16)
    assert task_bytes(2, 1, 1, 2, runs=5) == 5 * task_bytes(2, 1, 1, 2, runs=1)


def test_grid_refuses_before_any_work():
    with pytest.raises(ValueError, match="of memory"):
        Grid(K=[10**9], d=[70])
    with pytest.raises(ValueError, match="lr·λ must be < 2"):
        Grid(K=[3], d=[3], lam=["4"], lr=[0.5])
    Grid(K=[3], d=[3], lam=["3.99"], lr=[0.5])  # lr·λ = 1.995 < 2


# ---- resuming from a damaged results file --------------------------------------------------------

def tiny_grid():
    return Grid(K=[3], L=[2], n=[1], d=[3, 4], lam=["1/64"], max_steps=[1500], grad_tol=[1e-7], seeds=3, batch=2,
                name="tiny")


def _keys(grid):
    return {run_key(pt, i, grid.root_seed) for pt in grid.points() for i in range(grid.seeds)}


def test_damaged_results_file_is_repaired_and_completed_once(tmp_path):
    g = tiny_grid()
    path = tmp_path / "results.jsonl"
    run_sweep(g, path, workers=1)
    good = read_results(path)
    assert len(good) == 6
    kept, spoilt = good[:3], good[3:]
    wrong_type = dict(spoilt[0], objective="0.5", seed="1")  # strings where numbers are expected
    only_key = {"key": spoilt[1]["key"]}
    bad_key = dict(spoilt[2], key=spoilt[2]["key"].replace("seed=", "seed=9"))  # key does not match its fields
    lines = [json.dumps(kept[0]), "42", json.dumps(kept[1]), "[1, 2]", '"text"', "null", json.dumps(only_key),
             json.dumps(wrong_type), json.dumps(bad_key), "{not json", json.dumps(kept[0]),  # a repeat
             json.dumps(kept[2]), json.dumps(spoilt[0])[:50]]  # a truncated last line
    path.write_text("\n".join(lines))
    n_bad = 10
    with pytest.warns(ResultsFileWarning, match=rf"{n_bad} lines of .*results.jsonl.* moved to .*results.rejected.jsonl"):
        res = run_sweep(g, path, workers=1)
    assert res["skipped"] == 3 and res["done"] == 3
    recs = read_results(path)
    counts = {}
    for line in path.read_text().splitlines():
        key = json.loads(line)["key"]
        counts[key] = counts.get(key, 0) + 1
    assert set(counts) == _keys(g) and set(counts.values()) == {1}  # every run exactly once, every line a record
    assert {r["key"]: r["objective"] for r in recs if r["key"] in {k["key"] for k in kept}} == \
        {k["key"]: k["objective"] for k in kept}  # the valid records were kept as they were
    rejected = [json.loads(x) for x in open(rejected_path(path))]
    assert len(rejected) == n_bad and [x["line"] for x in rejected] == [lines[i] for i in (1, 3, 4, 5, 6, 7, 8, 9, 10, 12)]
    # a second repair appends to the rejected file
    with open(path, "a") as fh:
        fh.write("null\n")
    with pytest.warns(ResultsFileWarning, match="1 line of"):
        again = run_sweep(g, path, workers=1)
    assert again["done"] == 0 and again["skipped"] == 6
    assert len(open(rejected_path(path)).read().splitlines()) == n_bad + 1


@pytest.mark.parametrize("rec, why", [(42, "not a JSON object"), ([1, 2], "not a JSON object"),
                                      ("text", "not a JSON object"), (None, "not a JSON object"),
                                      ({"key": "x"}, "no field 'K'")])
def test_record_problem_names_the_problem(rec, why):
    assert why in record_problem(rec)


def test_cli_warns_in_one_line_and_completes(cli_box, tmp_path):
    (tmp_path / "results.jsonl").write_text('42\n[1,2]\n"text"\nnull\n{"key": "k"}\n{"trunc')
    r = cli_box.run([*TINY, "--out", str(tmp_path), "--json"], timeout=30)
    assert r.status == 0 and "Traceback" not in r.output, r.describe()
    warn = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(warn) == 1 and "6 lines" in warn[0] and "results.rejected.jsonl" in warn[0], r.describe()
    info = json.loads(r.stdout)
    assert info["runs_new"] == 2 and info["runs_skipped"] == 0
    assert len(read_results(tmp_path / "results.jsonl")) == 2


# ---- wording ------------------------------------------------------------------------------------

def test_fig2_reduced_counts_are_true(tmp_path, capsys):
    """fig2 --reduced: widths 10, 20, 40 at λ = 2^-10 and λ = 2^-9, 2^-10, 2^-11 at d = 20 — the point
    (d=20, λ=2^-10) is in both parts, so one seed gives 3 + 3 − 1 = 5 distinct runs."""
    args = ["sweep", "--preset", "fig2", "--reduced", "--seeds", "1", "--step-factor", "0.5", "--workers", "1",
            "--no-plot", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "5 runs: 5 new, 0 already in" in out
    assert len(read_results(tmp_path / "results.jsonl")) == 5
    assert main(args) == 0
    assert "5 runs: 0 new, 5 already in" in capsys.readouterr().out


def test_help_shows_each_default_once(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "(default 10, reduced 4)" in text
    assert "(default: 70)" in text and "--dask-timeout" in text


def test_custom_sweep_file_names(tmp_path, capsys):
    assert main([*TINY, "--out", str(tmp_path), "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert files["custom_json"] == str(tmp_path / "custom.json") and files["custom_csv"] == str(tmp_path / "custom.csv")
    assert not list(tmp_path.glob("custom_custom*"))


# ---- the fig5 plot ----------------------------------------------------------------------------

def test_fig5_rank_axis_has_integer_ticks_from_0_to_K():
    from ufmtheory.cli.sweep import make_figure
    recs = [{"d": d, "init_scale": 1.0, "label": "paired", "rank": 5, "seed": i, "converged": True, "loss_gap": 0.0}
            for d in (10, 20) for i in range(3)]  # every rank 5: matplotlib alone would show 4.8 … 5.2
    fig = make_figure("fig5", {"d": summarise(recs, ["d", "init_scale"])}, "t", K=10)
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    assert lo <= 0 and hi >= 10
    ticks = [t for t in ax.get_yticks() if lo <= t <= hi]
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks)
