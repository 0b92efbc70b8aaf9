"""The claim log of ``ufmtheory.testing`` and its two exceptions (no other imports: no cycles)."""
from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("certified", "held", "failed")


class ClaimFailed(AssertionError):
    """The claim is false (with a counterexample) or its check failed."""


class ClaimRefused(ValueError):
    """The claim could not be decided (no proven tail bound, box budget exhausted, unsupported model, ...)."""


@dataclass(frozen=True)
class ClaimRecord:
    """One assertion's outcome: ``kind`` (inequality, optimum, winner, theorem), ``statement`` and
    ``status``: "certified" (proven with interval or exact arithmetic), "held" (checked numerically)
    or "failed" (false, or not decided: the assertion raised)."""

    kind: str
    statement: str
    status: str
    detail: str = ""


ClaimFailed.__module__ = ClaimRefused.__module__ = "ufmtheory.testing"  # where users import them from

CLAIMS: list = []


def record(kind: str, statement: str, status: str, detail: str = "") -> ClaimRecord:
    """Append an outcome to ``CLAIMS`` and return it.

    >>> record("example", "1 < 2", "held").status
    'held'
    >>> CLAIMS.pop().statement
    '1 < 2'
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    rec = ClaimRecord(kind, statement, status, detail)
    CLAIMS.append(rec)
    return rec


def counts(records=None) -> dict:
    """Number of records per status.

    >>> counts([ClaimRecord("k", "s", "certified"), ClaimRecord("k", "t", "failed")])
    {'certified': 1, 'held': 0, 'failed': 1}
    """
    records = CLAIMS if records is None else records
    return {s: sum(1 for r in records if r.status == s) for s in STATUSES}


def summary_line(c: dict, expected: int = 0) -> str:
    """The line the pytest plugin prints at the end of a run; ``expected``: how many of the failed
    claims were made in tests that passed (a test expecting the refutation, e.g. under pytest.raises).

    >>> summary_line({'certified': 2, 'held': 1, 'failed': 0})
    'ufmtheory claims: 2 certified, 1 held, 0 failed'
    >>> summary_line({'certified': 2, 'held': 1, 'failed': 3}, expected=2)
    'ufmtheory claims: 2 certified, 1 held, 3 failed (2 of them in tests that passed, which expected the refutation)'
    """
    line = f"ufmtheory claims: {c['certified']} certified, {c['held']} held, {c['failed']} failed"
    if expected:
        line += f" ({expected} of them in tests that passed, which expected the refutation)"
    return line
