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
- a rerun reads the file, skips every run whose key is already there, and batches the rest; lines
  that are not run records (truncated, corrupt, another shape, a repeated key) are moved to
  ``results.rejected.jsonl`` first, with a warning (``repair_results``).

Executors: a local ``ProcessPoolExecutor`` (spawned workers, BLAS limited to one thread each, that
die with the parent and are killed on Ctrl-C or SIGTERM) by default; ``dask_executor("local")`` starts a ``dask.distributed.LocalCluster`` and
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
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np

from . import _validate as V
from . import limits
from .processes import process_executor  # noqa: F401  (sweeps run on it; re-exported)

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


def _exact_lam(text: str) -> Fraction:
    """λ of a grid as an exact Fraction, > 0."""
    try:
        lam = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise V.ParameterError(f"lam must be a finite real number > 0, got {text!r}") from None
    return V.positive("lam", lam)


def _short(q) -> str:
    """A number for a message: its digits if short, else about 10^k (no float overflow)."""
    q = Fraction(q)
    text = str(q)
    if len(text) <= 24:
        return text
    exponent = len(str(q.numerator)) - len(str(q.denominator))
    return f"≈10^{exponent}"


def step_budget(lam, lr: float, factor: float) -> int:
    """max_steps = ⌈factor/(lr·λ)⌉ (exact): directions only the penalty acts on shrink like (1 − lr·λ)^k,
    so this many steps shrink them by e^-factor. At most ``limits.SWEEP_MAX_STEPS``."""
    lam = _exact_lam(_lam_str(lam))
    lr, factor = Fraction(V.positive("lr", lr)), Fraction(V.positive("step_factor", factor))
    steps = factor / (lr * lam)
    if steps > limits.SWEEP_MAX_STEPS:
        raise V.ParameterError(
            f"the step budget step_factor/(lr·λ) = {float(factor):g}/({float(lr):g}·{_short(lam)}) is "
            f"{_short(steps) if steps > 10**15 else f'{float(steps):.3g}'} gradient steps per run, more than the "
            f"limit of {limits.SWEEP_MAX_STEPS:.0e} (limits.SWEEP_MAX_STEPS): raise λ or lr, or lower the step factor")
    return max(1, math.ceil(steps))


def task_bytes(K: int, L: int, n: int, d: int, runs: int) -> int:
    """Memory of one task (``runs`` seeds trained together), float64: the parameters (d·N + (L−1)·d² +
    K·d per run) held about six times (draw, stack, iterate, gradient, temporaries), L+2 feature
    matrices d×N and four K×N logit arrays per run."""
    N = K * n
    params = limits.parameter_count(K, L, d, N)
    return 8 * runs * (6 * params + (L + 2) * d * N + 4 * K * N)


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
        big = limits.SWEEP_MAX_SIZE
        for ax, low in (("K", 2), ("L", 1), ("n", 1)):
            setattr(self, ax, [V.integer(ax, x, low, big) for x in getattr(self, ax)])
        for x in self.d:  # d >= K is checked after the memory (K = 10^9 is a memory problem, not d's)
            if not isinstance(x, (int, np.integer)) or isinstance(x, bool) or not 1 <= x <= big:
                V.integer("d", x, max(self.K), big)  # a bad d gets the message of its true range
        self.d = [int(x) for x in self.d]
        self.max_steps = [V.integer("max_steps", x, 0, limits.SWEEP_MAX_STEPS) for x in self.max_steps]
        for ax in ("init_scale", "lr", "grad_tol"):
            setattr(self, ax, [float(V.positive(ax, x, allow_zero=(ax == "grad_tol"))) for x in getattr(self, ax)])
        self.polish = [bool(x) for x in self.polish]
        V.integer("seeds", self.seeds, 1, limits.SWEEP_MAX_RUNS)
        V.integer("root_seed", self.root_seed, 0)
        V.integer("batch", self.batch, 1)
        n_points = math.prod(len(getattr(self, ax)) for ax in GRID_AXES)
        if n_points * self.seeds > limits.SWEEP_MAX_RUNS:
            raise V.ParameterError(f"the grid has {n_points} points × {self.seeds} seeds = {n_points * self.seeds} "
                                   f"runs, more than the limit of {limits.SWEEP_MAX_RUNS}")
        lams = [_exact_lam(x) for x in self.lam]
        top = 10.0 ** (limits.SWEEP_INIT_SCALE_DECADES / max(self.L))
        for s in self.init_scale:
            if s > top:
                raise V.ParameterError(f"init_scale must be > 0 and <= {top:.3g} for L = {max(self.L)} (gradients "
                                       f"grow like init_scale^L and overflow float64 beyond), got {s:g}")
        for lr in self.lr:
            for lam in lams:
                if Fraction(lr) * lam >= 2:
                    raise V.ParameterError(f"lr·λ must be < 2 (gradient descent on the penalty ½λ‖θ‖² diverges "
                                           f"otherwise), got lr = {lr:g}, λ = {_short(lam)}")
        K, d = max(self.K), max(self.d)
        runs = min(self.batch, self.seeds)
        limits.require_memory(f"one task ({runs} runs of K={K}, L={max(self.L)}, n={max(self.n)}, d={max(d, K)} "
                              f"trained together)", task_bytes(K, max(self.L), max(self.n), max(d, K), runs))
        for x in self.d:
            V.integer("d", x, K, big)  # the model needs d >= K for every K of the grid

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
    from .diagnostics import classify, diverged_endpoint
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
        ep = diverged_endpoint() if r.reason == "diverged" else classify(model, r.params, r.loss)
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

