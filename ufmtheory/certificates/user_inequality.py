"""A user's inequality proven by branch and bound in interval arithmetic (``ufmtheory.testing``).

The claim ``lhs REL rhs`` (REL one of <, <=, >, >=) over a box of variable ranges is decided through
f = lhs − rhs. Bounded ranges are boxes; a box is *proven* when the interval enclosure of f on it
lies on the claimed side of 0 (strictly for < and >), otherwise it is bisected (integer variables
split on integers and become points). Every box is also probed at one exact point: a proven
violation there is a counterexample.

Unbounded ranges x >= T (T > 0) are compactified by x = 1/s, s ∈ [0, 1/T]. sympy brings f(1/s) to
one fraction N/D and strips the factors s^k (positive for s > 0) from N and D, leaving N'/D'; then
sign f = sign N' · sign D' for every s > 0. A box of the compact domain is proven when N' and D'
have enclosures of the required signs on the *closed* box, s = 0 included: so a tail bound is
proven only where N' and D' stay finite as x → ∞, and a strict claim is proven only when N' keeps
its strict sign in the limit. A tail is proven for all real x >= T, which implies it for the
integers. Ranges x >= lo with lo <= 0 are split into [lo, 1] and the tail x >= 1. (Where sympy cancels
a common factor of N and D, the claim is proven for the cancelled form, i.e. for the continuous
extension of lhs − rhs at isolated 0/0 points.)

The certificate lists, for every region of the domain, the boxes (in compact coordinates) and the
enclosures; ``check_user_inequality`` rebuilds the regions from the statement, checks that the boxes
cover each region exactly and re-evaluates every box.
"""
from __future__ import annotations

import itertools
import keyword
import math
import re
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from .. import _validate as V
from ..intervals import backend as interval_backend
from ..precision import to_fraction
from . import format as fmt
from .numbers import CertificateFormatError, interval_str, parse_interval, qparse, qstr
from .scale import CertificateInvalid, CertificationError, prec_bits_for

TYPE = "user-inequality"
RELATIONS = {"<": (-1, True), "<=": (-1, False), ">": (1, True), ">=": (1, False)}
FUNCTIONS = ("sqrt", "exp", "log", "sin", "cos", "pi", "E")
DEFAULT_DIGITS = 20
DEFAULT_MAX_BOXES = 20000
DEFAULT_MAX_SECONDS = 30.0
MAX_TEXT = 2000           # characters of a claim (certificates are parsed from text)
MAX_POWER = 200           # |integer exponents| written in a claim: sympy expands them exactly (fast up to here)
MAX_POINT_POWER = 10 ** 6  # x**k evaluated exactly when k is an integer point (binary powering in arb)
MAX_CHECK_BOXES = 100000  # boxes a checker accepts in one certificate (about 5 s of re-evaluation)
MIN_REL_WIDTH = Fraction(1, 2 ** 60)  # real boxes narrower than this (relative to the region) are not split

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z_0-9]*)"
                    r"|(\*\*|<=|>=|[-+*/()<>,]))")


class InequalityFails(CertificationError):
    """A proven counterexample: ``point`` (exact values) where lhs − rhs has ``enclosure``."""

    def __init__(self, message, point, enclosure):
        super().__init__(message)
        self.point, self.enclosure = point, enclosure


class InequalityUndecided(CertificationError):
    """Neither proven nor disproven (no tail bound, box budget exhausted, too close to 0, ...)."""


class _NotFinite(ArithmeticError):
    pass


@dataclass(frozen=True)
class Variable:
    name: str
    lo: Fraction
    hi: Fraction | None  # None: unbounded above
    integer: bool

    def describe(self) -> str:
        if self.integer:
            hi = "…" if self.hi is None else f"…, {qstr(self.hi)}"
            return f"{self.name} ∈ {{{qstr(self.lo)}, {hi}}} (integers)"
        return f"{self.name} ∈ [{qstr(self.lo)}, {'∞)' if self.hi is None else qstr(self.hi) + ']'}"

    def as_dict(self) -> dict:
        return {"lo": qstr(self.lo), "hi": None if self.hi is None else qstr(self.hi), "integer": self.integer}


