"""Start-up of the command line: ``ufmtheory --help``, ``COMMAND --help`` and refused inputs must not
import the heavy libraries (sympy, scipy.optimize, scipy.stats, matplotlib) — that is what keeps them
fast (issue 10; timings: benchmarks/bench_startup.py). Checked in a fresh interpreter, deterministic."""
import json
import os
import subprocess
import sys

import pytest

import ufmtheory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(ufmtheory.__file__)))
HEAVY = ("sympy", "scipy.optimize", "scipy.stats", "matplotlib")


def heavy_modules_after(code: str) -> list:
    """The HEAVY modules in sys.modules after running ``code`` in a fresh interpreter."""
    probe = code + f"\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_import_cli_is_light():
    assert heavy_modules_after("import ufmtheory.cli") == []


def test_building_the_parser_is_light():
    assert heavy_modules_after("import ufmtheory.cli as c; c.build_parser()") == []


def _main_exits(argv) -> str:
    return ("import contextlib, io, ufmtheory.cli as c\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    try:\n        c.main({argv!r})\n    except SystemExit as e:\n        assert e.code in (0, 2), e.code\n")


@pytest.mark.parametrize("argv", [["--help"], ["compare", "--help"], ["verify", "--help"], ["phase", "--help"]])
def test_help_is_light(argv):
    assert heavy_modules_after(_main_exits(argv)) == []


@pytest.mark.parametrize("argv", [["compare", "--K", "1", "--L", "2", "--lam", "0.1"],
                                  ["compare", "--K", "3", "--L", "2", "--lam", "0.1", "--structures", "foo"],
                                  ["phase", "--K", "1", "--L", "2"],
                                  ["construction", "--name", "triangular", "--K", "4", "--L", "2", "--lam", "0.1"],
                                  ["landscape", "--K", "1", "--L", "2", "--lam", "0.1"]])
def test_refused_input_is_light(argv):
    assert heavy_modules_after(_main_exits(argv)) == []