_INT, _NUM, _STR, _BOOL = "int", "number", "str", "bool"
#: Fields a record must hold, and their JSON types ("number?": a number or null, for non-finite values).
RECORD_FIELDS = {"key": _STR, "K": _INT, "L": _INT, "n": _INT, "d": _INT, "lam": _STR, "activation": _STR,
                 "loss": _STR, "init": _STR, "init_scale": _NUM, "lr": _NUM, "max_steps": _INT,
                 "grad_tol": _NUM, "polish": _BOOL, "root_seed": _INT, "seed": _INT, "label": _STR,
                 "rank": _INT, "converged": _BOOL, "steps": _INT, "objective": _NUM + "?",
                 "loss_gap": _NUM + "?"}


def _has_type(value, kind: str) -> bool:
    if kind.endswith("?"):
        return value is None or _has_type(value, kind[:-1])
    if kind == _BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, {_INT: int, _NUM: (int, float), _STR: str}[kind])


def record_problem(rec) -> str | None:
    """Why ``rec`` (one parsed line of a results file) is not a run record, or None if it is one:
    a JSON object with every ``RECORD_FIELDS`` entry of the right type, a known label, and a key that
    is the run key of its own fields."""
    if not isinstance(rec, dict):
        return f"not a JSON object but {type(rec).__name__}"
    for name, kind in RECORD_FIELDS.items():
        if name not in rec:
            return f"no field {name!r}"
        if not _has_type(rec[name], kind):
            return f"field {name!r} is {rec[name]!r}, not of type {kind}"
    if rec["label"] not in LABELS:
        return f"unknown label {rec['label']!r}"
    if rec["key"] != run_key({ax: rec[ax] for ax in GRID_AXES}, rec["seed"], rec["root_seed"]):
        return "its key does not match its fields"
    return None


