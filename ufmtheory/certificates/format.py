"""The certificate file format (JSON) shared by every claim type.

    {"format": "ufmtheory-certificate", "version": 1,
     "claim": {"type": ..., "statement": "...", ...},     what is proven
     "parameters": {...},                                  exact rationals as strings
     "engine": {"backend": "arb", "prec_bits": ..., "digits": ..., "software": "..."},
                                                           digits: relative, for optimum/order enclosures
     "proof": {...},                                       boxes, enclosures, integer facts
     "sha256": "..."}                                      digest of everything else

``check_certificate`` re-proves the claim from ``parameters`` and ``proof`` alone. The digest only
says whether the file is byte-for-byte what ufmtheory wrote (canonical JSON); it is reported and a
mismatch rejects the file, but acceptance never rests on it: a certificate with altered numbers and a
recomputed digest is still re-proved, and rejected unless the altered numbers still prove the claim.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

FORMAT = "ufmtheory-certificate"
VERSION = 1


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(cert: dict) -> str:
    """sha256 of the canonical JSON of the certificate without its 'sha256' field."""
    body = {k: v for k, v in cert.items() if k != "sha256"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def software() -> str:
    from .. import __version__
    try:
        import flint
        fl = f", python-flint {flint.__version__}"
    except ImportError:  # pragma: no cover
        fl = ""
    import mpmath
    return f"ufmtheory {__version__}{fl}, mpmath {mpmath.__version__}"


def new(claim: dict, parameters: dict, proof: dict, engine: dict) -> dict:
    cert = {"format": FORMAT, "version": VERSION, "claim": claim, "parameters": parameters,
            "engine": dict(engine, software=software()), "proof": proof}
    cert["sha256"] = digest(cert)
    return cert


def dumps(cert: dict) -> str:
    """Compact but line-broken JSON (one top-level key per line keeps diffs readable)."""
    lines = ["{"]
    items = list(cert.items())
    for i, (k, v) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}{sep}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def save(cert: dict, path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps(cert))


def load(path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@dataclass
class CheckReport:
    """Outcome of re-checking one certificate."""

    valid: bool
    claim_type: str
    statement: str
    errors: list = field(default_factory=list)
    digest_ok: bool | None = None
    facts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"valid": self.valid, "claim_type": self.claim_type, "statement": self.statement,
                "digest_ok": self.digest_ok, "errors": self.errors, "facts": self.facts}
