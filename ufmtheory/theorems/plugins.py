"""Theorem checks from outside the package: plugins.

- Entry points of the group ``ufmtheory.theorems`` (``GROUP``): every installed distribution's entry
  point there names a module (``pkg.checks``), whose import registers ``TheoremEntry`` objects with
  ``ufmtheory.theorems.register``, or a function (``pkg.checks:setup``), called with no arguments,
  that registers them. They are loaded when ``ufmtheory.theorems`` is imported, after the built-in
  checks.
- ``load_module(name)`` (``ufmtheory verify --plugin MODULE``): the same for a module found on
  ``sys.path`` or in the current directory, or a ``.py`` file given by its path.

A plugin that fails to load — its import raises, it registers a key already registered, or it
registers nothing — never raises here: it is recorded in ``FAILURES`` (name, origin, one-line
reason) and whatever it had registered is removed again. Each entry a plugin registered has
``origin`` naming the plugin (built-in checks: "built-in").
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import pathlib
import sys
import types
from dataclasses import dataclass

from ..names import PLUGIN_GROUP as GROUP
from .registry import REGISTRY


@dataclass
class PluginFailure:
    """A plugin that did not load: ``name`` (entry point or module), ``origin`` (where it came from)
    and the one-line ``reason``."""

    name: str
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"plugin {self.name} ({self.origin}) not loaded: {self.reason}"


FAILURES: list[PluginFailure] = []
#: Modules loaded with ``load_module`` (name -> origin), so that loading one twice is harmless.
LOADED: dict[str, str] = {}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _load(name: str, origin: str, load) -> PluginFailure | None:
    """Run ``load()`` (which imports the plugin and returns the module or a setup function); entries it
    registers get ``origin``. On any error, undo its registrations and record a PluginFailure."""
    before = set(REGISTRY)
    reason = None
    try:
        obj = load()
        if callable(obj) and not isinstance(obj, types.ModuleType):
            obj()
    except Exception as exc:  # a broken plugin must not break the registry
        reason = _one_line(exc)
    added = [k for k in REGISTRY if k not in before]
    if reason is None and not added:
        reason = ("registered no theorem check (its import must call "
                  "ufmtheory.theorems.register(TheoremEntry(...)))")
    if reason is not None:
        for k in added:
            del REGISTRY[k]
        failure = PluginFailure(name, origin, reason)
        FAILURES.append(failure)
        return failure
    for k in added:
        REGISTRY[k].origin = origin
    return None


def load_entry_points() -> list:
    """Load every entry point of the group ``GROUP``; returns the PluginFailures."""
    failures = []
    for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda ep: ep.name):
        dist = f"{ep.dist.name} {ep.dist.version}" if getattr(ep, "dist", None) else "unknown distribution"
        failure = _load(ep.name, f"plugin {ep.name} = {ep.value}, from {dist}", ep.load)
        if failure:
            failures.append(failure)
    return failures


def load_module(name: str) -> PluginFailure | None:
    """Import the plugin module ``name`` (dotted, importable from ``sys.path`` or the current directory,
    or the path of a ``.py`` file) so that it registers its checks; returns a PluginFailure or None.
    ModuleNotFoundError if there is no such module (a usage error, not a broken plugin)."""
    path = pathlib.Path(name)
    key = str(path.resolve()) if name.endswith(".py") else name
    if key in LOADED:
        return None
    origin = f"--plugin {name}"
    if name.endswith(".py"):
        if not path.is_file():
            raise ModuleNotFoundError(f"no file {name}")
        load = lambda: _import_file(path)  # noqa: E731
    else:
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError) as exc:  # a missing parent package, or an invalid name
            raise ModuleNotFoundError(f"no module named {name!r} ({_one_line(exc)})") from None
        if found is None:
            raise ModuleNotFoundError(f"no module named {name!r} on sys.path or in the current directory "
                                      "(give a module name such as my_checks, or the path of a .py file)")
        if name in sys.modules:  # already imported (e.g. by an entry point): its entries are registered
            LOADED[key] = origin
            return None
        load = lambda: importlib.import_module(name)  # noqa: E731
    failure = _load(name, origin, load)
    if failure is None:
        LOADED[key] = origin
    return failure


def _import_file(path: pathlib.Path) -> types.ModuleType:
    mod_name = f"ufmtheory_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[mod_name]
        raise
    return mod


def failure_entry(failure: PluginFailure):
    """A TheoremEntry (not registered) whose one row reports ``failure`` with verdict "fails"
    (``ufmtheory verify`` shows it like any check, so that a CI run notices the broken plugin)."""
    from .registry import CheckRow, TheoremEntry
    title = f"plugin {failure.name}"
    row = CheckRow(title, "the plugin loads and registers its theorem checks", failure.origin, "fails", failure.reason)
    return TheoremEntry(f"plugin:{failure.name}", title, row.claim, failure.origin, lambda **_: True,
                        lambda opts: [row], order=float("inf"), label=title, origin=failure.origin)


def run_check(entry, opts) -> list:
    """``entry.check(opts)``; for a plugin's entry, an exception or a result that is not a list of
    CheckRows becomes one "fails" row naming the entry and the reason (a built-in check's errors
    propagate: they are bugs of ufmtheory)."""
    from .registry import CheckRow
    if entry.origin == "built-in":
        return entry.check(opts)
    try:
        rows = list(entry.check(opts))
        bad = [type(r).__name__ for r in rows if not isinstance(r, CheckRow)]
        reason = f"check returned {', '.join(sorted(set(bad)))} instead of CheckRow" if bad else None
    except Exception as exc:  # a plugin's bug must not break verify
        reason = f"check raised {_one_line(exc)}"
    if reason is None:
        return rows
    return [CheckRow(entry.label or entry.title, entry.statement, f"{entry.key} ({entry.origin})", "fails", reason)]