def _scan(path):
    """[(raw line, record or None, problem or None)] for the non-blank lines of ``path``."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            line = raw.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                out.append((line, None, "not valid JSON (a truncated or corrupt line)"))
                continue
            problem = record_problem(rec)
            out.append((line, None if problem else rec, problem))
    return out


def read_results(path) -> list:
    """The run records of a JSON-lines file; lines that are not run records (a truncated last line
    of a killed writer, corrupt text, JSON of another shape) are skipped (see ``repair_results``)."""
    if not os.path.exists(path):
        return []
    return [rec for _, rec, problem in _scan(path) if problem is None]


def rejected_path(path) -> str:
    """Where ``repair_results`` moves bad lines: results.jsonl → results.rejected.jsonl."""
    stem, ext = os.path.splitext(os.fspath(path))
    return f"{stem}.rejected{ext or '.jsonl'}"


def repair_results(path) -> list:
    """Move every line of ``path`` that is not a run record, and every repeat of a key already seen,
    to ``rejected_path(path)`` (appended, as {"line", "reason"} objects), rewrite ``path`` with the
    records that remain (atomically), warn with the count and the file; returns the records."""
    if not os.path.exists(path):
        return []
    keep, bad, seen = [], [], set()
    for line, rec, problem in _scan(path):
        if problem is None and rec["key"] in seen:
            problem = "a repeat of a run already in the file"
        if problem is None:
            seen.add(rec["key"])
            keep.append((line, rec))
        else:
            bad.append({"line": line, "reason": problem})
    if bad:
        aside = rejected_path(path)
        _append(aside, bad)
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line, _ in keep))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        warnings.warn(f"{len(bad)} line{'s' if len(bad) > 1 else ''} of {path} that {'are' if len(bad) > 1 else 'is'} "
                      f"not a run record moved to {aside} (the runs they held are redone)", ResultsFileWarning,
                      stacklevel=2)
    return [rec for _, rec in keep]


class ResultsFileWarning(UserWarning):
    """A results file held lines that are not run records (they were moved aside)."""


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

class InlineExecutor(cf.Executor):
    """Runs each submitted call at once, in this thread (so Ctrl-C stops it where it is)."""

    def submit(self, fn, /, *args, **kwargs):
        fut = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, as executors do
            fut.set_exception(exc)
        return fut


class SchedulerUnreachable(ConnectionError):
    """The Dask scheduler did not answer (the message names the address)."""


def parse_scheduler_address(address: str):
    """(scheme, host, port) of 'tcp://host:8786', 'tls://host:8786' or 'host:8786'; ParameterError
    for anything else ("local" is handled by ``dask_executor``)."""
    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")
    if scheme not in ("tcp", "tls") or not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise V.ParameterError(f"dask must be 'local' or a scheduler address tcp://HOST:PORT (or tls://, or "
                               f"HOST:PORT, port 1..65535), got {address!r}")
    return scheme, host, int(port)


def _dask_client_within(Client, address: str, timeout: float):
    """``Client(address)`` within ``timeout`` seconds, or ``SchedulerUnreachable``.

    The connection is made in a daemon thread with our own deadline: ``Client(..., timeout=)`` alone
    waits forever on a peer that accepts the TCP connection and then says nothing (seen with
    distributed 2026.8)."""
    box = {}

    def connect():
        try:
            box["client"] = Client(address, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - whatever answered, it is no usable scheduler
            box["error"] = exc

    thread = threading.Thread(target=connect, name="ufmtheory-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if "client" in box:
        return box["client"]
    exc = box.get("error")
    why = (" ".join(str(exc).split())[:200] or type(exc).__name__) if exc is not None else "no answer"
    raise SchedulerUnreachable(f"cannot connect to the Dask scheduler at {address!r} within {timeout:g} s "
                               f"(is a Dask scheduler listening there?): {why}")


@contextlib.contextmanager
def dask_executor(address: str = "local", workers: int | None = None, timeout: float = 10.0):
    """A concurrent.futures executor on Dask: ``"local"`` starts a LocalCluster (processes, one
    thread each, dashboard off, loopback); otherwise ``address`` is a scheduler address, reached
    within ``timeout`` seconds or ``SchedulerUnreachable`` (the address and the reason)."""
    timeout = float(V.positive("dask_timeout", timeout))
    if address != "local":
        _, host, port = parse_scheduler_address(address)
        try:  # fail fast and clearly before dask's own retries
            socket.create_connection((host, port), timeout=timeout).close()
        except OSError as exc:
            raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s: "
                                       f"{exc.strerror or exc}") from None
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
        cluster = None
        client = _dask_client_within(Client, address, timeout)
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
    ``workers=1`` the runs execute in this thread, one task at a time, each written as it ends).
    A results file with lines that are not run records is first repaired (``repair_results``).
    ``on_result``: optional callable(records) after each task is written (e.g. to stop early).
    ``progress``: a tqdm bar over runs (None: only on a terminal).
    """
    from tqdm.auto import tqdm

    out_path = os.fspath(out_path)
    d = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(d, exist_ok=True)
    existing = repair_results(out_path)
    keys_grid = {run_key(pt, i, grid.root_seed) for pt in grid.points() for i in range(grid.seeds)}
    done = {r["key"] for r in existing} & keys_grid
    tasks = make_tasks(grid, done)
    n_todo = sum(len(t.seed_indices) for t in tasks)
    new = 0
    if tasks:
        if executor is not None:
            ctx = contextlib.nullcontext(executor)
        elif workers == 1:  # in this process: no worker start-up cost, Ctrl-C stops the run at once
            ctx = contextlib.nullcontext(InlineExecutor())
        else:
            ctx = process_executor(workers)
        disable = (not sys.stderr.isatty()) if progress is None else (not progress)
        with ctx as ex, tqdm(total=n_todo, desc=grid.name, unit="run", disable=disable) as bar:
            pending = list(tasks)
            cap = 1 if isinstance(ex, InlineExecutor) else max_pending or (4 * (workers or os.cpu_count() or 1) + 4)
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
    records = [r for r in read_results(out_path) if r["key"] in keys_grid]
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
