"""Proof-check of Lemma 1 (paper) and the Schatten identity it rests on (SPEC §2).

Steps:
1. Schatten identity, lower bound: for random factorisations X = U_k⋯U_1, Σ λ_i/2 ‖U_i‖² >=
   (k/2)Λ Σ s_j^{2/k} (AM–GM + the Hölder-type inequality for products); checked on 200 random cases.
2. Attainment: the balanced factorisation reaches it (50 digits).
3. At the critical points of DNC, polygon and even-K paired patterns, the Lemma 1 parameters are
   critical for the full model (gradient < 1e-40 at 50 digits) and their loss is the reduced loss.
"""
import sys

import mpmath
import numpy as np

import ufmtheory as ut
from ufmtheory.objective import gradient_norm, loss_and_gradient, penalty_value
from ufmtheory.theorems.lemma1 import critical_parameters


def main() -> int:
    rng = np.random.default_rng(2024)
    worst = np.inf
    for _ in range(200):
        K, k = int(rng.integers(2, 5)), int(rng.integers(1, 6))
        lams = rng.uniform(0.1, 5, size=k)
        Us = [rng.standard_normal((K, K)) for _ in range(k)]
        X = Us[0]
        for U in Us[1:]:
            X = U @ X
        direct = sum(l / 2 * np.sum(U ** 2) for l, U in zip(lams, Us))
        bound = float(ut.schatten_penalty(np.linalg.svd(X, compute_uv=False), lams))
        worst = min(worst, direct / bound)
    assert worst >= 1 - 1e-12
    print(f"step 1: random factorisations never beat (k/2)Λ Σ s^(2/k) — min ratio {worst:.6f} over 200 — OK")

    model = ut.DeepUFM(5, 4, n=2, lam=["0.01", "0.02", "0.03", "0.04", "0.05"], d=7)
    with mpmath.workdps(50):
        Z = np.repeat(ut.dnc(5).matrix_mp(), 2, axis=1) * 3
        P = ut.balanced_parameters(model, Z, rng=1, rank=4)
        gap = abs(penalty_value(model, P) - ut.minimal_penalty(model, Z, rank=4))
        assert gap < mpmath.mpf(10) ** -45
    print(f"step 2: the balanced factorisation attains the bound — |gap| = {mpmath.nstr(gap, 3)} — OK")

    worst_g = mpmath.mpf(0)
    count = 0
    for K, L, n, d, lam in [(4, 2, 2, 6, "0.01"), (6, 3, 1, 8, "0.001"), (5, 5, 3, 6, "0.0001")]:
        model = ut.DeepUFM(K, L, n=n, lam=lam, d=d)
        for name in ("dnc", "polygon") + (("paired",) if K % 2 == 0 else ()):
            S = ut.named(name, K)
            for cp in ut.optimal_scale(S, model, 50).critical_points:
                with mpmath.workdps(50):
                    Zc, Pc = critical_parameters(model, S, cp.t, rng=count)
                    total, grad = loss_and_gradient(model, Pc)
                    worst_g = max(worst_g, gradient_norm(grad))
                    assert abs(total - cp.loss) < mpmath.mpf(10) ** -45
                    count += 1
    assert worst_g < mpmath.mpf(10) ** -40
    print(f"step 3: {count} critical points are DUFM critical points — max |grad| = {mpmath.nstr(worst_g, 3)} — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
