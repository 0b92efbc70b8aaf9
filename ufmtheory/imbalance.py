"""Imbalanced classes (paper App. A; SPEC §1, §4 "Appendix A").

(R, ρ)-STEP imbalance (Thrampoulidis et al. 2022): K_B = ρK minority classes with n_min samples and
K_A = K − K_B majority classes with R·n_min samples (majority classes first). ``step_class_sizes``.

The single-layer (L = 1) UFM optimum and the *generalised DNC*. For L = 1 the reduced problem is convex
in the class-mean output Z̄ (CE + Λ‖Z̄D‖_*, D = diag √n_c). Its optimum can be taken (i) centred,
1ᵀZ̄ = 0 (projecting with P = I − 11ᵀ/K leaves every CE unchanged and does not increase any singular
value), and (ii) invariant under permutations inside each group (average an optimum over the group;
convexity). Such a Z̄ has, for a majority column, own logit a_A, other-majority logits b_A, minority
logits c_A (minority: a_B, b_B, c_B), and with margins u = a − b, v = a − c the centring fixes
    a_A = ((K_A−1)u_A + K_B v_A)/K,  c_A = ((K_A−1)u_A − K_A v_A)/K   (B: swap A ↔ B).
Its singular values with D are √n_A|u_A| (K_A − 1 times), √n_B|u_B| (K_B − 1 times) and
√(K(K_B n_A c_A² + K_A n_B c_B²)) (once): the block-constant part is rank one because 1ᵀZ̄ = 0.
So the depth-L reduced loss on this family is a function of x = (u_A, v_A, u_B, v_B):
    f(x) = Σ_X (K_X n_X / N) log(1 + (K_X−1)e^{−u_X} + K_Y e^{−v_X}) + ((L+1)/2) Λ Σ_j s_j^{2/(L+1)}.
``ufm_optimum_step`` minimises it for L = 1 (convex: scipy BFGS, then Newton on the analytic gradient in
mpmath to the working precision). ``generalised_dnc`` returns that optimum as an exact (rational)
structure — the generalised DNC pattern of App. A, rank K − 1 — which ``scale.optimal_scale`` then
optimises at any depth L with the class sizes (fit weights n_c/N, penalty of S·diag(√n_c)).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import scipy.optimize
import sympy as sp

from . import _validate as V
from .precision import to_fraction, to_mpf
from .structures import Structure


def step_class_sizes(K: int, R: int, rho, n_min: int = 1) -> tuple:
    """Class sizes of (R, ρ)-STEP imbalance: K − ρK majority classes of R·n_min, then ρK minority of n_min."""
    K = V.integer("K", K, 2)
    R = V.integer("R", R, 1)
    n_min = V.integer("n_min", n_min, 1)
    rho = to_fraction(rho)
    KB = rho * K
    if KB.denominator != 1 or not 1 <= KB < K:
        raise V.ParameterError(f"rho·K must be an integer in [1, K−1] (rho = {rho}, K = {K})")
    KB = int(KB)
    return (R * n_min,) * (K - KB) + (n_min,) * KB


class StepFamily:
    """The symmetric centred family of a two-group model (module docstring), at the current precision."""

    def __init__(self, KA: int, KB: int, nA: int, nB: int, L: int, Lam):
        self.KA, self.KB, self.nA, self.nB, self.L = int(KA), int(KB), int(nA), int(nB), int(L)
        self.K = self.KA + self.KB
        self.N = self.KA * self.nA + self.KB * self.nB
        self.Lam = to_mpf(Lam)

    def logits(self, x):
        """(a_A, b_A, c_A, a_B, b_B, c_B) from the margins x = (u_A, v_A, u_B, v_B) (exact for Fractions)."""
        uA, vA, uB, vB = x
        K, KA, KB = self.K, self.KA, self.KB
        aA = ((KA - 1) * uA + KB * vA) / K
        aB = ((KB - 1) * uB + KA * vB) / K
        return aA, aA - uA, aA - vA, aB, aB - uB, aB - vB

    def matrix(self, x) -> np.ndarray:
        """Z̄ (K×K object array; column c = logits of class c), majority classes first."""
        aA, bA, cA, aB, bB, cB = self.logits(x)
        K, KA = self.K, self.KA
        Z = np.empty((K, K), dtype=object)
        for j in range(K):
            for i in range(K):
                if j < KA:
                    Z[i, j] = aA if i == j else (bA if i < KA else cA)
                else:
                    Z[i, j] = aB if i == j else (bB if i >= KA else cB)
        return Z

    def singular_values(self, x) -> list:
        """[√n_A|u_A| ×(K_A−1), √n_B|u_B| ×(K_B−1), √(K(K_B n_A c_A² + K_A n_B c_B²))]."""
        uA, vA, uB, vB = x
        _, _, cA, _, _, cB = self.logits(x)
        last = mpmath.sqrt(self.K * (self.KB * self.nA * cA ** 2 + self.KA * self.nB * cB ** 2))
        return ([mpmath.sqrt(self.nA) * abs(uA)] * (self.KA - 1) + [mpmath.sqrt(self.nB) * abs(uB)] * (self.KB - 1)
                + [last])

    def loss(self, x):
        uA, vA, uB, vB = [to_mpf(v) for v in x]
        EA = 1 + (self.KA - 1) * mpmath.exp(-uA) + self.KB * mpmath.exp(-vA)
        EB = 1 + (self.KB - 1) * mpmath.exp(-uB) + self.KA * mpmath.exp(-vB)
        fit = (self.KA * self.nA * mpmath.log(EA) + self.KB * self.nB * mpmath.log(EB)) / self.N
        p = mpmath.mpf(2) / (self.L + 1)
        pen = mpmath.fsum(mpmath.power(s, p) for s in self.singular_values((uA, vA, uB, vB)) if s != 0)
        return fit + (self.L + 1) * self.Lam / 2 * pen

    def gradient(self, x) -> list:
        """Analytic ∂f/∂x (u_A, u_B > 0 and a non-zero rank-one part assumed)."""
        uA, vA, uB, vB = [to_mpf(v) for v in x]
        KA, KB, K, nA, nB, N = self.KA, self.KB, self.K, self.nA, self.nB, self.N
        p = mpmath.mpf(2) / (self.L + 1)
        c = (self.L + 1) * self.Lam / 2
        eA, fA = (KA - 1) * mpmath.exp(-uA), KB * mpmath.exp(-vA)
        eB, fB = (KB - 1) * mpmath.exp(-uB), KA * mpmath.exp(-vB)
        EA, EB = 1 + eA + fA, 1 + eB + fB
        wA, wB = mpmath.mpf(KA * nA) / N, mpmath.mpf(KB * nB) / N
        g = [-wA * eA / EA, -wA * fA / EA, -wB * eB / EB, -wB * fB / EB]
        g[0] += c * (KA - 1) * p * mpmath.sqrt(nA) ** p * mpmath.power(uA, p - 1) if KA > 1 else 0
        g[2] += c * (KB - 1) * p * mpmath.sqrt(nB) ** p * mpmath.power(uB, p - 1) if KB > 1 else 0
        _, _, cA, _, _, cB = self.logits((uA, vA, uB, vB))
        KQ = K * (KB * nA * cA ** 2 + KA * nB * cB ** 2)
        dA = c * p * K * KB * nA * cA * mpmath.power(KQ, p / 2 - 1)   # ∂/∂c_A of (KQ)^{p/2}
        dB = c * p * K * KA * nB * cB * mpmath.power(KQ, p / 2 - 1)
        g[0] += dA * mpmath.mpf(KA - 1) / K
        g[1] += dA * mpmath.mpf(-KA) / K
        g[2] += dB * mpmath.mpf(KB - 1) / K
        g[3] += dB * mpmath.mpf(-KB) / K
        return g


def ufm_optimum_step(K: int, R: int, rho, lam, n_min: int = 1, dps: int = 50) -> dict:
    """The L = 1 UFM optimum under (R, ρ)-STEP imbalance (module docstring), at ``dps`` digits.

    ``lam``: one λ (λ_H = λ_W) or (λ_H, λ_W); Λ = √(λ_H λ_W). The family's loss is convex but not
    smooth where a within-group margin u_X is 0 (*minority collapse*: the minority classes' means
    coincide), so four active sets are solved — (u_A, u_B) free, u_A = 0, u_B = 0, both 0 — each by
    scipy BFGS on its free margins followed by Newton's method on the analytic gradient in mpmath;
    the lowest is the optimum (convexity), compared with the zero solution (log K).
    Returns {'x' (u_A, v_A, u_B, v_B as mpf), 'loss', 'kind', 'family', 'grad_norm', 'collapsed'}.
    """
    key = (int(K), int(R), to_fraction(rho), tuple(lam) if isinstance(lam, (list, tuple)) else lam, int(n_min), int(dps))
    if key not in _STEP_CACHE:
        _STEP_CACHE[key] = _ufm_optimum_step(K, R, rho, lam, n_min, dps)
    return dict(_STEP_CACHE[key])


_STEP_CACHE: dict = {}


def _ufm_optimum_step(K: int, R: int, rho, lam, n_min: int = 1, dps: int = 50) -> dict:
    """Uncached ``ufm_optimum_step``."""
    sizes = step_class_sizes(K, R, rho, n_min)
    lams = list(lam) if isinstance(lam, (list, tuple)) else [lam, lam]
    if len(lams) != 2:
        raise V.ParameterError("lam must be one λ or (λ_H, λ_W) for the L = 1 UFM")
    KA = sum(1 for s in sizes if s == sizes[0])
    with mpmath.workdps(dps + 20):
        Lam = mpmath.sqrt(to_mpf(lams[0]) * to_mpf(lams[1]))
        fam = StepFamily(KA, K - KA, sizes[0], sizes[-1], 1, Lam)
        zero = mpmath.log(K)
        best = {"x": None, "loss": zero, "kind": "zero", "family": fam, "grad_norm": mpmath.mpf(0), "collapsed": ()}
        for fixed in ((), (0,), (2,), (0, 2)):
            cand = _solve_active_set(fam, fixed, dps)
            if cand is not None and cand["loss"] < best["loss"]:
                best = {**cand, "kind": "positive critical point", "family": fam,
                        "collapsed": tuple("majority" if i == 0 else "minority" for i in fixed)}
        return best


def _solve_active_set(fam: "StepFamily", fixed: tuple, dps: int):
    """Minimise the L = 1 family loss with the margins in ``fixed`` held at 0 (others free, u > 0)."""
    free = [i for i in range(4) if i not in fixed]
    pos = [k for k, i in enumerate(free) if i in (0, 2)]

    def full(y):
        x = [mpmath.mpf(0)] * 4
        for k, i in enumerate(free):
            x[i] = y[k]
        return x

    def f(y):  # BFGS phase at 20 digits; Newton below at the full precision
        if any(y[k] <= 0 for k in pos):
            return np.inf
        with mpmath.workdps(20):
            return float(fam.loss(full([mpmath.mpf(float(v)) for v in y])))

    def grad(y):
        with mpmath.workdps(20):
            g = fam.gradient(full([mpmath.mpf(float(v)) for v in y]))
            return np.array([float(g[i]) for i in free])

    try:
        r = scipy.optimize.minimize(f, np.full(len(free), 2.0), jac=grad, method="BFGS",
                                    options={"gtol": 1e-12, "maxiter": 2000})
        if not np.all(np.isfinite(r.x)) or not np.isfinite(r.fun):
            return None
        y = mpmath.findroot(lambda *v: [fam.gradient(full(list(v)))[i] for i in free],
                            [mpmath.mpf(v) for v in r.x], tol=mpmath.mpf(10) ** (-(dps + 10)))
    except (ValueError, ZeroDivisionError, ArithmeticError):
        return None
    y = [y[k] for k in range(len(free))] if len(free) > 1 else [y]
    if any(y[k] <= 0 for k in pos):
        return None
    x = full(y)
    return {"x": x, "loss": fam.loss(x), "grad_norm": max(abs(fam.gradient(x)[i]) for i in free)}


def generalised_dnc(K: int, R: int, rho, lam, n_min: int = 1, dps: int = 50) -> Structure:
    """The generalised DNC pattern: the L = 1 UFM optimum under STEP imbalance, with exact rational
    entries (margins rounded to ``dps`` digits, centring 1ᵀZ̄ = 0 kept exactly), rank K − 1."""
    opt = ufm_optimum_step(K, R, rho, lam, n_min, dps)
    if opt["kind"] == "zero":
        raise V.ParameterError(f"the L = 1 optimum is the zero solution at λ = {lam}: no generalised DNC pattern")
    fam = opt["family"]
    with mpmath.workdps(dps):
        xq = [Fraction(mpmath.nstr(v, dps, strip_zeros=False, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
              for v in opt["x"]]
    Z = fam.matrix(xq)
    M = sp.ImmutableMatrix(K, K, lambda i, j: sp.Rational(Z[int(i), int(j)].numerator, Z[int(i), int(j)].denominator))
    return Structure("generalised DNC", M, None,
                     f"L = 1 UFM optimum under ({R}, {rho})-STEP imbalance, λ = {lam} (App. A)")


def theorem2_L0(M: Structure, X: Structure, class_sizes, L_max: int = 10_000, dps: int = 30) -> dict:
    """Theorem 2's proof, made explicit (App. A: with class sizes). M diagonally superior of rank q,
    X of rank p > q. With γ := max gap of X / min gap of M (over all columns), every column of γαM has
    all its gaps >= the largest gap of αX, so its CE (and the weighted fit) is smaller at every α > 0;
    then min_β ℒ_L(βM) <= min_α ℒ_L(αX) whenever γ^{p_L} Σ s_i(MD)^{p_L} <= Σ s_i(XD)^{p_L},
    p_L = 2/(L+1), D = diag √n_c. Returns {'gamma', 'L0'}: L0 = smallest L such that this holds for
    every L' in [L0, L_max] (None if it fails at L_max). As L → ∞ the two sums tend to q < p."""
    if not M.is_diagonally_superior():
        raise V.ParameterError(f"M ({M.name}) must be diagonally superior (paper Def. 3)")
    if M.rank >= X.rank:
        raise V.ParameterError(f"rank M = {M.rank} must be below rank X = {X.rank}")
    sizes = list(class_sizes)
    with mpmath.workdps(dps):
        gM = min(_gaps(M, dps, positive_only=True))
        gX = max(_gaps(X, dps))
        gamma = max(gX / gM, mpmath.mpf(1)) if gX > 0 else mpmath.mpf(1)
        lM = [mpmath.log(s) for s in M.singular_values_mp(dps, weights=sizes) if s != 0]
        lX = [mpmath.log(s) for s in X.singular_values_mp(dps, weights=sizes) if s != 0]
        lg = mpmath.log(gamma)

        def ok(L):
            p = mpmath.mpf(2) / (L + 1)
            return mpmath.fsum(mpmath.exp(p * (lg + x)) for x in lM) <= mpmath.fsum(mpmath.exp(p * x) for x in lX)

        if not ok(L_max):
            return {"gamma": gamma, "L0": None}
        L = L_max
        while L > 1 and ok(L - 1):
            L -= 1
        return {"gamma": gamma, "L0": L}


def _gaps(S: Structure, dps: int, positive_only: bool = False) -> list:
    out = []
    for c in range(S.K):
        for cp in range(S.K):
            if cp != c:
                g = S.gap(cp, c)
                v = mpmath.mpf(int(g.p)) / int(g.q) if g.is_Rational else mpmath.mpf(sp.N(g, dps + 10))
                if not positive_only or v > 0:
                    out.append(v)
    return out
