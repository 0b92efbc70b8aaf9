"""A re-checkable certificate file (claim type 'global-minimum') for the certified K = 3 global minimum of
the reduced DUFM loss (issue 11: "a test that a tampered global certificate is rejected").

Route. Only the convex relaxation over singular-value cells (``global_relax``, its module docstring has
the lemma) is written as a certificate: it certifies L = 1 (f is convex; e.g. λ = 1/20: DNC) and the
zero regime (e.g. L = 2, λ = 1/2; L = 3, λ = 3/10) with a handful of cells. The six-variable branch and
bound in gap coordinates (``global_min.certified_minimum``'s second route: Krawczyk and convexity regions,
rank-1 tube, relaxation hook) is NOT written: ``write`` refuses when the relaxation alone does not
certify (``CertificationError``).

Certificate (``certificates.format``):
- parameters: K (= 3), L, n, λ (exact), width (the claimed enclosure width bound, exact);
- proof: ``enclosure`` [lower, upper] (decimal strings, rounded outward), ``point_t`` (an exact rational
  t >= 0: the upper-bound point Z̄ = t (I − 11ᵀ/3), DNC for t > 0, the zero solution for t = 0),
  ``domain_side`` (a dyadic s_max: the cells cover [0, s_max]² in (s₁, s₂)), ``tree`` (the bisection in
  preorder: '0' / '1' = split along s₁ / s₂ at the exact midpoint, lower half first; 'b' = a cell whose
  relaxation bound ``global_relax.cell_lower`` is >= lower; 'e' = a cell with a₂ >= b₁, i.e. no point
  with s₁ > s₂);
- claim: the statement derived from those fields, and the structure of the upper-bound point.

``check`` re-proves it in arb at the recorded precision, trusting nothing but the parameters:
(1) the point's loss log(1 + 2e^{−t}) + 2A t^p (``global_relax.dnc_value``; log 3 at t = 0) is <= upper,
    so min f <= upper;
(2) S = (upper/A)^{1/p} <= s_max: CE >= 0 gives f >= A s₁^p, so every Z̄ with f(Z̄) <= upper, in
    particular every minimiser, has s₁ <= S (bounded region);
(3) the tree, replayed from [0, s_max]², covers it exactly (no missing or extra tokens), every 'e' cell
    has a₂ >= b₁, and every 'b' cell's bound, recomputed, is >= lower. A point with s₁ > s₂ lies only in
    cells with a₂ <= s₂ < s₁ <= b₁, i.e. in 'b' cells, so f >= lower there; points with s₁ = s₂ are limits
    of such points and f is continuous. Hence min f >= lower;
(4) upper − lower <= width, and the statement and structure follow from the fields.
The sha256 digest only says the file is what ufmtheory wrote; acceptance rests on (1)–(4).
What is claimed about the minimiser: the point attains the minimum to within the width (it is not proven
to be the unique minimiser).
"""
from __future__ import annotations

import math
from fractions import Fraction

from . import boxes as bx
from .global_min import DEFAULT_WIDTH, Problem
from .global_relax import cell_lower, dnc_value, relaxed_minimum

CLAIM_TYPE = "global-minimum"
#: Longest tree a certificate may hold (``relaxed_minimum`` stops at 500 000 cells by default).
MAX_TREE_CHARS = 2_000_000
#: Significant digits of the written enclosure, at least (more when the width asks for it).
MIN_DIGITS = 22


def _arb(q: Fraction):
    from flint import arb
    q = Fraction(q)
    return arb(q.numerator) / q.denominator


def _bounds(x) -> tuple:
    """(lo, hi) of an arb ball as exact Fractions (``IntervalBackend.exact_bounds``)."""
    from .intervals import backend
    return backend("arb").exact_bounds(x)


def _structure(t: Fraction) -> str:
    return "zero" if t == 0 else "dnc"


def statement(params: dict, proof: dict) -> str:
    """The claim proven by the fields (``check`` compares it with the file's).

    >>> statement({"K": 3, "L": 2, "n": 1, "lam": "0.5", "width": "1e-10"},
    ...           {"enclosure": ["1.0986", "1.0987"], "point_t": "0"})
    'the global minimum of ... (cross-entropy, K=3, L=2, n=1, lam=0.5) lies in [1.0986, 1.0987] (width <= 1e-10); ...'
    """
    lo, up = proof["enclosure"]
    t = proof["point_t"]
    point = "the zero point Zbar = 0" if Fraction(t) == 0 else f"the dnc point Zbar = t (I - 11^T/3), t = {t},"
    return (f"the global minimum of the reduced DUFM loss (cross-entropy, K={params['K']}, L={params['L']}, "
            f"n={params['n']}, lam={params['lam']}) lies in [{lo}, {up}] (width <= {params['width']}); "
            f"{point} has loss <= {up} (uniqueness not claimed)")


