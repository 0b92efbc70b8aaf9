"""Run ``ufmtheory`` commands in isolated child processes, each under a time and memory cap, without
paying the interpreter start-up for each.

A server process (a fresh interpreter that imports ``ufmtheory.cli`` once, single-threaded BLAS)
forks one child per command. The child gets its own process group, an address-space limit
(``RLIMIT_AS``), standard input from /dev/null and standard output/error to files, and runs
``ufmtheory.cli.main(argv)`` in process. The server waits up to ``timeout`` seconds, then kills the
whole process group, and reports exit status, output, wall time and the child's peak memory.

Used by the hostile-input tests (tests/test_hostile_input.py) and the CLI fuzz test.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass
class CLIResult:
    argv: list
    status: int | None  # None: killed after the time limit
    stdout: str
    stderr: str
    seconds: float
    peak_rss_bytes: int
    timed_out: bool

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return (f"ufmtheory {' '.join(self.argv)} -> status {self.status}, {self.seconds:.1f} s, "
                f"peak {self.peak_rss_bytes / 2**20:.0f} MiB{' (TIMED OUT)' if self.timed_out else ''}\n"
                f"stdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-3000:]}")


class CLISandbox:
    """``with CLISandbox() as box: box.run(["compare", "--K", "1"])``."""

    def __init__(self):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        ready = self.proc.stdout.readline()
        if ready.strip() != "ready":
            raise RuntimeError(f"CLI sandbox server did not start: {ready!r}")

    def run(self, argv, timeout: float = 10.0, memory_bytes: int = 6 * 2**30, cwd: str | None = None) -> CLIResult:
        req = {"argv": [str(a) for a in argv], "timeout": timeout, "memory": memory_bytes, "cwd": cwd}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("CLI sandbox server died")
        return CLIResult(**json.loads(line))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _child(argv, memory, cwd, out_path, err_path):  # pragma: no cover - runs in the forked child
    import resource
    import signal
    status = 1
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(out_path, os.O_WRONLY | os.O_TRUNC)
        err = os.open(err_path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False, encoding="utf-8")
        sys.stderr = open(2, "w", closefd=False, encoding="utf-8")
        if cwd:
            os.chdir(cwd)
        from ufmtheory.cli import main
        try:
            status = main(argv)
        except SystemExit as exc:
            code = exc.code
            if code is None:
                status = 0
            elif isinstance(code, int):
                status = code
            else:
                print(code, file=sys.stderr)
                status = 1
        status = 0 if status is None else int(status)
    except BaseException:
        import traceback
        traceback.print_exc()
        status = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _serve():  # pragma: no cover - the server process
    import signal
    import ufmtheory.cli  # noqa: F401  (imported once, shared by every forked child)
    tmp = tempfile.mkdtemp(prefix="ufmtheory-cli-sandbox-")
    out_path, err_path = os.path.join(tmp, "out"), os.path.join(tmp, "err")
    print("ready", flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        for p in (out_path, err_path):
            open(p, "w").close()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(req["argv"], req["memory"], req["cwd"], out_path, err_path)
        timed_out, status, rusage = False, None, None
        while True:
            done, wstatus, rusage = os.wait4(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(wstatus)
                break
            if time.monotonic() - start > req["timeout"]:
                timed_out = True
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    os.kill(pid, signal.SIGKILL)
                _, wstatus, rusage = os.wait4(pid, 0)
                break
            time.sleep(0.005)
        seconds = time.monotonic() - start
        try:  # anything the command left running in its process group goes too
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        with open(out_path, encoding="utf-8", errors="replace") as fh:
            stdout = fh.read()
        with open(err_path, encoding="utf-8", errors="replace") as fh:
            stderr = fh.read()
        print(json.dumps({"argv": req["argv"], "status": None if timed_out else status, "stdout": stdout,
                          "stderr": stderr, "seconds": seconds, "peak_rss_bytes": rusage.ru_maxrss * 1024,
                          "timed_out": timed_out}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        _serve()
