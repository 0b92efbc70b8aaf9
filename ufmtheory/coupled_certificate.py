"""A certified bracket of the DNC/coupled tie (issue 11 item 1): interval arithmetic (python-flint arb)
proves λ_lo < λ* < λ_hi for a tie λ* of DNC's optimal loss with the coupled family's minimum
(``ufmtheory.coupled``), default (K, L, n) = (5, 2, 1), λ* = 0.000123574554421091064467009987625…

Statement proven by ``certify_tie_dnc_coupled`` (λ_lo < λ_hi exact rationals):

(i)  at λ_lo, min over {a >= 0, β >= 0, γ real} of the coupled loss f > DNC's optimal loss;
(ii) at λ_hi, f(θ̃) < DNC's optimal loss at one explicit rational point θ̃.

Both optimal values are continuous in λ (minima of jointly continuous functions over sets on which the
minimisers stay bounded), so their difference changes sign on [λ_lo, λ_hi]: a tie lies there. Uniqueness
of the tie in the bracket is NOT proven.

Ingredients, all in arb:
- DNC's optimum: ``certificates.certify_optimum('dnc', K, L, n, λ)`` (proven enclosure of min_t f_dnc(t)):
  its upper end at λ_lo, its lower end at λ_hi.
- (ii): f(θ̃) enclosed in arb at θ̃ = the mpf minimiser of ``coupled.optimum`` at λ_hi (as rationals).
- (i): a bounded region: f >= penalty = A(m(2a)^p + c^{p/2} r^p) (fit >= 0; A = (L+1)μ/2, p = 2/(L+1),
  c = (K−1)/K, r² = β² + 2mγ²), so f > T outside a <= a_max, r <= r_max with A m (2a_max)^p = T and
  A c^{p/2} r_max^p = T, T = DNC's upper bound; the box X₀ = [0, a⁺] × [0, r⁺] × [−r⁺/√(2m), r⁺/√(2m)]
  (dyadic) contains that region, its faces a = 0 and β = 0 (the strata 'pairs off', 'pairs only', the
  zero solution) included. On X₀ the branch and bound of ``boxes.minimise`` (bound leaves only, no
  gradient pruning) with a Krawczyk region around the interior minimiser (unique critical point with a
  positive definite Hessian there, its value enclosed to ~1e-90) proves f > cut > T on X₀, with
  cut = T + (lower(f(x*)) − T)/2.
"""
from __future__ import annotations

import math
import time
from fractions import Fraction

import mpmath
from flint import arb

from . import boxes as bx
from . import coupled as C
from .certificates.numbers import parse_interval, qstr
from .precision import to_fraction

#: The (5, 2, 1) tie λ* from ``coupled.ties_with(5, 2, 'dnc', dps=40)`` (digits verified: 51). Only the
#: centre of the bracket: the certificate does not depend on it being right.
LAM_STAR_5_2_1 = "0.0001235745544210910644670099876253185219770"


class JetOps:
    """``coupled.ops`` back end over ``boxes.Jet`` (value, gradient, Hessian in arb) at the current
    python-flint precision, so the one formula ``CoupledFamily.value`` serves the box prover.

    >>> F = C.CoupledFamily.at(5, 2, Fraction(1, 100))
    >>> J = bx.evaluate(lambda v: F.value(tuple(v), JetOps()), [arb(2), arb(3), arb(-0.5)], 1)
    >>> abs(float(J.v) - F.value((2.0, 3.0, -0.5))) < 1e-12
    True
    """

    name = "jet"

    def const(self, q):
        q = Fraction(q)
        return arb(q.numerator) / q.denominator

    exp = staticmethod(bx.exp)
    log = staticmethod(bx.log)

    def pow(self, x, y):
        return bx.power(x, y)


def _family(K, L, n, lam: Fraction) -> C.CoupledFamily:
    return C.CoupledFamily(K, L, Fraction(n) * lam ** (L + 1))  # μ^{L+1} = n λ^{L+1} (SPEC §2)


