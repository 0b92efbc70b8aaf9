"""Proof-check of the reduction lemma (issue 11): for CE, global minimisers of the reduced problem of
SPEC §2 may be taken collapsed and centred.

Statement. Let F(Z) = g(Z) + ((L+1)λ/2) Σ_i s_i(Z)^{2/(L+1)} over Z ∈ R^{K×N}, N = K·n, columns ordered
class by class, g(Z) = (1/N) Σ_j φ_{c(j)}(z_j) with φ_c(z) = log Σ_k e^{z_k} − z_c (CE of column j of
class c(j)). Let P = I_K ⊗ (1_n 1_nᵀ/n) (the orthogonal projection onto the span of the class indicator
vectors) and C = I_K − 1_K 1_Kᵀ/K. Then F(C Z P) <= F(Z) for every Z, and C Z P = (U Y) ⊗ 1_nᵀ with
U ∈ R^{K×(K−1)} an orthonormal basis of 1^⊥, Y = Uᵀ Z̄ ∈ R^{(K−1)×K}, s_i(C Z P) = √n s_i(Y). Hence
inf F = inf over Y of F((U Y) ⊗ 1_nᵀ), and a minimiser Z* gives the minimiser C Z* P of that form.

Proof.
(a) Collapse. Z P replaces every column of class c by the mean z̄_c of that class's columns. φ_c is
    convex (its Hessian is the log-sum-exp Hessian diag(p) − ppᵀ, p = softmax(z), and
    vᵀ(diag(p) − ppᵀ)v = Σ_i p_i v_i² − (Σ_i p_i v_i)² = Σ_{i<j} p_i p_j (v_i − v_j)² >= 0 as Σ p_i = 1).
    By Jensen with equal weights, (1/n) Σ_{j in c} φ_c(z_j) >= φ_c(z̄_c): g(Z P) <= g(Z). P is an
    orthogonal projection, ‖P‖ = 1, so s_i(Z P) <= s_i(Z) ‖P‖ = s_i(Z) for every i (Weyl/Courant–Fischer:
    s_i(AB) <= s_i(A) ‖B‖). The penalty is increasing in each s_i (t ↦ t^{2/(L+1)} is increasing), so
    F(Z P) <= F(Z).
(b) Centring. φ_c(z + a1) = φ_c(z) for every a ∈ R (log Σ e^{z_k + a} = a + log Σ e^{z_k}), so
    g(C Z) = g(Z): C Z subtracts from each column its mean. C is an orthogonal projection, so
    s_i(C Z) <= ‖C‖ s_i(Z) = s_i(Z), and F(C Z) <= F(Z). C Z P = C (Z P) is collapsed (C acts on the
    left, P on the right; they commute as maps Z ↦ C Z P) and by (a), (b) F(C Z P) <= F(Z).
(c) Form. C Z P = Z̄' ⊗ 1_nᵀ with Z̄' = C Z̄ (Z̄ the class means), 1ᵀ Z̄' = 0, so the columns of Z̄' lie
    in 1^⊥ = range(U): Z̄' = U Y with Y = Uᵀ Z̄'. Since UᵀU = I, (UY)ᵀ(UY) = YᵀY: s_i(U Y) = s_i(Y) (the
    K-th singular value of UY is 0). And (Z̄ ⊗ 1ᵀ)(Z̄ ⊗ 1ᵀ)ᵀ = n Z̄ Z̄ᵀ, so s_i(Z̄ ⊗ 1ᵀ) = √n s_i(Z̄).  ∎

Steps checked here (every one computed and asserted):
1. sympy: the Hessian of log Σ e^{z_k} is diag(p) − ppᵀ (K = 3); its quadratic form equals
   Σ_{i<j} p_i p_j (v_i − v_j)² when Σ p = 1 (K = 3, 4); the principal minors for K = 3 are
   p_i(p_j + p_k), p_i p_j p_k and 0 — all >= 0.
2. Jensen per class and for the fit, at 50 digits: g(Z P) <= g(Z) on random Z (several K, n, scales).
3. Singular values at 50 digits: sorted s(Z P), s(C Z), s(C Z P) are <= sorted s(Z) entrywise.
4. Column-shift invariance of CE: |g(Z + 1aᵀ) − g(Z)| < 1e-45 at 50 digits.
5. The whole loss: F(C Z P) <= F(Z) at 50 digits for random Z, several (K, n, L, λ); C Z P is collapsed
   and centred (to 1e-45).
6. s_i(U Y) = s_i(Y) and s_i(Z̄ ⊗ 1ᵀ) = √n s_i(Z̄), to 1e-45.
7. Cross-check (float64): minimising F over uncollapsed Z ∈ R^{3×6} (K = 3, n = 2; in the smooth
   factorised form Z = A_L ⋯ A_0, whose infimum is min F by the Schatten identity, F then evaluated at
   the found Z) from 12 random starts never beats the best collapsed-centred minimum (multi-start over
   Y ∈ R^{2×3}) by more than 1e-7; the latter is <= the toolkit's exact DNC optimum (+1e-9).
"""
import itertools
import sys