def write(K: int, L: int, n: int, lam, width=DEFAULT_WIDTH, prec: int = bx.DEFAULT_PREC,
          max_seconds: float = 5.0, max_cells: int = 20_000) -> dict:
    """A 'global-minimum' certificate (module docstring) from ``global_relax.relaxed_minimum`` at exact
    (K, L, n, λ): the cell tree, the upper-bound point (DNC scale or zero) and the enclosure. ``width``:
    the claimed width bound (a float is read as its shortest decimal); ``max_seconds``, ``max_cells``: the
    relaxation's budget (the defaults are about what ``certified_minimum`` gives it). Raises ``CertificationError`` when
    the relaxation does not certify (the branch-and-bound route is not written as a certificate).

    >>> c = write(3, 1, 1, "1/20")
    >>> c["claim"]["structure"], c["proof"]["tree"], c["proof"]["enclosure"][0][:16]
    ('dnc', 'b', '0.39439769144744')
    """
    from .certificates import format as fmt
    from .certificates.numbers import dec_down, dec_up, qstr
    from .certificates.scale import CertificationError
    from ._validate import ParameterError
    P = Problem(K, L, n, lam, prec)
    w = Fraction(repr(width)) if isinstance(width, float) else Fraction(width)
    if not w > 0:
        raise ParameterError(f"width must be > 0, got {width}")
    rr = relaxed_minimum(P, width=float(w), max_seconds=max_seconds, max_cells=max_cells)
    if not rr.certified:
        raise CertificationError(
            f"not certified by the convex relaxation at K={P.K}, L={P.L}, n={P.n}, lam={P.lam}: enclosure width "
            f"{rr.width:.3g} > {float(w):.3g} after {rr.cells} cells ({rr.open_cells} open); certificates of the "
            f"branch-and-bound route are not written")
    with bx.precision(prec):
        t = Fraction(repr(rr.t_dnc))
        v_dnc = dnc_value(P, _arb(t))
        if not v_dnc.upper() < P.logK.upper():
            t, v_dnc = Fraction(0), P.logK
        (lower, _), (_, upper) = _bounds(rr.lower), _bounds(v_dnc)
    digits = max(MIN_DIGITS, math.ceil(-math.log10(w)) + 12)
    lo, up = dec_down(lower, digits), dec_up(upper, digits)
    if Fraction(up) - Fraction(lo) > w:
        raise CertificationError(f"the rounded enclosure [{lo}, {up}] is wider than {qstr(w)}")
    params = {"K": P.K, "L": P.L, "n": P.n, "lam": qstr(P.lam), "width": qstr(w)}
    proof = {"enclosure": [lo, up], "point_t": qstr(t), "domain_side": qstr(Fraction(rr.side)), "tree": rr.tree}
    claim = {"type": CLAIM_TYPE, "structure": _structure(t), "statement": statement(params, proof)}
    return fmt.new(claim, params, proof, {"backend": "arb", "prec_bits": prec})