@dataclass
class Claim:
    """A parsed inequality: canonical text, f = lhs − rhs, the relation and the variables (in order)."""

    text: str
    relation: str
    f: sp.Expr
    variables: list

    @property
    def want(self) -> int:
        return RELATIONS[self.relation][0]

    @property
    def strict(self) -> bool:
        return RELATIONS[self.relation][1]

    def statement(self) -> str:
        return f"{self.text} for all " + ", ".join(v.describe() for v in self.variables)


# ---- parsing -------------------------------------------------------------------------------------

def _check_tokens(text: str, names) -> None:
    """Only numbers, the variables, the supported functions and arithmetic: a certificate's text is
    parsed by sympy (which evaluates Python), so nothing else may pass."""
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                return
            raise V.ParameterError(f"expr: unexpected text {text[pos:pos + 20]!r}; use numbers, the variables "
                                   f"{sorted(names)}, + - * / ** ( ), {', '.join(FUNCTIONS)} and one of < <= > >=")
        name = m.group(2)
        if name is not None and name not in names and name not in FUNCTIONS:
            raise V.ParameterError(f"expr: unknown name {name!r}; give every variable a range "
                                   f"(known: {sorted(names)}; functions: {', '.join(FUNCTIONS)})")
        pos = m.end()


def _check_tree(e) -> None:
    for node in sp.preorder_traversal(e):
        if isinstance(node, sp.Pow) and node.exp.is_Integer and abs(int(node.exp)) > MAX_POWER:
            raise V.ParameterError(f"expr: integer powers are limited to |exponent| <= {MAX_POWER}")
        if isinstance(node, sp.Integer) and abs(int(node)) > 10 ** 1000:
            raise V.ParameterError("expr: integers are limited to 1000 digits")


def parse_claim(expr, variables: list) -> Claim:
    """``expr`` (sympy relational or text) over ``variables``; ParameterError for anything else."""
    names = {v.name: sp.Symbol(v.name) for v in variables}
    if isinstance(expr, str):
        if len(expr) > MAX_TEXT:
            raise V.ParameterError(f"expr: longer than {MAX_TEXT} characters")
        _check_tokens(expr, names)
        for evaluate in (False, True):  # unevaluated first: huge powers are refused before sympy expands them
            try:
                rel = sp.sympify(expr, locals=dict(names), rational=True, evaluate=evaluate)
            except (sp.SympifyError, SyntaxError, TypeError, ValueError, RecursionError) as exc:
                short = expr if len(expr) <= 80 else expr[:77] + "..."
                raise V.ParameterError(f"expr: cannot parse {short!r} ({type(exc).__name__})") from None
            if not evaluate:
                _check_tree(rel)
    elif isinstance(expr, sp.Basic):
        rel = expr.subs({s: names[s.name] for s in expr.free_symbols if getattr(s, "name", None) in names})
    else:
        raise V.ParameterError(f"expr must be a string or a sympy relational, got {type(expr).__name__}")
    ops = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">", sp.GreaterThan: ">="}
    if isinstance(rel, sp.logic.boolalg.BooleanAtom):
        raise V.ParameterError(f"expr: sympy already evaluated the inequality to {rel} (nothing left to prove)")
    if type(rel) not in ops:
        raise V.ParameterError(f"expr must be an inequality with <, <=, > or >=, got {rel!r}")
    f = sp.sympify(rel.lhs - rel.rhs)
    free = {str(s) for s in f.free_symbols}
    missing = free - set(names)
    if missing:
        raise V.ParameterError(f"expr: no range given for {sorted(missing)}; pass e.g. {sorted(missing)[0]}=(0, 1)")
    unused = set(names) - free
    if unused:
        raise V.ParameterError(f"ranges given for {sorted(unused)}, which do not occur in the inequality")
    text = " ".join(expr.split()) if isinstance(expr, str) else str(rel)  # the user's own wording
    claim = Claim(text, ops[type(rel)], f, sorted(variables, key=lambda v: v.name))
    _compile(claim.f, interval_backend("mpmath.iv"))  # unsupported functions are refused now, not mid-proof
    return claim


