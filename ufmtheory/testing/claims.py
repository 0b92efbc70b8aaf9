"""Certified assertions about a model's optima (``certificates.certify_optimum``) and the theorem
registry's checks (``ufmtheory verify``), for a user's own test suite."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .. import _validate as V
from ..certificates import CertificationError, certify_optimum, save
from ..certificates.numbers import parse_interval, qstr
from ..losses import get as get_loss
from ..precision import to_fraction
from .log import ClaimFailed, ClaimRefused, record


@dataclass
class OptimumResult:
    """A certified optimum: ``kind`` ("zero solution" or "positive critical point"), ``loss`` and
    ``scale`` enclosures (exact Fractions), and the ``certificate`` (``save(path)`` writes it)."""

    structure: str
    kind: str
    loss: tuple
    scale: tuple
    certificate: dict

    def save(self, path) -> None:
        save(self.certificate, path)


def _model_params(model, loss) -> tuple:
    """(K, L, n, λ) of a DeepUFM the optimum certificates cover; ClaimRefused otherwise."""
    from ..model import DeepUFM
    if not isinstance(model, DeepUFM):
        raise V.ParameterError(f"model must be a ufmtheory DeepUFM, got {type(model).__name__}")
    loss = model.loss_fn if loss is None else get_loss(loss)
    if not loss.certifiable or model.activation != "linear":
        raise ClaimRefused(f"certified optima cover the linear model with cross-entropy loss only "
                           f"(got activation={model.activation!r}, loss={loss.name!r})")
    if len(set(model.class_sizes)) != 1:
        raise ClaimRefused("certified optima need balanced classes (equal class_sizes)")
    if len(set(model.lams)) != 1:
        raise ClaimRefused("certified optima need one λ for every factor (lam=value)")
    lam = model.lams[0]
    if isinstance(lam, float):
        raise V.ParameterError(f"lam must be exact for a certificate: give it as a decimal string or a Fraction "
                               f"(e.g. lam='{lam!r}'), not the float {lam!r}")
    return model.K, model.L, model.class_sizes[0], lam


def _optimum(model, structure, loss, digits) -> OptimumResult:
    K, L, n, lam = _model_params(model, loss)
    try:
        cert = certify_optimum(structure, K, L, n, lam, digits=digits)
    except CertificationError as exc:
        raise ClaimRefused(f"optimum of {structure} at K={K}, L={L}, n={n}, λ={lam}: not certified ({exc})") from None
    res = cert["proof"]["analyses"][0]["result"]
    return OptimumResult(structure, res["kind"], parse_interval(res["loss"], "loss"),
                         parse_interval(res["scale"], "scale"), cert)


def _iv(iv) -> str:
    return f"[{qstr(iv[0])}, {qstr(iv[1])}]" if max(len(qstr(x)) for x in iv) < 60 else \
        f"[{float(iv[0])!r}, {float(iv[1])!r}]"


def assert_optimum(model, structure, loss=None, digits=30, value=None) -> OptimumResult:
    """Certify ``structure``'s optimal loss for ``model`` (a linear CE ``DeepUFM`` with exact λ) and,
    when ``value`` is given, that the certified enclosure agrees with it to ``digits`` digits
    (|value − loss| <= 10^-digits · max(1, |value|) for every loss in the enclosure).

    >>> from ufmtheory.model import DeepUFM
    >>> r = assert_optimum(DeepUFM(K=4, L=3, lam="1/100"), "dnc", digits=20)
    >>> r.kind, float(r.loss[0])
    ('positive critical point', 0.152877278124...)
    """
    digits = V.integer("digits", digits, 10, 1000)
    statement = f"optimum of {structure} for {model!r}"
    try:
        res = _optimum(model, structure, loss, digits)
    except ClaimRefused as exc:
        record("optimum", statement, "failed", "refused: " + str(exc))
        raise
    statement = res.certificate["claim"]["statement"]
    if value is not None:
        v = to_fraction(value) if not isinstance(value, Fraction) else value
        tol = Fraction(1, 10 ** digits) * max(Fraction(1), abs(v))
        if not (res.loss[0] - tol <= v <= res.loss[1] + tol and res.loss[1] - res.loss[0] <= tol):
            lo_gap = v - res.loss[1] if v > res.loss[1] else res.loss[0] - v
            msg = (f"optimum of {structure}: the certified loss enclosure {_iv(res.loss)} does not agree with "
                   f"value={value} to {digits} digits (off by at least {float(max(lo_gap, Fraction(0))):.3g}; "
                   f"tolerance {float(tol):.3g})")
            record("optimum", statement, "failed", msg)
            raise ClaimFailed(msg)
        statement += f"; agrees with {value} to {digits} digits"
    record("optimum", statement, "certified")
    return res


def assert_winner(model, structures, winner, digits=30) -> dict:
    """Certify that ``winner`` has the strictly smallest optimal loss among ``structures`` (pairwise
    disjoint certified enclosures). Returns {structure: OptimumResult}.

    >>> from ufmtheory.model import DeepUFM
    >>> sorted(assert_winner(DeepUFM(K=4, L=3, lam="1/100"), ["dnc", "paired"], "paired", digits=20))
    ['dnc', 'paired']
    """
    digits = V.integer("digits", digits, 10, 1000)
    structures = list(structures)
    if winner not in structures or len(set(structures)) != len(structures) or len(structures) < 2:
        raise V.ParameterError(f"structures must be two or more distinct names including winner={winner!r}, "
                               f"got {structures}")
    statement = f"{winner} has the smallest optimal loss among {structures} for {model!r}"
    try:
        res = {s: _optimum(model, s, None, digits) for s in structures}
    except ClaimRefused as exc:
        record("winner", statement, "failed", "refused: " + str(exc))
        raise
    w = res[winner]
    beats = [s for s in structures if s != winner and res[s].loss[1] < w.loss[0]]
    open_ = [s for s in structures if s != winner and not w.loss[1] < res[s].loss[0] and s not in beats]
    table = "; ".join(f"{s}: {_iv(r.loss)}" for s, r in res.items())
    if beats:
        msg = f"{winner} does not win: {', '.join(beats)} has a certified lower optimal loss ({table})"
        record("winner", statement, "failed", msg)
        raise ClaimFailed(msg)
    if open_:
        msg = f"no certified order between {winner} and {', '.join(open_)}: the enclosures overlap ({table})"
        record("winner", statement, "failed", "refused: " + msg)
        raise ClaimRefused(msg)
    record("winner", statement, "certified")
    return res


def assert_claim(theorem_key, *, dps=30, quick=True, extra=None) -> list:
    """Run the registered check ``theorem_key`` (as ``ufmtheory verify`` does) and fail with the
    failing rows. Recorded "certified" when every expected row is certified, else "held".
    Returns the rows.

    >>> rows = assert_claim("lemma1")
    >>> rows[0].verdict
    'holds'
    """
    from ..theorems import CheckOptions, entries
    (entry,) = entries([theorem_key])
    dps = V.integer("dps", dps, 15, 1000)
    rows = entry.check(CheckOptions(dps=dps, quick=bool(quick), progress=False, extra=dict(extra or {})))
    failing = [r for r in rows if r.is_failure]
    statement = f"{entry.title}: {entry.statement}"
    if failing:
        text = "\n".join(f"  [{r.verdict}] {r.claim} ({r.parameters}): {r.evidence}" for r in failing)
        msg = f"{theorem_key}: {len(failing)} of {len(rows)} checks fail:\n{text}"
        record("theorem", statement, "failed", msg)
        raise ClaimFailed(msg)
    counted = [r for r in rows if r.expected_to_hold and r.verdict in ("holds", "certified")]
    status = "certified" if counted and all(r.verdict == "certified" for r in counted) else "held"
    record("theorem", statement, status)
    return rows
