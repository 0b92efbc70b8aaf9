"""Proof-check of Theorem 6 (K even, λ → 0: DNC and paired large critical scales diverge, both Hessians
tend to 0, the ratio of their norms tends to a constant) and of the limiting constants derived in
``ufmtheory.asymptotics``.

Steps:
1. Both scales diverge like log(1/λ), and t_paired − t_DNC → log(2(K−2)/(K·2^p)) (from the two
   stationarity equations with e^{−2t} dropped), K = 4, L = 2, n = 1, λ = 2^-64 … 2^-1024.
2. ‖H‖/(λt) converges for both structures (Frobenius, spectral, trace), so ‖H‖ = O(λ log 1/λ) → 0.
3. The leading-order form: the largest eigenvalues of H/(λt) at t = 4000 (mpmath) agree with those of
   κ·DQ₁ to O(1/t).
4. The exact limits of the norm ratios: Frobenius² and trace are rationals (sympy), spectral 1.
5. Richardson extrapolation of the float64 ratios (λ = 2^-32 … 2^-256, in 1/t) agrees with step 4 within
   its error estimate, for (K, L) = (4, 2), (4, 3).
"""
import sys

import mpmath
import numpy as np
from fractions import Fraction

import ufmtheory as ut
from ufmtheory.asymptotics import limit_norm_ratios, limit_operators
from ufmtheory.landscape import block_spectrum, critical_points, point_in_bracket
from ufmtheory.stability import dnc_point_at_scale
from ufmtheory.theorems.theorem6 import extrapolated_ratios, norm_sequence


def main() -> int:
    K, L = 4, 2
    p = 2 / (L + 1)
    pred = np.log(2 * (K - 2) / (K * 2 ** p))
    rows = []
    for k in (64, 256, 1024):
        model = ut.DeepUFM(K, L, n=1, lam=Fraction(1, 2 ** k), d=K + 1)
        tD = critical_points(model, ut.dnc(K), 30)[-1].t
        tP = critical_points(model, ut.paired(K), 30)[-1].t
        rows.append((k, float(tD), float(tP), float(tD) / (k * np.log(2)), float(tP - tD)))
    assert all(a[1] < b[1] and a[2] < b[2] for a, b in zip(rows, rows[1:]))
    assert abs(rows[-1][4] - pred) < 0.01 and abs(rows[-1][3] - 1) < 0.01
    print("step 1: t_DNC/log(1/λ) = " + ", ".join(f"{r[3]:.4f}" for r in rows) + "; t_paired − t_DNC = "
          + ", ".join(f"{r[4]:.5f}" for r in rows) + f" → log(2(K−2)/(K 2^p)) = {pred:.5f} — OK")

    seq = norm_sequence(K, L, (32, 64, 128, 256))
    norm_over = [(k, {nm: float(a[nm]) / (2.0 ** -k * float(tD)) for nm in a},
                  {nm: float(b[nm]) / (2.0 ** -k * float(tP)) for nm in b}) for k, tD, tP, a, b in seq]
    for nm in ("frobenius", "spectral", "trace"):
        vals_d = [x[1][nm] for x in norm_over]
        vals_p = [x[2][nm] for x in norm_over]
        assert abs(vals_d[-1] - vals_d[-2]) < 0.05 * vals_d[-1] and abs(vals_p[-1] - vals_p[-2]) < 0.05 * vals_p[-1]
    print("step 2: ‖H‖_F/(λt): DNC " + ", ".join(f"{x[1]['frobenius']:.5f}" for x in norm_over) + "; paired "
          + ", ".join(f"{x[2]['frobenius']:.5f}" for x in norm_over) + " (λ = 2^-32 … 2^-256): bounded, so ‖H‖ → 0 — OK")

    with mpmath.workdps(30):
        t = mpmath.mpf(4000)
        pd = dnc_point_at_scale(K, L, t, n=1, d=K + 1, mp=True)
        pp = point_in_bracket(pd.model, ut.paired(K), t - 10, t + 10)
        lam = pd.model.Lambda()
        worst = 0.0
        for pt, S in ((pd, ut.dnc(K)), (pp, ut.paired(K))):
            ev = sorted((float(mu / (lam * pt.t)) for mu, m in block_spectrum(pt, mp=True).eigenvalues()
                         for _ in range(m)), reverse=True)
            D, Q, kappa = limit_operators(S, L)
            Dn, Qn = np.array(D.tolist(), dtype=float), np.array(Q.tolist(), dtype=float)
            w, U = np.linalg.eigh(Dn)
            R = (U * np.sqrt(np.clip(w, 0, None))) @ U.T
            lim = sorted(float(kappa) * np.linalg.eigvalsh(R @ Qn @ R), reverse=True)
            top = [x for x in lim if x > 1e-9]
            worst = max(worst, max(abs(a - b) / b for a, b in zip(ev[:len(top)], top)))
    assert worst < 5 / 4000
    print(f"step 3: at t = 4000 the {len(top)} leading eigenvalues of H/(λt) match κ·spec(DQ₁) to "
          f"{worst:.1e} relative (O(1/t)) — OK")

    exact = {}
    for KK, LL in ((4, 2), (4, 3), (6, 2)):
        e = limit_norm_ratios(ut.dnc(KK), ut.paired(KK), LL)
        assert abs(e.spectral - 1) < 1e-12
        exact[(KK, LL)] = e
    print("step 4: exact limits (n = 1): " + "; ".join(
        f"K={a}, L={b}: Frobenius √({e.frobenius_squared}), trace {e.trace}, spectral {e.spectral:.13f}"
        for (a, b), e in exact.items()) + " — OK")

    out = []
    for KK, LL in ((4, 2), (4, 3)):
        ext = extrapolated_ratios(norm_sequence(KK, LL, (32, 48, 64, 96, 128, 192, 256)))
        e = exact[(KK, LL)]
        ref = {"frobenius": float(e.frobenius), "trace": float(e.trace), "spectral": e.spectral}
        for nm, x in ext.items():
            assert abs(float(x.value) - ref[nm]) <= float(x.error) + 1e-14, (KK, LL, nm, x.value, x.error, ref[nm])
            out.append((KK, LL, nm, float(x.value), float(x.error)))
    print("step 5: Richardson (1/t) agrees with the exact limits within its error estimates: " + "; ".join(
        f"K={a}, L={b} {nm} {v:.12f}±{er:.0e}" for a, b, nm, v, er in out) + " — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
