"""Example ufmtheory plugin: Zhu et al. (2021), L = 1 CE UFM.

Claim: when K·sqrt(n·λ_W·λ_H) < 1, the optimal DNC margin is t* = log(1/sqrt(n·λ_W·λ_H) − K + 1).
The check compares the engine's optimal scale of DNC (``ufmtheory.optimal_scale``) with this closed
form at a few points, to ``opts.dps`` digits. Importing this module registers the check.
"""
from fractions import Fraction

import mpmath

import ufmtheory as ut
from ufmtheory.precision import agreed_digits
from ufmtheory.theorems import CheckOptions, CheckRow, TheoremEntry, register, verdict

#: (K, n, λ_H, λ_W), all with K·sqrt(n·λ_W·λ_H) < 1.
POINTS = [(3, 1, Fraction(1, 100), Fraction(1, 50)),
          (5, 2, Fraction(1, 1000), Fraction(1, 200)),
          (10, 4, Fraction(1, 2 ** 12), Fraction(1, 2 ** 10))]


def margin(K, n, lam_H, lam_W):
    """The closed form t* = log(1/sqrt(n λ_W λ_H) − K + 1), at the current mpmath precision."""
    p = n * lam_H * lam_W
    assert K * K * p < 1, "the closed form needs K·sqrt(n λ_W λ_H) < 1"
    return mpmath.log(1 / mpmath.sqrt(mpmath.mpf(p.numerator) / p.denominator) - K + 1)


def check(opts: CheckOptions) -> list:
    worst, compared = mpmath.inf, opts.dps + 20  # compare at 20 more digits than required
    for K, n, lam_H, lam_W in POINTS:
        opt = ut.optimal_scale(ut.dnc(K), ut.DeepUFM(K, 1, n=n, lam=[lam_H, lam_W]), opts.dps)
        with mpmath.workdps(compared):
            worst = min(worst, agreed_digits(opt.scale, margin(K, n, lam_H, lam_W)))
    return [CheckRow(
        "Zhu et al. 2021 margin", "the optimal DNC margin is t* = log(1/√(nλ_Wλ_H) − K + 1) when K√(nλ_Wλ_H) < 1",
        "; ".join(f"K={K}, n={n}, λ_H={lh}, λ_W={lw}" for K, n, lh, lw in POINTS),
        verdict(worst >= opts.dps),
        f"engine = closed form to {f'all {compared}' if worst == mpmath.inf else f'{float(worst):.1f}'} digits "
        f"compared ({opts.dps} required)")]


register(TheoremEntry(
    key="zhu_margin",
    title="Zhu et al. 2021: the L = 1 DNC margin (example plugin)",
    statement="L = 1 CE UFM with K√(nλ_Wλ_H) < 1: the optimal DNC margin is t* = log(1/√(nλ_Wλ_H) − K + 1).",
    source="Zhu et al., NeurIPS 2021",
    hypotheses=lambda L, loss="ce", **_: L == 1 and loss == "ce",
    check=check,
))
