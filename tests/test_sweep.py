"""Sweeps: scheduling-independent seeds, resumption after an interruption or a kill (every run done
exactly once), a truncated results file, a real Dask LocalCluster, and the ``sweep`` command."""
import concurrent.futures as cf
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, strategies as st

from ufmtheory.cli import main
from ufmtheory.sweep import (Grid, ResultsFileWarning, Task, make_tasks, read_results, run_key, run_sweep, run_task, seed_sequence,
                             summarise, wilson_interval)


def tiny_grid(**kw):
    base = dict(K=[3], L=[2], n=[1], d=[3, 4], lam=["1/64"], max_steps=[2000], grad_tol=[1e-7], seeds=3,
                batch=2, name="tiny")
    base.update(kw)
    return Grid(**base)


@given(root=st.integers(0, 2 ** 32), i=st.integers(0, 20), extra=st.integers(1, 10))
def test_seed_of_a_run_does_not_depend_on_the_number_of_seeds(root, i, extra):
    a = seed_sequence(root, i)
    b = np.random.SeedSequence(root).spawn(i + extra)[i]
    assert a.entropy == b.entropy and a.spawn_key == b.spawn_key
    assert np.array_equal(a.generate_state(4), b.generate_state(4))


def test_a_run_does_not_depend_on_its_batch():
    pt = tiny_grid().points()[0]
    together = run_task(Task(pt, [0, 1, 2], 0))
    alone = run_task(Task(pt, [2], 0))
    assert together[2]["key"] == alone[0]["key"]
    assert abs(together[2]["objective"] - alone[0]["objective"]) < 1e-13
    assert together[2]["steps"] == alone[0]["steps"]
    assert together[0]["objective"] != together[1]["objective"]


def test_make_tasks_skips_done_runs_and_batches_the_rest():
    g = tiny_grid()
    tasks = make_tasks(g)
    assert [len(t.seed_indices) for t in tasks] == [2, 1, 2, 1]
    done = {run_key(g.points()[0], 1, 0)}
    tasks = make_tasks(g, done)
    assert [t.seed_indices for t in tasks] == [[0, 2], [0, 1], [2]]


def _check_complete(path, grid):
    recs = read_results(path)
    keys = [r["key"] for r in recs]
    want = {run_key(pt, i, grid.root_seed) for pt in grid.points() for i in range(grid.seeds)}
    assert len(keys) == len(set(keys)) == len(want) and set(keys) == want
    return recs


def test_interrupted_sweep_resumes_and_runs_everything_once(tmp_path):
    g = tiny_grid()
    path = tmp_path / "r.jsonl"
    seen = []

    def interrupt(recs):
        seen.extend(recs)
        raise KeyboardInterrupt

    with cf.ThreadPoolExecutor(2) as ex:
        with pytest.raises(KeyboardInterrupt):
            run_sweep(g, path, executor=ex, on_result=interrupt, max_pending=1)
    first = read_results(path)
    assert 0 < len(first) < 6 and [r["key"] for r in first] == [r["key"] for r in seen]
    with cf.ThreadPoolExecutor(2) as ex:
        res = run_sweep(g, path, executor=ex)
    assert res["skipped"] == len(first) and res["done"] == 6 - len(first)
    _check_complete(path, g)
    with cf.ThreadPoolExecutor(2) as ex:
        again = run_sweep(g, path, executor=ex)
    assert again["done"] == 0 and again["skipped"] == 6 and len(read_results(path)) == 6


def test_truncated_last_line_is_ignored_and_redone(tmp_path):
    g = tiny_grid(d=[3])
    path = tmp_path / "r.jsonl"
    with cf.ThreadPoolExecutor(1) as ex:
        run_sweep(g, path, executor=ex)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2]) + "\n" + lines[2][:40])  # the writer died mid-line
    assert len(read_results(path)) == 2
    with cf.ThreadPoolExecutor(1) as ex, pytest.warns(ResultsFileWarning, match="1 line of"):
        res = run_sweep(g, path, executor=ex)
    assert res["done"] == 1
    _check_complete(path, g)


CLI_TINY = ["sweep", "--preset", "custom", "--K", "3", "--n", "1", "--d", "3,4,5", "--lam", "1/64",
            "--seeds", "4", "--batch", "1", "--step-factor", "20", "--grad-tol", "1e-9", "--no-plot"]