def _dnc_loss(K, L, n, lam: Fraction, digits: int):
    """Proven enclosure (lo, hi) (Fractions/decimals as mpf strings) of DNC's optimal loss at λ."""
    from .certificates import certify_optimum
    cert = certify_optimum("dnc", K, L, n, lam, digits)
    lo, hi = parse_interval(cert["proof"]["analyses"][0]["result"]["loss"], "dnc loss")
    return lo, hi, cert


def _arb_of(q) -> arb:
    q = Fraction(q)
    return arb(q.numerator) / q.denominator


def _dyadic_up(x: float) -> float:
    return 2.0 ** math.ceil(math.log2(x))


def _radii(F: C.CoupledFamily, Tu: arb) -> tuple:
    """(a_max, r_max, m) in arb at the current precision: f >= A m (2a)^p and f >= A cp r^p (module
    docstring (i)), so f > Tu where a > a_max or r > r_max."""
    K, m, p, A, cp = F._consts(JetOps())
    return (Tu / (A * m)) ** (1 / p) / 2, (Tu / (A * cp)) ** (1 / p), m


def _lower_bound_family(F: C.CoupledFamily, T: arb, theta, prec: int, radius: float, max_seconds,
                        replay: bool = True):
    """Prove min f > T over the whole domain (module docstring (i)); returns a dict."""
    o = JetOps()
    func = lambda v: F.value((v[0], v[1], v[2]), o)  # noqa: E731
    with bx.precision(prec):
        Tu = arb(T.upper())
        a_max, r_max, m = _radii(F, Tu)
        a_hi = _dyadic_up(float(a_max.upper()) * 1.01)
        r_hi = _dyadic_up(float(r_max.upper()) * 1.01)
        g_hi = _dyadic_up(r_hi / math.sqrt(2 * m))
        assert arb(a_hi) > a_max and arb(r_hi) > r_max and arb(g_hi) * arb(2 * m).sqrt() > r_max
    box = [(a_hi / 2, a_hi / 2), (r_hi / 2, r_hi / 2), (0.0, g_hi)]
    R = None
    for rad in (radius, radius / 4, radius / 16, radius / 64):
        R = bx.krawczyk_region(func, [float(t) for t in theta], rad, prec=prec)
        if R is not None:
            break
    if R is None:
        return {"certified": False, "reason": "no Krawczyk region around the minimiser"}
    with bx.precision(prec):
        if not R.lower > Tu:
            return {"certified": False, "reason": "f(x*) not above T", "fmin": [R.lower, R.upper]}
        cut = Tu + (arb(R.lower) - Tu) / 2
        res = bx.minimise(func, box, cut, [R], width=0.0, prec=prec, max_seconds=max_seconds,
                          min_radius=1e-12, second_order=True)
        ok = bool(res.lower >= cut.lower()) and not res.open_boxes and bool(cut.lower() > Tu)
    replayed = None
    if ok and replay:
        # recomputed at prec + 64 bits: the Krawczyk region and the whole branch and bound with the same
        # cut (the certificate file's checker replays the tree itself: ``check_tie_certificate``)
        hp = prec + 64
        R2 = bx.krawczyk_region(func, [float(t) for t in theta], R.data["radius"], prec=hp)
        with bx.precision(hp):
            res2 = None if R2 is None or not R2.lower > cut.upper() else bx.minimise(
                func, box, cut, [R2], width=0.0, prec=hp, max_seconds=max_seconds, min_radius=1e-12,
                second_order=True)
            replayed = res2 is not None and bool(res2.lower >= cut.lower()) and not res2.open_boxes
        ok = ok and replayed
    return {"certified": ok, "replayed": replayed, "box": box, "region": R, "result": res, "cut": cut,
            "a_max": a_max, "r_max": r_max}


def _upper_at_point(F: C.CoupledFamily, theta, prec: int):
    """(θ̃ as Fractions, arb enclosure of f(θ̃)) at the rational point θ̃ nearest the mpf ``theta``."""
    th = tuple(to_fraction(t) for t in theta)
    with bx.precision(prec):
        v = F.value(tuple(_arb_of(t) for t in th), JetOps())
    return th, v


def _exact(x: arb) -> Fraction:
    """The exact value of an arb with radius 0 (e.g. ``lower()``/``upper()``)."""
    man, e = x.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(e)


