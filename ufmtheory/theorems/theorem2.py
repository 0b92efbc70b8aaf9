"""Theorem 2 (paper): if M is diagonally superior of rank q and X has rank r > q, then for every L beyond
some L₀: min_β ℒ_L(βM) <= min_α ℒ_L(αX), with equality only at 0 (SPEC §4).

Proof route, made explicit. Let γ = max over c' ≠ c with X's gap g^X_{c'c} > 0 of g^X_{c'c}/g^M_{c'c}
(M's gaps are > 0). Then every gap of γαM is >= the matching gap of αX, so ḡ(γαM) <= ḡ(αX) for all
α >= 0 (ḡ is increasing in each gap's negative). The penalties are ((L+1)/2)μ α^p·Σ s_i(X)^p and
((L+1)/2)μ α^p γ^p Σ s_i(M)^p, so f_M(γα) < f_X(α) for every α > 0 as soon as
    G(p) := Σ s_i(X)^p − γ^p Σ s_i(M)^p > 0,   p = 2/(L+1).
G(0+) = r − q >= 1. With p* the smallest root of G in (0, 1] (isolated with interval arithmetic; none ⇒
p* = ∞), G > 0 for every p < p*, hence the conclusion for every L >= L₀ := ⌊2/p* − 1⌋ + 1 (L₀ = 1 if
no root): an explicit L₀, for every λ and n. Checked against exact optima at L₀ (proven scale optima).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from ..families import from_structure
from ..intervals import backend as interval_backend, enclose_exact
from ..optimal_value import FamilyCurves
from ..precision import to_mpf
from ..rootfinding import isolate_roots
from ..structures import Structure, dnc, paired, polygon
from .registry import CheckOptions, CheckRow, TheoremEntry, register, verdict


def margin_factor(M: Structure, X: Structure) -> sp.Expr:
    """γ = max_{c'≠c, g^X > 0} g^X_{c'c}/g^M_{c'c} (exact); 0 if X has no positive gap."""
    if not M.is_diagonally_superior():
        raise ValueError(f"M = {M.name} must be diagonally superior")
    best = sp.Integer(0)
    for c in range(M.K):
        for cp in range(M.K):
            if cp == c:
                continue
            gx = X.gap(cp, c)
            if bool(gx > 0):
                r = sp.nsimplify(gx / M.gap(cp, c))
                if bool(r > best):
                    best = r
    return best


def explicit_L0(M: Structure, X: Structure, backend: str | None = None) -> dict:
    """The explicit L₀ of the module docstring, with p* and the interval proof's data."""
    q, r = M.rank, X.rank
    if not r > q:
        raise ValueError(f"rank X = {r} must exceed rank M = {q}")
    gamma = margin_factor(M, X)
    sX = [s for s in X.exact_singular_values or [] if s != 0] if X.exact_singular_values is not None else None
    sM = [s for s in M.exact_singular_values or [] if s != 0] if M.exact_singular_values is not None else None
    if sX is None or sM is None:
        raise ValueError("explicit_L0 needs exact singular values (named structures)")
    B = interval_backend(backend)
    with B.precision(160):
        lX = [B.log(enclose_exact(B, s)) for s in sX]
        lM = [B.log(enclose_exact(B, s)) for s in sM]
        lg = B.log(enclose_exact(B, gamma)) if gamma != 0 else None

        def G(P):
            tot = B.point(0)
            for l in lX:
                tot = tot + B.exp(P * l)
            for l in lM:
                tot = tot - (B.exp(P * (l + lg)) if lg is not None else 0 * P)
            return tot

        def dG(P):
            tot = B.point(0)
            for l in lX:
                tot = tot + l * B.exp(P * l)
            for l in lM:
                if lg is not None:
                    tot = tot - (l + lg) * B.exp(P * (l + lg))
            return tot

        rep = isolate_roots(G, dG, mpmath.mpf(0), mpmath.mpf(1), B, prec_bits=160)
        if any(br.status != "simple" for br in rep.brackets):
            raise ArithmeticError("G has a degenerate root in (0, 1]")
        if rep.brackets:
            # narrow the first (smallest) root's bracket by bisection with proven signs of G
            a, b = rep.brackets[0].lo, rep.brackets[0].hi
            sa = B.sign(G(B.point(a))) if a > 0 else 1  # G(0) = r − q > 0
            with mpmath.workdps(50):
                while b - a > mpmath.mpf(10) ** -30:
                    mid = (a + b) / 2
                    sm = B.sign(G(B.point(mid)))
                    if sm == 0:
                        break
                    if sm == sa:
                        a = mid
                    else:
                        b = mid
            p_star = a  # G > 0 on (0, a]: the conclusion holds for every p <= a
            L0 = int(mpmath.floor(2 / p_star - 1)) + 1
        else:
            p_star, L0 = None, 1
    return {"gamma": gamma, "q": q, "r": r, "p_star": p_star, "L0": max(L0, 1), "roots": len(rep.brackets),
            "boxes": rep.boxes, "G0": r - q}


def check_at(M: Structure, X: Structure, L: int, lams, dps: int = 30) -> list:
    """(λ, V_M, V_X) at each λ (n = 1): the exact optima of the two one-scale families."""
    fm, fx = FamilyCurves(from_structure(M), L, dps), FamilyCurves(from_structure(X), L, dps)
    out = []
    for lam in lams:
        with mpmath.workdps(dps):
            mu = to_mpf(lam)
            out.append((lam, fm.point(mu)[0], fx.point(mu)[0]))
    return out


PAIRS = [("polygon", 4, "dnc"), ("polygon", 5, "dnc"), ("polygon", 6, "dnc"), ("polygon", 8, "dnc"),
         ("polygon", 5, "paired"), ("polygon", 6, "paired"), ("polygon", 8, "paired"), ("paired", 6, "dnc")]
_MAKE = {"polygon": polygon, "dnc": dnc, "paired": paired}


def check(opts: CheckOptions) -> list:
    with mpmath.workdps(max(opts.dps, 30) + 10):
        return _check(opts)


def _check(opts: CheckOptions) -> list:
    pairs = PAIRS[:3] if opts.quick else PAIRS
    lams = [Fraction(1, 2 ** k) for k in ((3, 9) if opts.quick else (3, 6, 9, 14))]
    rows, l0s, bad, smallest = [], [], [], []
    for mname, K, xname in pairs:
        M, X = _MAKE[mname](K), _MAKE[xname](K)
        info = explicit_L0(M, X)
        l0s.append(f"{mname}({K}) vs {xname}({K}): γ={info['gamma']}, L₀={info['L0']}")
        for L in (info["L0"], info["L0"] + 1):
            for lam, vm, vx in check_at(M, X, L, lams, 25):
                tol = mpmath.mpf(10) ** -20
                zero = abs(vm - mpmath.log(K)) < tol and abs(vx - mpmath.log(K)) < tol
                if not (vm < vx or zero):
                    bad.append((mname, K, xname, L, str(lam)))
        # the smallest L from which the conclusion holds on this λ grid (up to L₀): observed, not proven
        first = None
        for L in range(1, info["L0"] + 1):
            ok = all(vm < vx + mpmath.mpf(10) ** -15 for _, vm, vx in check_at(M, X, L, lams, 20))
            if ok and first is None:
                first = L
            elif not ok:
                first = None
        smallest.append(f"{mname}({K})/{xname}({K}): {first}")
    rows.append(CheckRow(
        "Theorem 2", "explicit L₀: G(p) = Σs(X)^p − γ^p Σs(M)^p > 0 for all p <= 2/(L₀+1) (roots of G isolated)",
        f"{len(pairs)} (M, X) pairs, K = 4..8", "certified",
        "; ".join(l0s)))
    rows.append(CheckRow(
        "Theorem 2", "for L = L₀, L₀+1: min_β ℒ(βM) < min_α ℒ(αX) (or both 0)",
        f"λ ∈ {{{', '.join('2^-' + str(l.denominator.bit_length() - 1) for l in lams)}}}, n = 1 (exact scale optima)",
        verdict(not bad), "holds at every point" if not bad else f"fails at {bad[:4]}"))
    rows.append(CheckRow(
        "Theorem 2", "the explicit L₀ is sufficient, not sharp: smallest L from which the comparison holds on the λ grid",
        "same pairs and λ grid", "finding", "; ".join(smallest), expected_to_hold=False))
    return rows


ENTRY = register(TheoremEntry(
    key="theorem2",
    title="Theorem 2 (low rank wins for deep enough networks)",
    statement=("If M is diagonally superior of rank q and X has rank > q, then for all L beyond some L₀, "
               "min_β ℒ_L(βM) <= min_α ℒ_L(αX), with equality only at 0."),
    source="Garrod & Keating, arXiv:2410.23169, Theorem 2",
    hypotheses=lambda **_: True,
    check=check,
    order=20,
    label="Theorem 2",
))
