"""Certified claims about structures' optima (built on ``certificates.scale``):

- ``optimum``: the global minimum over t >= 0 of f_S (loss and scale enclosures, zero vs positive);
- ``order``: optimum(A) > optimum(B) strictly at (K, L, λ, n) — lower(f*_A) > upper(f*_B);
- ``tie``: exactly one λ* in [λ_1, λ_2] (width <= 10^-20) with f*_A(λ*) = f*_B(λ*).

Tie proof. Both analyses are done for the whole λ box, so for each structure one branch (the zero
solution, or the root r_S(λ) of one R leaf, unique there since F' ≠ 0) is the optimum for every λ
in the box. On a positive branch r_S is C¹ (implicit function theorem, F_t ≠ 0) and, because
f_t(r_S(λ), λ) = 0, the envelope theorem gives d f*_S/dλ = ∂f/∂λ = ((L+1)/2) P_S r_S^p = penalty/λ;
on the zero branch f* = log K and the derivative is 0. So D = f*_A − f*_B is C¹ on the box with
D' ∈ ((L+1)/2)(P_A R_A^p − P_B R_B^p) (R_S the leaf); if that enclosure excludes 0, D is strictly
monotone and has at most one zero; D(λ_1), D(λ_2) of proven opposite signs (each optimum enclosed
at λ_i through a narrow pin box around r_S(λ_i)) give exactly one.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath

from .. import _validate as V
from ..precision import bits_for_digits, working_precisions
from ..intervals import backend as interval_backend
from ..limits import CERTIFY_MAX_PREC_BITS
from ..limits import certify_digits as certificate_digits
from ..limits import certify_model as model_parameters
from ..structures import NAMED
from . import format as fmt
from .exact import ScaleData
from .numbers import CertificateFormatError, dec_up, interval_str, parse_interval, qparse, qstr
from .scale import (DEFAULT_DIGITS, POINT_ENCLOSURES, CertificateInvalid, CertificationError, significant_digits,
                    analysis_section, check_analysis, missing_digits, prec_bits_for, require_digits)

TIE_MAX_WIDTH = Fraction(1, 10 ** 20)


def _exact_lam(lam) -> Fraction:
    if isinstance(lam, str):
        try:
            lam = Fraction(lam.strip())
        except ValueError:
            raise V.ParameterError(f"lam must be an exact positive rational, got {lam!r}") from None
    if isinstance(lam, int) and not isinstance(lam, bool):
        lam = Fraction(lam)
    if not isinstance(lam, Fraction):
        raise V.ParameterError(f"lam must be an exact rational (Fraction, int or decimal string), got {lam!r}")
    if lam <= 0:
        raise V.ParameterError(f"lam must be > 0, got {lam}")
    return lam


def _structure(name: str) -> str:
    return V.choice("structure", name, tuple(NAMED))


def _engine(B, digits: int, prec: int | None = None) -> dict:
    return {"backend": B.name, "prec_bits": prec_bits_for(digits) if prec is None else prec, "digits": digits}


def _point_analyses(names, K, L, n, lam: Fraction, digits: int, B) -> tuple:
    """Analyses of the structures ``names`` at one λ whose enclosures carry ``digits`` digits relative
    to their values: the working precision starts at ``prec_bits_for(digits)`` and is raised (by the
    digits missing, or doubled when an enclosure still contains 0) up to ``CERTIFY_MAX_PREC_BITS``.
    Returns ([(section, result)], prec); ``CertificationError`` if that precision does not suffice."""
    data = [ScaleData.named(s, K, L, n) for s in names]
    prec = prec_bits_for(digits)
    while True:
        out = [analysis_section(d, lam, lam, digits, B, prec=prec) for d in data]
        worst = max(((missing_digits(*_stated(sec, key), digits), sec, key)
                     for sec, _ in out for key in POINT_ENCLOSURES), key=lambda x: x[0])
        if worst[0] <= 0:
            return out, prec
        if prec >= CERTIFY_MAX_PREC_BITS:
            sec, key = worst[1], worst[2]
            raise CertificationError(
                f"{sec['structure']}: the {key} enclosure {_fmt_interval(_stated(sec, key), 6)} does not carry "
                f"{digits} digits relative to its value even at {prec} bits of working precision")
        more = 2 * prec if worst[0] == float("inf") else prec + bits_for_digits(worst[0] + 10) + 1
        prec = min(more, CERTIFY_MAX_PREC_BITS)


def _fmt_interval(iv, digits=12) -> str:
    lo, hi = iv
    return f"[{interval_str(lo, hi, digits)[0]}, {interval_str(lo, hi, digits)[1]}]"


def _stated(section: dict, key: str) -> tuple:
    return parse_interval(section["result"][key], f"{section.get('structure')} {key}")


# The human-readable statement is derived from the certificate's structured fields (the written,
# checked enclosures) by these functions, in the builder and again in the checker: a statement that
# does not follow from the proven fields is rejected.

def optimum_statement(p: dict, section: dict) -> str:
    r = section["result"]
    where = "the zero solution (t = 0, loss log K)" if r["kind"] == "zero" else \
        f"a positive critical point, scale in {_fmt_interval(_stated(section, 'scale'))}"
    return (f"min over t >= 0 of f_{section['structure']}(t) at K={p['K']}, L={p['L']}, n={p['n']}, "
            f"λ={p['lam']} lies in {_fmt_interval(_stated(section, 'loss'))} and is attained only at {where}")


def order_statement(p: dict, claim: dict, sections: list) -> str:
    by = {sec["structure"]: sec for sec in sections}
    g, s = claim["greater"], claim["smaller"]
    return (f"at K={p['K']}, L={p['L']}, n={p['n']}, λ={p['lam']}: optimal loss of {g} "
            f"{_fmt_interval(_stated(by[g], 'loss'))} > optimal loss of {s} {_fmt_interval(_stated(by[s], 'loss'))}")


def tie_statement(p: dict, claim: dict) -> str:
    a, b = claim["structures"]
    lo, hi = claim["lam_interval"]
    word = {"+": "positive", "-": "negative"}
    below, above = (word[ch] for ch in claim["sign_change"])
    return (f"at K={p['K']}, L={p['L']}, n={p['n']}: exactly one λ* in [{lo}, {hi}] (width <= "
            f"{claim['max_width']}) has optimum({a}) = optimum({b}); optimum({a}) − optimum({b}) is "
            f"{below} below it and {above} above it")


def check_statement(cert: dict, expected: str) -> None:
    if cert["claim"].get("statement") != expected:
        raise CertificateInvalid(f"the claim's statement does not follow from the proven fields; they prove: {expected}")


# ---- builders ------------------------------------------------------------------------------------

def certify_optimum(structure: str, K: int, L: int, n: int, lam, digits: int = DEFAULT_DIGITS,
                    backend: str | None = None) -> dict:
    """Certificate: the optimal loss and scale of ``structure`` at (K, L, n, λ) (λ exact)."""
    K, L, n = model_parameters(K, L, n)
    structure, lam, digits = _structure(structure), _exact_lam(lam), certificate_digits(digits)
    B = interval_backend(backend)
    [(sec, res)], prec = _point_analyses([structure], K, L, n, lam, digits, B)
    params = {"K": K, "L": L, "n": n, "lam": qstr(lam)}
    claim = {"type": "optimum", "structure": structure, "statement": optimum_statement(params, sec)}
    return fmt.new(claim, params, {"analyses": [sec]}, _engine(B, digits, prec))


def certify_order(K: int, L: int, n: int, lam, structures=("dnc", "paired"), digits: int = DEFAULT_DIGITS,
                  backend: str | None = None) -> dict:
    """Certificate of the strict order of two structures' optima at (K, L, n, λ), whichever way it goes.
    Raises ``CertificationError`` when no strict order is provable (e.g. both optima are zero)."""
    K, L, n = model_parameters(K, L, n)
    lam, digits = _exact_lam(lam), certificate_digits(digits)
    a_name, b_name = (_structure(s) for s in structures)
    if a_name == b_name:
        raise V.ParameterError("structures: give two different structures")
    B = interval_backend(backend)
    out, prec = _point_analyses([a_name, b_name], K, L, n, lam, digits, B)
    secs = [sec for sec, _ in out]
    ra, rb = (r for _, r in out)
    if ra.loss[0] > rb.loss[1]:
        greater, smaller, g, s = a_name, b_name, ra, rb
    elif rb.loss[0] > ra.loss[1]:
        greater, smaller, g, s = b_name, a_name, rb, ra
    else:
        overlap = min(ra.loss[1], rb.loss[1]) - max(ra.loss[0], rb.loss[0])
        raise CertificationError(
            f"no strict order between {a_name} and {b_name} at λ = {qstr(lam)}: their optimal losses' "
            f"enclosures {_fmt_interval(ra.loss)} ({ra.kind}) and {_fmt_interval(rb.loss)} ({rb.kind}) "
            f"overlap by {dec_up(overlap, 3)}")
    diff = (g.loss[0] - s.loss[1], g.loss[1] - s.loss[0])
    params = {"K": K, "L": L, "n": n, "lam": qstr(lam)}
    claim = {"type": "order", "greater": greater, "smaller": smaller}
    claim["statement"] = order_statement(params, claim, secs)
    proof = {"analyses": secs, "difference": interval_str(*diff, significant_digits(digits))}
    return fmt.new(claim, params, proof, _engine(B, digits, prec))


def certify_tie(K: int, L: int, n: int, lam_lo, lam_hi, structures=("dnc", "paired"),
                digits: int = DEFAULT_DIGITS, backend: str | None = None,
                max_width: Fraction = TIE_MAX_WIDTH) -> dict:
    """Certificate: exactly one λ* in [lam_lo, lam_hi] (width <= ``max_width``) with equal optima of
    the two structures, and the sign change of f*_A − f*_B across it (module docstring)."""
    K, L, n = model_parameters(K, L, n)
    lam_lo, lam_hi, digits = _exact_lam(lam_lo), _exact_lam(lam_hi), certificate_digits(digits)
    if not lam_lo < lam_hi:
        raise V.ParameterError(f"the λ interval must have lam_lo < lam_hi, got [{lam_lo}, {lam_hi}]")
    if lam_hi - lam_lo > max_width:
        raise V.ParameterError(f"the λ interval is wider than {qstr(max_width)}")
    a_name, b_name = (_structure(s) for s in structures)
    B = interval_backend(backend)
    secs, res = [], []
    for s in (a_name, b_name):
        sec, r = analysis_section(ScaleData.named(s, K, L, n), lam_lo, lam_hi, digits, B,
                                  pins=(lam_lo, lam_hi))
        secs.append(sec)
        res.append(r)
    facts = _tie_facts(res, lam_lo, lam_hi)
    if facts["s_lo"] == 0 or facts["s_hi"] == 0 or facts["s_lo"] == facts["s_hi"]:
        raise CertificationError(
            f"no proven sign change of optimum({a_name}) − optimum({b_name}) across [{qstr(lam_lo)}, "
            f"{qstr(lam_hi)}]: it lies in {_fmt_interval(facts['d_lo'], 6)} at the lower end and in "
            f"{_fmt_interval(facts['d_hi'], 6)} at the upper end")
    if facts["s_der"] == 0:
        raise CertificationError(f"the derivative of optimum({a_name}) − optimum({b_name}) is not proven "
                                 f"non-zero: its enclosure {_fmt_interval(facts['der'], 6)} contains 0")
    sig = significant_digits(digits)
    sgn = {1: "+", -1: "-"}
    claim = {"type": "tie", "structures": [a_name, b_name], "lam_interval": [qstr(lam_lo), qstr(lam_hi)],
             "max_width": qstr(max_width), "sign_change": sgn[facts["s_lo"]] + sgn[facts["s_hi"]]}
    params = {"K": K, "L": L, "n": n}
    claim["statement"] = tie_statement(params, claim)
    proof = {"analyses": secs,
             "difference_at_lo": interval_str(*facts["d_lo"], sig),
             "difference_at_hi": interval_str(*facts["d_hi"], sig),
             "derivative": interval_str(*facts["der"], sig)}
    return fmt.new(claim, params, proof, _engine(B, digits))


def _at(res, lam):
    """Enclosure of the optimum of one analysis at a point λ of its box."""
    if res.kind == "zero":
        return res.zero_loss
    if lam not in res.pins:
        raise CertificateInvalid(f"{res.structure}: no pin at λ = {qstr(lam)} for the optimal branch")
    return res.pins[lam]


def _sub(x, y):
    return (x[0] - y[1], x[1] - y[0])


def _sign(iv) -> int:
    return 1 if iv[0] > 0 else (-1 if iv[1] < 0 else 0)


def _tie_facts(res, lam_lo, lam_hi) -> dict:
    ra, rb = res
    d_lo = _sub(_at(ra, lam_lo), _at(rb, lam_lo))
    d_hi = _sub(_at(ra, lam_hi), _at(rb, lam_hi))
    der = _sub(ra.dlam, rb.dlam)
    return {"d_lo": d_lo, "d_hi": d_hi, "der": der, "s_lo": _sign(d_lo), "s_hi": _sign(d_hi), "s_der": _sign(der)}


# ---- checkers ------------------------------------------------------------------------------------

def _contains(stated, computed) -> bool:
    return stated[0] <= computed[0] and computed[1] <= stated[1]


def _check_params(p: dict, keys) -> tuple:
    if not isinstance(p, dict):
        raise CertificateFormatError("parameters: expected an object")
    try:
        K, L, n = model_parameters(p["K"], p["L"], p["n"])
    except KeyError as exc:
        raise CertificateFormatError(f"parameters: missing {exc}") from None
    except V.ParameterError as exc:
        raise CertificateFormatError(f"parameters: {exc}") from None
    extra = set(p) - set(keys)
    if extra:
        raise CertificateFormatError(f"parameters: unexpected {sorted(extra)}")
    return K, L, n


def _analyses(cert: dict, names, K, L, n, lam_lo, lam_hi, B, prec) -> list:
    secs = cert["proof"].get("analyses")
    if not isinstance(secs, list) or len(secs) != len(names):
        raise CertificateFormatError(f"proof.analyses: expected {len(names)} analyses")
    out = []
    for sec, name in zip(secs, names):
        if name not in NAMED:
            raise CertificateFormatError(f"unknown structure {name!r}")
        out.append(check_analysis(sec, ScaleData.named(name, K, L, n), lam_lo, lam_hi, B, prec))
    return out


def check_optimum(cert: dict, B, prec: int) -> dict:
    K, L, n = _check_params(cert["parameters"], ("K", "L", "n", "lam"))
    lam = _positive(cert["parameters"]["lam"], "parameters.lam")
    name = cert["claim"].get("structure")
    (r,) = _analyses(cert, [name], K, L, n, lam, lam, B, prec)
    _require_digits(cert)
    check_statement(cert, optimum_statement(cert["parameters"], cert["proof"]["analyses"][0]))
    return {"structure": name, "kind": r.kind, "loss": _fmt_interval(r.loss, 20),
            "scale": _fmt_interval(r.scale, 20), "leaves": r.leaves}


def check_order(cert: dict, B, prec: int) -> dict:
    K, L, n = _check_params(cert["parameters"], ("K", "L", "n", "lam"))
    lam = _positive(cert["parameters"]["lam"], "parameters.lam")
    g_name, s_name = cert["claim"].get("greater"), cert["claim"].get("smaller")
    secs = cert["proof"].get("analyses") or []
    names = [sec.get("structure") for sec in secs]
    if sorted(names) != sorted([g_name, s_name]) or g_name == s_name:
        raise CertificateInvalid("the analyses are not of the two structures the claim compares")
    res = dict(zip(names, _analyses(cert, names, K, L, n, lam, lam, B, prec)))
    _require_digits(cert)
    g, s = res[g_name], res[s_name]
    if not g.loss[0] > s.loss[1]:
        raise CertificateInvalid(f"not proven: optimum({g_name}) > optimum({s_name}) (enclosures "
                                 f"{_fmt_interval(g.loss)} and {_fmt_interval(s.loss)})")
    diff = _sub(g.loss, s.loss)
    if not _contains(parse_interval(cert["proof"].get("difference"), "proof.difference"), diff):
        raise CertificateInvalid("the stated difference enclosure does not contain the proven one")
    check_statement(cert, order_statement(cert["parameters"], cert["claim"], secs))
    return {"greater": g_name, "smaller": s_name, "loss_" + g_name: _fmt_interval(g.loss, 20),
            "loss_" + s_name: _fmt_interval(s.loss, 20), "difference": _fmt_interval(diff, 12)}


def check_tie(cert: dict, B, prec: int) -> dict:
    K, L, n = _check_params(cert["parameters"], ("K", "L", "n"))
    claim = cert["claim"]
    lam_lo, lam_hi = parse_interval(claim.get("lam_interval"), "claim.lam_interval")
    if lam_lo <= 0 or lam_lo == lam_hi:
        raise CertificateInvalid("the λ interval must be positive with lam_lo < lam_hi")
    max_width = qparse(claim.get("max_width"), "claim.max_width")
    if lam_hi - lam_lo > max_width:
        raise CertificateInvalid(f"the λ interval is wider than the claimed {claim.get('max_width')}")
    names = claim.get("structures")
    if not (isinstance(names, list) and len(names) == 2 and names[0] != names[1]):
        raise CertificateFormatError("claim.structures: expected two different structure names")
    secs = cert["proof"].get("analyses") or []
    if [sec.get("structure") for sec in secs] != names:
        raise CertificateInvalid("the analyses are not of the claim's structures, in order")
    res = _analyses(cert, names, K, L, n, lam_lo, lam_hi, B, prec)
    f = _tie_facts(res, lam_lo, lam_hi)
    sgn = {1: "+", -1: "-", 0: "?"}
    change = sgn[f["s_lo"]] + sgn[f["s_hi"]]
    if change not in ("+-", "-+"):
        raise CertificateInvalid(f"no proven sign change of optimum difference across the interval ({change})")
    if change != claim.get("sign_change"):
        raise CertificateInvalid(f"claimed sign change {claim.get('sign_change')!r}, proven {change!r}")
    if f["s_der"] == 0:
        raise CertificateInvalid("the derivative of the optimum difference is not proven non-zero")
    if f["s_der"] != f["s_hi"]:
        raise CertificateInvalid("the derivative's sign contradicts the sign change (inconsistent proof)")
    for key, comp in (("difference_at_lo", f["d_lo"]), ("difference_at_hi", f["d_hi"]), ("derivative", f["der"])):
        if not _contains(parse_interval(cert["proof"].get(key), f"proof.{key}"), comp):
            raise CertificateInvalid(f"the stated {key} enclosure does not contain the proven one")
    check_statement(cert, tie_statement(cert["parameters"], claim))
    return {"lam_interval": [qstr(lam_lo), qstr(lam_hi)], "width": qstr(lam_hi - lam_lo), "sign_change": change,
            "branches": {r.structure: r.kind for r in res},
            "difference_at_lo": _fmt_interval(f["d_lo"], 6), "difference_at_hi": _fmt_interval(f["d_hi"], 6),
            "derivative": _fmt_interval(f["der"], 12)}


def _require_digits(cert: dict) -> None:
    """Every enclosure of a point analysis carries the digits the engine block claims, relative to
    its value (``scale.require_digits``)."""
    try:
        digits = certificate_digits(cert["engine"].get("digits"))
    except V.ParameterError as exc:
        raise CertificateFormatError(f"engine.{exc}") from None
    for sec in cert["proof"]["analyses"]:
        require_digits(sec, digits)


def _positive(s, what) -> Fraction:
    q = qparse(s, what)
    if q <= 0:
        raise CertificateFormatError(f"{what} must be > 0")
    return q


# ---- numeric tie location (not certified; feeds certify_tie) --------------------------------------

def locate_tie(K: int, L: int, n: int, lam_a, lam_b, structures=("dnc", "paired"), dps: int = 40):
    """λ* with optimum(A) = optimum(B) inside [lam_a, lam_b], numerically (``scale.optimal_scale``
    at ``dps`` digits): the difference must change sign on the bracket; Newton steps with the
    envelope derivative (penalty_A − penalty_B)/λ, safeguarded by bisection (``newton_bracket``,
    to dps − 5 digits). Returns an mpf."""
    from ..model import DeepUFM
    from ..rootfinding import newton_bracket
    from ..scale import optimal_scale
    from ..structures import named
    K, L, n = model_parameters(K, L, n)
    lam_a, lam_b = sorted((_exact_lam(lam_a), _exact_lam(lam_b)))
    if lam_a == lam_b:
        raise V.ParameterError("the λ bracket needs two different values")
    A, Bs = (named(_structure(s), K) for s in structures)

    def D(lam_mpf):
        q = Fraction(mpmath.nstr(lam_mpf, dps + 10, strip_zeros=False)) if not isinstance(lam_mpf, Fraction) else lam_mpf
        m = DeepUFM(K, L, n=n, lam=q)
        oa, ob = optimal_scale(A, m, dps), optimal_scale(Bs, m, dps)
        with mpmath.workdps(working_precisions(dps)[1]):
            lam_v = mpmath.mpf(q.numerator) / q.denominator
            return lam_v, oa.loss - ob.loss, (oa.penalty - ob.penalty) / lam_v

    with mpmath.workdps(working_precisions(dps)[1]):
        x0, d0, _ = D(lam_a)
        x1, d1, _ = D(lam_b)
        if d0 == 0 or d1 == 0 or mpmath.sign(d0) == mpmath.sign(d1):
            raise CertificationError(f"optimum({structures[0]}) − optimum({structures[1]}) does not change "
                                     f"sign between λ = {qstr(lam_a)} and {qstr(lam_b)}")
        return newton_bracket(None, None, x0, x1, fa=d0, fdf=lambda x: D(x)[1:],
                              rtol=mpmath.mpf(10) ** (-(dps - 5)))


def tie_interval(lam_star, width: Fraction = TIE_MAX_WIDTH) -> tuple:
    """An exact decimal interval of width 10^k <= ``width`` (and <= 10^-19·λ*) with λ* near its middle."""
    with mpmath.workdps(80):  # lam_star carries ~dps digits: never round it to the default precision
        q = Fraction(mpmath.nstr(lam_star, 70, strip_zeros=False))
    e = int(mpmath.floor(mpmath.log10(mpmath.mpf(q.numerator) / q.denominator)))
    k = min(e - 19, int(mpmath.floor(mpmath.log10(mpmath.mpf(width.numerator) / width.denominator))))
    w = Fraction(10) ** k
    unit = w / 1000
    lo = ((q - w / 2) / unit).__floor__() * unit
    return lo, lo + w
