"""Proof-check of Theorem 5 (dimension of the set of parameters with a given critical output Z, and
R(d) = D_DNC/D_Z), against the paper's counts.

Steps:
1. Orbit–stabiliser: the Lemma 1 set with output Z is the orbit of O(d)^L acting by
   F_l → U F_l, F_{l+1} → F_{l+1} Uᵀ; the stabiliser at a rank-r point is O(d−r) per interface, so
   D_Z = L(d(d−1)/2 − (d−r)(d−r−1)/2) = L(rd − r(r+1)/2) (sympy identity).
2. The orbit Jacobian has exactly that rank and its kernel is the stabiliser's Lie algebra
   (rank + L(d−r)(d−r−1)/2 = L d(d−1)/2), float64 and 50 digits, random frames.
3. Hessian nullity (dense, random frame; symmetry blocks; 50 digits) = Jacobian rank at DNC, paired and
   polygon critical points, both roots — so near a critical point the critical set is the orbit.
4. The paper's Grassmannian count for equal singular values misses L·r(r−1)/2 directions: moving along
   (Q F_l, −F_{l+1}Q), Q ∈ so(r) inside the feature subspace, changes the parameters at first order,
   keeps Z exactly and keeps the gradient zero (50 digits) — at DNC these are the missing dimensions.
5. R(d) = (K−1)(2d−K)/(r(2d−r−1)): increasing for r < K−1, R(K) − 1 = (K−r)(K−r−1)/(r(2K−r−1)) > 0,
   limit (K−1)/r (sympy). With the paper's counts R(K) < 1 instead.
"""
import sys

import mpmath
import numpy as np
import sympy as sp

import ufmtheory as ut
from ufmtheory.hessian import inertia, zero_tolerance
from ufmtheory.landscape import (block_spectrum, critical_points, dense_spectrum, dimension_computed_formula,
                                 dimension_dnc_paper, dimension_paper, jacobian_rank, orbit_jacobian)
from ufmtheory.linalg import to_mp_array
from ufmtheory.model import Parameters
from ufmtheory.objective import gradient_norm, loss_and_gradient, output


