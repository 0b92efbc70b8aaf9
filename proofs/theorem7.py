"""Proof-check of Theorem 7 (paper; SPEC §3 "ReLU construction", §4 Theorem 7).

Steps:
1. The construction's algebra, exactly (sympy): X̄Ȳ = 0, X̄² = 2X̄, χȲ² = 2Ȳ, X̄ + Ȳ >= 0, so every ReLU
   acts as the identity and the output is 2^{L−1} X̄ (even and odd K).
2. Its penalty: by AM–GM over the per-factor scalars the cheapest penalty at output t·X̄ is
   (L+1)Λ n^{1/(L+1)} t^p [K³(K+2)^{L−2}/4^{L−1}]^{1/(L+1)} (even; odd K: K²(K+1)(K+3)^{L−2}); the
   explicit parameters' forward-pass loss equals this closed form to 1e-40 at 50 digits.
3. At DNC's scale the construction has the smaller fit (every logit gap >= 1), and the smaller penalty
   iff the SPEC inequalities hold; raised to the power L+1 they are integer inequalities.
4. Region: the stated region satisfies them for all K, L (base cases + monotonicity in K and L,
   proven with sympy), and is tight at (9, 5), (15, 4); L <= 3 never.
5. Step 1 (ReLU DNC loss >= best linear DNC loss): random ReLU DNC configurations and the best aligned
   one (L-BFGS) stay above the exact linear DNC optimum.
"""
import sys
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

import ufmtheory as ut
from ufmtheory.closed_forms import relu_paired_loss
from ufmtheory.constructions import paired_blocks, relu_paired
from ufmtheory.objective import loss_parts
from ufmtheory.relu import (K_min, best_linear_dnc, monotonicity_certificate, random_relu_dnc,
                            relu_dnc_family_minimum, stated_inequality_mp, stated_region, theorem7_inequality)


def main() -> int:
    for K in (4, 5, 10, 11):
        X, Y, chi = paired_blocks(K)
        assert X * Y == sp.zeros(K, K) and X * X == 2 * X and chi * Y * Y == 2 * Y
        assert all(x >= 0 for x in X + Y)
        for L in (2, 3, 5):
            assert relu_paired(K, L).output() == 2 ** (L - 1) * X
    print("step 1: X̄Ȳ = 0, X̄² = 2X̄, χȲ² = 2Ȳ, X̄+Ȳ >= 0; output 2^(L−1)X̄ (K = 4, 5, 10, 11; L = 2, 3, 5) — OK")

    worst = mpmath.mpf(0)
    for K, L, n, lams, t in [(10, 5, 2, ["0.01", "0.02", "0.015", "0.03", "0.01", "0.025"], "3.7"),
                             (11, 5, 1, "0.004", "4.1"), (16, 4, 3, "0.002", "5"), (7, 3, 2, "0.05", "1.3")]:
        model = ut.DeepUFM(K, L, n=n, lam=lams, d=K + 2, activation="relu")
        with mpmath.workdps(50):
            P = relu_paired(K, L).parameters(model, mpmath.mpf(t))
            worst = max(worst, abs(loss_parts(model, P)[0] - relu_paired_loss(K, L, n, model.lams, t)[0]))
    assert worst < mpmath.mpf(10) ** -40
    print(f"step 2: forward-pass ReLU loss = closed form (4 cases, 50 digits) — max diff {mpmath.nstr(worst, 3)} — OK")

    mism = [(K, L) for K in range(2, 61) for L in range(2, 31)
            if (lambda lr: lr[0] < lr[1])(stated_inequality_mp(K, L, 40)) != theorem7_inequality(K, L)]
    assert not mism
    eq_scale = []
    for K, L in [(10, 5), (9, 5), (17, 4), (15, 4), (12, 6)]:
        model = ut.DeepUFM(K, L, n=1, lam=Fraction(1, 2 ** 9), activation="relu")
        d = best_linear_dnc(model, 30)
        with mpmath.workdps(60):
            _, fit, pen = relu_paired(K, L).loss_at(model, d.scale, 40)
            assert fit < d.fit and (pen < d.penalty) == theorem7_inequality(K, L)
            eq_scale.append(d.penalty - pen)
    print("step 3: typeset ⇔ integer inequality on K <= 60, L <= 30; at DNC's scale fit smaller, penalty smaller "
          f"exactly when the inequality holds (DNC − construction penalty: {', '.join(mpmath.nstr(x, 3) for x in eq_scale)}) — OK")

    cert = monotonicity_certificate()
    assert all(v["dF/dK < 0 for K >= 5, L >= 1"] for v in cert.values())
    assert all(theorem7_inequality(K, L) for K, L in [(10, 5), (11, 5), (16, 4), (17, 4)])
    assert not theorem7_inequality(9, 5) and not theorem7_inequality(15, 4)
    assert not any(theorem7_inequality(K, L) for K in range(2, 500) for L in (1, 2, 3))
    assert all(theorem7_inequality(K, L) for K in range(2, 200) for L in range(1, 60) if stated_region(K, L))
    print(f"step 4: stated region inside the inequality region (∂F/∂K = {cert['even']['dF/dK']} < 0); "
          f"tight at (9,5), (15,4); L <= 3 never; K_min(L=4) = {K_min(4, 0)} even, {K_min(4, 1)} odd — OK")

    rng = np.random.default_rng(11)
    gaps = []
    for K, L in [(4, 2), (6, 3), (10, 5)]:
        model = ut.DeepUFM(K, L, n=2, lam=Fraction(1, 300), activation="relu")
        bound = float(best_linear_dnc(model, 20).loss)
        for _ in range(100):
            gaps.append(float(loss_parts(model, random_relu_dnc(model, rng))[0]) - bound)
        gaps.append(relu_dnc_family_minimum(model, starts=4, rng=K)["loss"] - bound)
    assert min(gaps) > 0
    print(f"step 5: {len(gaps)} ReLU DNC configurations, smallest loss − linear DNC optimum = {min(gaps):.4g} — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
