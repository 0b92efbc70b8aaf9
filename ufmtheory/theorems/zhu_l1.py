"""L = 1 CE UFM (Zhu et al. 2021; SPEC §4 Peers) as a regression check of the whole engine.

Closed form (``closed_forms.zhu_l1``): a non-zero optimum exists iff K√(nλ_Wλ_H) < 1, with margin
t* = log(1/√(nλ_Wλ_H) − K + 1); otherwise the zero solution (loss log K) is optimal. The engine
(``scale.optimal_scale`` on the DNC pattern: interval-arithmetic root isolation, two precisions)
must reproduce scale and loss to max(--dps, 40) digits on a grid of (K, n, λ_H, λ_W) on both sides of
the threshold; at t* the Lemma 1 parameters must be a critical point of the full model (gradient and
loss error < 10^−(D−10) at D = max(--dps, 50) digits).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath

from ..closed_forms import zhu_l1
from ..losses import CE
from ..losses import get as get_loss
from ..model import DeepUFM
from ..objective import gradient_norm, loss_and_gradient
from ..precision import agreed_digits
from ..scale import optimal_scale
from ..structures import dnc
from .lemma1 import critical_parameters
from .registry import CheckOptions, CheckRow, TheoremEntry, register, verdict

LAMS = [(Fraction(1, 2 ** 10), Fraction(1, 2 ** 6)), (Fraction(1, 100), Fraction(1, 30)),
        (Fraction(1, 7), Fraction(1, 3)), (Fraction(1), Fraction(1, 20))]


def grid(quick: bool) -> list:
    """(K, n, λ_H, λ_W) points; both sides of K√(nλ_Hλ_W) = 1 occur."""
    Ks, ns = ((2, 5, 10), (1, 4)) if quick else ((2, 3, 5, 10), (1, 4, 7))
    near = [(4, 1, Fraction(1, 4), Fraction(1, 4) * (1 + e)) for e in (Fraction(-1, 10 ** 8), 0, Fraction(1, 10 ** 8))]
    return [(K, n, lh, lw) for K in Ks for n in ns for lh, lw in LAMS] + near


def engine_vs_closed_form(K, n, lam_H, lam_W, digits: int = 40) -> dict:
    """Engine optimum vs closed form: {'kind_engine', 'kind_closed', 'digits_t', 'digits_loss', 'threshold'}."""
    model = DeepUFM(K, 1, n=n, lam=[lam_H, lam_W])
    opt = optimal_scale(dnc(K), model, digits + 5)
    with mpmath.workdps(digits + 40):
        cf = zhu_l1(K, n, lam_H, lam_W)
        dt = agreed_digits(opt.scale, cf["t"]) if cf["kind"] != "zero" else (mpmath.inf if opt.scale == 0 else 0)
        dl = agreed_digits(opt.loss, cf["loss"])
        return {"kind_engine": opt.kind, "kind_closed": cf["kind"], "digits_t": dt, "digits_loss": dl,
                "threshold": cf["threshold"], "opt": opt}


def check(opts: CheckOptions) -> list:
    pts, digits = grid(opts.quick), opts.digits(40)
    worst, n_pos, n_zero, bad = mpmath.inf, 0, 0, []
    for K, n, lh, lw in pts:
        r = engine_vs_closed_form(K, n, lh, lw, digits)
        ok = r["kind_engine"] == r["kind_closed"] and min(r["digits_t"], r["digits_loss"]) >= digits
        worst = min(worst, r["digits_t"], r["digits_loss"])
        n_pos += r["kind_closed"] != "zero"
        n_zero += r["kind_closed"] == "zero"
        if not ok:
            bad.append((K, n, str(lh), str(lw), r["kind_engine"], r["kind_closed"]))
    rows = [CheckRow(
        "Zhu et al. 2021 (L = 1)", "CE UFM: non-zero optimum iff K√(nλ_Wλ_H) < 1, t* = log(1/√(nλ_Wλ_H) − K + 1)",
        f"{len(pts)} points: K ∈ {sorted({p[0] for p in pts})}, n ∈ {sorted({p[1] for p in pts})}, "
        f"(λ_H, λ_W) ∈ {{{', '.join(f'({a}, {b})' for a, b in LAMS)}}}; at the threshold K = 4, n = 1, "
        "λ_H = 1/4, λ_W = (1 + ε)/4, ε ∈ {−1e-8, 0, 1e-8}",
        verdict(not bad),
        f"{n_pos} non-zero optima and {n_zero} zero solutions; engine = closed form to >= "
        f"{'all' if worst == mpmath.inf else f'{float(worst):.1f}'} digits (scale and loss; {digits} required)"
        + ("" if not bad else f"; mismatches {bad[:4]}"))]

    # full-model regression: the closed-form optimum is a critical point of the DUFM
    worst_g, full_digits = mpmath.mpf(0), opts.digits(50)
    cases = [(4, 3, Fraction(1, 50), Fraction(1, 40), 6)] + ([] if opts.quick else [(7, 2, Fraction(1, 300), Fraction(1, 9), 9)])
    for K, n, lh, lw, d in cases:
        model = DeepUFM(K, 1, n=n, lam=[lh, lw], d=d)
        with mpmath.workdps(full_digits):
            cf = zhu_l1(K, n, lh, lw)
            _, P = critical_parameters(model, dnc(K), cf["t"], rng=K)
            total, grad = loss_and_gradient(model, P)
            worst_g = max(worst_g, gradient_norm(grad), abs(total - cf["loss"]))
    rows.append(CheckRow(
        "Zhu et al. 2021 (L = 1)", "the closed-form optimum is a critical point of the full model with its loss",
        "; ".join(f"K={K}, n={n}, λ_H={lh}, λ_W={lw}, d={d}" for K, n, lh, lw, d in cases) + f"; {full_digits} digits",
        verdict(worst_g < mpmath.mpf(10) ** -(full_digits - 10)),
        f"max(|∇ℒ|, |ℒ − ℒ*|) = {mpmath.nstr(worst_g, 3)} (tolerance 1e-{full_digits - 10})"))
    return rows


ENTRY = register(TheoremEntry(
    key="zhu_l1",
    title="Zhu et al. 2021: L = 1 CE UFM closed form",
    statement=("L = 1 CE UFM: a non-zero optimum exists iff K√(nλ_Wλ_H) < 1; it is DNC with margin "
               "t* = log(1/√(nλ_Wλ_H) − K + 1)."),
    source="Zhu et al., NeurIPS 2021 (A geometric analysis of neural collapse with unconstrained features)",
    hypotheses=lambda L, loss="ce", **_: L == 1 and get_loss(loss) == CE,
    check=check,
    order=85,
))