def main() -> int:
    r, d, L = sp.symbols("r d L", positive=True, integer=True)
    so = lambda m: m * (m - 1) / 2  # noqa: E731
    assert sp.simplify(L * (so(d) - so(d - r)) - L * (r * d - r * (r + 1) / 2)) == 0
    print("step 1: L(dim O(d) − dim O(d−r)) = L(rd − r(r+1)/2) (sympy identity) — OK")

    table = []
    for K, dd, n, LL, name in [(4, 6, 2, 2, "dnc"), (4, 7, 2, 3, "dnc"), (4, 6, 2, 2, "paired"), (5, 7, 1, 2, "polygon")]:
        model = ut.DeepUFM(K, LL, n=n, lam="0.01", d=dd)
        for pt in critical_points(model, ut.named(name, K), 30):
            J = orbit_jacobian(model, pt.parameters("random", rng=5))
            rk, tol, z, nz = jacobian_rank(J)
            rr = pt.rank
            assert rk == dimension_computed_formula(LL, rr, dd)
            assert J.shape[1] - rk == LL * (dd - rr) * (dd - rr - 1) // 2
            table.append((name, K, dd, n, LL, pt.branch, rk, float(nz / tol)))
    with mpmath.workdps(50):
        model = ut.DeepUFM(4, 2, n=2, lam="0.01", d=6)
        pt = critical_points(model, ut.dnc(4), 50)[1]
        rk50 = jacobian_rank(orbit_jacobian(model, pt.parameters("random", rng=2, mp=True)))[0]
    assert rk50 == 24
    print(f"step 2: orbit Jacobian rank = L(rd − r(r+1)/2), kernel = stabiliser, at {len(table)} critical points "
          f"(smallest non-zero singular value / tol >= {min(x[-1] for x in table):.1e}); 50 digits at (4,6,2,2): {rk50} — OK")

    nul = []
    for name, K, dd, n, LL, branch, rk, _ in table:
        model = ut.DeepUFM(K, LL, n=n, lam="0.01", d=dd)
        pt = [p for p in critical_points(model, ut.named(name, K), 30) if p.branch == branch][0]
        ev, _ = dense_spectrum(pt, "random", rng=9)
        Id = inertia(ev, zero_tolerance(len(ev), float(np.max(np.abs(ev))), False))
        Ib = block_spectrum(pt).inertia()
        assert Id.clear and Ib.clear and Id.zero == Ib.zero == rk, (name, K, dd, LL, branch, Id.zero, Ib.zero, rk)
        nul.append((name, K, dd, n, LL, branch, Id.zero))
    with mpmath.workdps(50):
        for K, dd, LL, want in [(4, 6, 2, 24), (4, 7, 3, 45)]:
            for pt in critical_points(ut.DeepUFM(K, LL, n=2, lam="0.01", d=dd), ut.dnc(K), 50):
                I = block_spectrum(pt, mp=True).inertia()
                assert I.zero == want and I.largest_zero < mpmath.mpf(10) ** -45
    print("step 3: Hessian nullity = Jacobian rank: " + ", ".join(
        f"{nm} (K,d,n,L)=({K},{dd},{n},{LL}) {br}: {z}" for nm, K, dd, n, LL, br, z in nul[:6])
        + " …; 50 digits: (4,6,2,2) → 24, (4,7,2,3) → 45 — OK")

    with mpmath.workdps(50):
        K, dd, n, LL = 4, 6, 2, 2
        model = ut.DeepUFM(K, LL, n=n, lam="0.01", d=dd)
        pt = critical_points(model, ut.dnc(K), 50)[1]
        P = pt.parameters("identity", mp=True)
        rr = 3
        A = np.zeros((dd, dd))
        A[0, 1], A[1, 0] = 1.0, -1.0  # rotation inside the feature subspace S = span(e_1, e_2, e_3)
        eps = mpmath.mpf("0.3")
        Q = to_mp_array(np.eye(dd))
        Q[0, 0] = Q[1, 1] = mpmath.cos(eps)
        Q[0, 1], Q[1, 0] = mpmath.sin(eps), -mpmath.sin(eps)
        W = list(P.W)
        P2 = Parameters(Q @ P.H, (Q @ W[0] @ Q.T, W[1] @ Q.T))
        moved = max(abs(a - b) for a, b in zip(P.flat(), P2.flat()))
        dZ = max(abs(x) for x in (output(model, P2) - output(model, P)).ravel())
        g2 = gradient_norm(loss_and_gradient(model, P2)[1])
        assert moved > mpmath.mpf("0.1") and dZ < mpmath.mpf(10) ** -45 and g2 < mpmath.mpf(10) ** -45
    gap = {(K, dd, LL): dimension_computed_formula(LL, K - 1, dd) - dimension_dnc_paper(K, LL, dd)
           for K, dd, LL in [(4, 6, 2), (4, 7, 3), (10, 70, 2)]}
    assert all(v == LL * (K - 1) * (K - 2) // 2 for (K, dd, LL), v in gap.items())
    print(f"step 4: a rotation inside S moves the parameters by {mpmath.nstr(moved, 3)}, keeps Z (|ΔZ| = "
          f"{mpmath.nstr(dZ, 2)}) and criticality (|∇ℒ| = {mpmath.nstr(g2, 2)}); the paper's D_DNC misses "
          f"L(K−1)(K−2)/2: {gap} — OK")

    K, rs, dv = sp.symbols("K r d", positive=True)
    R = (K - 1) * (2 * dv - K) / (rs * (2 * dv - rs - 1))
    dR = sp.factor(sp.diff(R, dv))
    assert sp.simplify(dR - 2 * (K - 1) * (K - rs - 1) / (rs * (2 * dv - rs - 1) ** 2)) == 0
    assert sp.simplify(R.subs(dv, K) - 1 - (K - rs) * (K - rs - 1) / (rs * (2 * K - rs - 1))) == 0
    assert sp.limit(R, dv, sp.oo) == (K - 1) / rs
    for KK in range(4, 13):
        for rr in range(2, KK - 1):
            paper = sp.Rational(dimension_dnc_paper(KK, 1, KK), dimension_paper(1, rr, KK, True))
            assert paper < 1 < R.subs({K: KK, rs: rr, dv: KK})
    print("step 5: R(d) = (K−1)(2d−K)/(r(2d−r−1)); dR/dd = 2(K−1)(K−r−1)/(r(2d−r−1)²) > 0; "
          "R(K) − 1 = (K−r)(K−r−1)/(r(2K−r−1)) > 0 (paper's counts: R(K) < 1); R → (K−1)/r — OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
