"""``.ci/run`` leaves nothing behind: its virtual environment is removed when it exits, passing or failing.

The script runs for real, with ``python3`` on PATH replaced by a stand-in that creates the venv
folder (with an ``activate`` script that puts the stand-in first) and records every call, so the
test sees the exact commands CI runs and where, without installing anything.
"""
import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FAKE_PYTHON = r"""#!/bin/sh
echo "$0 $*" >> "$CALLS"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  printf 'export PATH="%s:$PATH"\n' "$FAKEBIN" > "$3/bin/activate"
  echo "$3" > "$VENV_RECORD"
  exit 0
fi
if [ "$2" = "pytest" ]; then exit "$PYTEST_STATUS"; fi
exit 0
"""


@pytest.mark.parametrize("pytest_status", [0, 1])
def test_ci_run_removes_its_venv(tmp_path, pytest_status):
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    for name in ("python3", "python"):
        p = fakebin / name
        p.write_text(FAKE_PYTHON)
        p.chmod(p.stat().st_mode | stat.S_IEXEC)
    calls, record = tmp_path / "calls", tmp_path / "venv-path"
    env = dict(os.environ, PATH=f"{fakebin}:{os.environ['PATH']}", CALLS=str(calls), FAKEBIN=str(fakebin),
               VENV_RECORD=str(record), PYTEST_STATUS=str(pytest_status))
    r = subprocess.run(["bash", str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == pytest_status, r.stderr
    lines = calls.read_text().splitlines()
    # exactly the README's test command, inside the fresh venv
    assert [ln.split(" ", 1)[1] for ln in lines] == [
        f"-m venv {record.read_text().strip()}", '-m pip install -e .[test]', "-m pytest"]
    venv = Path(record.read_text().strip())
    assert not venv.exists() and not venv.parent.exists(), f"{venv.parent} left behind"
