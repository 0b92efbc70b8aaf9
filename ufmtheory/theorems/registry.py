"""The registry of theorem checks behind ``ufmtheory verify``.

Each entry states a published claim, its hypotheses as a predicate, and a ``check`` that computes
evidence and returns rows (theorem, claim, parameters, verdict, evidence). Verdicts:

- ``holds`` — computed (numerically, to the stated precision) and the claim is true;
- ``certified`` — proven with interval arithmetic or exact arithmetic;
- ``fails`` — the claim was computed to be false where it should hold (``verify`` exits non-zero);
- ``finding`` — a computed fact the paper does not state (e.g. DNC losing outside a sufficient
  region); informative, never a failure;
- ``not applicable`` — hypotheses not met.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

VERDICTS = ("holds", "certified", "fails", "finding", "not applicable")


@dataclass
class CheckRow:
    theorem: str
    claim: str
    parameters: str
    verdict: str
    evidence: str
    expected_to_hold: bool = True

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def is_failure(self) -> bool:
        return self.expected_to_hold and self.verdict == "fails"

    def as_dict(self) -> dict:
        return {"theorem": self.theorem, "claim": self.claim, "parameters": self.parameters,
                "verdict": self.verdict, "evidence": self.evidence,
                "expected_to_hold": self.expected_to_hold}


@dataclass
class CheckOptions:
    """Options every check accepts: working precision and a quick mode (smaller grids)."""

    dps: int = 30
    quick: bool = False
    progress: bool = True
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        from .._validate import integer
        from ..limits import VERIFY_MAX_DPS, VERIFY_MIN_DPS
        self.dps = integer("dps", self.dps, VERIFY_MIN_DPS, VERIFY_MAX_DPS)

    def digits(self, floor: int = 0) -> int:
        """The working precision of a check: ``dps``, raised to ``floor`` where the check needs at least
        that many digits to mean anything (its rows state the digits used)."""
        return max(self.dps, floor)


@dataclass
class TheoremEntry:
    key: str
    title: str
    statement: str
    source: str
    hypotheses: Callable[..., bool]
    check: Callable[[CheckOptions], list]
    order: float = 100.0  # position in the verify table (paper order: Lemma 1 = 1, Theorem k = 10k, App. A = 90)
    label: str = ""  # the theorem its rows name (e.g. "Theorem 7"): rows of that name from any entry sit here
    origin: str = "built-in"  # or the plugin that registered it (set by ``plugins``)


REGISTRY: dict[str, TheoremEntry] = {}


def register(entry: TheoremEntry) -> TheoremEntry:
    if entry.key in REGISTRY:
        raise ValueError(f"theorem key {entry.key!r} is already registered ({REGISTRY[entry.key].origin})")
    REGISTRY[entry.key] = entry
    return entry


def verdict(ok: bool, certified: bool = False) -> str:
    if not ok:
        return "fails"
    return "certified" if certified else "holds"