def _exact(name: str, x) -> Fraction:
    if isinstance(x, sp.Rational):
        x = Fraction(int(x.p), int(x.q))
    if isinstance(x, bool) or not isinstance(x, (int, Fraction, str, float)):
        raise V.ParameterError(f"{name} must be an exact number (int, Fraction or decimal string), got {x!r}")
    try:
        q = to_fraction(x.strip() if isinstance(x, str) else x)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise V.ParameterError(f"{name} must be a finite exact number, got {x!r}") from None
    if abs(q) > 10 ** 100:
        raise V.ParameterError(f"{name} must have magnitude <= 1e100, got {x!r}")
    return q


def _name(nm) -> str:
    if not (isinstance(nm, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", nm)) or nm in FUNCTIONS \
            or keyword.iskeyword(nm):
        raise V.ParameterError(f"variable names must be identifiers (letters first, at most 31 characters, not "
                               f"{', '.join(FUNCTIONS)}), got {nm!r}")
    return nm


def make_variables(ranges: dict, integer=()) -> list:
    """Variables from ``name=(lo, hi)`` (hi None: unbounded above); names in ``integer`` are integers."""
    integer = [integer] if isinstance(integer, str) else list(integer)
    for nm in integer:
        if nm not in ranges:
            raise V.ParameterError(f"integer: {nm!r} has no range; pass {nm}=(lo, hi)")
    out = []
    for nm, r in ranges.items():
        _name(nm)
        if not (isinstance(r, (tuple, list)) and len(r) == 2):
            raise V.ParameterError(f"{nm} must be a range (lo, hi) with hi=None for unbounded, got {r!r}")
        if r[0] is None:
            raise V.ParameterError(f"{nm}: the lower end must be finite (ranges unbounded below are not supported)")
        lo = _exact(f"{nm} lower end", r[0])
        hi = None if r[1] is None else _exact(f"{nm} upper end", r[1])
        isint = nm in integer
        if isint:
            lo = Fraction(math.ceil(lo))
            hi = None if hi is None else Fraction(math.floor(hi))
        if hi is not None and hi < lo:
            raise V.ParameterError(f"{nm}: empty range ({qstr(lo)} > {qstr(hi)})")
        out.append(Variable(nm, lo, hi, isint))
    return out


# ---- interval evaluation -------------------------------------------------------------------------

def _finite(B, x):
    lo, hi = B.lower(x), B.upper(x)
    if not (lo == lo and hi == hi) or abs(lo) == float("inf") or abs(hi) == float("inf"):
        raise _NotFinite
    return x


def _compile(e, B):
    """A function env -> interval enclosing ``e`` (env: symbol name -> interval); raises _NotFinite."""
    if e.is_Symbol:
        name = e.name
        return lambda env: env[name]
    if e.is_Rational:
        q = Fraction(int(e.p), int(e.q))
        return lambda env: B.point(q)
    if e.is_Float:
        q = to_fraction(mpmath.mp.make_mpf(e._mpf_))
        return lambda env: B.point(q)
    if e is sp.pi:
        return lambda env: B.pi()
    if e is sp.E:
        return lambda env: B.exp(B.point(1))
    args = [_compile(a, B) for a in e.args]
    if e.is_Add or e.is_Mul:
        add = e.is_Add

        def op(env):
            acc = args[0](env)
            for a in args[1:]:
                acc = acc + a(env) if add else acc * a(env)
            return _finite(B, acc)
        return op
    if e.is_Pow:
        base, ex = args
        if e.exp.is_Integer:
            k = int(e.exp)
            return lambda env: _finite(B, base(env) ** k) if k >= 0 else _finite(B, B.point(1) / base(env) ** -k)

        def power(env):
            b, x = base(env), ex(env)
            lo, hi = B.lower(x), B.upper(x)
            if lo == hi and lo == int(lo) and abs(lo) <= MAX_POINT_POWER:  # an exact integer exponent (integer point)
                k = int(lo)
                return _finite(B, b ** k if k >= 0 else B.point(1) / b ** -k)
            if B.sign(b) != 1:  # real powers need a positive base
                raise _NotFinite
            return _finite(B, B.pow_pos(b, x))
        return power
    funcs = {sp.exp: B.exp, sp.log: B.log, sp.sin: B.sin, sp.cos: B.cos}
    if e.func in funcs and len(args) == 1:
        fn, (a,) = funcs[e.func], args
        if e.func is sp.log:
            def logf(env):
                x = a(env)
                if B.sign(x) != 1:
                    raise _NotFinite
                return _finite(B, fn(x))
            return logf
        return lambda env: _finite(B, fn(a(env)))
    raise V.ParameterError(f"expr: {e.func.__name__} is not supported; use + - * / **, "
                           f"{', '.join(FUNCTIONS)}")


def _enclose(fn, env):
    try:
        return fn(env)
    except (_NotFinite, ValueError, ZeroDivisionError, ArithmeticError):
        return None


# ---- regions of the (compactified) domain ----------------------------------------------------------

def _coord(name: str) -> str:
    return f"s_{name}"  # the compact coordinate s = 1/x (regions() refuses a clash with a variable)


@dataclass
class Region:
    """One product of pieces: per variable a bounded range (real or integer) or a tail x >= T."""

    pieces: dict  # name -> ("box", lo, hi, integer) | ("tail", T, integer)
    N: sp.Expr
    D: sp.Expr | None  # None: no tail (f itself is evaluated)

    def root(self) -> dict:
        return {nm: ((p[1], p[2]) if p[0] == "box" else (Fraction(0), 1 / p[1])) for nm, p in self.pieces.items()}

    def key(self, nm) -> str:
        """The box coordinate of variable ``nm`` (s_x = 1/x on a tail)."""
        return nm if self.pieces[nm][0] == "box" else _coord(nm)

    def is_integer(self, nm) -> bool:
        return self.pieces[nm][0] == "box" and self.pieces[nm][3]

    def as_dict(self) -> dict:
        d = {}
        for nm, p in self.pieces.items():
            d[nm] = ({"range": [qstr(p[1]), qstr(p[2])], "integer": p[3]} if p[0] == "box"
                     else {"tail_from": qstr(p[1]), "coordinate": _coord(nm)})
        return d


def _pieces(v: Variable) -> list:
    if v.hi is not None:
        return [("box", v.lo, v.hi, v.integer)]
    if v.lo > 0:
        return [("tail", v.lo, v.integer)]
    return [("box", v.lo, Fraction(0) if v.integer else Fraction(1), v.integer), ("tail", Fraction(1), v.integer)]


def _strip_monomials(e, syms):
    """e = (product of s^k, s in syms) · rest: return rest (the dropped factors are > 0 for s > 0)."""
    rest = []
    for a in sp.Mul.make_args(sp.factor_terms(e)):
        b, k = a.as_base_exp()
        if b in syms and k.is_Integer and k > 0:
            continue
        rest.append(a)
    return sp.Mul(*rest)


def regions(claim: Claim) -> list:
    """The regions covering the domain, in a fixed order (the checker rebuilds them the same way)."""
    out = []
    for combo in itertools.product(*[_pieces(v) for v in claim.variables]):
        pieces = {v.name: p for v, p in zip(claim.variables, combo)}
        tails = [nm for nm, p in pieces.items() if p[0] == "tail"]
        if not tails:
            out.append(Region(pieces, claim.f, None))
            continue
        clash = [nm for nm in tails if _coord(nm) in pieces]
        if clash:
            raise V.ParameterError(f"rename the variable {_coord(clash[0])!r}: it names the coordinate 1/{clash[0]}")
        syms = {nm: sp.Symbol(_coord(nm), positive=True) for nm in tails}
        g = claim.f.subs({sp.Symbol(nm): 1 / s for nm, s in syms.items()})
        N, D = sp.fraction(sp.cancel(sp.together(g, deep=True)))
        vals = set(syms.values())
        out.append(Region(pieces, _strip_monomials(N, vals), _strip_monomials(D, vals)))
    return out


# ---- boxes -----------------------------------------------------------------------------------------

def _box_env(B, region: Region, box: dict) -> dict:
    env = {}
    for nm, (lo, hi) in box.items():
        key = nm if region.pieces[nm][0] == "box" else _coord(nm)
        env[key] = B.point(lo) if lo == hi else B.hull(lo, hi)
    return env


def _verdict(claim: Claim, B, n_enc, d_enc) -> bool:
    """Does the box's enclosure prove the claim there?"""
    if n_enc is None:
        return False
    sd = 1
    if d_enc is not None:
        sd = B.sign(d_enc)
        if sd == 0:
            return False
    side = claim.want * sd  # the sign N must have
    if claim.strict:
        return B.sign(n_enc) == side
    return B.upper(n_enc) <= 0 if side < 0 else B.lower(n_enc) >= 0


def _violated(claim: Claim, B, enc) -> bool:
    """Does this enclosure of f at a point prove the claim false there?"""
    if claim.want < 0:
        return B.lower(enc) >= 0 if claim.strict else B.lower(enc) > 0
    return B.upper(enc) <= 0 if claim.strict else B.upper(enc) < 0


def _probe(region: Region, box: dict):
    """One exact point of the original variables inside the box (None when the box holds none)."""
    pt = {}
    for nm, (lo, hi) in box.items():
        p = region.pieces[nm]
        if p[0] == "box":
            pt[nm] = lo if p[3] else (lo + hi) / 2
            continue
        if hi == 0:
            return None
        x = 1 / hi  # the smallest x of the box: s = hi
        if p[2]:
            x = Fraction(math.ceil(x))
            if lo > 0 and x > 1 / lo:
                return None
        pt[nm] = x
    return pt


def _split(region: Region, box: dict):
    """Bisect the relatively widest coordinate; None when nothing can be split further."""
    root = region.root()
    best, best_w = None, Fraction(0)
    for nm, (lo, hi) in box.items():
        rlo, rhi = root[nm]
        if hi == lo or (not region.is_integer(nm) and (hi - lo) < MIN_REL_WIDTH * (rhi - rlo)):
            continue
        w = (hi - lo) / (rhi - rlo)
        if w > best_w:
            best, best_w = nm, w
    if best is None:
        return None
    lo, hi = box[best]
    if region.is_integer(best):
        mid = Fraction((lo + hi) // 2)
        parts = [(lo, mid), (mid + 1, hi)]
    else:
        mid = (lo + hi) / 2
        parts = [(lo, mid), (mid, hi)]
    return [dict(box, **{best: part}) for part in parts]


def _fmt_point(pt: dict) -> str:
    return ", ".join(f"{nm}={qstr(x)}" for nm, x in pt.items())


def _fmt_box(region: Region, box: dict) -> str:
    parts = []
    for nm, (lo, hi) in box.items():
        if region.pieces[nm][0] == "box":
            parts.append(f"{nm} ∈ [{qstr(lo)}, {qstr(hi)}]")
        else:
            parts.append(f"{nm} ∈ [{qstr(1 / hi)}, {'∞' if lo == 0 else qstr(1 / lo)}]")
    return ", ".join(parts)


def _enc_str(B, enc, sig=12) -> str:
    lo, hi = interval_str(to_fraction(B.lower(enc)), to_fraction(B.upper(enc)), sig)
    return f"[{lo}, {hi}]"


def _counterexample(claim: Claim, B, pt: dict, enc) -> InequalityFails:
    lo, hi = to_fraction(B.lower(enc)), to_fraction(B.upper(enc))
    by = lo if claim.want < 0 else -hi
    need = {"<": "< 0", "<=": "<= 0", ">": "> 0", ">=": ">= 0"}[claim.relation]
    msg = (f"{claim.text} is false at {_fmt_point(pt)}: lhs − rhs ∈ {_enc_str(B, enc)} (proven; the claim needs "
           f"lhs − rhs {need}), violated by at least {interval_str(by, by, 6)[0]}")
    return InequalityFails(msg, pt, (lo, hi))


def _undecided_reason(region: Region, box: dict, n_enc, d_enc, B) -> str:
    where = _fmt_box(region, box)
    at_limit = [nm for nm, (lo, hi) in box.items() if region.pieces[nm][0] == "tail" and lo == 0]
    if n_enc is None or (region.D is not None and d_enc is None):
        what = "lhs − rhs is not finite (or not defined) on the box"
        if at_limit:
            subs = ", ".join(f"{nm} = 1/{_coord(nm)}" for nm in at_limit)
            what = (f"after {subs}, lhs − rhs = N/D with N = {region.N}, D = {region.D}, which are not finite "
                    f"as {', '.join(at_limit)} → ∞: no proven tail bound")
        return f"{what} ({where})"
    if region.D is not None and B.sign(d_enc) == 0:
        return f"the denominator D = {region.D} of lhs − rhs is not proven non-zero near {where}"
    msg = f"the enclosure {_enc_str(B, n_enc)} of {'N' if region.D is not None else 'lhs − rhs'} contains 0 near {where}"
    if at_limit:
        msg += (f"; as {', '.join(at_limit)} → ∞ the sign of lhs − rhs is not proven (a strict claim whose "
                f"difference tends to 0 is only non-strict in the limit, N = {region.N})")
    return msg


def prove(claim: Claim, digits: int | None = None, max_boxes: int = DEFAULT_MAX_BOXES,
          max_seconds: float = DEFAULT_MAX_SECONDS, backend: str | None = None) -> dict:
    """Prove ``claim`` and return its certificate; ``InequalityFails`` with a counterexample, or
    ``InequalityUndecided`` with the reason, otherwise."""
    digits = V.integer("digits", DEFAULT_DIGITS if digits is None else digits, 10, 1000)
    max_boxes = V.integer("max_boxes", max_boxes, 1, 10 ** 7)
    B = interval_backend(backend)
    prec = prec_bits_for(digits)
    start, count, sections = time.monotonic(), 0, []
    with B.precision(prec):
        f_fn = _compile(claim.f, B)
        for region in regions(claim):
            n_fn = _compile(region.N, B)
            d_fn = None if region.D is None else _compile(region.D, B)
            leaves, queue = [], deque([{nm: iv for nm, iv in region.root().items()}])
            _check_tail_limit(claim, region, n_fn, d_fn, B)
            while queue:
                box = queue.popleft()
                count += 1
                if count > max_boxes:
                    raise InequalityUndecided(f"{claim.text}: not decided within max_boxes={max_boxes} boxes "
                                              f"(still open near {_fmt_box(region, box)}); raise max_boxes")
                if time.monotonic() - start > max_seconds:
                    raise InequalityUndecided(f"{claim.text}: not decided within {max_seconds:g} s "
                                              f"({count} boxes; still open near {_fmt_box(region, box)})")
                env = _box_env(B, region, box)
                n_enc = _enclose(n_fn, env)
                d_enc = None if d_fn is None else _enclose(d_fn, env)
                if _verdict(claim, B, n_enc, d_enc):
                    leaves.append((box, n_enc, d_enc))
                    continue
                pt = _probe(region, box)
                if pt is not None:
                    enc = _enclose(f_fn, {nm: B.point(x) for nm, x in pt.items()})
                    if enc is not None and _violated(claim, B, enc):
                        raise _counterexample(claim, B, pt, enc)
                children = _split(region, box)
                if children is None:
                    raise InequalityUndecided(f"{claim.text}: cannot decide: "
                                              + _undecided_reason(region, box, n_enc, d_enc, B))
                queue.extend(children)
            sections.append(_section(region, leaves, B, digits))
    params = {"expression": claim.text, "variables": {v.name: v.as_dict() for v in claim.variables}}
    cl = {"type": TYPE, "relation": claim.relation, "statement": claim.statement()}
    return fmt.new(cl, params, {"regions": sections, "boxes_evaluated": count},
                   {"backend": B.name, "prec_bits": prec, "digits": digits})


def _check_tail_limit(claim, region, n_fn, d_fn, B) -> None:
    """Refuse at once when N' or D' is not finite at the limit point (every tail at s = 0)."""
    if region.D is None:
        return
    root = region.root()
    env = _box_env(B, region, {nm: ((lo, lo) if region.pieces[nm][0] == "tail" else ((lo + hi) / 2,) * 2)
                               for nm, (lo, hi) in root.items()})
    if _enclose(n_fn, env) is None or _enclose(d_fn, env) is None:
        tails = [nm for nm, p in region.pieces.items() if p[0] == "tail"]
        raise InequalityUndecided(
            f"{claim.text}: no proven tail bound for {', '.join(tails)} → ∞: after substituting "
            + ", ".join(f"{nm} = 1/{_coord(nm)}" for nm in tails) + ", lhs − rhs = N/D (up to positive powers of "
            f"the new coordinates) with N = {region.N}, D = {region.D}, and these are not finite at "
            + ", ".join(f"{_coord(nm)} = 0" for nm in tails) + ". "
            "Bound the range, or rewrite the inequality so that both sides stay finite after dividing by the "
            "growth in x")


def _section(region: Region, leaves: list, B, digits: int) -> dict:
    sig = digits + 8
    boxes = []
    for box, n_enc, d_enc in leaves:
        item = {"box": {region.key(nm): [qstr(lo), qstr(hi)] for nm, (lo, hi) in box.items()},
                "enclosure": interval_str(to_fraction(B.lower(n_enc)), to_fraction(B.upper(n_enc)), sig)}
        if d_enc is not None:
            item["denominator"] = interval_str(to_fraction(B.lower(d_enc)), to_fraction(B.upper(d_enc)), sig)
        boxes.append(item)
    return {"pieces": region.as_dict(), "N": str(region.N), "D": None if region.D is None else str(region.D),
            "boxes": boxes}


# ---- checking ----------------------------------------------------------------------------------------

def _covers(root: dict, boxes: list, integer: set) -> bool:
    """Do the boxes (each inside ``root``) cover it? Integer ranges [a, b] count as [a, b + 1).
    Recursively cut the target along a face that no box crosses; a target equal to a box is covered."""
    names = list(root)

    def conv(b):
        return tuple((lo, hi + 1) if nm in integer else (lo, hi) for nm, (lo, hi) in ((n, b[n]) for n in names))
    stack = [(conv(root), [conv(b) for b in boxes])]
    while stack:
        target, bs = stack.pop()
        if not bs:
            return False
        if any(b == target for b in bs):
            continue
        cut = None
        for d in range(len(names)):
            lo, hi = target[d]
            for c in sorted({b[d][0] for b in bs} | {b[d][1] for b in bs}):
                if lo < c < hi and not any(b[d][0] < c < b[d][1] for b in bs):
                    cut = (d, c)
                    break
            if cut:
                break
        if cut is None:
            return False
        d, c = cut
        left = tuple((iv if i != d else (iv[0], c)) for i, iv in enumerate(target))
        right = tuple((iv if i != d else (c, iv[1])) for i, iv in enumerate(target))
        stack.append((left, [b for b in bs if b[d][1] <= c]))
        stack.append((right, [b for b in bs if b[d][0] >= c]))
    return True


def _variables_from(params: dict) -> list:
    vs = params.get("variables")
    if not isinstance(vs, dict) or not vs:
        raise CertificateFormatError("parameters.variables: expected an object of ranges")
    out = []
    for nm, v in vs.items():
        if not isinstance(v, dict) or set(v) != {"lo", "hi", "integer"} or not isinstance(v["integer"], bool):
            raise CertificateFormatError(f"parameters.variables.{nm}: expected {{lo, hi, integer}}")
        lo = qparse(v["lo"], f"{nm}.lo")
        hi = None if v["hi"] is None else qparse(v["hi"], f"{nm}.hi")
        out.append(Variable(nm, lo, hi, v["integer"]))
    return out


def check_user_inequality(cert: dict, B, prec: int) -> dict:
    """Re-prove a user inequality certificate from its statement, ranges and boxes."""
    params = cert["parameters"]
    if not isinstance(params, dict) or set(params) != {"expression", "variables"}:
        raise CertificateFormatError("parameters: expected {expression, variables}")
    variables = _variables_from(params)
    try:
        for v in variables:
            _name(v.name)
        ranges = {v.name: (v.lo, v.hi) for v in variables}
        claim = parse_claim(params["expression"], make_variables(ranges, [v.name for v in variables if v.integer]))
    except V.ParameterError as exc:
        raise CertificateFormatError(f"parameters: {exc}") from None
    if [v.as_dict() for v in claim.variables] != [v.as_dict() for v in sorted(variables, key=lambda v: v.name)]:
        raise CertificateInvalid("the variable ranges are not in normal form (integer ranges must have integer ends)")
    if cert["claim"].get("statement") != claim.statement() or cert["claim"].get("relation") != claim.relation:
        raise CertificateInvalid(f"the claim's statement does not follow from the parameters; they state: "
                                 f"{claim.statement()}")
    secs = cert["proof"].get("regions")
    regs = regions(claim)
    if not isinstance(secs, list) or len(secs) != len(regs):
        raise CertificateInvalid(f"proof.regions: the ranges give {len(regs)} region(s) of the domain")
    total = sum(len(s.get("boxes") or []) for s in secs if isinstance(s, dict))
    if total > MAX_CHECK_BOXES:
        raise CertificateFormatError(f"proof: more than {MAX_CHECK_BOXES} boxes")
    same_engine = cert["engine"].get("backend") == B.name
    n_boxes = 0
    with B.precision(prec):
        for i, (sec, region) in enumerate(zip(secs, regs)):
            if not isinstance(sec, dict) or sec.get("pieces") != region.as_dict():
                raise CertificateInvalid(f"proof.regions[{i}] is not the region {region.as_dict()} of the ranges")
            n_fn = _compile(region.N, B)
            d_fn = None if region.D is None else _compile(region.D, B)
            root, boxes = region.root(), []
            integer = {nm for nm in root if region.is_integer(nm)}
            for j, item in enumerate(sec.get("boxes") or []):
                what = f"region {i} box {j}"
                keys = {region.key(nm): nm for nm in root}
                if not isinstance(item, dict) or not isinstance(item.get("box"), dict) or \
                        set(item["box"]) != set(keys):
                    raise CertificateFormatError(f"{what}: expected a box over {sorted(keys)}")
                box = {nm: parse_interval(item["box"][k], f"{what} {k}") for k, nm in keys.items()}
                for nm, (lo, hi) in box.items():
                    if not (root[nm][0] <= lo and hi <= root[nm][1]):
                        raise CertificateInvalid(f"{what}: {nm} range outside the region")
                    if nm in integer and (lo.denominator != 1 or hi.denominator != 1):
                        raise CertificateInvalid(f"{what}: {nm} is an integer variable")
                env = _box_env(B, region, box)
                n_enc = _enclose(n_fn, env)
                d_enc = None if d_fn is None else _enclose(d_fn, env)
                if not _verdict(claim, B, n_enc, d_enc):
                    raise CertificateInvalid(f"{what} ({_fmt_box(region, box)}): the enclosure does not prove "
                                             "the claim there")
                _check_stated(item, "enclosure", n_enc, B, same_engine, what)
                if d_enc is not None:
                    _check_stated(item, "denominator", d_enc, B, same_engine, what)
                boxes.append(box)
            if not _covers(root, boxes, integer):
                raise CertificateInvalid(f"region {i} ({region.as_dict()}): the boxes do not cover it")
            n_boxes += len(boxes)
    return {"statement": claim.statement(), "regions": len(regs), "boxes": n_boxes}


def _check_stated(item: dict, key: str, enc, B, same_engine: bool, what: str) -> None:
    lo, hi = parse_interval(item.get(key), f"{what} {key}")
    clo, chi = to_fraction(B.lower(enc)), to_fraction(B.upper(enc))
    ok = (lo <= clo and chi <= hi) if same_engine else (lo <= chi and clo <= hi)
    if not ok:
        raise CertificateInvalid(f"{what}: the stated {key} [{qstr(lo)}, {qstr(hi)}] does not agree with the "
                                 f"recomputed one")
