"""Certified claims in a user's own tests (and CI).

- ``assert_inequality(expr, integer=(), **ranges)`` — prove an inequality over (possibly unbounded)
  ranges by branch and bound in interval arithmetic; returns a re-checkable certificate.
- ``assert_optimum(model, structure, value=...)``, ``assert_winner(model, structures, winner)`` —
  certified optima and their order (``ufmtheory.certificates``).
- ``assert_claim(theorem_key)`` — a registered theorem check (``ufmtheory verify``).

Failures raise ``ClaimFailed`` (an AssertionError, with a counterexample or the failing rows);
undecidable claims raise ``ClaimRefused`` (a ValueError, with the reason). Every outcome is appended
to ``CLAIMS``; the pytest plugin (``ufmtheory.testing.pytest_plugin``) summarises them.
"""
from .claims import OptimumResult, assert_claim, assert_optimum, assert_winner
from .inequality import InequalityCertificate, assert_inequality
from .log import CLAIMS, ClaimFailed, ClaimRecord, ClaimRefused, counts, record, summary_line

__all__ = ["CLAIMS", "ClaimFailed", "ClaimRecord", "ClaimRefused", "InequalityCertificate", "OptimumResult",
           "assert_claim", "assert_inequality", "assert_optimum", "assert_winner", "counts", "record",
           "summary_line"]
