"""Theorem 1 (paper): linear DUFM, d >= K. If K >= 4 and L >= 3, or K >= 6 and L = 2, no DNC
solution is a global minimum (any λ, n).

Proof (SPEC §4): at the same scale t > 0 the paired pattern (paper Eq. 5) has the smaller fit
(e^{−2t} < e^{−t}) and, with m = ⌊K/2⌋, the smaller penalty iff m·2^{2/(L+1)} < 2m − 1.
The checks: (1) that inequality, decided exactly in integers as 4·m^{L+1} < (2m−1)^{L+1}, holds
exactly on the stated region; (2) at every DNC critical scale on a λ grid inside the region, the paired
pattern at the same scale has lower fit, lower penalty and lower loss; (3) outside the region,
where the theorem is silent, whether DNC still loses to the paired optimum at some λ (a finding);
(4) L = 1: DNC is never beaten by paired (Zhu et al. 2021: DNC is the global optimum).
n enters f_S only through λ n^{1/(L+1)}, so n = 1 and a λ grid cover every n.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
from tqdm import tqdm

from ..model import DeepUFM
from ..scale import ScaleProblem, optimal_scale
from ..structures import dnc, paired
from .registry import CheckOptions, CheckRow, TheoremEntry, register, verdict


def stated_region(K: int, L: int) -> bool:
    """The hypotheses of Theorem 1 as stated: K >= 4 and L >= 3, or K >= 6 and L = 2."""
    return (K >= 4 and L >= 3) or (K >= 6 and L == 2)


def penalty_inequality(K: int, L: int) -> bool:
    """m·2^{2/(L+1)} < 2m − 1 (m = ⌊K/2⌋), decided exactly: ⇔ 4·m^{L+1} < (2m − 1)^{L+1}."""
    m = K // 2
    if 2 * m - 1 <= 0:
        return False
    return 4 * m ** (L + 1) < (2 * m - 1) ** (L + 1)


def lam_grid(quick: bool) -> list:
    ks = (4, 9, 14) if quick else (3, 5, 7, 9, 11, 13, 15)
    return [Fraction(1, 2 ** k) for k in ks]


def _fmt_lams(lams) -> str:
    """λ = 1/2^k written as 2^-k."""
    return "{" + ", ".join(f"2^-{lam.denominator.bit_length() - 1}" for lam in lams) + "}"


def dnc_vs_paired_at_equal_scale(K: int, L: int, lam, n: int = 1, dps: int = 30):
    """At every positive DNC critical scale t: (t, fit_D − fit_P, pen_D − pen_P, f_D − f_P)."""
    model = DeepUFM(K, L, n=n, lam=lam)
    opt = optimal_scale(dnc(K), model, dps)
    out = []
    with mpmath.workdps(dps + 15):
        P = ScaleProblem.from_structure(paired(K), model)
        for cp in opt.critical_points:
            tp, fp, pp = P.parts(cp.t)
            out.append((cp.t, cp.fit - fp, cp.penalty - pp, cp.loss - tp))
    return opt, out


def check(opts: CheckOptions) -> list:
    # comparisons of high-precision results must run at high precision (mpf arithmetic rounds to mp.dps)
    with mpmath.workdps(opts.dps + 30):
        return _check(opts)


def _check(opts: CheckOptions) -> list:
    Ks = range(2, 13)
    Ls = range(1, 7)
    lams = lam_grid(opts.quick)
    rows = []

    # (1) the penalty inequality ⇔ the stated region, exactly
    mismatch = [(K, L) for K in Ks for L in Ls if penalty_inequality(K, L) != stated_region(K, L)]
    rows.append(CheckRow(
        "Theorem 1", "proof step: m·2^{2/(L+1)} < 2m−1 exactly on {K>=4, L>=3} ∪ {K>=6, L=2}",
        "K = 2..12, L = 1..6 (integer arithmetic)", "certified" if not mismatch else "fails",
        "inequality and stated region agree on all 66 (K, L)" if not mismatch else f"disagree at {mismatch}"))

    region = [(K, L) for K in Ks for L in Ls if stated_region(K, L)]
    outside = [(K, L) for K in Ks for L in Ls if not stated_region(K, L) and L >= 2]
    l1 = [(K, 1) for K in Ks]
    total = len(region) * len(lams) + (len(outside) + len(l1)) * len(lams)
    bar = tqdm(total=total, desc="Theorem 1", disable=not opts.progress, leave=False)

    # (2) inside the region: paired beats DNC at DNC's own critical scales
    n_cases, n_crit, worst = 0, 0, None
    bad = []
    for K, L in region:
        for lam in lams:
            _, comps = dnc_vs_paired_at_equal_scale(K, L, lam, dps=opts.dps)
            n_cases += 1
            for t, dfit, dpen, dloss in comps:
                n_crit += 1
                if not (dfit > 0 and dpen > 0 and dloss > 0):
                    bad.append((K, L, lam, mpmath.nstr(t, 8)))
                rel = dloss
                worst = rel if worst is None else min(worst, rel)
            bar.update()
    rows.append(CheckRow(
        "Theorem 1", "in the stated region, paired at DNC's critical scale has lower fit, penalty and loss",
        f"{len(region)} (K, L) in K<=12, L<=6; λ ∈ {_fmt_lams(lams)}; n = 1 (n acts as λ n^(1/(L+1)))",
        verdict(not bad),
        (f"{n_crit} DNC critical points in {n_cases} cases; smallest f_DNC − f_paired = "
         f"{mpmath.nstr(worst, 4) if worst is not None else 'n/a'}") if not bad else f"fails at {bad[:5]}"))

    # (3) outside the region (L >= 2): does DNC still lose somewhere on the grid?
    findings: dict = {}
    for K, L in outside:
        lost, ties = [], []
        for lam in lams:
            model = DeepUFM(K, L, n=1, lam=lam)
            d_opt = optimal_scale(dnc(K), model, opts.dps)
            p_opt = optimal_scale(paired(K), model, opts.dps)
            bar.update()
            if d_opt.kind == "zero":
                continue
            diff = d_opt.loss - p_opt.loss
            if abs(diff) < mpmath.mpf(10) ** (-opts.dps + 5):
                ties.append(lam)
            elif diff > 0:
                lost.append(lam)
        if K == 2:
            ev = "paired(2) = 2·dnc(2): the same pattern, identical optima"
        elif lost:
            ev = f"DNC's optimum is above paired's at λ ∈ {_fmt_lams(lost)}: DNC not globally optimal there"
        else:
            ev = "DNC's optimum is below paired's at every grid λ where DNC beats zero"
        findings.setdefault((K, ev), []).append(L)
    for (K, ev), Ls_found in findings.items():
        rows.append(CheckRow("Theorem 1", "outside the stated region (theorem silent): DNC vs paired optima",
                             f"K={K}, L={','.join(map(str, Ls_found))}, n=1, λ ∈ {_fmt_lams(lams)}", "finding", ev,
                             expected_to_hold=False))

    # (4) L = 1 (Zhu et al. 2021): DNC is optimal, never beaten by paired
    beaten = []
    for K, L in l1:
        for lam in lams:
            model = DeepUFM(K, 1, n=1, lam=lam)
            d_opt = optimal_scale(dnc(K), model, opts.dps)
            p_opt = optimal_scale(paired(K), model, opts.dps)
            bar.update()
            if p_opt.loss < d_opt.loss - mpmath.mpf(10) ** (-opts.dps + 5):
                beaten.append((K, lam))
    bar.close()
    rows.append(CheckRow(
        "Theorem 1", "L = 1 (convex, Zhu et al. 2021): paired never beats DNC",
        f"K = 2..12, λ ∈ {_fmt_lams(lams)}", verdict(not beaten),
        "optimal DNC loss <= optimal paired loss at every point" if not beaten else f"beaten at {beaten[:5]}"))
    return rows


ENTRY = register(TheoremEntry(
    key="theorem1",
    title="Theorem 1 (DNC is not globally optimal)",
    statement=("Linear DUFM, d >= K. If K >= 4 and L >= 3, or K >= 6 and L = 2, no DNC solution is a "
               "global minimum, for any λ and n."),
    source="Garrod & Keating, arXiv:2410.23169, Theorem 1 and Eq. 5; SPEC §4",
    hypotheses=lambda K, L, **_: stated_region(K, L),
    check=check,
    order=10,
))
