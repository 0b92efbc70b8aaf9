"""Proof-check of the MSE predecessors (SPEC §4 Peers) and of the L = 1 CE closed form.

Steps:
1. von Neumann: for any Z̄, tr Z̄ <= Σ s_i(Z̄), so the reduced MSE loss is >= Σ_i h(s_i); checked on
   200 random outputs against the orthogonal-frame optimum.
2. h'(γ) = 0 ⇔ γ^{L−1}(1−γ)^{L+1} = K^{L+1} n λ_H Π λ_W (sympy); at a tie h(γ) = 1/2 = h(0) forces
   γ = (L−1)/L and c = (L−1)^{L−1}/L^{2L} (sympy solve).
3. Engine = closed form (40 digits) for the orthogonal frame, both sides of the threshold.
4. T(r): σ(Vᵀ(I − J/4)V) = I exactly; forward pass = closed form (1e-40); L = 3 never beats DNC
   (2 + 2√(2(r−1)(r−2)) < 2(r−1) is impossible), L >= 4 beats it from r = 4.
5. Zhu et al. (L = 1 CE): f'(t) = 0 ⇔ e^t = 1/(√n Λ) − K + 1 (sympy), engine = closed form to 40 digits.
"""
import sys
from fractions import Fraction
from itertools import combinations

import mpmath
import numpy as np
import sympy as sp

import ufmtheory as ut
from ufmtheory.closed_forms import dang_mse_dnc, triangular_loss, zhu_l1
from ufmtheory.constructions import incidence, orthogonal_frame, triangular
from ufmtheory.mse import lambda_at, triangular_beats_dnc
from ufmtheory.objective import loss_parts
from ufmtheory.precision import agreed_digits


def main() -> int:
    rng = np.random.default_rng(5)
    worst = np.inf
    for _ in range(200):
        K, L = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        model = ut.DeepUFM(K, L, n=1, lam="0.002", loss="mse")
        Z = rng.standard_normal((K, K)) * rng.uniform(0.2, 2)
        best = float(ut.optimal_scale(orthogonal_frame(K), model, 15).loss)
        worst = min(worst, ut.reduced_loss(model, Z)[0] - best)
    assert worst >= -1e-12
    print(f"step 1: 200 random outputs never below the orthogonal-frame optimum (min gap {worst:.3g}) — OK")

    g, c, L = sp.symbols("gamma c L", positive=True)
    Lv = 4
    p = sp.Rational(2, Lv + 1)
    a = sp.Symbol("a", positive=True)  # a = K Λ n^{1/(L+1)}
    h = (1 - g) ** 2 / 2 + a * (Lv + 1) / 2 * g ** p
    stat = sp.solve(sp.Eq(sp.diff(h, g), 0), a)[0]
    assert sp.simplify(stat ** (Lv + 1) - g ** (Lv - 1) * (1 - g) ** (Lv + 1)) == 0
    tie = sp.solve(sp.Eq(h.subs(a, stat), sp.Rational(1, 2)), g)
    assert sp.Rational(Lv - 1, Lv) in tie
    cval = sp.simplify((g ** (Lv - 1) * (1 - g) ** (Lv + 1)).subs(g, sp.Rational(Lv - 1, Lv)))
    assert cval == sp.Rational((Lv - 1) ** (Lv - 1), Lv ** (2 * Lv))
    print(f"step 2: stationarity ⇔ γ^(L−1)(1−γ)^(L+1) = c; tie at γ = (L−1)/L, c = {cval} (L = {Lv}, sympy) — OK")

    worst_d = mpmath.inf
    for K, L, n, f in [(3, 2, 1, Fraction(1, 2)), (3, 2, 1, Fraction(3, 2)), (5, 4, 2, Fraction(1, 10)), (4, 1, 3, Fraction(1, 3))]:
        model = ut.DeepUFM(K, L, n=n, lam=[lambda_at(K, L, n, f)] + [1] * L, loss="mse")
        opt = ut.optimal_scale(orthogonal_frame(K), model, 45)
        with mpmath.workdps(80):
            cf = dang_mse_dnc(K, L, n, model.lams)
            assert opt.kind == cf["kind"] and (cf["kind"] == "zero") == (f > 1)
            worst_d = min(worst_d, agreed_digits(opt.loss, cf["loss"]))
    assert worst_d >= 40
    print(f"step 3: engine = closed form for the orthogonal frame, both sides of the threshold (>= {float(worst_d):.0f} digits) — OK")

    for r in (3, 4, 5, 6):
        V = incidence(list(combinations(range(r), 2)))
        M = V.T * (sp.eye(r) - sp.ones(r, r) / 4) * V
        assert sp.ImmutableMatrix(M.rows, M.cols, lambda i, j: max(M[i, j], 0)) == sp.eye(M.rows)
    diff = mpmath.mpf(0)
    for r, L in [(4, 4), (5, 3), (5, 2)]:
        c = triangular(r, L)
        model = ut.DeepUFM(c.K, L, n=2, lam="0.0005", loss="mse", activation="relu")
        with mpmath.workdps(50):
            P = c.parameters(model, mpmath.mpf("0.97"))
            diff = max(diff, abs(loss_parts(model, P)[0] - triangular_loss(r, L, 2, model.lams, "0.97")[0]))
    assert diff < mpmath.mpf(10) ** -40
    assert not any(triangular_beats_dnc(r, L) for r in range(3, 200) for L in (2, 3))
    assert all(triangular_beats_dnc(r, L) for r in range(4, 60) for L in range(4, 20))
    print(f"step 4: σ(Vᵀ(I−J/4)V) = I (r = 3..6); forward = closed form (max diff {mpmath.nstr(diff, 3)}); "
          "T(r) beats DNC iff L >= 4 and r >= 4 (checked r < 200) — OK")

    t, Lam, n, K = sp.symbols("t Lambda n K", positive=True)
    f = sp.log(1 + (K - 1) * sp.exp(-t)) + (K - 1) * sp.sqrt(n) * Lam * t
    sol = sp.solve(sp.Eq(sp.diff(f, t), 0), t)
    assert any(sp.simplify(sp.exp(s) - (1 / (sp.sqrt(n) * Lam) - K + 1)) == 0 for s in sol)
    worst_z = mpmath.inf
    for K_, n_, lh, lw in [(2, 1, Fraction(1, 4), Fraction(1, 4)), (10, 3, Fraction(1, 1000), Fraction(1, 50)), (5, 2, Fraction(1, 2), Fraction(1, 3))]:
        opt = ut.optimal_scale(ut.dnc(K_), ut.DeepUFM(K_, 1, n=n_, lam=[lh, lw]), 45)
        with mpmath.workdps(80):
            cf = zhu_l1(K_, n_, lh, lw)
            assert opt.kind == cf["kind"]
            worst_z = min(worst_z, agreed_digits(opt.loss, cf["loss"]))
    assert worst_z >= 40
    print(f"step 5: Zhu et al. stationarity e^t = 1/(√n Λ) − K + 1 (sympy); engine = closed form (>= {float(worst_z):.0f} digits) — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
