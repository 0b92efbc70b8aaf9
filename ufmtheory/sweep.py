"""Sweeps of gradient-descent runs over a grid, through any ``concurrent.futures`` executor.

A ``Grid`` lists values for K, L, n, d, λ, activation, loss, init scheme, init scale, learning
rate and step budget, and a number of seeds. Every grid point × seed index is one *run*; runs of
one grid point are batched into *tasks* of up to ``batch`` seeds (one vectorised GD call,
``training.train``). Reproducibility and resumption:

- seeds: run i of every grid point starts from ``numpy.random.SeedSequence(root_seed).spawn(i+1)[i]``
  (= ``SeedSequence(root_seed, spawn_key=(i,))``): independent streams that do not depend on the
  scheduling, on the batch a run lands in, or on how many seeds the sweep has (adding seeds keeps
  the first ones). The same seed index gives the same draw at every λ (common random numbers);
- results are appended to a JSON-lines file by the parent process as each task finishes (one line
  per run, flushed and fsync'ed), so an interrupted sweep or a killed worker loses no finished run;
- a rerun reads the file, skips every run whose key is already there, and batches the rest.

Executors: a local ``ProcessPoolExecutor`` (spawned workers, BLAS limited to one thread each) by
default; ``dask_executor("local")`` starts a ``dask.distributed.LocalCluster`` and
``dask_executor("tcp://host:8786")`` connects to a scheduler, both through
``Client.get_executor()`` (dask is imported only then: ``pip install ufmtheory[dask]``).
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import json
import math
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np

from . import _validate as V

GRID_AXES = ("K", "L", "n", "d", "lam", "activation", "loss", "init", "init_scale", "lr", "max_steps",
             "grad_tol", "polish")


def _lam_str(x) -> str:
    """λ as an exact string: Fractions "1/1024", other numbers via repr."""
    if isinstance(x, str):
        return x.strip()
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, float):
        return str(Fraction(x)) if Fraction(x).denominator <= 2 ** 60 else repr(x)
    return str(x)


@dataclass
class Grid:
    """Values of each axis (lists); every combination is a grid point with ``seeds`` runs."""

    K: list = field(default_factory=lambda: [10])
    L: list = field(default_factory=lambda: [2])
    n: list = field(default_factory=lambda: [5])
    d: list = field(default_factory=lambda: [70])
    lam: list = field(default_factory=lambda: ["1/1024"])
    activation: list = field(default_factory=lambda: ["linear"])
    loss: list = field(default_factory=lambda: ["ce"])
    init: list = field(default_factory=lambda: ["fan_in"])
    init_scale: list = field(default_factory=lambda: [1.0])
    lr: list = field(default_factory=lambda: [0.5])
    max_steps: list = field(default_factory=lambda: [60_000])
    grad_tol: list = field(default_factory=lambda: [1e-8])
    polish: list = field(default_factory=lambda: [False])
    seeds: int = 10
    root_seed: int = 0
    batch: int = 10
    name: str = "sweep"

    def __post_init__(self):
        for ax in GRID_AXES:
            v = getattr(self, ax)
            if not isinstance(v, (list, tuple)):
                v = [v]
            if not len(v):
                raise V.ParameterError(f"grid axis {ax} must have at least one value")
            setattr(self, ax, list(v))
        self.lam = [_lam_str(x) for x in self.lam]
        for ax in ("K", "L", "n", "d", "max_steps"):
            setattr(self, ax, [V.integer(ax, x, 0) for x in getattr(self, ax)])
        for ax in ("init_scale", "lr", "grad_tol"):
            setattr(self, ax, [float(V.positive(ax, x, allow_zero=(ax == "grad_tol"))) for x in getattr(self, ax)])
        self.polish = [bool(x) for x in self.polish]
        V.integer("seeds", self.seeds, 1)
        V.integer("root_seed", self.root_seed, 0)
        V.integer("batch", self.batch, 1)

    def points(self) -> list:
        """Every grid point as a dict (axis → value), in axis order."""
        vals = [getattr(self, ax) for ax in GRID_AXES]
        return [dict(zip(GRID_AXES, combo)) for combo in itertools.product(*vals)]

    def to_dict(self) -> dict:
        return asdict(self)


def point_key(point: dict) -> str:
    """Canonical text of a grid point (exact λ, floats by repr)."""
    return ",".join(f"{ax}={point[ax]!r}" if not isinstance(point[ax], str) else f"{ax}={point[ax]}"
                    for ax in GRID_AXES)


def run_key(point: dict, seed_index: int, root_seed: int) -> str:
    return f"{point_key(point)},root_seed={root_seed},seed={seed_index}"


def seed_sequence(root_seed: int, seed_index: int) -> np.random.SeedSequence:
    """Run ``seed_index``'s SeedSequence: the ``seed_index``-th child of SeedSequence(root_seed)."""
    return np.random.SeedSequence(root_seed).spawn(seed_index + 1)[seed_index]


