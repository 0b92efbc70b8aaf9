"""The registry of named patterns (``ufmtheory.patterns``, issue 10): every entry builds at its valid K and
its matrix equals the pattern written out here independently (numpy / sympy by hand); the other lists of
names are views of it; the command line lists it (``patterns``, ``--structures help``) and refuses unknown
names with the option and the valid names (exit 2); listing it imports no sympy."""
import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import ufmtheory
from ufmtheory import names, patterns
from ufmtheory._validate import ParameterError
from ufmtheory.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(ufmtheory.__file__)))


# ---- the patterns, written out by hand ------------------------------------------------------------------

def simplex(k):
    return np.eye(k) - np.ones((k, k)) / k


def pairs_part(K):
    """I_m ⊗ [[1,−1],[−1,1]] in the top-left 2m×2m corner of a K×K zero matrix."""
    m = K // 2
    out = np.zeros((K, K))
    out[:2 * m, :2 * m] = np.kron(np.eye(m), np.array([[1.0, -1.0], [-1.0, 1.0]]))
    return out


def singleton(K):
    E = np.zeros((K, K))
    E[K - 1, K - 1] = 1.0
    return E


def centred_singleton(K):
    E = np.zeros((K, K))
    E[:, K - 1] = -1.0 / K
    E[K - 1, K - 1] += 1.0
    return E


def polygon_by_hand(K):
    return np.array([[math.cos(2 * math.pi * ((i - j) % K) / K) for j in range(K)] for i in range(K)])


def as_float(M):
    return np.array(sp.Matrix(M).evalf(30).tolist(), dtype=float)


STRUCTURE_BY_HAND = {
    "dnc": lambda K: simplex(K),
    "paired": lambda K: pairs_part(K) + (singleton(K) if K % 2 else 0),
    "polygon": polygon_by_hand,
    "orthogonal-frame": lambda K: np.eye(K),
}
#: two-scale families at scales (t₁, t₂) = (2, 3)
FAMILY_BY_HAND = {
    "paired2": lambda K: 2 * pairs_part(K) + 3 * singleton(K),
    "paired2c": lambda K: 2 * pairs_part(K) + 3 * centred_singleton(K),
}


def test_every_entry_is_in_exactly_one_test_below():
    covered = set(STRUCTURE_BY_HAND) | set(FAMILY_BY_HAND) | {"blocks", "coupled", "relu-paired", "triangular"}
    assert covered == {p.name for p in patterns.PATTERNS}
    assert len({p.name for p in patterns.PATTERNS}) == len(patterns.PATTERNS)
    assert all(p.kind in patterns.KINDS for p in patterns.PATTERNS)


@pytest.mark.parametrize("name", sorted(STRUCTURE_BY_HAND))
@pytest.mark.parametrize("K", [2, 3, 4, 5, 6, 7])
def test_structures_build_the_pattern(name, K):
    entry = patterns.get(name)
    assert entry.kind == patterns.STRUCTURE and entry.scales == 1 and entry.accepts_K(K)
    S = entry.builder_function()(K)
    assert S.K == K
    np.testing.assert_allclose(S.matrix_float(), STRUCTURE_BY_HAND[name](K), rtol=0, atol=1e-15)


@pytest.mark.parametrize("K", [2, 3, 4, 5, 9])
def test_dnc_is_the_simplex_etf_exactly(K):
    S = patterns.get("dnc").builder_function()(K)
    assert S.matrix == sp.eye(K) - sp.ones(K, K) / K  # exact rationals, I − 11ᵀ/K


@pytest.mark.parametrize("K", [3, 4, 6])
def test_named_uses_the_registry_and_the_loss_dnc(K):
    from ufmtheory.structures import NAMED, named
    assert tuple(NAMED) == names.STRUCTURE_NAMES
    for nm in names.STRUCTURE_NAMES:
        np.testing.assert_allclose(named(nm, K).matrix_float(), STRUCTURE_BY_HAND[nm](K), rtol=0, atol=1e-15)
    S = named("dnc", K, loss="mse")  # MSE's collapse pattern: the orthogonal frame, still called dnc
    assert S.name == "dnc" and S.matrix == sp.eye(K)
    assert named("dnc", K, loss="ls-ce:0.1").matrix == sp.eye(K) - sp.ones(K, K) / K


