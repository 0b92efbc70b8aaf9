"""Proof-check: at L = 1 (CE) the global phase diagram is exact — DNC is a global minimum of the reduced loss
for λ√n < 1/K and the zero solution for λ√n >= 1/K, for every K (issue 11: the K = 3 global phase diagram,
L = 1 row, with its switch point proven). The L = 1 problem is convex, which is why this case is classical
(cf. Zhu et al., "A Geometric Analysis of Neural Collapse with Unconstrained Features", NeurIPS 2021); here
every step is computed.

Statement. By the reduction lemma (``reduction_lemma.py``) min F = min over centred Z̄ ∈ R^{K×K} of
    f(Z̄) = g(Z̄) + A ‖Z̄‖_*,   g(Z̄) = (1/K) Σ_c (log Σ_k e^{Z̄_kc} − Z̄_cc),   A = λ √n
(L = 1: p = 2/(L+1) = 1, A = ((L+1)/2) λ n^{1/(L+1)}). Let λ* = 1/(K√n). Then (i) for λ >= λ* the zero
matrix is a global minimiser (loss log K); (ii) for λ < λ* some t (I − 11ᵀ/K), t > 0 (DNC), is a global
minimiser, so min f is DNC's one-scale optimum; the switch is exactly λ*.

Proof.
(a) f is convex: g is a sum of log-sum-exp functions minus linear terms (convex; ``reduction_lemma.py``
    step 1) and the nuclear norm is a norm.
(b) ∇g(0) = (1/K)(11ᵀ/K − I) (at Z̄ = 0 the softmax of every column is 1/K). Its spectral norm is 1/K
    (eigenvalues 0 once and −1/K, K − 1 times). The subdifferential of ‖·‖_* at 0 is the spectral-norm unit
    ball (the dual norm), so 0 ∈ ∂f(0) ⇔ ‖∇g(0)‖₂ <= A ⇔ λ >= λ*. With (a) that is (i), and for λ < λ* the
    zero matrix is not a minimiser.
(c) f(Π Z̄ Πᵀ) = f(Z̄) for every permutation matrix Π (relabelling classes permutes the columns' CE terms;
    singular values are unchanged). f is coercive (g >= 0, A‖Z̄‖_* → ∞), so a minimiser Z* exists; by
    convexity the orbit average Z̄ = (1/K!) Σ_Π Π Z* Πᵀ is a minimiser too, and it is fixed by every Π and
    centred. The centred S_K-fixed matrices are exactly t D, D = I − 11ᵀ/K (step 3). By (b) t ≠ 0. Along
    the line, d/dt g(tD) at 0 is ⟨∇g(0), D⟩ = −‖D‖_F²/K = −(K−1)/K < 0, so by convexity g(tD) > g(0) for
    t < 0 and then f(tD) > f(0) >= min f: t > 0, DNC. ∎

Steps checked here (each computed and asserted):
1. sympy, K = 2..8: ∇g(0) = (1/K)(11ᵀ/K − I) exactly (differentiating g symbolically), and its singular
   values are exactly {1/K (K − 1 times), 0}.
2. The dual-norm inequality |⟨G, Z⟩| <= ‖G‖₂ ‖Z‖_* with equality attained (G = U Vᵀ for Z = U S Vᵀ), and
   midpoint convexity of f at L = 1 on random pairs, at 50 digits (K = 3, 4, 5).
3. sympy: the centred matrices fixed by every transposition (k, k+1) form the line t (I − 11ᵀ/K), K = 2..7.
4. The one-scale engine (``scale.optimal_scale``, 30 digits): at K = 3, 4, 5, n = 1, 4, DNC's optimal scale
   is > 0 just below λ* (λ*(1 − 10⁻²); its loss is below log K) and the zero solution wins at λ*(1 + 10⁻²)
   and 2λ*.
5. Independent route (interval branch and bound over Y ∈ R^{2×3}, ``global_min.certified_minimum``, K = 3,
   n = 1): certified global minimum DNC at λ = 0.3 (its enclosure holds the engine's DNC optimum) and zero
   at λ = 0.34 (enclosure holds log 3), on both sides of λ* = 1/3.
"""
import itertools
import sys
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

DPS = 50


def step1_gradient_at_zero() -> str:
    for K in range(2, 9):
        Z = sp.Matrix(K, K, lambda i, j: sp.Symbol(f"z{i}_{j}"))
        g = sum(sp.log(sum(sp.exp(Z[k, c]) for k in range(K))) - Z[c, c] for c in range(K)) / K
        G = sp.Matrix(K, K, lambda i, j: sp.diff(g, Z[i, j]).subs({z: 0 for z in Z}))
        expected = (sp.ones(K, K) / K - sp.eye(K)) / K
        assert sp.simplify(G - expected) == sp.zeros(K, K)
        sv = sorted((sp.sqrt(e) for e, m in (G.T * G).eigenvals().items() for _ in range(m)), reverse=True)
        assert sv == [sp.Rational(1, K)] * (K - 1) + [0], sv
    return "∇g(0) = (1/K)(11ᵀ/K − I), singular values {1/K × (K−1), 0}, K = 2..8 (sympy, exact)"


def fit(Z):
    K = Z.rows
    return mpmath.fsum(mpmath.log(mpmath.fsum(mpmath.exp(Z[k, c]) for k in range(K))) - Z[c, c]
                       for c in range(K)) / K


def nuclear(Z):
    s = mpmath.svd_r(Z, compute_uv=False)
    return mpmath.fsum(s[i] for i in range(len(s)))


