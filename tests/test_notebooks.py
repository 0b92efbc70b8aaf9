"""Every notebook runs end to end in a real Jupyter kernel (nbclient) and its assertions hold; each is
committed without outputs exactly as its generator tools/make_notebook_NN.py writes it."""
import pathlib
import runpy

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"
    assert "06_explorer.ipynb" in [p.name for p in NOTEBOOKS]  # the interactive explorer (ipywidgets)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_its_generators_output(path, tmp_path, monkeypatch):
    generator = ROOT / "tools" / f"make_notebook_{path.name[:2]}.py"
    assert generator.exists(), f"{path.name} has no generator {generator.name}"
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(generator), run_name="__main__")
    made = nbformat.read(tmp_path / "notebooks" / path.name, as_version=4)
    committed = nbformat.read(path, as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in made.cells], \
        f"{path.name} differs from the output of {generator.name}: rerun it"
    assert not [c for c in committed.cells if c.cell_type == "code" and (c.outputs or c.execution_count)], \
        f"{path.name} is committed with outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
