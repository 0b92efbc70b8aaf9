"""Proof-check of Theorem 1 (paper): if K >= 4 and L >= 3, or K >= 6 and L = 2, no DNC solution of the
linear DUFM is a global minimum (SPEC §4).

Steps:
1. Equal-scale fit dominance, symbolically: (1+(K−1)u) − (1+u²+(K−2)u) = u(1−u) > 0 for u = e^{−t} ∈ (0,1);
   odd K: fit_DNC − fit_paired = ((K−1)/K)·log of the same ratio.
2. Penalty step, solved exactly: m·2^{2/(L+1)} < 2m − 1 ⇔ K >= K_min(L) = 2(⌊1/(2−2^{2/(L+1)})⌋ + 1);
   K_min(2) = 6, K_min(L) = 4 for every L >= 3 (1 < 1/(2−2^p) <= 1/(2−√2) < 2), never for L = 1;
   the same inequality for odd K. Checked against integer arithmetic for K <= 40, L <= 12.
3. Hence at every DNC critical scale t (in the region) the paired pattern at the same t has lower fit,
   lower penalty and lower loss: computed at every DNC critical point for 10 (K, L, λ).
4. The conclusion, by an independent exhaustive computation: the exact phase diagram (interval branch
   and bound over λ) has DNC never optimal exactly on the stated region, K <= 9, L <= 4.
5. Outside the region the statement can fail: DNC and paired tie at exactly one λ for (4, 2) and (5, 2),
   certified by interval enclosures; DNC is optimal below it.
"""
import sys
from fractions import Fraction

import mpmath

from ufmtheory import symbolic as S
from ufmtheory.families import from_structure
from ufmtheory.phase import phase_grid
from ufmtheory.structures import dnc, paired
from ufmtheory.theorems.theorem1 import dnc_vs_paired_at_equal_scale, penalty_inequality, stated_region
from ufmtheory.thresholds import ties


def main() -> int:
    fit = S.theorem1_fit_step()
    assert fit["is_u_times_1_minus_u"] and fit["positive_for_0<u<1"] and fit["odd_K_identity"]
    print(f"step 1: fit_DNC − fit_paired > 0 at equal scale — {fit['difference']} = u(1−u), u = e^(−t) — OK")

    pen = S.theorem1_penalty_step(range(1, 13))
    region = S.theorem1_region(range(2, 41), range(1, 13))
    assert pen["odd_equals_even_condition"] and pen["L_ge_3_gives_K_min_4"]
    assert all(((K, L) in region) == penalty_inequality(K, L) for K in range(2, 41) for L in range(1, 13))
    assert all(((K, L) in region) == stated_region(K, L) for K in range(2, 41) for L in range(1, 13))
    print(f"step 2: K_min(L) = {[pen['K_min'][L] for L in range(1, 9)]} for L = 1..8 (None: never) — "
          "= stated region for K <= 40, L <= 12 — OK")

    n_pts = 0
    for K, L, k in [(4, 3, 4), (4, 3, 10), (6, 2, 5), (6, 2, 12), (7, 2, 8), (5, 4, 6), (12, 2, 9), (9, 6, 5),
                    (16, 8, 7), (5, 3, 14)]:
        _, comps = dnc_vs_paired_at_equal_scale(K, L, Fraction(1, 2 ** k), dps=30)
        for t, dfit, dpen, dloss in comps:
            assert dfit > 0 and dpen > 0 and dloss > 0
            n_pts += 1
    print(f"step 3: paired beats DNC at all {n_pts} DNC critical scales (fit, penalty and loss) — OK")

    g = phase_grid(range(2, 10), range(1, 5), dps=30, workers=1)
    assert g["theorem1"]["reproduced"], g["theorem1"]
    print(f"step 4: exact phase diagram, K = 2..9, L = 1..4: DNC never optimal exactly on the region "
          f"({len(g['theorem1']['dnc_never_optimal'])} cells) — OK")

    out = []
    for K in (4, 5):
        rep = ties(from_structure(dnc(K)), from_structure(paired(K)), 2, dps=50, certify=True)
        assert len(rep.ties) == 1 and not rep.unresolved
        t = rep.ties[0]
        with mpmath.workdps(80):
            assert t.enclosure[0] < t.value < t.enclosure[1]
        out.append(f"(K,L)=({K},2): λ* = {mpmath.nstr(t.value, 25)}…")
    print("step 5: outside the region DNC and paired tie once — " + "; ".join(out) + " — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