@pytest.mark.parametrize("name", sorted(FAMILY_BY_HAND))
@pytest.mark.parametrize("K", [3, 5, 7])
def test_two_scale_families_build_the_pattern(name, K):
    from ufmtheory.families import named_family
    entry = patterns.get(name)
    assert entry.kind == patterns.FAMILY and entry.scales == 2 and entry.accepts_K(K) and not entry.accepts_K(K + 1)
    for fam in (entry.builder_function()(K), named_family(name, K)):
        assert fam.name == name and len(fam.components) == 2
        np.testing.assert_allclose(as_float(fam.matrix([2, 3])), FAMILY_BY_HAND[name](K), rtol=0, atol=1e-15)
    with pytest.raises(ParameterError, match="odd K"):
        named_family(name, K + 1)


def test_blocks_builds_block_diagonal_simplices():
    from ufmtheory.families import named_family
    fam = named_family("blocks:3+2", 5)
    expected = np.zeros((5, 5))
    expected[:3, :3] = 2 * simplex(3)  # scale of the size-3 block
    expected[3:, 3:] = 7 * simplex(2)  # scale of the size-2 block
    assert len(fam.components) == 2  # m = number of distinct sizes
    np.testing.assert_allclose(as_float(fam.matrix([2, 7])), expected, rtol=0, atol=1e-15)
    assert len(named_family("blocks:2+2+1", 5).components) == 2
    with pytest.raises(ParameterError, match="sum to K"):
        named_family("blocks:3+2", 6)


@pytest.mark.parametrize("K", [3, 5, 7])
def test_coupled_builds_pairs_plus_centred_singleton(K):
    entry = patterns.get("coupled")
    assert entry.kind == patterns.COUPLED and entry.scales == 3 and entry.accepts_K(K) and not entry.accepts_K(K - 1)
    F = entry.builder_function()(K, 2, Fraction(1, 10))
    a, b, g = 0.7, 1.3, -0.4
    u = -np.ones(K) / K
    u[-1] += 1
    v = np.full(K, g)
    v[-1] = b
    np.testing.assert_allclose(F.matrix((a, b, g)), a * pairs_part(K) + np.outer(u, v), rtol=0, atol=1e-15)
    with pytest.raises(ParameterError, match="odd"):
        entry.builder_function()(K + 1, 2, Fraction(1, 10))


@pytest.mark.parametrize("K", [2, 4, 5])
def test_relu_paired_output_pattern(K):
    entry = patterns.get("relu-paired")
    c = entry.builder_function()(K, 3)
    expected = pairs_part(K)
    if K % 2:
        expected[K - 1, K - 1] = 2.0  # Theorem 7, odd K: X̄ = I_m ⊗ [[1,−1],[−1,1]] ⊕ 2
    np.testing.assert_allclose(c.pattern.matrix_float(), expected, rtol=0, atol=0)


@pytest.mark.parametrize("r", [3, 4, 5])
def test_triangular_output_is_the_orthogonal_frame(r):
    entry = patterns.get("triangular")
    K = r * (r - 1) // 2
    assert entry.accepts_K(K) and not entry.accepts_K(K + 1)
    c = entry.builder_function()(r, 2)
    assert c.K == K
    np.testing.assert_allclose(c.pattern.matrix_float(), np.eye(K), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["dnc", "paired", "polygon", "orthogonal-frame", "paired2", "paired2c"])
def test_valid_K_agrees_with_the_builder(name):
    """accepts_K is what the builder accepts, for K = 1..10."""
    entry = patterns.get(name)
    for K in range(1, 11):
        try:
            entry.builder_function()(K)
            built = True
        except ParameterError:
            built = False
        assert built == entry.accepts_K(K), (name, K)


# ---- the other lists are views ----------------------------------------------------------------------------

def test_names_are_views_of_the_registry():
    assert names.STRUCTURE_NAMES == patterns.names("certify") == ("dnc", "paired", "polygon")
    assert names.COMPARE_NAMES == patterns.names("compare") == ("dnc", "paired", "polygon", "coupled")
    assert names.FAMILY_NAMES == patterns.names("phase") == ("dnc", "paired", "paired2", "paired2c", "polygon")
    assert names.COUPLED_NAME == "coupled" and patterns.names(kind=patterns.COUPLED) == ("coupled",)
    from ufmtheory.cli.construction import NAMES
    assert NAMES == patterns.names("construction") == ("relu-paired", "triangular")
    from ufmtheory.coupled import NAME
    assert NAME == names.COUPLED_NAME
    from ufmtheory.losses import get
    for loss in ("ce", "mse", "ls-ce:0.1"):
        assert patterns.get(get(loss).dnc_structure).kind == patterns.STRUCTURE


