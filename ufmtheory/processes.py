"""Local worker processes that die with their parent: the process pool of sweeps (``sweep``) and
phase diagrams (``phase``).

``process_executor`` is a ``ProcessPoolExecutor`` with spawned workers, one BLAS thread each; every
worker arranges to die with the process that started it (Linux ``PR_SET_PDEATHSIG`` plus a thread
that watches the parent id), ignores Ctrl-C (the parent stops it), and is killed rather than waited
for when the body of the ``with`` raises. So neither SIGKILL, SIGTERM nor Ctrl-C to the parent leaves
a worker running.

>>> import operator
>>> with process_executor(1) as ex:
...     ex.submit(operator.add, 2, 3).result()
5
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
import sys
import threading
import time

from . import _validate as V
from . import limits

_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(1)


def _worker_init(parent_pid: int) -> None:
    """Runs first in every local worker: die with the parent, whatever kills it.

    Linux: prctl(PR_SET_PDEATHSIG, SIGKILL), so the kernel kills the worker when its parent dies;
    everywhere: a thread that exits the worker once its parent process id changes. Ctrl-C is ignored
    here (the terminal sends it to the whole process group): the parent stops the workers itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="ufmtheory-watch-parent", daemon=True).start()


def _kill_workers(ex: cf.ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes now (running tasks are lost, finished ones are written)."""
    for proc in list((getattr(ex, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()


@contextlib.contextmanager
def process_executor(workers: int | None = None):
    """A ProcessPoolExecutor with spawned workers, each with one BLAS thread, that die with this
    process (``_worker_init``). If the body raises (Ctrl-C, SIGTERM turned into KeyboardInterrupt,
    an error), the workers are killed instead of being waited for.

    The thread limits are environment variables that the workers inherit; they stay set in this
    process while the executor lives, because the pool starts workers on demand (at submit), not
    when it is created. This process's BLAS, already loaded, is not affected.
    """
    import multiprocessing

    workers = (V.integer("workers", workers, 1, limits.SWEEP_MAX_WORKERS) if workers is not None
               else (os.cpu_count() or 1))
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)
    try:
        ex = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_worker_init, initargs=(os.getpid(),))
        try:
            yield ex
        except BaseException:
            _kill_workers(ex)
            raise
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