def _interval(x, digits: int = 45) -> list:
    """[lo, hi]: decimal strings (``digits`` after the point, rounded outward) enclosing the arb ball x
    (or the pair of arbs x = (lo, hi))."""
    with bx.precision(4096):  # lower()/upper() round to the working precision: keep them exact
        lo, hi = (_exact(x.lower()), _exact(x.upper())) if isinstance(x, arb) else (_exact(x[0]), _exact(x[1]))
    s = 10 ** digits
    return [qstr(Fraction(math.floor(lo * s), s)), qstr(Fraction(math.ceil(hi * s), s))]


def _cut_exact(cut: arb) -> str:
    """The exact lower end of the cut ball (the value the branch and bound compared its leaves with)."""
    with bx.precision(4096):
        return qstr(_exact(cut.lower()))


def certify_tie_dnc_coupled(K: int = 5, L: int = 2, n: int = 1, rel_width=Fraction(2, 10 ** 26), lam_star=None,
                            prec: int = 320, digits: int = 50, radius: float = 0.25,
                            max_seconds: float | None = 300, replay: bool = True) -> dict:
    """Prove a tie of DNC's optimal loss with the coupled family's minimum in [λ_lo, λ_hi] =
    λ*(1 ∓ rel_width/2) (exact rationals; λ* = ``lam_star``, default ``LAM_STAR_5_2_1`` at (5, 2, 1), else
    ``coupled.ties_with``'s first tie): (i) at λ_lo the coupled minimum over its whole domain exceeds DNC's
    optimum, (ii) at λ_hi a rational point of the coupled family is below DNC's optimum (module
    docstring). ``prec``: working precision (bits) of the box prover and the point evaluation;
    ``replay``: step (i) is recomputed at prec + 64 bits (Krawczyk region and branch and bound).
    Uniqueness of the tie in the bracket is not claimed.

    >>> r = certify_tie_dnc_coupled(rel_width=Fraction(1, 10 ** 8))  # doctest: +SKIP
    >>> r["certified"]  # doctest: +SKIP
    True
    """
    t0 = time.time()
    rel_width = Fraction(rel_width)
    if lam_star is None:
        if (K, L, n) == (5, 2, 1):
            lam_star = LAM_STAR_5_2_1
        else:
            ties = C.ties_with(K, L, "dnc", dps=40)
            if not ties:
                raise ValueError(f"no DNC/coupled tie found at K = {K}, L = {L}")
            lam_star = ties[0].lam(n)
    lam_c = to_fraction(lam_star)
    lam_c = Fraction(round(lam_c * 10 ** 45), 10 ** 45)  # a short exact decimal
    lam_lo, lam_hi = lam_c * (1 - rel_width / 2), lam_c * (1 + rel_width / 2)
    out = {"K": K, "L": L, "n": n, "lam_lo": qstr(lam_lo), "lam_hi": qstr(lam_hi), "prec_bits": prec}
    # (i) at λ_lo
    d_lo, d_hi, _ = _dnc_loss(K, L, n, lam_lo, digits)
    F = _family(K, L, n, lam_lo)
    with mpmath.workdps(digits):
        opt = C.optimum(F, dps=digits - 10)
    with bx.precision(prec):
        T = _arb_of(d_hi)
    low = _lower_bound_family(F, T, opt.theta, prec, radius, max_seconds, replay)
    res = low.get("result")
    part_i = {"dnc_loss": [qstr(d_lo), qstr(d_hi)], "certified": bool(low["certified"]),
              "recomputed_bits": prec + 64 if low.get("replayed") else None}
    if res is not None:
        R = low["region"]
        part_i.update({"coupled_min": _interval((R.lower, R.upper)),
                       "cut": _interval(low["cut"]), "cut_exact": _cut_exact(low["cut"]), "tree": res.tree,
                       "box": low["box"], "boxes": res.boxes,
                       "leaves": res.leaves, "krawczyk": R.data, "seconds": res.seconds,
                       "a_max": _interval(low["a_max"], 12), "r_max": _interval(low["r_max"], 12)})
    else:
        part_i["reason"] = low.get("reason")
    # (ii) at λ_hi
    e_lo, e_hi, _ = _dnc_loss(K, L, n, lam_hi, digits)
    G = _family(K, L, n, lam_hi)
    with mpmath.workdps(digits):
        opt_hi = C.optimum(G, dps=digits - 10)
    th, v = _upper_at_point(G, opt_hi.theta, prec)
    with bx.precision(prec):
        ok_ii = bool(v.upper() < _arb_of(e_lo))
    part_ii = {"dnc_loss": [qstr(e_lo), qstr(e_hi)], "point": [qstr(t) for t in th],
               "coupled_value": _interval(v), "certified": ok_ii}
    out.update({"at_lam_lo": part_i, "at_lam_hi": part_ii,
                "certified": part_i["certified"] and ok_ii,
                "statement": (f"a tie of DNC's optimal loss and the coupled family's minimum at K={K}, L={L}, n={n} "
                              f"lies in [lam_lo, lam_hi] (uniqueness not claimed)"),
                "seconds": time.time() - t0})
    return out