def step2_dual_norm_and_convexity(rng) -> str:
    n_dual = n_cvx = 0
    with mpmath.workdps(DPS):
        tiny = mpmath.mpf(10) ** -40
        for K in (3, 4, 5):
            for _ in range(10):
                Z = mpmath.matrix(rng.normal(0, 2, (K, K)).tolist())
                G = mpmath.matrix(rng.normal(0, 1, (K, K)).tolist())
                spec = max(mpmath.svd_r(G, compute_uv=False))
                inner = mpmath.fsum(G[i, j] * Z[i, j] for i in range(K) for j in range(K))
                assert abs(inner) <= spec * nuclear(Z) + tiny
                U, S, V = mpmath.svd_r(Z)
                G0 = U * V  # mpmath returns V as Vᵀ: Z = U diag(S) V
                inner0 = mpmath.fsum(G0[i, j] * Z[i, j] for i in range(K) for j in range(K))
                assert abs(inner0 - nuclear(Z)) < tiny and abs(max(mpmath.svd_r(G0, compute_uv=False)) - 1) < tiny
                n_dual += 1
                A = mpmath.mpf(rng.uniform(0.01, 0.5))
                W = mpmath.matrix(rng.normal(0, 2, (K, K)).tolist())
                f = lambda X: fit(X) + A * nuclear(X)  # noqa: E731
                assert f((Z + W) / 2) <= (f(Z) + f(W)) / 2 + tiny
                n_cvx += 1
    return (f"|⟨G, Z⟩| <= ‖G‖₂‖Z‖_* on {n_dual} random pairs, equality at G = UVᵀ; midpoint convexity of f "
            f"(L = 1) on {n_cvx} random pairs (K = 3, 4, 5; {DPS} digits)")


def step3_fixed_subspace() -> str:
    for K in range(2, 8):
        Z = sp.Matrix(K, K, lambda i, j: sp.Symbol(f"z{i}_{j}"))
        eqs = [Z.T * sp.ones(K, 1)]  # centred columns: 1ᵀZ = 0
        for k in range(K - 1):
            P = sp.eye(K).elementary_row_op("n<->m", row1=k, row2=k + 1)
            eqs.append(P * Z * P.T - Z)
        sol = sp.solve([e for M in eqs for e in M], list(Z), dict=True)
        assert len(sol) == 1
        Zs = Z.subs(sol[0])
        free = sorted(Zs.free_symbols, key=str)
        assert len(free) == 1, free
        t = free[0]
        assert sp.simplify(Zs - (Zs[0, 0] / (1 - sp.Rational(1, K))) * (sp.eye(K) - sp.ones(K, K) / K)) == sp.zeros(K, K)
        assert Zs[0, 0] != 0 and sp.diff(Zs[0, 0], t) != 0
    return "centred matrices fixed by all transpositions (k, k+1) = the line t (I − 11ᵀ/K), K = 2..7 (sympy)"


def step4_engine() -> str:
    from ufmtheory.model import DeepUFM
    from ufmtheory.scale import compare, optimal_scale
    from ufmtheory.structures import dnc
    rows = []
    for K, n in itertools.product((3, 4, 5), (1, 4)):
        lam_star = Fraction(1, K) / Fraction(int(round(n ** 0.5)))  # n a perfect square here
        below = lam_star * (1 - Fraction(1, 100))
        with mpmath.workdps(40):
            opt = optimal_scale(dnc(K), DeepUFM(K, 1, n=n, lam=below), dps=30)
            assert opt.kind == "positive critical point" and opt.scale > 0 and opt.loss < mpmath.log(K)
            for lam in (lam_star * (1 + Fraction(1, 100)), 2 * lam_star):
                res = compare(DeepUFM(K, 1, n=n, lam=lam), [dnc(K)], dps=30)
                assert res["winner"] == "zero", (K, n, lam, res["winner"])
        rows.append(f"({K},{n}): t*={mpmath.nstr(opt.scale, 4)}")
    return "DNC's optimal scale > 0 at λ*(1 − 10⁻²), zero wins at λ*(1 + 10⁻²) and 2λ*: " + ", ".join(rows)


def step5_certified(K: int = 3) -> str:
    from ufmtheory.global_min import certified_minimum
    from ufmtheory.model import DeepUFM
    from ufmtheory.scale import optimal_scale
    from ufmtheory.structures import dnc
    r1 = certified_minimum(K, 1, 1, "0.3", starts=4)
    r2 = certified_minimum(K, 1, 1, "0.34", starts=4)
    with mpmath.workdps(40):
        v = optimal_scale(dnc(K), DeepUFM(K, 1, n=1, lam=Fraction(3, 10)), dps=30).loss
        assert r1.certified and r1.structure == "dnc"
        assert Fraction(r1.lower) <= Fraction(mpmath.nstr(v, 35, strip_zeros=False)) <= Fraction(r1.upper)
        assert r2.certified and r2.structure == "zero"
        assert Fraction(r2.lower) <= Fraction(mpmath.nstr(mpmath.log(K), 35, strip_zeros=False)) <= Fraction(r2.upper)
    return (f"K = 3: λ = 0.3 → dnc, min ∈ [{r1.lower}, {r1.upper}] ∋ {mpmath.nstr(v, 20)}; "
            f"λ = 0.34 → zero, min ∈ [{r2.lower}, {r2.upper}] ∋ log 3")


def main() -> int:
    rng = np.random.default_rng(5)
    print(f"step 1: {step1_gradient_at_zero()} — OK")
    print(f"step 2: {step2_dual_norm_and_convexity(rng)} — OK")
    print(f"step 3: {step3_fixed_subspace()} — OK")
    print(f"step 4: {step4_engine()} — OK")
    print(f"step 5: {step5_certified()} — OK")
    print("L = 1: DNC is a global minimum for λ√n < 1/K, the zero solution for λ√n >= 1/K — proof-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
