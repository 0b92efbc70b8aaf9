"""The python examples of docs/tutorial.md and docs/plugins.md run as written (so they cannot go
stale): the blocks of a page run in order in one namespace, in a temporary folder; the functions
``test_*`` a block defines are called; blocks meant to fail say so with ``pytest.raises``."""
import pathlib
import re

import pytest

from ufmtheory.testing import CLAIMS
from ufmtheory.theorems import REGISTRY

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```$", re.S | re.M)


def python_blocks(page: str) -> list:
    """The ```python blocks of ``page``, dedented."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return [re.sub(rf"^{indent}", "", body, flags=re.M) for indent, body in BLOCK.findall(text)]


def run_page(page: str) -> dict:
    namespace = {"__name__": f"docs_{page.replace('.', '_')}"}
    for i, block in enumerate(python_blocks(page)):
        exec(compile(block, f"{page} (python block {i + 1})", "exec"), namespace)
        for name, fn in list(namespace.items()):
            if name.startswith("test_") and callable(fn) and not getattr(fn, "_tutorial_ran", False):
                fn()
                fn._tutorial_ran = True
    return namespace


@pytest.mark.parametrize("page", ["tutorial.md", "plugins.md"])
def test_every_python_block_is_found(page):
    found = python_blocks(page)
    assert found and len(found) == (DOCS / page).read_text(encoding="utf-8").count("```python")


def test_tutorial_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = len(CLAIMS)
    ns = run_page("tutorial.md")
    assert (tmp_path / "theorem1_step.json").is_file() and ns["cert"].check().valid
    statuses = [r.status for r in CLAIMS[start:]]
    # 2 inequalities (1 failed), optimum, winner, failed winner, 2 theorem checks, the 2 pytest examples
    assert len(statuses) == 9 and statuses.count("failed") == 2, CLAIMS[start:]


def test_plugin_example_registers_a_check_that_holds(monkeypatch):
    saved = dict(REGISTRY)
    try:
        run_page("plugins.md")
        assert REGISTRY["my_margin"].origin == "built-in"  # registered directly, not through a plugin loader
        from ufmtheory.testing import assert_claim
        for dps in (30, 60):
            (row,) = assert_claim("my_margin", dps=dps)
            assert row.verdict == "holds" and f"tolerance 1e-{dps}" in row.evidence
    finally:
        REGISTRY.clear()
        REGISTRY.update(saved)


@pytest.mark.parametrize("page", ["tutorial.md", "plugins.md"])
def test_pages_say_only_what_the_api_accepts(page):
    """Guards against the stale forms this page once had: assert_claim with model parameters, and
    Structure objects where the testing API takes names."""
    text = (DOCS / page).read_text(encoding="utf-8")
    assert not re.search(r"assert_claim\([^)]*\bK=", text)
    assert not re.search(r"assert_(winner|optimum)\([^)]*ut\.(dnc|paired|polygon)\(", text)
