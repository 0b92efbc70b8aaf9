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
from ..limits import CERTIFY_MAX_PREC_BITS
from . import format as fmt
from .claims import (TIE_MAX_WIDTH, certificate_digits, certify_optimum, certify_order, certify_tie, check_optimum,
                     check_order, check_tie, locate_tie, model_parameters, tie_interval)
from .format import CheckReport, load, save
from .inequalities import certify_theorem1, certify_theorem7, check_theorem1, check_theorem7
from .numbers import CertificateFormatError
from .scale import DEFAULT_DIGITS, CertificateInvalid, CertificationError
from .user_inequality import check_user_inequality

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
    ctype, statement = claim.get("type", "?"), claim.get("statement", "")
    ctype, statement = (x if isinstance(x, str) else "?" for x in (ctype, statement))
    report = CheckReport(False, ctype, statement[:1000])
    try:
        report.digest_ok = cert.get("sha256") == fmt.digest(cert)
        if cert.get("format") != fmt.FORMAT or cert.get("version") != fmt.VERSION:
            raise CertificateFormatError(f"not a {fmt.FORMAT} version {fmt.VERSION} file")
        for key in ("parameters", "proof", "engine"):
            if not isinstance(cert.get(key), dict):
                raise CertificateFormatError(f"missing object {key!r}")
        if ctype in _EXACT_CHECKERS:
            report.facts = _EXACT_CHECKERS[ctype](cert)
        elif ctype in _SCALE_CHECKERS:
            prec = cert["engine"].get("prec_bits")
            if not isinstance(prec, int) or isinstance(prec, bool) or not 64 <= prec <= CERTIFY_MAX_PREC_BITS:
                raise CertificateFormatError(f"engine.prec_bits must be an integer in [64, {CERTIFY_MAX_PREC_BITS}]")
            B = interval_backend(backend or _recorded_backend(cert))
            report.facts = _SCALE_CHECKERS[ctype](cert, B, prec)
            report.facts["checked_with"] = f"{B.name} at {prec} bits"
        else:
            raise CertificateFormatError(f"unknown claim type {ctype!r}; known: {', '.join(CLAIM_TYPES)}")
    except (CertificateInvalid, CertificateFormatError) as exc:
        report.errors.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - any failure to re-prove rejects the file (fail closed)
        report.errors.append(f"malformed certificate ({type(exc).__name__}: {_short(exc)})")
    if not report.digest_ok:
        report.errors.append("sha256 digest mismatch: the file was changed after ufmtheory wrote it")
    report.valid = not report.errors
    return report


def _short(exc: Exception, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _recorded_backend(cert: dict):
    """The engine that wrote the certificate when it is installed (any engine may check it)."""
    from ..intervals import flint
    name = cert["engine"].get("backend")
    if name == "mpmath.iv" or (name == "arb" and flint is not None):
        return name
    return None


def check_file(path, backend: str | None = None) -> CheckReport:
    """``check_certificate`` of a JSON file; a file that cannot be read or parsed is a report with
    the reason (never an exception): a folder, binary data, invalid or too deeply nested JSON."""
    try:
        cert = load(path)
    except OSError as exc:
        return CheckReport(False, "?", "", [f"cannot read it: {exc.strerror or exc}"])
    except UnicodeDecodeError:
        return CheckReport(False, "?", "", ["not a text file (not UTF-8)"])
    except RecursionError:
        return CheckReport(False, "?", "", ["not a certificate: JSON nested too deeply"])
    except ValueError as exc:
        return CheckReport(False, "?", "", [f"not valid JSON ({_short(exc)})"])
    return check_certificate(cert, backend)


__all__ = ["CLAIM_TYPES", "CheckReport", "CertificateFormatError", "CertificateInvalid", "CertificationError",
           "DEFAULT_DIGITS", "TIE_MAX_WIDTH", "certificate_digits", "certify_optimum", "certify_order",
           "certify_tie", "certify_theorem1", "certify_theorem7", "check_certificate", "check_file", "load",
           "locate_tie", "model_parameters", "save", "tie_interval"]
