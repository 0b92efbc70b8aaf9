"""The ``certified-global`` label of a ``compare`` answer at K = 3: the winner of ``scale.compare`` against a
certified enclosure [lower, upper] of the global minimum of the reduced loss (``global_min.certified_minimum``;
by the reduction lemma, proofs/reduction_lemma.py, that is the DUFM's global minimum).

Both bounds of the enclosure are proven, whether or not it is narrow enough to count as ``certified``
(``global_min``: past its time budget it "stays proven but wide"). Let W be the winner's loss (correct to
the compare precision: ``dps`` significant digits, so |error| <= tol = 10^{1−dps}·max(1, |W|)). Then:

- "beaten-by-global": W > upper + tol. The global minimum is <= upper < W, so the listed winner is NOT the
  optimum (the statement names the structure of the point whose loss gives the upper bound). This needs
  only the proven upper bound, so it also applies to an enclosure too wide to be certified.
- "certified-global": certified, lower − tol <= W <= upper + tol, and the winner (or a structure tied with
  it) has the certified minimiser's structure — compare's names mapped to ``global_min``'s ('zero', 'dnc',
  'pair'; ``winner_structures``). The winner attains the global minimum to within the enclosure width
  (+ tol).
- otherwise the scope given (``prior``, e.g. "family-relative" or the ``--search``/``--atlas`` verdict) is
  kept and the statement says why: "global minimum not certified at this point: enclosure [lower, upper]",
  or certified with another structure (W inside the enclosure: the winner ties with it to the width, but
  the structures differ), or W below the proven lower bound (inconsistent: a bug somewhere).

The enclosure is read from any object with ``lower``, ``upper`` (decimal strings), ``certified``,
``structure``, ``boxes`` and ``seconds`` (``global_min.GlobalResult``); this module does not import
``global_min``.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath

from . import _validate as V
from .names import COUPLED_NAME
from .precision import agreed_digits, nstr, to_fraction

#: ``compare``'s names at K = 3 → ``global_min.structure_name``'s. polygon(3) is DNC (the triangle);
#: paired(3) is one pair plus the singleton at the same scale (rank 2), which ``global_min`` does not name.
K3_STRUCTURES = {"zero": "zero", "dnc": "dnc", "polygon": "dnc"}

#: The coupled family's strata at K = 3 → ``global_min`` names: 'pairs only' (β = γ = 0) is the rank-1 pair
#: a·[[1,−1,0],[−1,1,0],[0,0,0]]; an interior point with β = 2a, γ = −a is DNC at scale 2a (``coupled``).
COUPLED_STRATA = {"zero": "zero", "pairs only": "pair"}


def _coupled_structure(opt, dps: int):
    """``global_min``'s name of a ``coupled.CoupledOptimum`` at K = 3 (None: no name)."""
    if opt.kind in COUPLED_STRATA:
        return COUPLED_STRATA[opt.kind]
    if opt.kind == "interior":
        a, b, g = opt.theta
        with mpmath.workdps(dps + 10):
            if agreed_digits(b, 2 * a) >= dps - 2 and agreed_digits(-g, a) >= dps - 2:
                return "dnc"
    return None


def winner_structures(result: dict) -> set:
    """``global_min`` structure names of ``scale.compare``'s winner and the structures tied with it (K = 3).

    >>> from ufmtheory.model import DeepUFM
    >>> from ufmtheory.scale import compare
    >>> from ufmtheory.structures import named
    >>> res = compare(DeepUFM(3, 1, lam="1/20"), [named("paired", 3), named("polygon", 3)], 20)
    >>> res["winner"], sorted(winner_structures(res))
    ('polygon', ['dnc'])
    """
    names = [result["winner"]] + list(result["ties"])
    out = set()
    for nm in names:
        if nm in K3_STRUCTURES:
            out.add(K3_STRUCTURES[nm])
        elif nm == COUPLED_NAME:
            opt = next(r for r in result["results"] if r.name == COUPLED_NAME)
            s = _coupled_structure(opt, int(result["dps"]))
            if s is not None:
                out.add(s)
    return out


