"""Registered theorem checks (see ``registry``). Importing this package registers every entry."""
from . import lemma1, theorem1  # noqa: F401  (registration side effects)
from .registry import REGISTRY, CheckOptions, CheckRow, TheoremEntry, register

__all__ = ["REGISTRY", "CheckOptions", "CheckRow", "TheoremEntry", "register", "entries"]


def entries(keys=None) -> list:
    """Registered entries, in registration order, optionally restricted to ``keys``."""
    if keys is None:
        return list(REGISTRY.values())
    unknown = [k for k in keys if k not in REGISTRY]
    if unknown:
        from .._validate import ParameterError
        raise ParameterError(f"unknown theorem key(s) {unknown}; known: {', '.join(REGISTRY)}")
    return [REGISTRY[k] for k in keys]