@dataclass
class Task:
    """One grid point and the seed indices it runs (one batched GD call)."""

    point: dict
    seed_indices: list
    root_seed: int

    def keys(self) -> list:
        return [run_key(self.point, i, self.root_seed) for i in self.seed_indices]


def make_tasks(grid: Grid, done: set | None = None) -> list:
    """Tasks for every run of ``grid`` whose key is not in ``done``, ``grid.batch`` seeds a task."""
    done = done or set()
    tasks = []
    for pt in grid.points():
        todo = [i for i in range(grid.seeds) if run_key(pt, i, grid.root_seed) not in done]
        for j in range(0, len(todo), grid.batch):
            tasks.append(Task(pt, todo[j:j + grid.batch], grid.root_seed))
    return tasks


def run_task(task: Task) -> list:
    """Train the task's runs (one vectorised batch) and classify each endpoint; returns records.

    Module-level so that process pools and Dask can pickle it.
    """
    from .diagnostics import classify
    from .model import DeepUFM
    from .training import TrainConfig, train

    pt = task.point
    model = DeepUFM(pt["K"], pt["L"], n=pt["n"], lam=pt["lam"], d=pt["d"], activation=pt["activation"],
                    loss=pt["loss"])
    config = TrainConfig(lr=pt["lr"], max_steps=pt["max_steps"], grad_tol=pt["grad_tol"], polish=bool(pt["polish"]))
    seqs = [seed_sequence(task.root_seed, i) for i in task.seed_indices]
    t0 = time.perf_counter()
    results = train(model, seqs, config, init=pt["init"], init_scale=pt["init_scale"])
    elapsed = time.perf_counter() - t0
    out = []
    for i, r in zip(task.seed_indices, results):
        ep = classify(model, r.params, r.loss)
        rec = {"key": run_key(pt, i, task.root_seed), **pt, "root_seed": task.root_seed, "seed": i,
               "objective": r.loss, "fit_term": r.fit, "penalty_term": r.penalty, "grad_norm": r.grad_norm, "steps": r.steps,
               "reason": r.reason, "lbfgs_iterations": r.lbfgs_iterations, "converged": r.converged,
               "time_s": elapsed / len(results), "worker": f"{socket.gethostname()}:{os.getpid()}"}
        rec.update({k: v for k, v in ep.to_dict().items() if k != "loss"})
        out.append(_jsonable(rec))
    return out


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


# ---- the results file ---------------------------------------------------------------------------

