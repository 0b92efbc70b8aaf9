"""Theorem 7 (paper, ReLU DUFM): under Assumption 1 no ReLU DNC solution is optimal if K >= 10 and
L >= 5, or K >= 16 and L = 4 (SPEC §4; ``relu`` module docstring for the proof and the inequalities).

Checks:
(1) the non-negative construction (``constructions.relu_paired``, even and odd K) as explicit
    parameters: its forward-pass ReLU loss equals the hand-derived closed form
    (``closed_forms.relu_paired_loss``) to 10^−(D−10) at D = max(--dps, 50) digits;
(2) SPEC's typeset inequalities ⇔ their exact integer form ⇔ "construction penalty < DNC penalty at
    equal scale" (penalty constants from the construction's own factors);
(3) the stated region lies inside the inequality region for all K, L (exact base cases + the sympy
    monotonicity certificate), and is tight at its corners: (9, 5) and (15, 4) fail, L <= 3 never;
(4) the full region, which is larger (a finding: (14, 4) and smaller K for L >= 6);
(5) Step 2 at sample points: the construction's optimum is below the best linear DNC loss;
(6) Step 1: random ReLU DNC configurations (and the best aligned one, by multi-start L-BFGS) never
    go below the best linear DNC loss; Assumption 1 is evaluated on each configuration.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from ..closed_forms import relu_paired_loss
from ..constructions import relu_paired
from ..model import DeepUFM
from ..objective import loss_parts
from ..relu import (K_min, L_min, assumption1, best_linear_dnc, monotonicity_certificate, random_relu_dnc,
                    relu_dnc_family_minimum, small_L_certificate, stated_inequality_mp, stated_region,
                    theorem7_inequality)
from .registry import CheckOptions, CheckRow, TheoremEntry, register, verdict

FORWARD_CASES = [  # (K, L, n, lams, t)
    (10, 5, 2, ["0.01", "0.02", "0.015", "0.03", "0.01", "0.025"], "3.7"),
    (11, 5, 1, "0.004", "4.1"),
    (16, 4, 2, ["0.002", "0.001", "0.003", "0.002", "0.004"], "5.3"),
    (17, 4, 1, "0.001", "2.2"),
]


def forward_vs_closed_form(K, L, n, lams, t, dps: int = 50, d=None):
    """|forward-pass loss − closed form| (and the parts) for the Theorem 7 construction at output t·X̄."""
    model = DeepUFM(K, L, n=n, lam=lams, d=d or K + 1, activation="relu")
    with mpmath.workdps(dps):
        P = relu_paired(K, L).parameters(model, mpmath.mpf(t))
        tot, fit, pen = loss_parts(model, P)
        ref = relu_paired_loss(K, L, n, model.lams, t)
        return abs(tot - ref[0]), abs(fit - ref[1]), tot


def penalty_route(K: int, L: int, dps: int = 30) -> bool:
    """Construction penalty constant (from its factors, n = 1) < DNC's (K − 1) at equal scale."""
    model = DeepUFM(K, L, n=1, lam=1)
    with mpmath.workdps(dps):
        C = relu_paired(K, L).penalty_constant(model, dps)
        return bool(C < K - 1)  # DNC: ((L+1)/2) Λ (K−1) t^p; the construction: ((L+1)/2) Λ C t^p


def check(opts: CheckOptions) -> list:
    with mpmath.workdps(max(opts.dps, 50) + 30):
        return _check(opts)


