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

from ..intervals import backend as interval_backend
from . import format as fmt
from .claims import (TIE_MAX_WIDTH, certify_optimum, certify_order, certify_tie, check_optimum, check_order,
                     check_tie, locate_tie, tie_interval)
from .format import CheckReport, load, save
from .inequalities import certify_theorem1, certify_theorem7, check_theorem1, check_theorem7
from .numbers import CertificateFormatError
from .scale import DEFAULT_DIGITS, CertificateInvalid, CertificationError
from .user_inequality import check_user_inequality

MAX_PREC_BITS = 20000

_SCALE_CHECKERS = {"optimum": check_optimum, "order": check_order, "tie": check_tie,
                   "user-inequality": check_user_inequality}  # ufmtheory.testing.assert_inequality
_EXACT_CHECKERS = {"theorem1-inequality": check_theorem1, "theorem7-inequalities": check_theorem7}
CLAIM_TYPES = tuple(_SCALE_CHECKERS) + tuple(_EXACT_CHECKERS)


def check_certificate(cert, backend: str | None = None) -> CheckReport:
    """Re-prove ``cert`` from its parameters and proof alone (never raises for a bad certificate).
    ``backend``: the interval engine (default: the one that wrote it, when installed)."""
    if not isinstance(cert, dict):
        return CheckReport(False, "?", "", ["not a JSON object"])
    claim = cert.get("claim") if isinstance(cert.get("claim"), dict) else {}
    ctype, statement = str(claim.get("type", "?")), str(claim.get("statement", ""))
    report = CheckReport(False, ctype, statement)
    report.digest_ok = cert.get("sha256") == fmt.digest(cert)
    try:
        if cert.get("format") != fmt.FORMAT or cert.get("version") != fmt.VERSION:
            raise CertificateFormatError(f"not a {fmt.FORMAT} version {fmt.VERSION} file")
        for key in ("parameters", "proof", "engine"):
            if not isinstance(cert.get(key), dict):
                raise CertificateFormatError(f"missing object {key!r}")
        if ctype in _EXACT_CHECKERS:
            report.facts = _EXACT_CHECKERS[ctype](cert)
        elif ctype in _SCALE_CHECKERS:
            prec = cert["engine"].get("prec_bits")
            if not isinstance(prec, int) or isinstance(prec, bool) or not 64 <= prec <= MAX_PREC_BITS:
                raise CertificateFormatError(f"engine.prec_bits must be an integer in [64, {MAX_PREC_BITS}]")
            B = interval_backend(backend or _recorded_backend(cert))
            report.facts = _SCALE_CHECKERS[ctype](cert, B, prec)
            report.facts["checked_with"] = f"{B.name} at {prec} bits"
        else:
            raise CertificateFormatError(f"unknown claim type {ctype!r}; known: {', '.join(CLAIM_TYPES)}")
    except (CertificateInvalid, CertificateFormatError) as exc:
        report.errors.append(str(exc))
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        report.errors.append(f"malformed certificate ({type(exc).__name__}: {exc})")
    if not report.digest_ok:
        report.errors.append("sha256 digest mismatch: the file was changed after ufmtheory wrote it")
    report.valid = not report.errors
    return report


def _recorded_backend(cert: dict):
    """The engine that wrote the certificate when it is installed (any engine may check it)."""
    from ..intervals import flint
    name = cert["engine"].get("backend")
    if name == "mpmath.iv" or (name == "arb" and flint is not None):
        return name
    return None


def check_file(path, backend: str | None = None) -> CheckReport:
    try:
        cert = load(path)
    except (OSError, ValueError) as exc:
        return CheckReport(False, "?", "", [f"cannot read {path}: {exc}"])
    return check_certificate(cert, backend)


__all__ = ["CLAIM_TYPES", "CheckReport", "CertificateFormatError", "CertificateInvalid", "CertificationError",
           "DEFAULT_DIGITS", "TIE_MAX_WIDTH", "certify_optimum", "certify_order", "certify_tie",
           "certify_theorem1", "certify_theorem7", "check_certificate", "check_file", "load", "locate_tie",
           "save", "tie_interval"]