import mpmath
import numpy as np
import scipy.optimize
import sympy as sp

DPS = 50


def _mat(A):
    return mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in A])


def fit(Z, n):
    """g(Z): mean over columns j (class j // n) of log Σ_k e^{z_kj} − z_{c(j), j} (mpmath)."""
    K, N = Z.rows, Z.cols
    total = mpmath.mpf(0)
    for j in range(N):
        col = [Z[k, j] for k in range(K)]
        m = max(col)
        total += m + mpmath.log(mpmath.fsum(mpmath.exp(x - m) for x in col)) - Z[j // n, j]
    return total / N


def svals(Z):
    """Singular values, descending, padded to min(rows, cols)."""
    s = mpmath.svd_r(Z, compute_uv=False)
    return sorted((s[i] for i in range(len(s))), reverse=True)


def loss(Z, n, L, lam):
    p = mpmath.mpf(2) / (L + 1)
    return fit(Z, n) + (L + 1) * lam / 2 * mpmath.fsum(s ** p for s in svals(Z) if s > 0)


def projections(K, n):
    """P = I_K ⊗ (11ᵀ/n) (right) and C = I − 11ᵀ/K (left), exact rationals in mpmath."""
    N = K * n
    P = mpmath.matrix(N, N)
    for c in range(K):
        for a in range(n):
            for b in range(n):
                P[c * n + a, c * n + b] = mpmath.mpf(1) / n
    C = mpmath.eye(K) - mpmath.ones(K, K) / K
    return P, C


def step1_hessian():
    z = sp.symbols("z1:4", real=True)
    S = sum(sp.exp(x) for x in z)
    f = sp.log(S)
    p = [sp.exp(x) / S for x in z]
    H = sp.hessian(f, z)
    target = sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T
    assert sp.simplify(H - target) == sp.zeros(3, 3)
    for K in (3, 4):
        q = sp.symbols(f"p1:{K + 1}", positive=True)
        v = sp.symbols(f"v1:{K + 1}", real=True)
        form = sum(q[i] * v[i] ** 2 for i in range(K)) - sum(q[i] * v[i] for i in range(K)) ** 2
        sos = sum(q[i] * q[j] * (v[i] - v[j]) ** 2 for i, j in itertools.combinations(range(K), 2))
        last = {q[-1]: 1 - sum(q[:-1])}
        assert sp.expand((form - sos).subs(last)) == 0
    q = sp.symbols("p1:4", positive=True)
    M = (sp.diag(*q) - sp.Matrix(q) * sp.Matrix(q).T).subs({q[2]: 1 - q[0] - q[1]})
    p3 = 1 - q[0] - q[1]
    minors = {(0,): q[0] * (q[1] + p3), (1,): q[1] * (q[0] + p3), (2,): p3 * (q[0] + q[1]),
              (0, 1): q[0] * q[1] * p3, (0, 2): q[0] * q[1] * p3, (1, 2): q[0] * q[1] * p3, (0, 1, 2): 0}
    for idx, expected in minors.items():
        assert sp.expand(M.extract(list(idx), list(idx)).det() - expected) == 0
    return "Hessian = diag(p) − ppᵀ; vᵀHv = Σ_{i<j} p_i p_j (v_i − v_j)² (K = 3, 4); minors p_i(p_j+p_k), p1p2p3, 0"


CASES = [(2, 3), (3, 2), (3, 4), (4, 3), (5, 2), (6, 2)]


def random_Z(rng, K, n, scale):
    return _mat(rng.normal(0, scale, (K, K * n)))


def main() -> int:
    print(f"step 1: {step1_hessian()} — OK")
    rng = np.random.default_rng(11)
    with mpmath.workdps(DPS):
        tiny = mpmath.mpf(10) ** -45
        n_cls = n_fit = 0
        worst_gap = mpmath.inf
        for K, n in CASES:
            P, C = projections(K, n)
            for scale in (0.3, 1.0, 4.0):
                Z = random_Z(rng, K, n, scale)
                ZP = Z * P
                for c in range(K):  # Jensen per class: mean of φ_c over the class >= φ_c at the mean
                    cols = [Z[:, c * n + a] for a in range(n)]
                    phi = [mpmath.log(mpmath.fsum(mpmath.exp(x) for x in col)) - col[c] for col in cols]
                    mean = [mpmath.fsum(col[k] for col in cols) / n for k in range(K)]
                    at_mean = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in mean)) - mean[c]
                    assert mpmath.fsum(phi) / n >= at_mean
                    n_cls += 1
                gap = fit(Z, n) - fit(ZP, n)
                assert gap >= 0
                worst_gap = min(worst_gap, gap)
                n_fit += 1
        print(f"step 2: Jensen on {n_cls} classes and g(ZP) <= g(Z) on {n_fit} random Z "
              f"(K, n) in {CASES} — min gap {mpmath.nstr(worst_gap, 3)} — OK")

        n_sv = 0
        for K, n in CASES:
            P, C = projections(K, n)
            for scale in (0.5, 2.0):
                Z = random_Z(rng, K, n, scale)
                s = svals(Z)
                for W in (Z * P, C * Z, C * Z * P):
                    assert all(a <= b + tiny for a, b in zip(svals(W), s))
                    n_sv += 1
        print(f"step 3: sorted s(ZP), s(CZ), s(CZP) <= sorted s(Z) entrywise on {n_sv} cases — OK")

        worst = mpmath.mpf(0)
        for K, n in CASES:
            Z = random_Z(rng, K, n, 2.0)
            a = _mat(rng.normal(0, 5, (1, K * n)))
            Zs = Z + mpmath.ones(K, 1) * a
            worst = max(worst, abs(fit(Zs, n) - fit(Z, n)))
        assert worst < tiny
        print(f"step 4: CE column-shift invariance — max |g(Z + 1aᵀ) − g(Z)| = {mpmath.nstr(worst, 3)} — OK")

        n_loss = 0
        worst_drop = mpmath.inf
        for (K, n), L, lam in itertools.product(CASES, (1, 2, 3, 6), ("0.001", "0.03", "0.3")):
            P, C = projections(K, n)
            Z = random_Z(rng, K, n, float(rng.choice([0.5, 2.0, 6.0])))
            W = C * Z * P
            drop = loss(Z, n, L, mpmath.mpf(lam)) - loss(W, n, L, mpmath.mpf(lam))
            assert drop >= 0
            worst_drop = min(worst_drop, drop)
            for c in range(K):  # collapsed: equal columns within a class; centred: zero column sums
                for a in range(1, n):
                    assert mpmath.norm(W[:, c * n + a] - W[:, c * n]) < tiny
            assert all(abs(mpmath.fsum(W[k, j] for k in range(K))) < tiny for j in range(K * n))
            n_loss += 1
        print(f"step 5: F(CZP) <= F(Z) and CZP collapsed and centred on {n_loss} random (Z, K, n, L, λ) — "
              f"min drop {mpmath.nstr(worst_drop, 3)} — OK")

        worst_u = worst_n = mpmath.mpf(0)
        for K, n in CASES:
            U = orthonormal_complement(K)
            assert mpmath.norm(U.T * U - mpmath.eye(K - 1)) < tiny
            assert mpmath.norm(mpmath.ones(1, K) * U) < tiny
            Y = _mat(rng.normal(0, 1, (K - 1, K)))
            sUY, sY = svals(U * Y), svals(Y)
            worst_u = max(worst_u, max(abs(a - b) for a, b in zip(sUY, sY)), abs(sUY[-1]) if len(sUY) > len(sY) else 0)
            Zbar = U * Y
            full = mpmath.matrix(K, K * n)
            for j in range(K * n):
                full[:, j] = Zbar[:, j // n]
            worst_n = max(worst_n, max(abs(a - mpmath.sqrt(n) * b) for a, b in zip(svals(full), svals(Zbar))))
        assert worst_u < tiny and worst_n < tiny
        print(f"step 6: s(UY) = s(Y) (max error {mpmath.nstr(worst_u, 3)}), s(Z̄ ⊗ 1ᵀ) = √n s(Z̄) "
              f"(max error {mpmath.nstr(worst_n, 3)}) — OK")

    print("step 7: " + step7_cross_check() + " — OK")
    return 0


def orthonormal_complement(K):
    """U ∈ R^{K×(K−1)}, orthonormal columns spanning 1^⊥ (Helmert basis, exact up to rounding)."""
    U = mpmath.matrix(K, K - 1)
    for j in range(1, K):
        r = mpmath.sqrt(j * (j + 1))
        for i in range(j):
            U[i, j - 1] = 1 / r
        U[j, j - 1] = -mpmath.mpf(j) / r
    return U


def _np_loss(Z, n, L, lam):
    """F(Z) in float64: CE averaged over the columns + ((L+1)λ/2) Σ s^{2/(L+1)}."""
    m = Z.max(axis=0)
    lse = m + np.log(np.exp(Z - m).sum(axis=0))
    own = Z[np.arange(Z.shape[1]) // n, np.arange(Z.shape[1])]
    s = np.linalg.svd(Z, compute_uv=False)
    return float(np.mean(lse - own) + (L + 1) * lam / 2 * np.sum(s ** (2 / (L + 1))))


def _factorised(K, n, L, lam):
    """(value, gradient) of g(A_L ⋯ A_0) + (λ/2) Σ ‖A_i‖², A_0 = H ∈ R^{K×N}, A_i ∈ R^{K×K}: over all
    factorisations its infimum is min_Z F(Z) (Schatten identity, SPEC §2; proofs/lemma1.py step 1)."""
    N = K * n
    shapes = [(K, N)] + [(K, K)] * L
    sizes = [a * b for a, b in shapes]
    onehot = np.repeat(np.eye(K), n, axis=1)

    def f(x):
        A, i = [], 0
        for (a, b), m in zip(shapes, sizes):
            A.append(x[i:i + m].reshape(a, b))
            i += m
        pre = [A[0]]  # pre[i] = A_i ⋯ A_0
        for M in A[1:]:
            pre.append(M @ pre[-1])
        Z = pre[-1]
        m = Z.max(axis=0)
        E = np.exp(Z - m)
        lse = m + np.log(E.sum(axis=0))
        val = float(np.mean(lse - (Z * onehot).sum(axis=0))) + lam / 2 * float(sum(np.sum(M * M) for M in A))
        G = (E / E.sum(axis=0) - onehot) / N
        grads, post = [None] * (L + 1), np.eye(K)  # post = A_L ⋯ A_{i+1}
        for i in range(L, -1, -1):
            right = pre[i - 1].T if i > 0 else None
            gi = post.T @ G
            grads[i] = (gi @ right if right is not None else gi) + lam * A[i]
            post = post @ A[i] if i > 0 else post
        return val, np.concatenate([g.ravel() for g in grads])

    def Z_of(x):
        A, i = [], 0
        for (a, b), m in zip(shapes, sizes):
            A.append(x[i:i + m].reshape(a, b))
            i += m
        Z = A[0]
        for M in A[1:]:
            Z = M @ Z
        return Z

    return f, Z_of, sum(sizes)


def step7_cross_check():
    from ufmtheory.model import DeepUFM
    from ufmtheory.scale import optimal_scale
    from ufmtheory.structures import dnc

    K, n = 3, 2
    U = np.array(orthonormal_complement(K).tolist(), dtype=float)
    rng = np.random.default_rng(7)
    opts = {"ftol": 1e-16, "gtol": 1e-11, "maxiter": 20000, "maxcor": 30}
    out = []
    for L, lam in ((2, 0.01), (2, 0.05), (3, 0.02)):
        p, c = 2 / (L + 1), (L + 1) * lam / 2

        def collapsed(y):  # F((UY) ⊗ 1ᵀ) = (1/K) Σ_c φ_c(UY e_c) + c n^{p/2} Σ s_i(Y)^p, and its gradient
            Y = y.reshape(K - 1, K)
            Zbar = U @ Y
            E = np.exp(Zbar - Zbar.max(axis=0))
            P = E / E.sum(axis=0)
            Us, sv, Vt = np.linalg.svd(Y, full_matrices=False)
            fit = np.mean(np.log(E.sum(axis=0)) + Zbar.max(axis=0) - np.diag(Zbar))
            val = float(fit + c * n ** (p / 2) * np.sum(sv ** p))  # s(Z) = √n s(Y) (step 6), no spurious zero s
            grad = U.T @ (P - np.eye(K)) / K + c * n ** (p / 2) * p * (Us * sv ** (p - 1)) @ Vt
            return val, grad.ravel()

        best_c = np.inf
        for s in (1, 3, 6) * 3:
            r = scipy.optimize.minimize(collapsed, rng.normal(0, s, (K - 1) * K), jac=True, method="L-BFGS-B",
                                        options=opts)
            best_c = min(best_c, float(r.fun))
        f, Z_of, size = _factorised(K, n, L, lam)
        best_f = np.inf
        for s in (0.3, 1, 2) * 4:
            r = scipy.optimize.minimize(f, rng.normal(0, s, size), jac=True, method="L-BFGS-B", options=opts)
            best_f = min(best_f, _np_loss(Z_of(r.x), n, L, lam))  # F at the found Z (<= the factorised value)
        exact = float(optimal_scale(dnc(K), DeepUFM(K, L, n=n, lam=str(lam)), 30).loss)
        assert best_f >= best_c - 1e-7, (L, lam, best_f, best_c)
        assert best_c <= exact + 1e-9, (L, lam, best_c, exact)
        out.append(f"(L, λ) = ({L}, {lam}): uncollapsed {best_f:.12f} >= collapsed-centred {best_c:.12f} "
                   f"(DNC exact {exact:.12f})")
    return "K = 3, n = 2, 12 uncollapsed starts: " + "; ".join(out)


if __name__ == "__main__":
    sys.exit(main())