def global_scope(result: dict, enclosure, prior: dict | None = None, max_seconds=None) -> dict:
    """The scope of ``scale.compare``'s ``result`` (K = 3) given ``enclosure`` (``global_min.GlobalResult``)
    and the scope decided so far (``prior``: {"scope", "statement"}; default family-relative): returns
    ``{"scope", "statement", "global"}`` (module docstring), ``global`` = lower, upper, certified,
    structure, boxes, seconds (and max_seconds when given) for the JSON output.

    >>> from ufmtheory.global_min import certified_minimum
    >>> from ufmtheory.model import DeepUFM
    >>> from ufmtheory.scale import compare
    >>> from ufmtheory.structures import named
    >>> res = compare(DeepUFM(3, 1, lam="1/20"), [named("dnc", 3)], 30)
    >>> g = global_scope(res, certified_minimum(3, 1, 1, "1/20", starts=4))
    >>> g["scope"], g["global"]["structure"], g["global"]["certified"]
    ('certified-global', 'dnc', True)
    """
    if int(result["model"].K) != 3:
        raise V.ParameterError(f"global: the certified global minimum is for K = 3 only, got K = {result['model'].K}")
    listed = ", ".join(result["compared"])
    prior = prior or {"scope": "family-relative", "statement": f"family-relative: best among the listed structures "
                                                               f"({listed})"}
    winner, dps = result["winner"], int(result["dps"])
    W = to_fraction(result["winner_loss"])
    lo, up = Fraction(enclosure.lower), Fraction(enclosure.upper)
    width = up - lo
    tol = Fraction(10) ** (1 - dps) * max(Fraction(1), abs(W))
    structure = str(enclosure.structure)
    base = structure.split(" (")[0]  # 'dnc (tie not excluded)' → 'dnc'
    mine = winner_structures(result)
    info = {"lower": enclosure.lower, "upper": enclosure.upper, "certified": bool(enclosure.certified),
            "structure": structure, "boxes": int(enclosure.boxes), "seconds": round(float(enclosure.seconds), 3)}
    if max_seconds is not None:
        info["max_seconds"] = float(max_seconds)
    shown_w = nstr(result["winner_loss"], min(dps, 21))
    encl = f"[{enclosure.lower}, {enclosure.upper}]"
    how = f"global_min: {info['boxes']} boxes/cells, {info['seconds']:.1f} s"
    if W - up > tol:
        kind = "certified" if enclosure.certified else "proven (wide, not certified)"
        statement = (f"beaten-by-global: the global minimum lies in the {kind} enclosure {encl} ({how}; its upper "
                     f"bound is the loss at a point of structure {structure}), below {winner}'s loss {shown_w} by at "
                     f"least {float(W - up):.3g}: the listed winner is NOT the optimum")
        return {"scope": "beaten-by-global", "global": info, "statement": _joined(statement, prior)}
    if W < lo - tol:  # both bounds are proven: this would be a bug somewhere
        why = (f"INCONSISTENT: {winner}'s loss {shown_w} is below the proven lower bound {enclosure.lower} of the "
               f"global minimum (please report)")
    elif not enclosure.certified:
        why = (f"global minimum not certified at this point: enclosure {encl} ({how}; best point found: "
               f"{structure})")
    elif base in mine:
        tie = (" (another structure attaining the minimum is not excluded)" if base != structure else "")
        statement = (f"certified-global: the global minimum of the reduced loss (K = 3) lies in {encl} ({how}) "
                     f"with minimiser structure {base}{tie}; {winner}'s loss {shown_w} lies in it: {winner} is a "
                     f"global minimiser, to the enclosure width {float(width):.2g}")
        return {"scope": "certified-global", "global": info, "statement": _joined(statement, prior)}
    else:
        why = (f"global minimum certified in {encl} with minimiser structure {structure}; {winner}'s loss lies in "
               f"it but its structure ({', '.join(sorted(mine)) or 'no global_min name'}) differs")
    return {"scope": prior["scope"], "global": info, "statement": f"{prior['statement']}; {why}"}


def _joined(statement: str, prior: dict) -> str:
    """The global statement, followed by the earlier evidence (--search/--atlas) when there was any."""
    return statement if prior["scope"] == "family-relative" else f"{statement}; {prior['statement']}"