def test_killed_sweep_loses_no_finished_run_and_rerun_completes(tmp_path):
    """Kill the whole `ufmtheory sweep` process group (parent and its worker processes) with SIGKILL
    after a few results; the rerun finishes the grid and every run appears exactly once."""
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "ufmtheory", *CLI_TINY, "--out", str(out)]
    proc = subprocess.Popen(cmd + ["--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    path = out / "results.jsonl"
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(read_results(path)) < 2 and proc.poll() is None:
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = read_results(path)
    assert len(before) >= 2
    r = subprocess.run(cmd + ["--workers", "1", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["runs_skipped"] == len(before) and info["runs_new"] == 12 - len(before)
    recs = read_results(path)
    keys = [x["key"] for x in recs]
    assert len(keys) == len(set(keys)) == 12
    old = {x["key"]: x["objective"] for x in before}
    assert all(x["objective"] == old[x["key"]] for x in recs if x["key"] in old)


def test_dask_local_cluster_gives_the_same_results(tmp_path):
    pytest.importorskip("dask.distributed")
    from ufmtheory.sweep import dask_executor
    g = tiny_grid()
    with dask_executor("local", workers=2) as ex:
        res = run_sweep(g, tmp_path / "dask.jsonl", executor=ex)
    assert res["done"] == 6
    dask_recs = {r["key"]: r for r in _check_complete(tmp_path / "dask.jsonl", g)}
    assert len({r["worker"] for r in dask_recs.values()}) >= 1
    with cf.ThreadPoolExecutor(2) as ex:
        run_sweep(g, tmp_path / "local.jsonl", executor=ex)
    for r in read_results(tmp_path / "local.jsonl"):
        assert abs(r["objective"] - dask_recs[r["key"]]["objective"]) < 1e-12
        assert r["label"] == dask_recs[r["key"]]["label"]


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(5, 10)
    assert abs(lo - 0.2366) < 1e-4 and abs(hi - 0.7634) < 1e-4
    lo, hi = wilson_interval(0, 10)
    assert lo == 0 and abs(hi - 0.2775) < 1e-4


def test_summarise_counts():
    recs = [{"d": 10, "label": lab, "rank": rk, "seed": i, "converged": True, "loss_gap": 0.0}
            for i, (lab, rk) in enumerate([("dnc", 9), ("paired", 5), ("paired", 5), ("mixed", 7)])]
    recs.append({"d": 20, "label": "dnc", "rank": 9, "seed": 0, "converged": False, "loss_gap": 1e-3})
    rows = summarise(recs, ["d"])
    assert [r["d"] for r in rows] == [10, 20]
    assert rows[0]["n_dnc"] == 1 and rows[0]["n_paired"] == 2 and rows[0]["P_dnc"] == 0.25
    assert rows[0]["ranks"] == "5 5 7 9" and rows[0]["rank_mean"] == 6.5
    assert rows[1]["converged"] == 0 and rows[1]["max_abs_gap"] == 1e-3


def test_sweep_cli_json_tables_and_resume(tmp_path, capsys):
    out = tmp_path / "o"
    args = CLI_TINY + ["--out", str(out), "--json", "--workers", "1"]
    assert main(args) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["runs_new"] == 12 and info["runs_skipped"] == 0
    rows = info["tables"]["custom"]
    assert [r["d"] for r in rows] == [3, 4, 5] and all(r["runs"] == 4 for r in rows)
    # K = 3: every run ends at DNC at this λ; losses agree with the exact optimum
    assert all(r["n_dnc"] == 4 and r["max_abs_gap"] < 1e-9 for r in rows)
    for key in ("custom_json", "custom_csv", "results"):
        assert os.path.exists(info["files"][key])
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["runs_new"] == 0 and again["runs_skipped"] == 12


def test_sweep_cli_preset_plot(tmp_path, capsys, monkeypatch):
    """fig5 --reduced with a small step budget: the table and the PNG are written."""
    out = tmp_path / "f5"
    assert main(["sweep", "--preset", "fig5", "--reduced", "--seeds", "1", "--step-factor", "0.5",
                 "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "fig5-reduced" in text
    assert (out / "fig5-reduced.png").stat().st_size > 1000
    assert (out / "fig5-reduced_d.csv").read_text().startswith("d,init_scale,runs")


@pytest.mark.parametrize("bad", [["--init-scale", "0"], ["--seeds", "0"], ["--lr", "-1"], ["--lam", "abc"],
                                 ["--preset", "fig9"]])
def test_sweep_cli_bad_input_exits_2(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--preset", "custom", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2 and "usage: ufmtheory sweep" in capsys.readouterr().err


def test_process_pool_workers_use_one_blas_thread():
    """Workers start on demand (at submit), so the one-thread limits must still be set then."""
    from ufmtheory.sweep import process_executor
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    with process_executor(1) as ex:
        got = ex.submit(os.getenv, "OPENBLAS_NUM_THREADS").result()
    assert got == "1" and os.environ.get("OPENBLAS_NUM_THREADS") == before