def read_results(path) -> list:
    """Records of a JSON-lines file; a truncated last line (a killed writer) is ignored."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def _append(path, records: list) -> None:
    with open(path, "a+b") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":  # a previous writer died mid-line: start a fresh line
                fh.write(b"\n")
        fh.write("".join(json.dumps(r) + "\n" for r in records).encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


# ---- executors ------------------------------------------------------------------------------------

_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def process_executor(workers: int | None = None):
    """A ProcessPoolExecutor with spawned workers, each with one BLAS thread.

    The thread limits are environment variables that the workers inherit; they stay set in this
    process while the executor lives, because the pool starts workers on demand (at submit), not
    when it is created. This process's BLAS, already loaded, is not affected.
    """
    import multiprocessing

    workers = V.integer("workers", workers, 1) if workers is not None else (os.cpu_count() or 1)
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)
    try:
        ex = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield ex
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def dask_executor(address: str = "local", workers: int | None = None):
    """A concurrent.futures executor on Dask: ``"local"`` starts a LocalCluster (processes, one
    thread each, dashboard off, loopback); otherwise ``address`` is a scheduler address."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise V.ParameterError("--dask needs dask.distributed: pip install 'ufmtheory[dask]'") from exc
    if address == "local":
        n = V.integer("workers", workers, 1) if workers is not None else (os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    else:
        cluster, client = None, Client(address)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---- running ---------------------------------------------------------------------------------------

def run_sweep(grid: Grid, out_path, executor: cf.Executor | None = None, workers: int | None = None,
              progress: bool | None = None, on_result=None, max_pending: int | None = None) -> dict:
    """Run every run of ``grid`` not yet in ``out_path``; returns {"done": n_new, "skipped": n_old,
    "records": all records of the grid (file order)}.

    ``executor``: any concurrent.futures executor (default: ``process_executor(workers)``; with
    ``workers=1`` the runs execute in this process, one task at a time).
    ``on_result``: optional callable(records) after each task is written (e.g. to stop early).
    ``progress``: a tqdm bar over runs (None: only on a terminal).
    """
    from tqdm.auto import tqdm

    out_path = os.fspath(out_path)
    d = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(d, exist_ok=True)
    existing = read_results(out_path)
    keys_grid = {run_key(pt, i, grid.root_seed) for pt in grid.points() for i in range(grid.seeds)}
    done = {r["key"] for r in existing if "key" in r} & keys_grid
    tasks = make_tasks(grid, done)
    n_todo = sum(len(t.seed_indices) for t in tasks)
    new = 0
    if tasks:
        if executor is not None:
            ctx = contextlib.nullcontext(executor)
        elif workers == 1:  # in this process: no worker start-up cost
            ctx = cf.ThreadPoolExecutor(1)
        else:
            ctx = process_executor(workers)
        disable = (not sys.stderr.isatty()) if progress is None else (not progress)
        with ctx as ex, tqdm(total=n_todo, desc=grid.name, unit="run", disable=disable) as bar:
            pending = list(tasks)
            cap = max_pending or (4 * (workers or os.cpu_count() or 1) + 4)
            futures = {}
            try:
                while pending or futures:
                    while pending and len(futures) < cap:
                        t = pending.pop(0)
                        futures[ex.submit(run_task, t)] = t
                    finished, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
                    for fut in finished:
                        futures.pop(fut)
                        recs = fut.result()
                        _append(out_path, recs)
                        new += len(recs)
                        bar.update(len(recs))
                        if on_result is not None:
                            on_result(recs)
            finally:
                for fut in futures:
                    fut.cancel()
    records = [r for r in read_results(out_path) if r.get("key") in keys_grid]
    return {"done": new, "skipped": len(done), "records": records}


# ---- summaries ----------------------------------------------------------------------------------------

def wilson_interval(k: int, n: int, z: float = 1.96):
    """95% Wilson score interval for a binomial proportion k/n (Wilson 1927)."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, c - h), min(1.0, c + h))


LABELS = ("dnc", "paired", "mixed", "other", "zero")


def summarise(records: list, by: list) -> list:
    """One row per value combination of ``by``: runs, counts per endpoint label, P(DNC) with its
    95% Wilson interval, mean/min/max numerical rank, runs that met the stopping tolerance, and the
    largest |loss − exact optimum| over DNC and paired endpoints."""
    groups = {}
    for r in records:
        groups.setdefault(tuple(r[b] for b in by), []).append(r)

    def sort_key(item):
        out = []
        for v in item[0]:
            try:
                out.append((0, float(Fraction(v)) if isinstance(v, str) else float(v), ""))
            except (ValueError, TypeError):
                out.append((1, 0.0, str(v)))
        return out

    rows = []
    for vals, rs in sorted(groups.items(), key=sort_key):
        n = len(rs)
        counts = {lab: sum(1 for r in rs if r["label"] == lab) for lab in LABELS}
        lo, hi = wilson_interval(counts["dnc"], n)
        ranks = [r["rank"] for r in rs]
        gaps = [abs(r["loss_gap"]) for r in rs if r["label"] in ("dnc", "paired") and r.get("loss_gap") is not None]
        row = dict(zip(by, vals))
        row.update({"runs": n, **{f"n_{lab}": counts[lab] for lab in LABELS},
                    "P_dnc": counts["dnc"] / n, "P_dnc_lo": lo, "P_dnc_hi": hi,
                    "rank_mean": float(np.mean(ranks)), "rank_min": int(min(ranks)), "rank_max": int(max(ranks)),
                    "ranks": " ".join(str(k) for k in sorted(ranks)),
                    "converged": sum(1 for r in rs if r.get("converged")),
                    "max_abs_gap": max(gaps) if gaps else None,
                    "seeds": ",".join(str(r["seed"]) for r in sorted(rs, key=lambda r: r["seed"])),
                    "root_seed": ",".join(sorted({str(r.get("root_seed", "")) for r in rs})),
                    "max_steps": ",".join(sorted({str(r.get("max_steps", "")) for r in rs}))})
        rows.append(row)
    return rows
