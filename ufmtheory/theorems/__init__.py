"""Registered theorem checks (see ``registry``).

Importing this package imports every module of it, and each module registers its entries with
``register(TheoremEntry(...))``: a new theorem check is a new module here, nothing else to edit.
Entries are listed in the order given by their ``order`` (then key).
"""
import importlib
import pkgutil

from .registry import REGISTRY, CheckOptions, CheckRow, TheoremEntry, register

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name not in ("registry",) and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["REGISTRY", "CheckOptions", "CheckRow", "TheoremEntry", "register", "entries"]


def entries(keys=None) -> list:
    """Registered entries (sorted by ``order``, then key), optionally restricted to ``keys``."""
    if keys is None:
        return sorted(REGISTRY.values(), key=lambda e: (e.order, e.key))
    unknown = [k for k in keys if k not in REGISTRY]
    if unknown:
        from .._validate import ParameterError
        raise ParameterError(f"unknown theorem key(s) {unknown}; known: {', '.join(sorted(REGISTRY))}")
    return [REGISTRY[k] for k in keys]