def _check(opts: CheckOptions) -> list:
    rows = []
    # (1) forward pass vs closed form
    cases = FORWARD_CASES[:1] if opts.quick else FORWARD_CASES
    worst, worst_fit, digits = mpmath.mpf(0), mpmath.mpf(0), opts.digits(50)
    for K, L, n, lams, t in cases:
        diff, dfit, _ = forward_vs_closed_form(K, L, n, lams, t, dps=digits)
        worst, worst_fit = max(worst, diff), max(worst_fit, dfit)
    rows.append(CheckRow(
        "Theorem 7", "construction (even and odd K) as explicit ReLU parameters: forward-pass loss = closed form",
        "; ".join(f"K={K}, L={L}, n={n}, t={t}" for K, L, n, _, t in cases) + f"; per-factor λ; d = K+1; {digits} digits",
        verdict(worst < mpmath.mpf(10) ** -(digits - 10)),
        f"max |ℒ_forward − ℒ_closed form| = {mpmath.nstr(worst, 3)} (fit parts {mpmath.nstr(worst_fit, 3)}); "
        f"tolerance 1e-{digits - 10}"))

    # (2) three routes to the inequality
    Kmax, Lmax = (30, 12) if opts.quick else (60, 30)
    mism = []
    for K in range(2, Kmax + 1):
        for L in range(2, Lmax + 1):
            lhs, rhs = stated_inequality_mp(K, L, 40)
            if (lhs < rhs) != theorem7_inequality(K, L):
                mism.append((K, L))
    small = [(K, L) for K in range(2, 11 if opts.quick else 18) for L in range(2, 5 if opts.quick else 8)]
    mism_pen = [(K, L) for K, L in small if penalty_route(K, L) != theorem7_inequality(K, L)]
    rows.append(CheckRow(
        "Theorem 7", "proof step 2: typeset inequalities ⇔ integer form ⇔ construction penalty < DNC penalty at equal t",
        f"typeset vs integer: K = 2..{Kmax}, L = 2..{Lmax}; penalty constants from the factors: K = 2..17, "
        f"L = 2..{small[-1][1]}", verdict(not mism and not mism_pen, certified=False),
        "all three agree at every point" if not (mism or mism_pen) else f"disagree at {mism[:5]} {mism_pen[:5]}"))

    # (3) stated region ⊆ inequality region, tight corners
    cert = monotonicity_certificate()
    base = all(theorem7_inequality(K, L) for K, L in ((10, 5), (11, 5), (16, 4), (17, 4)))
    mono = all(v["dF/dK < 0 for K >= 5, L >= 1"] for v in cert.values()) and all(
        v[k] for v in cert.values() for k in v if k.startswith("q < 1"))
    small = small_L_certificate()
    corners = not theorem7_inequality(9, 5) and not theorem7_inequality(15, 4)
    never = all(L_min(K) is None for K in range(2, 6)) and small["c > 1 for K <= 5"] and all(
        small[k]["positive for u >= 1"] for k in ("even", "odd"))
    rows.append(CheckRow(
        "Theorem 7", "the stated region {K>=10, L>=5} ∪ {K>=16, L=4} satisfies the inequalities, for all K, L",
        "exact integers at (10,5), (11,5), (16,4), (17,4); sympy: F = (L+1)log q + log c decreasing in K "
        "(each parity) and in L", verdict(base and mono, certified=True),
        f"base cases hold; ∂F/∂K = {cert['even']['dF/dK']} (even), < 0; ∂F/∂L = log q < 0 for K >= 6 "
        "(even), 7 (odd)"))
    rows.append(CheckRow(
        "Theorem 7", "the stated region is tight at its corners: (K, L) = (9, 5) and (15, 4) fail; L <= 3 never",
        "exact integers; L = 3: q⁴c > 1 ⇔ a polynomial in u = K−1 with positive coefficients; L < 3 from q^{L+1}c >= "
        "min(q⁴c, c)", verdict(corners and never, certified=True),
        f"(9,5): {theorem7_inequality(9, 5)}, (15,4): {theorem7_inequality(15, 4)}; L = 3: (K+2)K³ − (K−1)⁴ = "
        f"{small['even']['difference in u = K−1']} (u = K−1), odd: "
        f"{small['odd']['difference in u = K−1']}"))

    # (4) the full region for larger L
    Ls = range(4, 16)
    table = "; ".join(f"L={L}: even K>={K_min(L, 0)}, odd K>={K_min(L, 1)}" for L in Ls)
    rows.append(CheckRow(
        "Theorem 7", "where the inequalities hold (larger than stated: the statement is sufficient)",
        "exact integers + monotonicity (K >= K_min holds for every larger K of that parity)", "finding",
        f"{table}; L >= 10: every K >= 6; L_min(K): " + ", ".join(f"K={K}: {L_min(K)}" for K in range(6, 18))
        + ". (14, 4) satisfies it but is outside the stated region",
        expected_to_hold=False))

    # (5) step 2 at sample points: the construction's optimum beats the best linear DNC loss
    pts = [(10, 5, Fraction(1, 2 ** 8)), (17, 4, Fraction(1, 2 ** 12))]
    if not opts.quick:
        pts += [(11, 5, Fraction(1, 2 ** 10)), (16, 4, Fraction(1, 2 ** 9)), (12, 6, Fraction(1, 2 ** 6)), (14, 4, Fraction(1, 2 ** 8))]
    diffs, bad = [], []
    for K, L, lam in pts:
        model = DeepUFM(K, L, n=1, lam=lam, activation="relu")
        c = relu_paired(K, L).optimum(model, opts.dps)
        dn = best_linear_dnc(model, opts.dps)
        diffs.append((K, L, lam, dn.loss - c.loss))
        if not (dn.kind != "zero" and c.loss < dn.loss):
            bad.append((K, L, lam))
    rows.append(CheckRow(
        "Theorem 7", "the construction's optimal ReLU loss is below the best linear DNC loss",
        ", ".join(f"(K={K}, L={L}, λ=2^-{lam.denominator.bit_length() - 1})" for K, L, lam in pts) + "; n = 1",
        verdict(not bad), "best linear DNC − construction = " + ", ".join(mpmath.nstr(d, 4) for *_, d in diffs)
        + ("" if not bad else f"; fails at {bad}")))

    # (6) step 1 on random ReLU DNC configurations
    rng = np.random.default_rng(7)
    configs = [(4, 2, 2, Fraction(1, 300))] + ([] if opts.quick else [(6, 3, 1, Fraction(1, 100)), (10, 5, 2, Fraction(1, 500))])
    n_rand = 40 if opts.quick else 150
    total, a1_ok, below, min_gap, fam_gaps = 0, 0, [], np.inf, []
    for K, L, n, lam in configs:
        model = DeepUFM(K, L, n=n, lam=lam, activation="relu")
        bound = float(best_linear_dnc(model, 20).loss)
        for _ in range(n_rand):
            P = random_relu_dnc(model, rng)
            loss = float(loss_parts(model, P)[0])
            a1 = all(r["holds"] for r in assumption1(model, P))
            total += 1
            a1_ok += a1
            min_gap = min(min_gap, loss - bound)
            if loss < bound - 1e-12:
                below.append((K, L, a1, loss - bound))
        fam = relu_dnc_family_minimum(model, starts=2 if opts.quick else 4, rng=K)
        fam_gaps.append(fam["loss"] - bound)
        if fam["loss"] < bound - 1e-12:
            below.append((K, L, "family", fam["loss"] - bound))
    rows.append(CheckRow(
        "Theorem 7", "step 1: a ReLU DNC configuration never goes below the best linear DNC loss",
        f"{total} random ReLU DNC configurations (features α I + β J per layer, clipped pre-activations) and "
        f"the best aligned one (multi-start L-BFGS), (K, L) ∈ {[(K, L) for K, L, _, _ in configs]}",
        verdict(not below),
        f"smallest (loss − bound) over random configurations {min_gap:.3g}; best aligned configuration − bound: "
        + ", ".join(f"{g:.4g}" for g in fam_gaps) + f"; Assumption 1 held on {a1_ok}/{total} configurations"
        + ("" if not below else f"; below the bound: {below[:4]}")))
    return rows


ENTRY = register(TheoremEntry(
    key="theorem7",
    title="Theorem 7 (ReLU: DNC not optimal)",
    statement=("ReLU DUFM under Assumption 1: no ReLU DNC solution is a global minimum if K >= 10 and L >= 5, "
               "or K >= 16 and L = 4."),
    source="Garrod & Keating, arXiv:2410.23169, Theorem 7 and its construction",
    hypotheses=lambda K, L, activation="relu", **_: activation == "relu" and stated_region(K, L),
    check=check,
    order=70,
    label="Theorem 7",
))