# ---- a re-checkable certificate file (claim type 'coupled-tie', ``ufmtheory certify coupled-tie``) ------

def _func(F: C.CoupledFamily):
    o = JetOps()
    return lambda v: F.value((v[0], v[1], v[2]), o)  # noqa: E731


def _statement(params: dict) -> str:
    return (f"a tie of DNC's optimal loss and the coupled family's minimum at K={params['K']}, L={params['L']}, "
            f"n={params['n']} lies in [{params['lam_lo']}, {params['lam_hi']}] (uniqueness not claimed)")


def tie_certificate(K: int = 5, L: int = 2, n: int = 1, **kw) -> dict:
    """The bracket of ``certify_tie_dnc_coupled`` as a certificate (``certificates.format``, claim type
    'coupled-tie') that ``check_tie_certificate`` re-proves from the file: the stored Krawczyk region
    (centre, radius), box X₀, cut and branch-and-bound tree (i), and the rational point θ̃ (ii).
    Raises ``CertificationError`` when the bracket is not proven.

    >>> c = tie_certificate()  # doctest: +SKIP
    >>> c["claim"]["type"]  # doctest: +SKIP
    'coupled-tie'
    """
    from .certificates import format as fmt
    from .certificates.scale import CertificationError
    r = certify_tie_dnc_coupled(K, L, n, replay=False, **kw)
    if not r["certified"]:
        why = r["at_lam_lo"].get("reason") or ("(ii) fails" if not r["at_lam_hi"]["certified"] else "(i) fails")
        raise CertificationError(f"the DNC/coupled tie bracket is not proven: {why}")
    i, ii = r["at_lam_lo"], r["at_lam_hi"]
    params = {"K": K, "L": L, "n": n, "lam_lo": r["lam_lo"], "lam_hi": r["lam_hi"]}
    proof = {"at_lam_lo": {"dnc_loss": i["dnc_loss"], "box": i["box"],
                           "krawczyk": {"center": i["krawczyk"]["center"], "radius": i["krawczyk"]["radius"]},
                           "coupled_min": i["coupled_min"], "cut": i["cut_exact"], "tree": i["tree"],
                           "second_order": True},
             "at_lam_hi": {"dnc_loss": ii["dnc_loss"], "point": ii["point"], "coupled_value": ii["coupled_value"]}}
    claim = {"type": "coupled-tie", "statement": _statement(params)}
    return fmt.new(claim, params, proof, {"backend": "arb", "prec_bits": r["prec_bits"], "digits": kw.get("digits", 50)})


