"""The import structure of ``ufmtheory``: one-way data flow, no cycles, no private names across modules.

Every module of the package is parsed with ``ast``; every ``import`` / ``from … import`` counts, at
module level and inside functions (a lazy import is still a dependency), except those under
``if TYPE_CHECKING:`` (never executed: annotations only). Importing ``a.b.c`` from outside the
package ``a.b`` also runs ``a/b/__init__``, so it counts as an import of ``a.b`` too.

Rules:
(a) no import cycles among the library's modules;
(b) no module imports a private name (``_x``, not a dunder such as ``__version__``) from another
    module. Decision: the private *module* ``ufmtheory._validate`` (``from . import _validate as V``)
    is allowed — it is the package's shared input validation, private to the package (not its public
    API), and meant to be imported by every module;
(c) no library module imports ``ufmtheory.theorems``: only the theorem checks themselves, the command
    line (``cli``) and the test helpers (``testing``) may;
(d) data flows one way, along the layers of ``LAYERS``: a module imports only from its own layer or
    lower ones (the map is stated below; a new module must be placed in it).
"""
import ast
import functools
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "ufmtheory"

#: layer → top-level modules/packages of ``ufmtheory`` (a package's submodules share its layer).
#: model → reduction → structures → optimisation → theorem checks → CLI, on top of generic tools.
LAYERS = [
    ("foundation", {"ufmtheory", "_validate", "names", "patterns", "limits", "precision", "processes", "report",
                    "extrapolation", "intervals", "rootfinding", "boxes"}),  # generic tools; no DUFM in them
    ("model", {"model", "losses", "objective", "linalg", "hessian", "batched"}),  # the DUFM, its loss and derivatives
    ("reduction", {"reduction"}),  # Lemma 1: the loss at critical points as a function of Z's singular values
    ("structures", {"structures", "families", "imbalance", "asymptotics", "closed_forms", "mse", "symbolic"}),
    ("optimisation", {"scale", "optimal_value", "thresholds", "phase", "global_search", "search", "constructions",
                      "coupled", "coupled_certificate", "atlas", "global_min", "global_relax", "global_certificate",
                      "global_scope",
                      "relu", "landscape", "stability", "diagnostics", "training", "sweep", "certificates"}),
    ("theorem checks", {"theorems"}),
    ("interfaces", {"cli", "testing", "__main__"}),
]
LIBRARY_EXCEPTIONS = ("theorems", "cli", "testing")  # (c): the only ones that may import ufmtheory.theorems


def _module_name(path: pathlib.Path) -> tuple:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


MODULES = {}
for _p in sorted(PACKAGE.rglob("*.py")):
    _name, _is_pkg = _module_name(_p)
    MODULES[_name] = (_p, _is_pkg)


def _type_checking_nodes(tree) -> set:
    """ids of the nodes under ``if TYPE_CHECKING:`` (annotation-only imports)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            t = node.test
            name = t.id if isinstance(t, ast.Name) else (t.attr if isinstance(t, ast.Attribute) else None)
            if name == "TYPE_CHECKING":
                out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _imports(name: str, source: str | None = None, is_pkg: bool | None = None) -> list:
    """(target module, imported name or None, line) for every ufmtheory import of module ``name``
    (its file, or ``source``)."""
    if source is None:
        path, is_pkg = MODULES[name]
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    skip = _type_checking_nodes(tree)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "ufmtheory"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "ufmtheory":
                continue
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.append((sub, None, node.lineno) if sub in MODULES else (mod, a.name, node.lineno))
    return out


@functools.lru_cache(maxsize=None)
def _graph() -> dict:
    graph = {}
    for name in MODULES:
        edges = set()
        for target, _, _ in _imports(name):
            parts = target.split(".")
            for k in range(2, len(parts) + 1):  # the target and its packages (run on first import) ...
                pkg = ".".join(parts[:k])
                if pkg in MODULES and not (name == pkg or name.startswith(pkg + ".")):  # ... unless ours
                    edges.add(pkg)
        edges.discard(name)
        graph[name] = edges
    return graph


def _layer(name: str) -> int:
    top = name.split(".")[1] if "." in name else name
    for k, (_, members) in enumerate(LAYERS):
        if top in members:
            return k
    raise AssertionError(f"{name} is in no layer of LAYERS: place it there")


def _cycles(graph: dict) -> list:
    """Import cycles found by depth-first search (each as a list of modules, first = last)."""
    cycles, state, stack = [], {}, []

    def visit(v):
        state[v] = "open"
        stack.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == "open":
                cycles.append(stack[stack.index(w):] + [w])
            elif w not in state:
                visit(w)
        stack.pop()
        state[v] = "done"

    for v in sorted(graph):
        if v not in state:
            visit(v)
    return cycles


def test_every_module_is_parsed():
    assert len(MODULES) > 50 and "ufmtheory.thresholds" in MODULES and "ufmtheory.cli.verify" in MODULES
    assert all(_graph()[m] for m in ("ufmtheory.model", "ufmtheory.cli.verify", "ufmtheory.thresholds.zero"))


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def _private_imports(name: str, imports: list) -> list:
    bad = []
    for target, imported, line in imports:
        if target == name:
            continue
        last = imported if imported is not None else target.rsplit(".", 1)[-1]
        if last.startswith("_") and not last.startswith("__") and last != "_validate":
            bad.append(f"{name}:{line} imports {last} from {target}")
    return bad


def test_no_private_names_across_modules():
    assert [b for name in MODULES for b in _private_imports(name, _imports(name))] == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_library_does_not_import_theorems(name):
    if name.split(".")[1:2] and name.split(".")[1] in LIBRARY_EXCEPTIONS:
        return
    assert not any(t == "ufmtheory.theorems" or t.startswith("ufmtheory.theorems.") for t in _graph()[name])


def test_data_flows_one_way():
    bad = [f"{name} ({LAYERS[_layer(name)][0]}) imports {t} ({LAYERS[_layer(t)][0]})"
           for name, targets in _graph().items() for t in sorted(targets) if _layer(t) > _layer(name)]
    assert bad == []


def test_the_checks_can_fail():
    """The rules catch what they are meant to catch (on made-up graphs and imports)."""
    assert _layer("ufmtheory.model") < _layer("ufmtheory.scale") < _layer("ufmtheory.theorems.lemma1")
    assert _layer("ufmtheory.thresholds.zero") == _layer("ufmtheory.phase") < _layer("ufmtheory.cli.phase")
    with pytest.raises(AssertionError, match="no layer"):
        _layer("ufmtheory.not_placed")
    src = ("from typing import TYPE_CHECKING\nfrom . import _validate as V, __version__\n"
           "from .structures import _eval, dnc\nif TYPE_CHECKING:\n    from .model import DeepUFM\n"
           "def f():\n    from .theorems.lemma1 import check\n")
    imports = _imports("ufmtheory.made_up", src, False)
    assert {t for t, _, _ in imports} == {"ufmtheory._validate", "ufmtheory", "ufmtheory.structures",
                                         "ufmtheory.theorems.lemma1"}  # lazy import seen, TYPE_CHECKING not
    assert _private_imports("ufmtheory.made_up", imports) == ["ufmtheory.made_up:3 imports _eval from ufmtheory.structures"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []
