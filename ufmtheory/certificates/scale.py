"""A certified global minimum of one structure's scale problem f_S(t), t >= 0 (SPEC §2).

The proof recorded in a certificate ("analysis") and re-checked by ``check_analysis``, for every
λ in a box [λ_lo, λ_hi] at once (a point when λ_lo = λ_hi); c = λP, F and F' as in ``exact``:

1. (0, t_lo] holds no critical point: h(t) <= M := Σ w max(0, max g), so for t <= t_lo
   F(t) <= t_lo^{1−p} M − c < 0 (checked with c's lower end). [L = 1: t_lo = 0, nothing to check.]
2. [T, ∞) holds none: with g* a column's smallest gap (<= 0), h(t) <= Σ_{g>0} (w m g/m*) e^{−t(g−g*)}
   (numerator: drop negative gaps; denominator >= m* e^{−t g*}); each t^{1−p} e^{−δt} decreases for
   t > (1−p)/δ, so T >= max (1−p)/δ and T^{1−p} Σ a e^{−δT} < c give F < 0 on [T, ∞).
3. [t_lo, T] is cut at exact rational breakpoints into leaves, each with one proof:
   E  the enclosure of F over the leaf (natural extension, or mean-value form F(m) + F'(X)(X−m))
      excludes 0 for every λ in the box: no critical point;
   M  F'(X) excludes 0 (F strictly monotone; F' does not depend on λ) and F has one strict sign at
      both ends for every λ: no critical point;
   R  F'(X) excludes 0 and F has strict opposite signs at the two ends for every λ: exactly one
      critical point r(λ) in the leaf; a local minimum of f iff F' < 0 (f' = −t^{p−1} F).
   Leaves come from ``rootfinding.isolate_roots`` (run at the box's midpoint λ, then every leaf is
   re-proved for the whole box; a leaf that fails is re-isolated with the interval λ), and each
   simple-root bracket is narrowed around the root refined in mpmath.
4. f is continuous with f → ∞, so its minimum over [0, ∞) is attained at 0 (loss log K) or at an
   interior critical point; by 1–3 the latter is the root of an R leaf, and a minimiser must be a
   local minimum (F' < 0 there). Each such candidate's loss is enclosed over leaf × λ-box
   (natural extension ∩ mean-value form); the optimum is the candidate whose enclosure lies strictly
   below every other's. Its leaf encloses the optimal scale.
5. Optional pins: for a point λ_i of the box, a sub-box of an R leaf where F(·; λ_i) changes sign
   holds r(λ_i) (uniqueness from 3), so f at that sub-box encloses the branch's loss at λ_i narrowly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath

from ..losses import head_bound, tail_bound, tail_holds
from ..precision import bits_for_digits, digits_for_bits, to_fraction
from ..rootfinding import isolate_roots, refine_root
from .exact import IntervalScale, ScaleData
from .numbers import decimal_exponent, dec_down, dec_up, interval_str, parse_interval, qparse, qstr

DEFAULT_DIGITS = 50
MAX_LEAVES = 20000
CHECK_DEPTH = 6  # a checker may bisect a leaf up to 6 times (64 pieces) to re-prove it


class CertificationError(RuntimeError):
    """No certificate could be produced (e.g. parameters at an exact tie, where nothing is strict)."""


class CertificateInvalid(ValueError):
    """A certificate does not prove its claim."""


def prec_bits_for(digits: int) -> int:
    """Working precision (bits) of a certificate with enclosures to about ``digits`` digits."""
    return bits_for_digits(digits + 20)


def significant_digits(digits: int) -> int:
    """Significant digits of written enclosures: enough to carry ``digits`` digits, rounded outward.

    >>> significant_digits(30)
    38
    """
    return digits + 8


# ---- building ------------------------------------------------------------------------------------

def _short_split(a, b):
    """Bisection point for ``isolate_roots``: the dyadic rational with the fewest bits in the middle
    half of (a, b) (geometric middle half when b/a > 4), so breakpoints stay short in the file."""
    if a > 0 and b / a > 4:
        r = b / a
        lo, hi = a * mpmath.power(r, 0.25), a * mpmath.power(r, 0.75)
    else:
        w = b - a
        lo, hi = a + w / 4, b - w / 4
    e = int(mpmath.floor(mpmath.log(hi, 2)))
    for k in range(0, 4 * mpmath.mp.prec):
        step = mpmath.ldexp(1, e - k)
        cand = mpmath.ceil(lo / step) * step
        if cand <= hi and a < cand < b:
            return cand
    return (a + b) / 2  # pragma: no cover - the loop always finds a point


def _mpf(q: Fraction):
    """A Fraction as an mpf at the current precision (rounded; used only to *choose* numbers)."""
    return mpmath.mpf(q.numerator) / q.denominator


def _check_leaf(I: IntervalScale, B, a: Fraction, b: Fraction, kind: str, c, depth: int = 0) -> int | None:
    """Proof of one leaf (module docstring, step 3). Returns the sign of F' for R (and M) leaves,
    0 for E, None when the proof fails.

    A leaf the direct test cannot decide is bisected up to ``depth`` times and proven piecewise
    (E/M leaves: every piece E or M, so no root; R leaves: F' of one strict sign on every piece and
    the leaf's end signs opposite). This lets a checker on another interval engine (arb's balls are
    looser than mpmath.iv's endpoint intervals on wide boxes, and vice versa) re-prove a certificate.
    """
    X = B.hull(a, b)
    if kind == "E":
        if B.sign(I.F(X, c)) != 0:
            return 0
        m = B.point((a + b) / 2)
        mv = I.F(m, c) + I.dF(X) * (X - m)
        if B.sign(mv) != 0:
            return 0
        if _check_leaf(I, B, a, b, "M", c) is not None:
            return 0
        return _split_no_root(I, B, a, b, c, depth)
    if kind == "M":
        d = B.sign(I.dF(X))
        if d != 0:
            sa, sb = B.sign(I.F(B.point(a), c)), B.sign(I.F(B.point(b), c))
            if sa != 0 and sa == sb:
                return d
        return _split_no_root(I, B, a, b, c, depth)
    if kind == "R":
        sa, sb = B.sign(I.F(B.point(a), c)), B.sign(I.F(B.point(b), c))
        if sa == 0 or sb == 0 or sa == sb:
            return None
        return _monotone_sign(I, B, a, b, depth)
    return None


def _split_no_root(I, B, a, b, c, depth):
    if depth <= 0:
        return None
    m = (a + b) / 2
    ok = all(_check_leaf(I, B, x, y, "E", c, depth - 1) is not None for x, y in ((a, m), (m, b)))
    return 0 if ok else None


def _monotone_sign(I, B, a, b, depth):
    """The strict sign of F' on [a, b] (bisecting up to ``depth`` times), or None."""
    d = B.sign(I.dF(B.hull(a, b)))
    if d != 0 or depth <= 0:
        return d if d != 0 else None
    m = (a + b) / 2
    left, right = _monotone_sign(I, B, a, m, depth - 1), _monotone_sign(I, B, m, b, depth - 1)
    return left if left is not None and left == right else None


def build_analysis(data: ScaleData, lam_lo: Fraction, lam_hi: Fraction, digits: int, B,
                   pins=(), prec: int | None = None) -> dict:
    """The proof part of an analysis (t_lo, T, leaves, pins) for λ ∈ [lam_lo, lam_hi] at ``prec`` bits
    (default ``prec_bits_for(digits)``); the stated enclosures are added by ``analysis_section`` after
    ``check_analysis`` has computed them."""
    prec = prec_bits_for(digits) if prec is None else prec
    with B.precision(prec), mpmath.workdps(max(digits, digits_for_bits(prec) - 20) + 30):
        I = IntervalScale(data, B)
        lam_box = B.hull(lam_lo, lam_hi)
        c_box = I.c(lam_box)
        c_mid = I.c(B.point((lam_lo + lam_hi) / 2))
        section = {"structure": data.structure, "exact_data": data.to_json()}
        if not I.positive_gaps:
            section["no_positive_gap"] = True
            return section
        omp = 1 - data.p
        # step 1: t_lo (``losses.head_bound``: the one-scale engine's search region too)
        t_lo = head_bound(B, I.M, c_box, omp)
        # step 2: T, doubled from the smallest power of two >= max (1−p)/δ until the tail bound is
        # below c (``losses.tail_bound``); when that T is <= t_lo, T = t_lo and no positive critical
        # point exists at all
        T = tail_bound(B, I.tail, c_box, omp)
        if T <= t_lo and _tail_ok(I, B, t_lo, c_box):
            T = t_lo
        elif T <= t_lo:  # pragma: no cover - the tail bound decreases beyond T
            T = 2 * t_lo
        # step 3: leaves at the midpoint λ, then re-proved for the whole λ box
        leaves = []
        raw = []
        if T > t_lo:
            isolate_roots(lambda X: I.F(X, c_mid), I.dF, _mpf(t_lo), _mpf(T), B, prec_bits=prec,
                          leaves=raw, split=_short_split)
        raw.sort(key=lambda x: x[0])
        for a, b, kind in raw:
            a, b = to_fraction(a), to_fraction(b)
            if kind == "U" and omp == 0 and a == t_lo == 0:
                raise CertificationError(
                    f"{data.structure}: a critical point at t = 0: at L = 1, F(0) = h(0) − c = 0 is the zero "
                    "threshold, where the structure's scale meets the zero solution; nothing strict to certify")
            if kind == "U":
                raise CertificationError(
                    f"{data.structure}: a double (tangent) critical point near t ≈ {float(a):.6g}: the "
                    "parameters are at a saddle-node threshold, nothing strict to certify")
            if kind == "R":
                leaves.extend(_narrow(I, B, a, b, c_box, c_mid, digits))
            elif _check_leaf(I, B, a, b, kind, c_box) is not None:
                leaves.append((a, b, kind))
            else:
                leaves.extend(_reisolate(I, B, a, b, c_box, prec))
        section["t_lo"] = qstr(t_lo)
        section["T"] = qstr(T)
        section["breakpoints"] = [qstr(t_lo)] + [qstr(b) for _, b, _ in leaves]
        section["kinds"] = "".join(k for _, _, k in leaves)
        # step 5: pins
        pin_list = []
        for lam_i in pins:
            c_i = I.c(B.point(lam_i))
            for idx, (a, b, kind) in enumerate(leaves):
                if kind != "R" or B.sign(I.dF(B.hull(a, b))) >= 0:
                    continue
                box = _narrow_box(I, B, a, b, c_i, c_i, digits)
                pin_list.append({"leaf": idx, "lam": qstr(lam_i), "box": [qstr(box[0]), qstr(box[1])]})
        if pin_list:
            section["pins"] = pin_list
        return section


def _tail_ok(I, B, T: Fraction, c) -> bool:
    """``losses.tail_holds`` for the analysis's tail terms."""
    return tail_holds(B, I.tail, T, c, 1 - I.data.p)


def _reisolate(I, B, a: Fraction, b: Fraction, c_box, prec) -> list:
    """A leaf that failed for the whole λ box: isolate again with the interval c; it must hold no root."""
    sub = []
    rep = isolate_roots(lambda X: I.F(X, c_box), I.dF, _mpf(a), _mpf(b), B, prec_bits=prec, leaves=sub,
                        split=_short_split)
    if rep.brackets:
        raise CertificationError(f"a critical point near t ≈ {float(a):.6g} moves across a leaf boundary "
                                 "within the λ box; use a narrower box")
    out = [(to_fraction(x), to_fraction(y), k) for x, y, k in sorted(sub, key=lambda s: s[0])]
    if out[0][0] != a or out[-1][1] != b:  # pragma: no cover - isolate_roots covers [a, b] exactly
        raise CertificationError("re-isolation did not cover the leaf")
    return out


def _root_mid(I, B, a: Fraction, b: Fraction, c_point):
    """The root of F(·; c) in [a, b] refined in mpmath (F evaluated as the midpoint of its ball)."""
    def Fm(t):
        lo, hi = B.exact_bounds(I.F(B.point(t), c_point))
        return _mpf((lo + hi) / 2)
    return refine_root(Fm, _mpf(a), _mpf(b))


def _narrow_box(I, B, a: Fraction, b: Fraction, c_box, c_point, digits: int) -> tuple:
    """A sub-box [a', b'] of the bracket [a, b] with short decimal ends where F has strict opposite
    signs for every λ of the box; widened from relative 10^-(digits+10) until the signs are proven."""
    r = to_fraction(_root_mid(I, B, a, b, c_point))
    eps = Fraction(1, 10 ** (digits + 10))
    sig = digits + 14
    while True:
        lo = max(a, Fraction(dec_down(r * (1 - eps), sig)))
        hi = min(b, Fraction(dec_up(r * (1 + eps), sig)))
        sa, sb = B.sign(I.F(B.point(lo), c_box)), B.sign(I.F(B.point(hi), c_box))
        if sa != 0 and sb != 0 and sa != sb:
            return lo, hi
        if lo == a and hi == b:
            raise CertificationError(f"could not prove a sign change of F around t ≈ {float(r):.6g}")
        eps *= 1000
        sig = max(8, sig - 3)


def _narrow(I, B, a, b, c_box, c_mid, digits) -> list:
    lo, hi = _narrow_box(I, B, a, b, c_box, c_mid, digits)
    out = []
    for x, y, kind in ((a, lo, "M"), (lo, hi, "R"), (hi, b, "M")):
        if x < y:
            if _check_leaf(I, B, x, y, kind, c_box) is None:
                raise CertificationError(f"could not prove the leaf [{float(x):.6g}, {float(y):.6g}] ({kind})")
            out.append((x, y, kind))
    return out


# ---- checking ----------------------------------------------------------------------------------

@dataclass
class AnalysisResult:
    """What an analysis proves, as exact enclosures (Fractions)."""

    structure: str
    kind: str                 # "zero" or "positive critical point"
    leaf: int | None          # index of the optimal R leaf
    scale: tuple              # (lo, hi) enclosure of the optimal scale ((0, 0) for zero)
    loss: tuple               # enclosure of the optimal loss over the whole λ box
    zero_loss: tuple
    minima: list              # [(leaf index, (a, b), loss enclosure)] local minima of f
    dlam: tuple               # enclosure of d f*/dλ over the λ box (envelope theorem)
    pins: dict = field(default_factory=dict)  # λ (Fraction) -> loss enclosure of the optimum at λ
    leaves: int = 0


def check_analysis(section: dict, data: ScaleData, lam_lo: Fraction, lam_hi: Fraction, B, prec: int,
                   verify_stated: bool = True) -> AnalysisResult:
    """Re-prove an analysis from its data (module docstring); raise ``CertificateInvalid`` if any
    step fails or a stated enclosure does not contain the computed one."""
    if section.get("structure") != data.structure:
        raise CertificateInvalid(f"analysis is for {section.get('structure')!r}, expected {data.structure!r}")
    if section.get("exact_data") != data.to_json():
        raise CertificateInvalid(f"{data.structure}: the recorded exact data differ from the structure's")
    name = data.structure
    with B.precision(prec):
        I = IntervalScale(data, B)
        lam_box = B.hull(lam_lo, lam_hi)
        c_box = I.c(lam_box)
        zero = B.exact_bounds(I.zero_loss)
        if section.get("no_positive_gap"):
            if I.positive_gaps:
                raise CertificateInvalid(f"{name}: 'no_positive_gap' is false: the structure has a positive gap")
            res = AnalysisResult(name, "zero", None, (Fraction(0), Fraction(0)), zero, zero, [],
                                 (Fraction(0), Fraction(0)))
            if verify_stated:
                _check_stated(section, res)
            return res
        if not I.positive_gaps:
            raise CertificateInvalid(f"{name}: no positive gap, but the analysis has leaves")
        t_lo, T = qparse(section["t_lo"], "t_lo"), qparse(section["T"], "T")
        # step 1
        if I.p_is_one:
            if t_lo != 0:
                raise CertificateInvalid(f"{name}: L = 1 needs t_lo = 0")
        else:
            if t_lo <= 0:
                raise CertificateInvalid(f"{name}: t_lo must be > 0")
            if B.sign(c_box - B.pow_pos(B.point(t_lo), I.omp) * I.M) <= 0:
                raise CertificateInvalid(f"{name}: t_lo^(1−p)·M < c is not proven (step 1)")
        # step 2
        if T < t_lo or not _tail_ok(I, B, T, c_box):
            raise CertificateInvalid(f"{name}: the tail bound beyond T is not proven (step 2)")
        # step 3
        bps = [qparse(x, "breakpoint") for x in section["breakpoints"]]
        kinds = section["kinds"]
        if not isinstance(kinds, str) or len(kinds) != len(bps) - 1 or len(kinds) > MAX_LEAVES:
            raise CertificateInvalid(f"{name}: breakpoints and kinds do not match")
        if not bps or bps[0] != t_lo or bps[-1] != T or any(x >= y for x, y in zip(bps, bps[1:])):
            raise CertificateInvalid(f"{name}: breakpoints must increase strictly from t_lo to T")
        minima = []
        rleaves = {}
        for i, kind in enumerate(kinds):
            if kind not in "EMR":
                raise CertificateInvalid(f"{name}: unknown leaf kind {kind!r}")
            a, b = bps[i], bps[i + 1]
            d = _check_leaf(I, B, a, b, kind, c_box, depth=CHECK_DEPTH)
            if d is None:
                raise CertificateInvalid(f"{name}: leaf {i} [{dec_down(a, 12)}, {dec_up(b, 12)}] ({kind}) "
                                         "is not proven")
            if kind == "R":
                rleaves[i] = d
                if d < 0:
                    minima.append((i, (a, b), I.f_enclosure(a, b, lam_box)))
        # step 4
        cands = [(None, zero)] + [(i, loss) for i, _, loss in minima]
        best = [k for k, (i, loss) in enumerate(cands)
                if all(loss[1] < other[1][0] for j, other in enumerate(cands) if j != k)]
        if len(best) != 1:
            raise CertificateInvalid(f"{name}: the candidates' loss enclosures overlap: no proven optimum")
        idx, loss = cands[best[0]]
        if idx is None:
            kind, scale, dlam = "zero", (Fraction(0), Fraction(0)), (Fraction(0), Fraction(0))
        else:
            a, b = bps[idx], bps[idx + 1]
            kind, scale = "positive critical point", (a, b)
            # envelope theorem: d f*/dλ = ∂f/∂λ at r(λ) = ((L+1)/2) P r^p
            dlam = B.exact_bounds(I.half_Lp1 * I.P * B.pow_pos(B.hull(a, b), I.p))
        res = AnalysisResult(name, kind, idx, scale, loss, zero, minima, dlam, leaves=len(kinds))
        # step 5
        for pin in section.get("pins", []):
            i = pin["leaf"]
            lam_i = qparse(pin["lam"], "pin λ")
            pa, pb = parse_interval(pin["box"], "pin box")
            if not (isinstance(i, int) and i in rleaves and rleaves[i] < 0):
                raise CertificateInvalid(f"{name}: pin refers to leaf {i}, not a local-minimum leaf")
            if not lam_lo <= lam_i <= lam_hi:
                raise CertificateInvalid(f"{name}: pin λ = {pin['lam']} outside the λ box")
            if not (bps[i] <= pa < pb <= bps[i + 1]):
                raise CertificateInvalid(f"{name}: pin box not inside its leaf")
            c_i = I.c(B.point(lam_i))
            sa, sb = B.sign(I.F(B.point(pa), c_i)), B.sign(I.F(B.point(pb), c_i))
            if sa == 0 or sb == 0 or sa == sb:
                raise CertificateInvalid(f"{name}: pin at λ = {pin['lam']}: no proven sign change of F")
            if i == idx:
                res.pins[lam_i] = I.f_enclosure(pa, pb, B.point(lam_i))
        if verify_stated:
            _check_stated(section, res)
        return res


def _contains(stated, computed) -> bool:
    return stated[0] <= computed[0] and computed[1] <= stated[1]


def _check_stated(section: dict, res: AnalysisResult) -> None:
    """The analysis' stated results must be implied by the computed ones."""
    st = section.get("result")
    if not isinstance(st, dict):
        raise CertificateInvalid(f"{res.structure}: missing 'result'")
    if st.get("kind") != res.kind:
        raise CertificateInvalid(f"{res.structure}: stated optimum kind {st.get('kind')!r}, proven {res.kind!r}")
    if st.get("leaf") != res.leaf:
        raise CertificateInvalid(f"{res.structure}: stated optimal leaf {st.get('leaf')}, proven {res.leaf}")
    for key, comp in (("loss", res.loss), ("scale", res.scale), ("zero_loss", res.zero_loss),
                      ("dloss_dlam", res.dlam)):
        stated = parse_interval(st.get(key), f"{res.structure} {key}")
        if not _contains(stated, comp):
            raise CertificateInvalid(f"{res.structure}: stated {key} enclosure [{st[key][0]}, {st[key][1]}] "
                                     "does not contain the proven one")
    stated_pins = st.get("pin_losses", {})
    if set(stated_pins) != {qstr(k) for k in res.pins}:
        raise CertificateInvalid(f"{res.structure}: stated pin losses do not match the pins")
    for lam_i, comp in res.pins.items():
        if not _contains(parse_interval(stated_pins[qstr(lam_i)], "pin loss"), comp):
            raise CertificateInvalid(f"{res.structure}: stated loss at λ = {qstr(lam_i)} does not contain the proven one")


def stated_result(res: AnalysisResult, digits: int) -> dict:
    """The 'result' block written for a checked analysis (enclosures rounded outward)."""
    sig = significant_digits(digits)
    return {"kind": res.kind, "leaf": res.leaf,
            "scale": interval_str(*res.scale, sig) if res.kind != "zero" else ["0", "0"],
            "loss": interval_str(*res.loss, sig), "zero_loss": interval_str(*res.zero_loss, sig),
            "dloss_dlam": interval_str(*res.dlam, sig) if res.kind != "zero" else ["0", "0"],
            "pin_losses": {qstr(k): interval_str(*v, sig) for k, v in res.pins.items()}}


def analysis_section(data: ScaleData, lam_lo: Fraction, lam_hi: Fraction, digits: int, B,
                     pins=(), prec: int | None = None) -> tuple:
    """Build, then check, one analysis at ``prec`` bits (default ``prec_bits_for(digits)``); returns
    (section with its 'result', AnalysisResult). The 'result' block is derived by the checker itself,
    and the finished section checked again."""
    prec = prec_bits_for(digits) if prec is None else prec
    section = build_analysis(data, lam_lo, lam_hi, digits, B, pins, prec)
    try:
        res = check_analysis(section, data, lam_lo, lam_hi, B, prec, verify_stated=False)
    except CertificateInvalid as exc:
        raise CertificationError(str(exc)) from None
    section["result"] = stated_result(res, digits)
    return section, check_analysis(section, data, lam_lo, lam_hi, B, prec)


# ---- digits relative to the value ----------------------------------------------------------------

#: The enclosures of a point analysis (one λ) that must carry the certificate's digits.
POINT_ENCLOSURES = ("loss", "scale", "zero_loss", "dloss_dlam")


def missing_digits(lo: Fraction, hi: Fraction, digits: int) -> float:
    """How many decimal digits [lo, hi] lacks of ``digits`` digits relative to the values it holds
    (<= 0: none; it holds when hi − lo <= 10^-digits · min(|lo|, |hi|)); ∞ when it contains 0 and is
    not the point 0."""
    if lo == hi:
        return -math.inf
    if lo <= 0 <= hi:
        return math.inf
    width, least = hi - lo, min(abs(lo), abs(hi))
    if width * 10 ** digits <= least:
        return -math.inf
    return max(decimal_exponent(width) - decimal_exponent(least) + 1 + digits, 1)


def require_digits(section: dict, digits: int) -> None:
    """The stated enclosures of a point analysis carry ``digits`` digits relative to their values
    (a claim of 50 digits about a loss of 10^-398 needs an enclosure narrower than 10^-448)."""
    st = section.get("result") if isinstance(section.get("result"), dict) else {}
    for key in POINT_ENCLOSURES:
        lo, hi = parse_interval(st.get(key), f"{section.get('structure')} {key}")
        if missing_digits(lo, hi, digits) > 0:
            raise CertificateInvalid(
                f"{section.get('structure')}: the {key} enclosure [{dec_down(lo, 6)}, {dec_up(hi, 6)}] does "
                f"not carry the {digits} digits claimed (relative width {_relative(lo, hi)}, more than 1e-{digits})")


def _relative(lo: Fraction, hi: Fraction) -> str:
    if lo <= 0 <= hi:
        return "∞: it contains 0"
    return dec_up((hi - lo) / min(abs(lo), abs(hi)), 3)