def test_unknown_names_are_refused_with_the_valid_names():
    with pytest.raises(ParameterError, match=r"pattern must be one of 'dnc'.*'triangular', got 'hexagon'"):
        patterns.get("hexagon")
    with pytest.raises(ParameterError, match="pattern must be one of"):
        patterns.get("blocks")  # the parameterised name needs its parameter
    with pytest.raises(ParameterError,
                       match=r"--opt must be one of 'dnc', 'paired', 'polygon', 'coupled', got 'paired2'"):
        patterns.require("paired2", "compare", "--opt")


# ---- command line -----------------------------------------------------------------------------------------

def test_patterns_command_lists_every_entry(capsys):
    assert main(["patterns"]) == 0
    out = capsys.readouterr().out
    for p in patterns.PATTERNS:
        line = next(ln for ln in out.splitlines() if ln.startswith(p.shown_name + " "))
        assert p.kind in line and p.K_text in line and p.description in line and p.source in line
        assert p.builder in out


def test_patterns_json(capsys):
    assert main(["patterns", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["patterns"]
    assert [r["name"] for r in rows] == [p.shown_name for p in patterns.PATTERNS]
    assert {r["name"]: r["m"] for r in rows}["coupled"] == 3
    assert {r["name"]: r["valid_K"] for r in rows}["paired2c"] == "odd K >= 3"
    assert main(["patterns", "--json", "--kind", "construction"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)["patterns"]] == ["relu-paired", "triangular"]


@pytest.mark.parametrize("argv, command", [
    (["compare", "--K", "5", "--L", "2", "--lam", "0.03", "--structures", "help"], "compare"),
    (["compare", "--structures", "help"], "compare"),
    (["phase", "--structures", "help"], "phase"),
    (["certify", "optimum", "--structure", "help"], "certify"),
    (["certify", "order", "--structures", "help"], "certify"),
    (["landscape", "--structure", "help"], "landscape"),
    (["construction", "--name", "help"], "construction"),
])
def test_option_help_lists_the_accepted_names(argv, command, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    shown = [ln.split()[0] for ln in out.splitlines()[3:] if ln.strip()]
    assert shown == [p.shown_name for p in patterns.entries(command)]


@pytest.mark.parametrize("argv, message", [
    (["compare", "--K", "5", "--L", "2", "--lam", "0.03", "--structures", "hexagon"],
     "--structures: structure must be one of 'dnc', 'paired', 'polygon', 'coupled', got 'hexagon'"),
    (["compare", "--K", "4", "--L", "2", "--lam", "0.03", "--structures", "coupled"],
     "--K: coupled (coupled-family) needs odd K >= 3, got K = 4"),
    (["phase", "--K", "3", "--L", "2", "--structures", "dnc,hexagon"],
     "--structures: structure must be one of 'dnc', 'paired', 'paired2', 'paired2c', 'polygon', 'blocks:a+b+…', "
     "got 'hexagon'"),
    (["phase", "--K", "3", "--L", "2", "--structures", "coupled"], "--structures: structure must be one of"),
    (["certify", "optimum", "--K", "4", "--L", "2", "--lam", "0.1", "--structure", "paired2"],
     "--structure: structure must be one of 'dnc', 'paired', 'polygon', got 'paired2'"),
    (["certify", "order", "--K", "4", "--L", "2", "--lam", "0.1", "--structures", "dnc,coupled"],
     "--structures: structure must be one of 'dnc', 'paired', 'polygon', got 'coupled'"),
    (["landscape", "--K", "3", "--L", "2", "--lam", "0.1", "--structure", "hexagon"],
     "--structure: structure must be one of 'dnc', 'paired', 'polygon', got 'hexagon'"),
    (["construction", "--name", "hexagon", "--K", "4", "--L", "2", "--lam", "0.1"], "invalid choice: 'hexagon'"),
    (["patterns", "--kind", "shape"], "invalid choice: 'shape'"),
])
def test_unknown_names_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage: ufmtheory" in err and message in err


def _modules_after(argv) -> dict:
    code = ("import contextlib, io, json, sys, ufmtheory.cli as c\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    try:\n        code = c.main({argv!r})\n    except SystemExit as e:\n        code = e.code\n"
            "print(json.dumps({'code': code, 'heavy': sorted(m for m in ('sympy', 'scipy.optimize', 'matplotlib') "
            "if m in sys.modules)}))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["patterns"], ["patterns", "--json"],
                                  ["compare", "--structures", "help"], ["phase", "--structures", "help"]])
def test_listing_the_registry_imports_no_sympy(argv):
    res = _modules_after(argv)
    assert res["code"] in (0, None) and res["heavy"] == []
