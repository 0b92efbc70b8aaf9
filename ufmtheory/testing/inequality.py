"""``assert_inequality``: prove an inequality over a box (bounded or unbounded above) in interval
arithmetic, or fail with a counterexample; the proof is a certificate ``ufmtheory check-certificate``
re-checks. The method is described in ``ufmtheory.certificates.user_inequality``."""
from __future__ import annotations

from dataclasses import dataclass

from ..certificates import format as fmt
from ..certificates import user_inequality as U
from .log import ClaimFailed, ClaimRefused, record


@dataclass
class InequalityCertificate:
    """A proven inequality: ``statement``, ``ranges`` (name -> (lo, hi, integer) as exact strings,
    hi None when unbounded), ``boxes`` (per region of the compactified domain: the boxes and their
    enclosures), ``engine`` and ``precision`` (bits). ``save(path)`` writes the JSON certificate."""

    data: dict

    @property
    def statement(self) -> str:
        return self.data["claim"]["statement"]

    @property
    def ranges(self) -> dict:
        return {nm: (v["lo"], v["hi"], v["integer"]) for nm, v in self.data["parameters"]["variables"].items()}

    @property
    def boxes(self) -> list:
        return [box for sec in self.data["proof"]["regions"] for box in sec["boxes"]]

    @property
    def engine(self) -> str:
        return self.data["engine"]["backend"]

    @property
    def precision(self) -> int:
        return self.data["engine"]["prec_bits"]

    def to_dict(self) -> dict:
        return self.data

    def save(self, path) -> None:
        fmt.save(self.data, path)

    def check(self):
        """Re-check the certificate (a ``CheckReport``)."""
        from ..certificates import check_certificate
        return check_certificate(self.data)


def assert_inequality(expr, *, integer=(), digits=None, max_boxes=U.DEFAULT_MAX_BOXES,
                      max_seconds=U.DEFAULT_MAX_SECONDS, **ranges) -> InequalityCertificate:
    """Prove ``expr`` (text such as "m*2**(2/(L+1)) < 2*m - 1" or a sympy relational with <, <=, >, >=)
    for every point of the ranges ``name=(lo, hi)`` (hi=None: unbounded above; names in ``integer``
    range over the integers). Raises ``ClaimFailed`` with a counterexample (exact point, enclosure of
    lhs − rhs there) or ``ClaimRefused`` with the reason it could not be decided.

    >>> cert = assert_inequality("x*(1 - x) < 1/3", x=(0, 1))
    >>> cert.statement
    'x*(1 - x) < 1/3 for all x ∈ [0, 1]'
    >>> cert.check().valid
    True
    >>> assert_inequality("2**k > k**2", k=(3, 5), integer=["k"])
    Traceback (most recent call last):
    ...
    ufmtheory.testing.ClaimFailed: 2**k > k**2 is false at k=3: lhs − rhs ∈ [-1, -1] (proven; ...), violated by at least 1
    """
    variables = U.make_variables(ranges, integer)
    claim = U.parse_claim(expr, variables)
    try:
        cert = U.prove(claim, digits=digits, max_boxes=max_boxes, max_seconds=max_seconds)
    except U.InequalityFails as exc:
        record("inequality", claim.statement(), "failed", str(exc))
        raise ClaimFailed(str(exc)) from None
    except U.InequalityUndecided as exc:
        record("inequality", claim.statement(), "failed", "refused: " + str(exc))
        raise ClaimRefused(str(exc)) from None
    record("inequality", claim.statement(), "certified")
    return InequalityCertificate(cert)