def check_tie_certificate(cert: dict, B=None, prec: int = 320) -> dict:
    """Re-prove a 'coupled-tie' certificate (``tie_certificate``) in arb at ``prec`` bits: DNC's optimum
    recomputed (``certificates.certify_optimum``) at both ends; (i) the box X₀ must contain the region
    {f <= DNC's upper bound} (module docstring), the Krawczyk region is rebuilt from its centre and radius,
    the tree is replayed by ``boxes.check_tree`` (every leaf's bound recomputed) and must prove f >= cut on
    X₀, and cut > DNC's upper bound at λ_lo; (ii) f(θ̃) < DNC's lower bound at λ_hi. ``B`` is unused (arb).
    Raises ``CertificateInvalid``/``CertificateFormatError``.

    >>> check_tie_certificate(tie_certificate())["bracket"]  # doctest: +SKIP
    """
    from .certificates.claims import check_statement
    from .certificates.numbers import CertificateFormatError, qparse
    from .certificates.scale import CertificateInvalid
    from .limits import certify_model
    p, proof = cert["parameters"], cert["proof"]
    if set(p) != {"K", "L", "n", "lam_lo", "lam_hi"}:
        raise CertificateFormatError("parameters: expected K, L, n, lam_lo, lam_hi")
    K, L, n = certify_model(p["K"], p["L"], p["n"])
    lam_lo, lam_hi = qparse(p["lam_lo"], "lam_lo"), qparse(p["lam_hi"], "lam_hi")
    if not 0 < lam_lo < lam_hi:
        raise CertificateInvalid("need 0 < lam_lo < lam_hi")
    check_statement(cert, _statement(p))
    i, ii = proof["at_lam_lo"], proof["at_lam_hi"]
    digits = cert["engine"].get("digits", 50)
    # (i) at λ_lo
    _, T_hi, _ = _dnc_loss(K, L, n, lam_lo, digits)
    F = _family(K, L, n, lam_lo)
    func = _func(F)
    box = [(float(m), float(r)) for m, r in i["box"]]
    if len(box) != 3:
        raise CertificateFormatError("proof.at_lam_lo.box: expected 3 (mid, rad) pairs")
    with bx.precision(prec):
        Tu = _arb_of(T_hi)
        a_max, r_max, m = _radii(F, Tu)
        lo = [arb(mid) - arb(rad) for mid, rad in box]
        hi = [arb(mid) + arb(rad) for mid, rad in box]
        covers = (lo[0] == 0 and lo[1] == 0 and hi[0] > a_max and hi[1] > r_max
                  and -lo[2] * arb(2 * m).sqrt() > r_max and hi[2] * arb(2 * m).sqrt() > r_max)
    if not covers:
        raise CertificateInvalid("(i): the box X0 does not contain the region where f <= DNC's optimum")
    kr = i["krawczyk"]
    R = bx.krawczyk_region(func, [float(c) for c in kr["center"]], float(kr["radius"]), prec=prec)
    if R is None:
        raise CertificateInvalid("(i): the Krawczyk region does not verify (no unique minimiser proven)")
    cut = qparse(i["cut"], "cut")
    with bx.precision(prec):
        cut_arb = _arb_of(cut)
        if not cut_arb > Tu:
            raise CertificateInvalid("(i): the cut is not above DNC's optimal loss at lam_lo")
    try:
        lowest = bx.check_tree(func, box, i["tree"], [R], cut_arb, prec=prec, second_order=True)
    except ValueError as exc:
        raise CertificateInvalid(f"(i): branch-and-bound tree rejected: {exc}") from None
    with bx.precision(prec):
        if not lowest >= cut_arb:
            raise CertificateInvalid("(i): the tree does not prove f >= cut on X0")
    # (ii) at λ_hi
    e_lo, _, _ = _dnc_loss(K, L, n, lam_hi, digits)
    th = [qparse(t, "point") for t in ii["point"]]
    if len(th) != 3 or th[0] < 0 or th[1] < 0:
        raise CertificateInvalid("(ii): the point must be (a >= 0, beta >= 0, gamma)")
    _, v = _upper_at_point(_family(K, L, n, lam_hi), th, prec)
    with bx.precision(prec):
        if not v < _arb_of(e_lo):
            raise CertificateInvalid("(ii): f(point) is not below DNC's optimal loss at lam_hi")
    return {"bracket": [p["lam_lo"], p["lam_hi"]], "leaves": sum(i["tree"].count(c) for c in "br"), "coupled_min": _interval((R.lower, R.upper), 30),
            "dnc_loss_lam_lo_upper": str(T_hi), "point_value": _interval(v, 30)}
