"""Certified verification: interval-arithmetic certificates that anyone can re-check.

Build (python-flint ``arb`` balls; ``mpmath.iv`` where flint is missing, see ``intervals``):
- ``certify_optimum(structure, K, L, n, lam)`` — a structure's optimal loss and scale, with the
  proof that no other critical point and not the zero solution does better (``scale``);
- ``certify_order(K, L, n, lam)`` — strict order of DNC's and paired's optima (``claims``);
- ``certify_tie(K, L, n, lam_lo, lam_hi)`` — exactly one tie λ* in an interval of width <= 1e-20
  (``locate_tie`` + ``tie_interval`` find one numerically first);
- ``certify_theorem1(K_max)``, ``certify_theorem7(K_max)`` — the theorems' inequalities decided
  exactly (``inequalities``).
Check: ``check_certificate(cert)`` re-proves a certificate (a dict, see ``format``) from its own data
and returns a ``CheckReport``; ``check_file(path)`` does the same for a JSON file.
All parameters are exact rationals (``fractions.Fraction``; decimal strings such as "0.0009765625").
"""
from __future__ import annotations

import importlib

# name -> submodule: the package imports a submodule (sympy, the interval engine) only when one of its
# names is used (PEP 562), so that ``ufmtheory.certificates.numbers`` and refusals of bad input are fast
_EXPORTS = {
    "TIE_MAX_WIDTH": "claims", "certificate_digits": "claims", "certify_optimum": "claims",
    "certify_order": "claims", "certify_tie": "claims", "check_optimum": "claims", "check_order": "claims",
    "check_tie": "claims", "locate_tie": "claims", "model_parameters": "claims", "tie_interval": "claims",
    "CheckReport": "format", "load": "format", "save": "format",
    "certify_theorem1": "inequalities", "certify_theorem7": "inequalities", "check_theorem1": "inequalities",
    "check_theorem7": "inequalities",
    "CertificateFormatError": "numbers",
    "DEFAULT_DIGITS": "scale", "CertificateInvalid": "scale", "CertificationError": "scale",
    "check_user_inequality": "user_inequality",
    "CLAIM_TYPES": "check", "check_certificate": "check", "check_file": "check",
}
def __getattr__(name):
    if name == "fmt":
        return importlib.import_module(".format", __name__)
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS) + ["fmt"])


__all__ = ["CLAIM_TYPES", "CheckReport", "CertificateFormatError", "CertificateInvalid", "CertificationError",
           "DEFAULT_DIGITS", "TIE_MAX_WIDTH", "certificate_digits", "certify_optimum", "certify_order",
           "certify_tie", "certify_theorem1", "certify_theorem7", "check_certificate", "check_file", "load",
           "locate_tie", "model_parameters", "save", "tie_interval"]
