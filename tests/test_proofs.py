"""Every proof-check script in proofs/ runs to completion with exit status 0."""
import pathlib
import subprocess
import sys

import pytest

SCRIPTS = sorted(p for p in (pathlib.Path(__file__).resolve().parent.parent / "proofs").glob("*.py")
                 if not p.name.startswith("_"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_proof_script_passes(script):
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=900,
                       env={**__import__("os").environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, f"{script.name} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert "OK" in r.stdout
