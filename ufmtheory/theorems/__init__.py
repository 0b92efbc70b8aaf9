"""Registered theorem checks (see ``registry``).

Importing this package imports every module of it, and each module registers its entries with
``register(TheoremEntry(...))``: a new theorem check is a new module here, nothing else to edit.
Entries are listed in the order given by their ``order`` (then key).

Then the plugins are loaded (``plugins``): the entry points of the group ``ufmtheory.theorems`` of
every installed distribution register their entries the same way; one that fails to load is
recorded in ``plugins.FAILURES`` instead of raising.
"""
import importlib
import pkgutil

from . import plugins
from .registry import REGISTRY, CheckOptions, CheckRow, TheoremEntry, register, verdict

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name not in ("registry", "plugins") and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["REGISTRY", "CheckOptions", "CheckRow", "TheoremEntry", "entries", "plugins", "register", "verdict"]


def entries(keys=None) -> list:
    """Registered entries (sorted by ``order``, then key), optionally restricted to ``keys``."""
    if keys is None:
        return sorted(REGISTRY.values(), key=lambda e: (e.order, e.key))
    unknown = [k for k in keys if k not in REGISTRY]
    if unknown:
        from .._validate import ParameterError
        broken = "".join(f"; {f}" for f in plugins.FAILURES)
        raise ParameterError(f"unknown theorem key(s) {unknown}; known: {', '.join(sorted(REGISTRY))}{broken}")
    return [REGISTRY[k] for k in keys]


plugins.load_entry_points()
