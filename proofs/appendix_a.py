"""Proof-check of Appendix A (imbalanced classes).

Steps:
1. Centring: for any Z̄, P = I − 11ᵀ/K leaves each column's CE unchanged and s_i(PZ̄D) <= s_i(Z̄D)
   (P is a contraction); checked on random outputs and class sizes.
2. The symmetric centred family's singular values (closed form) equal numpy's SVD; its analytic
   gradient equals finite differences.
3. The L = 1 optimum under STEP imbalance (symmetric reduction, Newton to 50 digits) equals an
   unrestricted factorised search, with and without minority collapse.
4. Theorem 2's explicit L_0 (proof route) is consistent with the engine's optima.
5. A3 at a grid point: a competitor beats the generalised DNC at depth L >= 2, not at L = 1.
"""
import sys
from fractions import Fraction

import mpmath
import numpy as np

import ufmtheory as ut
from ufmtheory.imbalance import StepFamily, step_class_sizes, theorem2_L0, ufm_optimum_step
from ufmtheory.losses import cross_entropy_columns
from ufmtheory.search import collapsed_search
from ufmtheory.theorems.appendix_a import a3_point


def main() -> int:
    rng = np.random.default_rng(8)
    for _ in range(100):
        K = int(rng.integers(2, 7))
        Z = rng.standard_normal((K, K)) * 3
        D = np.sqrt(rng.integers(1, 9, size=K).astype(float))
        P = np.eye(K) - np.ones((K, K)) / K
        assert np.allclose(cross_entropy_columns(Z, np.arange(K)), cross_entropy_columns(P @ Z, np.arange(K)))
        assert np.all(np.linalg.svd(P @ Z * D, compute_uv=False) <= np.linalg.svd(Z * D, compute_uv=False) + 1e-12)
    print("step 1: centring keeps every CE and shrinks every singular value (100 random cases) — OK")

    fam = StepFamily(3, 2, 5, 1, 2, "0.01")
    with mpmath.workdps(40):
        x = [mpmath.mpf(v) for v in ("2.1", "1.3", "0.7", "1.9")]
        Z = np.array(fam.matrix(x), dtype=float)
        D = np.sqrt(np.array([5, 5, 5, 1, 1], float))
        ref = sorted(np.linalg.svd(Z * D, compute_uv=False))[1:]
        assert np.allclose(sorted(float(s) for s in fam.singular_values(x)), ref, rtol=1e-12)
        g = fam.gradient(x)
        fd = [mpmath.diff(lambda t: fam.loss(x[:i] + [t] + x[i + 1:]), x[i]) for i in range(4)]
        err = max(abs(a - b) for a, b in zip(g, fd))
        assert err < mpmath.mpf(10) ** -30
    print(f"step 2: family singular values = SVD; gradient = finite differences (max diff {mpmath.nstr(err, 3)}) — OK")

    for lam, collapsed in [(Fraction(1, 100), ()), (Fraction(1, 16), ("minority",))]:
        opt = ufm_optimum_step(6, 5, Fraction(1, 2), lam, dps=50)
        assert opt["collapsed"] == collapsed
        model = ut.DeepUFM(6, 1, class_sizes=step_class_sizes(6, 5, Fraction(1, 2)), lam=lam)
        res = collapsed_search(model, starts=3, rng=4)
        assert abs(res.loss - float(opt["loss"])) < 1e-9 * float(opt["loss"])
        print(f"step 3: λ = {lam}: L = 1 optimum {mpmath.nstr(opt['loss'], 15)} (collapse: {collapsed or 'none'}) "
              f"= unrestricted search {res.loss:.15g} — OK")

    sizes = step_class_sizes(6, 5, Fraction(1, 2))
    L0 = theorem2_L0(ut.polygon(6), ut.dnc(6), sizes, L_max=300)["L0"]
    for L in range(L0, L0 + 3):
        model = ut.DeepUFM(6, L, class_sizes=sizes, lam=Fraction(1, 2 ** 10))
        assert ut.optimal_scale(ut.polygon(6), model, 25).loss <= ut.optimal_scale(ut.dnc(6), model, 25).loss
    print(f"step 4: Theorem 2 proof route L_0 = {L0} for polygon vs simplex ETF; engine agrees for L = {L0}..{L0 + 2} — OK")

    deep = a3_point(6, 5, Fraction(1, 2), Fraction(1, 2 ** 7), 3)
    shallow = a3_point(6, 5, Fraction(1, 2), Fraction(1, 2 ** 7), 1)
    assert deep["holds"] and not shallow["holds"]
    with mpmath.workdps(60):
        margin = deep["gen"].loss - deep["best"].loss
    print(f"step 5: (5, 1/2)-STEP, K = 6, λ = 2^-7: at L = 3 {deep['winner']} beats the generalised DNC by "
          f"{mpmath.nstr(margin, 4)}; at L = 1 the generalised DNC is optimal — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
