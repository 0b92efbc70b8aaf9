"""Proof-check of Theorem 3 (paper; constants reconstructed in SPEC §4, re-derived in
ufmtheory.symbolic.theorem3_bounds).

Steps:
1. q_K: the polygon is an exact rank-2 diagonally superior witness; no rank-one uvᵀ is (exhaustive for
   K <= 5; the argmax/argmin argument in general): q_2 = 1, q_K = 2 (K >= 3).
2. (i) ℒ(Z*) <= log K and g >= 0 ⇒ s̃_i <= (2 log K/((L+1)λ_L))^{(L+1)/2}; with λ_L = L^{−1/2} its
   logarithm plus βL → −∞ (sympy) — faster than any exponential; checked on global-search optima.
3. (ii) the comparison with a margin-matched rank-q M gives the claim whenever κ^p q^{1−p/2} < (q+1)θ,
   i.e. L + 1 > 2(log κ − ½ log q)/log((q+1)θ/q); for θ = (q+1)/(q+2) the denominator is
   log((q+1)²/(q(q+2))) > 0. Global-search optima along λ_L = 1/(L+1)²: at most q_K normalised singular
   values above θ^{(L+1)/2}, optimum diagonally superior.
"""
import sys

import sympy as sp

from ufmtheory import symbolic as S
from ufmtheory.theorems.theorem3 import q_K_check, regime_i, regime_ii


def main() -> int:
    qs = [q_K_check(K) for K in range(2, 6)]
    assert all(x["witness_ok"] for x in qs) and [x["q"] for x in qs] == [1, 2, 2, 2]
    assert [x["rank_one_impossible"] for x in qs] == [False, True, True, True]
    print("step 1: q_2..q_5 = 1, 2, 2, 2 (witness exact; rank one impossible for K >= 3, exhaustive) — OK")

    tb = S.theorem3_bounds()
    assert tb["regime_i_exponent_limit"] == -sp.oo
    pts = [regime_i(4, L, starts=3) for L in (1, 3, 5)]
    assert all(x["ok"] for x in pts)
    print("step 2: (i) bound " + ", ".join(f"L={x['L']}: {x['s_max']:.3g} <= {x['bound']:.3g}" for x in pts)
          + "; log-bound + βL → −∞ — OK")

    q = sp.Symbol("q", positive=True)
    assert sp.simplify(tb["spec_ratio_minus_1"] - 1 / (q * (q + 2))) == 0
    res = [regime_ii(4, L, starts=3) for L in (4, 6)]
    assert all(x["count"] <= x["q"] and x["diag_superior"] for x in res)
    print("step 3: (ii) (q+1)θ/q − 1 = 1/(q(q+2)) > 0; counts " + ", ".join(f"L={x['L']}: {x['count']}" for x in res)
          + " <= q_4 = 2, optima diagonally superior — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
