"""Appendix A (paper): imbalanced classes. ``imbalance`` module docstring for the model, (R, ρ)-STEP
imbalance and the generalised DNC (the single-layer UFM optimum, rank K − 1).

A1 (Theorem 2 carries over): for a diagonally superior M of rank q and X of rank p > q there is L_0
    with min_β ℒ_L(βM) <= min_α ℒ_L(αX) for L >= L_0 (equality only at 0). Checked with M = polygon
    (rank 2) against X = generalised DNC and the simplex ETF under STEP imbalance: the proof's explicit
    L_0 (``imbalance.theorem2_L0``) and the engine's optima for L = 1 … 12 (first L from which M wins).
A2 (Theorem 3 carries over): (i) at every computed optimum Σ s̃_i^{2/(L+1)} <= 2 log K/((L+1)Λ);
    (ii) for λ_L = o(1/L) (here λ_L = 1/(8L²)) the optimum found by a multi-start factorised search is
    diagonally superior and at most q_K = 2 normalised singular values exceed ((q_K+1)/(q_K+2))^{(L+1)/2}.
A3: under (R, ρ)-STEP imbalance there are λ_0, L_0 with no generalised DNC optimal for λ < λ_0,
    L > L_0, K >= 4. Checked per (λ, L): the generalised DNC pattern (L = 1 optimum at that λ) at its
    optimal depth-L scale against the paired and polygon patterns; the largest grid rectangle
    {λ <= λ_0, L >= L_0} on which a competitor always wins is reported.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from ..imbalance import generalised_dnc, step_class_sizes, theorem2_L0, ufm_optimum_step
from ..model import DeepUFM
from ..scale import optimal_scale
from ..search import collapsed_search
from ..structures import dnc, from_matrix, paired, polygon
from .registry import CheckOptions, CheckRow, TheoremEntry, register, verdict

STEP_CONFIGS = [(6, 5, Fraction(1, 2)), (4, 10, Fraction(1, 2)), (8, 4, Fraction(1, 4))]


def _cfg(K, R, rho) -> str:
    return f"K={K}, ({R}, {rho})-STEP"


def _tol(dps):
    return mpmath.mpf(10) ** (-(dps - 5))


def check_a1(opts: CheckOptions) -> list:
    configs = STEP_CONFIGS[:1] if opts.quick else STEP_CONFIGS[:2]
    lam = Fraction(1, 2 ** 10)
    Lmax = 5 if opts.quick else 8
    rows, bad, ev = [], [], []
    for K, R, rho in configs:
        sizes = step_class_sizes(K, R, rho)
        gen = generalised_dnc(K, R, rho, lam, dps=opts.dps + 10)
        M = polygon(K)
        for X in (gen,) if opts.quick else (gen, dnc(K)):
            proof = theorem2_L0(M, X, sizes, L_max=500)
            wins = []
            for L in range(1, Lmax + 1):
                model = DeepUFM(K, L, class_sizes=sizes, lam=lam)
                m, x = optimal_scale(M, model, opts.dps), optimal_scale(X, model, opts.dps)
                strict = x.kind == "zero" or m.loss < x.loss - _tol(opts.dps)
                wins.append(bool(m.loss <= x.loss + _tol(opts.dps) and strict))
            first = next((L for L in range(1, Lmax + 1) if all(wins[L - 1:])), None)
            ev.append(f"{_cfg(K, R, rho)}, X = {X.name}: proof L_0 = {proof['L0']} (γ = {mpmath.nstr(proof['gamma'], 4)}), "
                      f"engine: M wins from L = {first}")
            if proof["L0"] is None or first is None or first > proof["L0"]:
                bad.append((K, X.name))
    rows.append(CheckRow(
        "Appendix A1 (Thm 2, imbalanced)", "diagonally superior rank-q M beats rank-p X (p > q) for all L >= L_0",
        f"M = polygon (rank 2), X ∈ {{generalised DNC, simplex ETF}} (rank K−1); λ = 2^-10; L = 1..{Lmax}",
        verdict(not bad), "; ".join(ev) + ("" if not bad else f"; inconsistent at {bad}")))
    return rows


def check_a2(opts: CheckOptions) -> list:
    K, R, rho = 4, 4, Fraction(1, 2)
    sizes = step_class_sizes(K, R, rho)
    Ls = (3, 5) if opts.quick else (3, 5, 8)
    rows, ok_i, ok_ii, ev_i, ev_ii = [], True, True, [], []
    for L in Ls:
        lam = Fraction(1, 8 * L * L)
        model = DeepUFM(K, L, class_sizes=sizes, lam=lam)
        res = collapsed_search(model, starts=3 if opts.quick else 5, rng=L)
        Z = from_matrix(res.Zbar, name="search optimum")
        with mpmath.workdps(30):
            s = [mpmath.mpf(float(x)) for x in res.singular_values]
            lhs = mpmath.fsum(mpmath.power(x, mpmath.mpf(2) / (L + 1)) for x in s if x > 1e-9 * s[0])
            Lam = mpmath.mpf(lam.numerator) / lam.denominator
            rhs = 2 * mpmath.log(K) / ((L + 1) * Lam)
        ok_i &= bool(lhs <= rhs)
        ev_i.append(f"L={L}: {mpmath.nstr(lhs, 4)} <= {mpmath.nstr(rhs, 4)}")
        thr = (3 / 4) ** ((L + 1) / 2)
        ns = res.normalised_singular_values()
        above = int((ns > thr).sum())
        ds = Z.is_diagonally_superior()
        ok_ii &= ds and above <= 2
        ev_ii.append(f"L={L}: normalised s = {np.round(ns, 3).tolist()}, {above} above {thr:.3f}, "
                     f"diagonally superior: {ds}")
    params = f"{_cfg(K, R, rho)}, λ_L = 1/(8L²), L ∈ {Ls}; optimum = best of a multi-start factorised L-BFGS search"
    rows.append(CheckRow("Appendix A2 (Thm 3, imbalanced)", "(i) Σ s̃_i^{2/(L+1)} <= 2 log K/((L+1)Λ) at the optimum",
                         params, verdict(ok_i), "; ".join(ev_i)))
    rows.append(CheckRow(
        "Appendix A2 (Thm 3, imbalanced)",
        "(ii) λ_L = o(1/L): optimum diagonally superior, <= q_K = 2 normalised s.v. above (3/4)^{(L+1)/2}",
        params, verdict(ok_ii), "; ".join(ev_ii) + " (numerical search: not a proof of global optimality)"))
    return rows


def a3_point(K, R, rho, lam, L, dps: int = 30, gen=None, competitors=None) -> dict:
    """Generalised DNC (L = 1 optimum at λ) vs paired and polygon at depth L: {'holds', 'gen', 'best', 'winner'}."""
    sizes = step_class_sizes(K, R, rho)
    gen = gen or generalised_dnc(K, R, rho, lam, dps=dps + 10)
    model = DeepUFM(K, L, class_sizes=sizes, lam=lam)
    g = optimal_scale(gen, model, dps)
    comp = {S.name: optimal_scale(S, model, dps) for S in (competitors or (paired(K), polygon(K)))}
    name, best = min(comp.items(), key=lambda kv: kv[1].loss)
    holds = best.kind != "zero" and best.loss < g.loss - _tol(dps)
    return {"holds": bool(holds), "gen": g, "best": best, "winner": name if holds else "generalised DNC or tie"}


def check_a3(opts: CheckOptions) -> list:
    configs = STEP_CONFIGS[:1] if opts.quick else STEP_CONFIGS[::2]
    lams = [Fraction(1, 2 ** k) for k in ((5, 10) if opts.quick else (5, 7, 10))]
    Ls = (1, 2, 4) if opts.quick else (1, 2, 3, 4, 6)
    rows = []
    for K, R, rho in configs:
        table, margins, skipped = {}, [], []
        competitors = (paired(K), polygon(K))  # one object each: their weighted singular values are cached
        for lam in list(lams):
            if ufm_optimum_step(K, R, rho, lam, dps=opts.dps + 10)["kind"] == "zero":
                skipped.append(lam)
                lams = [x for x in lams if x != lam]
                continue
            gen = generalised_dnc(K, R, rho, lam, dps=opts.dps + 10)
            for L in Ls:
                r = a3_point(K, R, rho, lam, L, opts.dps, gen=gen, competitors=competitors)
                table[(lam, L)] = r["holds"]
                if r["holds"]:
                    margins.append(r["gen"].loss - r["best"].loss)
        # largest rectangle {λ <= λ_0, L >= L_0} (λ_0 as large, L_0 as small as possible) where it holds
        rect = None
        for lam0 in sorted(lams, reverse=True):
            for L0 in Ls:
                if all(table[(lam, L)] for lam in lams if lam <= lam0 for L in Ls if L >= L0):
                    rect = (lam0, L0) if rect is None or (L0 < rect[1]) or (L0 == rect[1] and lam0 > rect[0]) else rect
                    break
        l1 = [lam for lam in lams if table[(lam, 1)]]
        ok = rect is not None and not l1
        grid_txt = "; ".join(f"λ=2^-{lam.denominator.bit_length() - 1}: " + "".join("x" if table[(lam, L)] else "."
                                                                              for L in Ls) for lam in lams)
        rows.append(CheckRow(
            "Appendix A3 (STEP imbalance)", "there are λ_0, L_0 with no generalised DNC optimal for λ < λ_0, L > L_0 (K >= 4)",
            f"{_cfg(K, R, rho)}; λ ∈ {{{', '.join(f'2^-{lam.denominator.bit_length() - 1}' for lam in lams)}}}, "
            f"L ∈ {Ls}; competitors paired, polygon",
            verdict(ok),
            (f"a competitor beats the generalised DNC for all λ <= 2^-{rect[0].denominator.bit_length() - 1}, L >= {rect[1]}"
             if rect else "no such rectangle on the grid")
            + f"; grid (x = competitor wins, columns L = {Ls}): {grid_txt}; at L = 1 the generalised DNC is optimal"
            + (f" except at {l1}" if l1 else "") + (f"; smallest winning margin {mpmath.nstr(min(margins), 3)}" if margins else "")
            + (f"; skipped λ = {skipped} (L = 1 optimum is zero)" if skipped else "")))
    return rows


def _l1_is_optimum(opts: CheckOptions) -> list:
    """The generalised DNC is the L = 1 optimum: symmetric reduction vs unrestricted factorised search."""
    K, R, rho, lam = 6, 5, Fraction(1, 2), Fraction(1, 100)
    digits = opts.digits(50)
    opt = ufm_optimum_step(K, R, rho, lam, dps=digits)
    model = DeepUFM(K, 1, class_sizes=step_class_sizes(K, R, rho), lam=lam)
    res = collapsed_search(model, starts=2, rng=0)
    gap = res.loss - float(opt["loss"])
    return [CheckRow(
        "Appendix A (generalised DNC)", "the L = 1 optimum under STEP imbalance lies in the symmetric centred family",
        f"{_cfg(K, R, rho)}, λ = {lam}: Newton ({digits} digits) on 4 margins vs unrestricted factorised L-BFGS",
        verdict(abs(gap) < 1e-9 and opt["grad_norm"] < mpmath.mpf(10) ** -(digits - 5)),
        f"ℒ* = {mpmath.nstr(opt['loss'], 20)}; search − reduction = {gap:.1e}; |∇| at the Newton point "
        f"{mpmath.nstr(opt['grad_norm'], 3)}")]


register(TheoremEntry(
    key="appendix_a1", title="Appendix A1: Theorem 2 with imbalanced classes",
    statement="Theorem 2 holds for imbalanced classes: a diagonally superior rank-q M beats any rank-p > q X for large L.",
    source="Garrod & Keating, arXiv:2410.23169, Appendix A",
    hypotheses=lambda **_: True, check=lambda o: _l1_is_optimum(o) + check_a1(o), order=90))
register(TheoremEntry(
    key="appendix_a2", title="Appendix A2: Theorem 3 with imbalanced classes",
    statement="Theorem 3 holds for imbalanced classes (singular-value bounds of the optimum).",
    source="Garrod & Keating, arXiv:2410.23169, Appendix A",
    hypotheses=lambda **_: True, check=check_a2, order=91))
register(TheoremEntry(
    key="appendix_a3", title="Appendix A3: STEP imbalance, generalised DNC not optimal",
    statement=("Under (R, ρ)-STEP imbalance there are λ_0, L_0 such that no generalised DNC solution is optimal "
               "for λ < λ_0, L > L_0, K >= 4."),
    source="Garrod & Keating, arXiv:2410.23169, Appendix A (Theorem A3)",
    hypotheses=lambda K, **_: K >= 4, check=check_a3, order=92))
