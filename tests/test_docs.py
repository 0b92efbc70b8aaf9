"""The documentation site builds in strict mode (every MkDocs warning is an error) and has its pages.

The docs packages come with the ``test`` extra; if one is missing the tests fail, they do not skip.
The site is built once, into a temporary folder, by ``python -m mkdocs build --strict``.
"""
import argparse
import html
import importlib
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

from ufmtheory.cli import COMMANDS, build_parser

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DOCS_PACKAGES = ["mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "mkdocs_jupyter", "griffe"]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", DOCS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _text(path: pathlib.Path) -> str:
    return html.unescape(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", DOCS_PACKAGES)
def test_docs_packages_are_installed(name):
    try:
        importlib.import_module(name)
    except ImportError as exc:
        pytest.fail(f"{name} is missing ({exc}); install the docs packages: pip install -e '.[test]'")


def test_plain_text_docstrings_become_markdown():
    to_md = _load("plaintext_docstrings").plaintext_to_markdown
    doc = ("Intro line:\n- first item\n  continued\n- second item\nAfter the list.\n"
           "A formula:\n    f(t) = t*2\n    g(t) = 1\nThen λ* and f*_A, but *emphasis* and **bold** stay.\n"
           ">>> 1 + 1\n2")
    assert to_md(doc).splitlines() == [
        "Intro line:", "", "- first item", "  continued", "- second item", "", "After the list.",
        "A formula:", "", "    f(t) = t*2", "    g(t) = 1", "",
        r"Then λ\* and f\*_A, but *emphasis* and **bold** stay.",
        "", "```pycon", ">>> 1 + 1", "2", "```"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # Material's banner about MkDocs 2 (not a warning)
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                        str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    assert r.returncode == 0, f"mkdocs build --strict failed ({seconds:.0f} s):\n{r.stdout}\n{r.stderr}"
    return out


def test_site_builds_with_its_pages(site):
    # one test, so that the build runs once (pytest-xdist spreads the tests of a module over workers)
    for page in ["index.html", "getting-started/index.html", "mathematics/index.html",
                 "tutorial/index.html", "plugins/index.html", "cli/index.html", "api/ufmtheory/index.html"]:
        assert (site / page).is_file(), page

    cli = _text(site / "cli" / "index.html")
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert list(subparsers) == COMMANDS
    for name in COMMANDS:
        assert f"usage: ufmtheory {name}" in cli, name
        for action in subparsers[name]._actions:
            for option in action.option_strings:
                assert option in cli, (name, option)

    api = _text(site / "api" / "scale" / "index.html")
    assert "optimal_scale" in api and "ScaleOptimum" in api
    assert "DeepUFM" in _text(site / "api" / "ufmtheory" / "index.html")

    assert NOTEBOOKS
    for nb_path in NOTEBOOKS:
        page = site / "notebooks" / nb_path.stem / "index.html"
        assert page.is_file(), nb_path.name
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        code = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        first_line = next(line for line in code.splitlines() if line.strip())
        words = [w for w in first_line.replace("(", " ").replace(")", " ").split() if w.isidentifier()]
        assert words and all(w in _text(page) for w in words), (nb_path.name, first_line)
