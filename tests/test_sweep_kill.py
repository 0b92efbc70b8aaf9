"""A killed or terminated `ufmtheory sweep` (or `phase`) leaves no process behind (issue 14.3).

Real processes: the command runs with two worker processes; part 1 (λ = 1/64) finishes in well
under a second per run, part 2 (λ = 2^-16, ‖∇ℒ‖ <= 1e-9) runs for minutes, so when part 1's runs are
in results.jsonl the workers are busy with part 2. Every descendant of the command is recorded
while it is alive, then the command is killed (SIGKILL) or terminated (SIGTERM).
"""
import os
import signal
import subprocess
import sys
import time

import pytest

from ufmtheory.sweep import read_results

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and process groups")

ARGS = ["sweep", "--preset", "custom", "--K", "3", "--n", "1", "--d", "3", "--lam", "1/64,2^-16", "--seeds", "2",
        "--batch", "1", "--grad-tol", "1e-9", "--step-factor", "20", "--no-plot", "--workers", "2"]


def _children(pid: int) -> list:
    """Every descendant of ``pid`` (from /proc: each process's parent id)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out.extend(kids)
        frontier.extend(kids)
    return out


def _alive(pid: int, start: str) -> bool:
    """Is the process ``pid`` that started at ``start`` (a /proc stat field) still running (not a zombie)?"""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] not in ("Z", "X") and fields[19] == start


def _start_time(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()[19]


def _descendants(pid: int) -> dict:
    """{pid: start time} of the living descendants of ``pid`` (start times tell a reused pid apart)."""
    kids = {}
    for child in _children(pid):
        try:
            kids[child] = _start_time(child)
        except OSError:  # it ended meanwhile
            pass
    return kids


def _start_sweep(out):
    """Start the command; return (process, {pid: start time} of its descendants) once part 1's two
    runs are written and the two workers are running part 2."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "ufmtheory", *ARGS, "--out", str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(read_results(out / "results.jsonl")) >= 2:
            kids = _descendants(proc.pid)
            if len(kids) >= 2:
                return proc, kids
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"the sweep did not get going: status {proc.poll()}, stderr {proc.communicate()[1][-2000:]}")


def _survivors(kids: dict, wait: float) -> list:
    deadline = time.monotonic() + wait
    while True:
        alive = [pid for pid, start in kids.items() if _alive(pid, start)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _cleanup(proc, kids):
    for pid, start in kids.items():
        if _alive(pid, start):
            os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_sigkill_leaves_no_worker_behind(tmp_path):
    proc, kids = _start_sweep(tmp_path / "o")
    try:
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: no handler, no cleanup code runs
        proc.wait()
        t0 = time.monotonic()
        left = _survivors(kids, 10)
        assert not left, f"processes {left} outlived the killed sweep by 10 s"
        print(f"all {len(kids)} descendants gone {time.monotonic() - t0:.2f} s after SIGKILL")
    finally:
        _cleanup(proc, kids)


def test_sigterm_stops_the_sweep_and_keeps_finished_runs(tmp_path):
    out = tmp_path / "o"
    proc, kids = _start_sweep(out)
    try:
        done_before = {r["key"] for r in read_results(out / "results.jsonl")}
        t0 = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("the sweep did not stop within 5 s of SIGTERM")
        seconds = time.monotonic() - t0
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "Traceback" not in err and "finished runs are in" in err
        after = read_results(out / "results.jsonl")
        assert {r["key"] for r in after} >= done_before and len(after) >= 2
        assert all("lam=1/64," in r["key"] for r in after)  # part 2's runs were stopped, not finished
        assert not _survivors(kids, 5)
        print(f"stopped {seconds:.2f} s after SIGTERM with {len(after)} runs kept")
    finally:
        _cleanup(proc, kids)


def test_killed_phase_leaves_no_worker_behind():
    """`ufmtheory phase` runs its cells on the same pool (ufmtheory.processes): its workers die with it
    too (with the plain process pool it used before, both workers outlived a SIGKILL)."""
    proc = subprocess.Popen([sys.executable, "-m", "ufmtheory", "phase", "--K", "20..40", "--L", "1..3",
                             "--workers", "2", "--no-progress"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    kids = {}
    try:
        deadline = time.monotonic() + 120
        while len(kids) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)  # the workers start at the first submit, after the parent's imports
            kids = _descendants(proc.pid)
        assert len(kids) >= 2, f"phase did not start its workers (status {proc.poll()})"
        time.sleep(1)  # let the workers finish starting (their parent-death setup runs first)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = _survivors(kids, 10)
        assert not left, f"processes {left} outlived the killed phase command by 10 s"
    finally:
        _cleanup(proc, kids)