def check(cert: dict, B=None, prec: int | None = None) -> dict:
    """Re-prove a 'global-minimum' certificate (``write``) in arb at ``prec`` bits (default: the recorded
    engine.prec_bits): steps (1)–(4) of the module docstring. ``B`` is unused (arb). Returns facts;
    raises ``CertificateInvalid`` / ``CertificateFormatError``.

    >>> check(write(3, 2, 1, "1/2"))["structure"]
    'zero'
    """
    from ._validate import ParameterError
    from .certificates.claims import check_statement
    from .intervals import EnclosureError
    from .certificates.numbers import CertificateFormatError, parse_interval, qparse, qstr
    from .certificates.scale import CertificateInvalid
    p, proof = cert["parameters"], cert["proof"]
    if set(p) != {"K", "L", "n", "lam", "width"}:
        raise CertificateFormatError("parameters: expected K, L, n, lam, width")
    if set(proof) != {"enclosure", "point_t", "domain_side", "tree"}:
        raise CertificateFormatError("proof: expected enclosure, point_t, domain_side, tree")
    prec = cert["engine"].get("prec_bits") if prec is None else prec
    try:
        P = Problem(p["K"], p["L"], p["n"], qparse(p["lam"], "lam"), prec)
    except ParameterError as exc:
        raise CertificateFormatError(f"parameters: {exc}") from None
    width = qparse(p["width"], "width")
    lo, up = parse_interval(proof["enclosure"], "proof.enclosure")
    t = qparse(proof["point_t"], "proof.point_t")
    side = qparse(proof["domain_side"], "proof.domain_side")
    tree = proof["tree"]
    if not isinstance(tree, str) or len(tree) > MAX_TREE_CHARS:
        raise CertificateFormatError(f"proof.tree: expected a string of at most {MAX_TREE_CHARS} characters")
    if not width > 0 or t < 0:
        raise CertificateInvalid("need width > 0 and point_t >= 0")
    if not side > 0 or Fraction(float(side)) != side:
        raise CertificateFormatError("proof.domain_side: expected a positive binary floating-point number")
    # (4) the claim follows from the fields
    if up - lo > width:
        raise CertificateInvalid(f"upper - lower = {float(up - lo):.3g} exceeds the claimed width {qstr(width)}")
    check_statement(cert, statement(p, proof))
    if cert["claim"].get("structure") != _structure(t):
        raise CertificateInvalid(f"claim.structure: the point t = {proof['point_t']} is {_structure(t)!r}")
    try:
        with bx.precision(P.prec):
            # (1) the point's loss <= upper
            _, v_hi = _bounds(dnc_value(P, _arb(t)))
            if not v_hi <= up:
                raise CertificateInvalid(f"the point's loss (<= {float(v_hi):.17g}) is not <= the claimed upper "
                                         f"bound {proof['enclosure'][1]}")
            # (2) the bounded region s₁ <= S = (upper/A)^{1/p} lies in [0, side]²
            if not up > 0:
                raise CertificateInvalid("the claimed upper bound must be > 0")
            _, S_hi = _bounds(((_arb(up) / P.A).log() / P.p).exp())
            if not S_hi <= side:
                raise CertificateInvalid(f"the domain [0, {proof['domain_side']}]^2 does not contain the region "
                                         f"s1 <= S = {float(S_hi):.6g} where f <= upper")
            # (3) the tree
            cells, empty, lowest = _replay(P, float(side), tree, lo)
    except EnclosureError as exc:
        raise CertificateInvalid(f"an enclosure is not finite ({exc})") from None
    return {"enclosure": [proof["enclosure"][0], proof["enclosure"][1]], "structure": _structure(t),
            "point_t": proof["point_t"], "point_loss_upper": float(v_hi), "S": float(S_hi),
            "cells": cells, "empty_cells": empty, "lowest_cell_bound": float(lowest)}


def _replay(P: Problem, side: float, tree: str, lo: Fraction) -> tuple:
    """Step (3): (bounded cells, empty cells, lowest bound) or ``CertificateInvalid``."""
    from .certificates.scale import CertificateInvalid
    stack = [(0.0, side, 0.0, side)]
    cells = empty = 0
    lowest = None
    for pos, tok in enumerate(tree, 1):
        if not stack:
            raise CertificateInvalid(f"tree: more tokens than cells (token {pos})")
        a1, b1, a2, b2 = stack.pop()
        if tok in ("0", "1"):
            a, b = (a1, b1) if tok == "0" else (a2, b2)
            m = (a + b) / 2
            if 2 * Fraction(m) != Fraction(a) + Fraction(b):
                raise CertificateInvalid(f"tree: split {pos} is not exact in binary floating point (too deep)")
            if tok == "0":
                stack += [(m, b1, a2, b2), (a1, m, a2, b2)]
            else:
                stack += [(a1, b1, m, b2), (a1, b1, a2, m)]
        elif tok == "b":
            v = cell_lower(P, a1, b1, a2, b2)
            bound = None if v is None or not v.is_finite() else _bounds(v)[0]
            if bound is None or bound < lo:
                shown = "none" if bound is None else f"{float(bound):.17g}"
                raise CertificateInvalid(f"tree: cell {pos} (s1 in [{a1}, {b1}], s2 in [{a2}, {b2}]) has bound "
                                         f"{shown} < the claimed lower bound")
            cells += 1
            lowest = bound if lowest is None else min(lowest, bound)
        elif tok == "e":
            if not a2 >= b1:
                raise CertificateInvalid(f"tree: cell {pos} (s1 in [{a1}, {b1}], s2 in [{a2}, {b2}]) is not empty")
            empty += 1
        else:
            raise CertificateInvalid(f"tree: unknown token {tok!r} at {pos} (expected 0, 1, b, e)")
    if stack:
        raise CertificateInvalid(f"tree: {len(stack)} cells not covered (a cell was removed)")
    if lowest is None:
        raise CertificateInvalid("tree: no bounded cell")
    return cells, empty, lowest
