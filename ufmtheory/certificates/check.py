"""Re-checking a certificate: ``check_certificate`` (a dict) and ``check_file`` (a JSON file), by claim type."""
from __future__ import annotations

from ..intervals import backend as interval_backend
from ..limits import CERTIFY_MAX_PREC_BITS
from . import format as fmt
from .claims import check_optimum, check_order, check_tie
from .format import CheckReport, load
from .inequalities import check_theorem1, check_theorem7
from .numbers import CertificateFormatError
from .scale import CertificateInvalid
from .user_inequality import check_user_inequality

def check_coupled_tie(cert: dict, B, prec: int) -> dict:
    """The DNC/coupled tie bracket (``ufmtheory.coupled_certificate``, imported only for this claim type)."""
    from ..coupled_certificate import check_tie_certificate
    return check_tie_certificate(cert, B, prec)


def check_global_minimum(cert: dict, B, prec: int) -> dict:
    """The K = 3 global minimum (``ufmtheory.global_certificate``, imported only for this claim type)."""
    from ..global_certificate import check
    return check(cert, B, prec)


_SCALE_CHECKERS = {"optimum": check_optimum, "order": check_order, "tie": check_tie,
                   "user-inequality": check_user_inequality,  # ufmtheory.testing.assert_inequality
                   "coupled-tie": check_coupled_tie, "global-minimum": check_global_minimum}
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

