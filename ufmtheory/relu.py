"""The ReLU DUFM: Theorem 7's inequalities and (K, L) region, Assumption 1, ReLU DNC configurations.

Theorem 7 (paper; SPEC §4): under Assumption 1 no ReLU DNC solution is optimal if K >= 10 and L >= 5,
or K >= 16 and L = 4. Proof: (Step 1) every ReLU DNC loss is >= the best linear DNC loss; (Step 2) the
non-negative construction (``constructions.relu_paired``) at DNC's scale has a smaller fit and, when

    even K: 2(K+2) < (K−1)·4^{(L−1)/(L+1)}·((K+2)/K)^{3/(L+1)},
    odd K:  2(K+3) < (K−1)·4^{(L−1)/(L+1)}·[(K+3)^{3/2}/(K(K+1)^{1/2})]^{2/(L+1)},

a smaller penalty. Raising to the power L+1 gives exact integer forms (``theorem7_inequality``):
even (2(K+2))^{L+1}K³ < (K−1)^{L+1}4^{L−1}(K+2)³, odd (2(K+3))^{L+1}K²(K+1) < (K−1)^{L+1}4^{L−1}(K+3)³,
i.e. q^{L+1}·c < 1 with q = (K+2)/(2(K−1)), c = 16K³/(K+2)³ (odd: q = (K+3)/(2(K−1)),
c = 16K²(K+1)/(K+3)³). For K >= 6 (even) or K >= 7 (odd) q < 1, so the inequality holds exactly for
L >= L_min(K) (``L_min``); for K <= 5, q >= 1 and c > 1: never. ``region`` lists, per L, the K where
it holds; ``monotonicity_certificate`` proves (sympy, exact) that it is monotone in K within each parity
and in L, which turns finitely many integer checks into the statement for all K, L.

Assumption 1 (SPEC §4: "ReLU does not shrink the global-mean part relative to the centred part"):
for a layer with pre-activation P (d×N) and mean column μ = P·1/N, ratio(P) = ‖μ1ᵀ‖_F/‖P − μ1ᵀ‖_F;
the assumption holds at the layer if ratio(σ(P)) >= ratio(P) (``assumption1``).

ReLU DNC configurations (``random_relu_dnc``): class-mean features H̄_l = α_l I + β_l J (l >= 2 non-
negative), pre-activations Q_l with σ(Q_l) = H̄_{l+1} (optional negative entries where H̄_{l+1} is 0),
W_l = Q_l H̄_l^{-1}, W_L = x(I − J/K) + yJ: every layer's class means are a simplex ETF plus a global
mean (DNC), by construction.
"""
from __future__ import annotations

import math
from functools import lru_cache
from fractions import Fraction

import mpmath
import numpy as np
import scipy.optimize
import sympy as sp

from . import _validate as V
from .model import DeepUFM, Parameters
from .objective import forward, loss_and_gradient
from .precision import DEFAULT_DPS
from .scale import optimal_scale
from .search import single_threaded_blas
from .structures import dnc

STATED_REGION = "K >= 10 and L >= 5, or K >= 16 and L = 4"


# ---- Theorem 7's inequalities --------------------------------------------------------------------

def stated_region(K: int, L: int) -> bool:
    """Theorem 7's hypotheses as stated: K >= 10 and L >= 5, or K >= 16 and L = 4."""
    return (K >= 10 and L >= 5) or (K >= 16 and L == 4)


def theorem7_inequality(K: int, L: int) -> bool:
    """SPEC §4's even/odd inequality, decided exactly in integers (module docstring)."""
    K = V.integer("K", K, 2)
    L = V.integer("L", L, 1)
    if K % 2 == 0:
        return (2 * (K + 2)) ** (L + 1) * K ** 3 < (K - 1) ** (L + 1) * 4 ** (L - 1) * (K + 2) ** 3
    return (2 * (K + 3)) ** (L + 1) * K ** 2 * (K + 1) < (K - 1) ** (L + 1) * 4 ** (L - 1) * (K + 3) ** 3


def stated_inequality_mp(K: int, L: int, dps: int = 50) -> tuple:
    """Both sides of SPEC §4's inequality as typeset (real powers), at ``dps`` digits: (lhs, rhs)."""
    with mpmath.workdps(dps):
        K_, L_ = mpmath.mpf(K), mpmath.mpf(L)
        four = mpmath.power(4, (L_ - 1) / (L_ + 1))
        if K % 2 == 0:
            return 2 * (K_ + 2), (K_ - 1) * four * mpmath.power((K_ + 2) / K_, 3 / (L_ + 1))
        inner = mpmath.power(K_ + 3, mpmath.mpf(3) / 2) / (K_ * mpmath.sqrt(K_ + 1))
        return 2 * (K_ + 3), (K_ - 1) * four * mpmath.power(inner, 2 / (L_ + 1))


def ratio_parameters(K: int) -> tuple:
    """(q, c) as Fractions with: inequality ⇔ q^{L+1}·c < 1 (module docstring)."""
    K = V.integer("K", K, 2)
    if K % 2 == 0:
        return Fraction(K + 2, 2 * (K - 1)), Fraction(16 * K ** 3, (K + 2) ** 3)
    return Fraction(K + 3, 2 * (K - 1)), Fraction(16 * K ** 2 * (K + 1), (K + 3) ** 3)


def L_min(K: int):
    """Smallest L >= 1 where the inequality holds for K (None if it never holds: K <= 5)."""
    q, c = ratio_parameters(K)
    if q >= 1:
        return None  # q >= 1 and c > 1 for K <= 5: q^{L+1} c >= c > 1
    est = max(1, int(math.floor(math.log(c) / math.log(1 / q))) - 2)
    L = est
    while not theorem7_inequality(K, L):
        L += 1
    while L > 1 and theorem7_inequality(K, L - 1):
        L -= 1
    return L


def region(L_values, K_max: int = 200) -> dict:
    """{L: sorted K in 2..K_max where the inequality holds}."""
    return {L: [K for K in range(2, K_max + 1) if theorem7_inequality(K, L)] for L in L_values}


def K_min(L: int, parity: int, K_max: int = 10_000):
    """Smallest K of the given parity (0 even, 1 odd) with the inequality at L, or None up to K_max.
    By monotonicity in K (``monotonicity_certificate``) it then holds for every larger K of that parity."""
    start = 6 if parity == 0 else 7
    for K in range(start, K_max + 1, 2):
        if theorem7_inequality(K, L):
            return K
    return None


@lru_cache(maxsize=1)
def monotonicity_certificate() -> dict:
    """Exact (sympy) proof that the inequality is monotone, which extends finite checks to all K, L.

    F(K, L) := (L+1)·log q(K) + log c(K) (inequality ⇔ F < 0), K real. Returned facts, each checked:
    - ∂F/∂L = log q < 0 for K > 4 (even) and K > 5 (odd): q < 1 there (rational comparison);
    - ∂F/∂K·(denominator) is a polynomial in u = K − 5 >= 0, v = L − 1 >= 0 with all coefficients
      negative (so F decreases in K for every L >= 1 and K >= 5).
    """
    K, L, u, v = sp.symbols("K L u v", positive=True)
    out = {}
    for name, q, c in (("even", (K + 2) / (2 * (K - 1)), 16 * K ** 3 / (K + 2) ** 3),
                       ("odd", (K + 3) / (2 * (K - 1)), 16 * K ** 2 * (K + 1) / (K + 3) ** 3)):
        F = (L + 1) * sp.log(q) + sp.log(c)
        dK = sp.together(sp.simplify(sp.diff(F, K)))
        num, den = sp.fraction(dK)
        num_uv = sp.Poly(sp.expand(num.subs({K: u + 5, L: v + 1})), u, v)
        den_uv = sp.Poly(sp.expand(den.subs({K: u + 5, L: v + 1})), u, v)
        num_neg = all(cf < 0 for cf in num_uv.coeffs())
        den_pos = all(cf > 0 for cf in den_uv.coeffs())
        num_pos = all(cf > 0 for cf in num_uv.coeffs())
        den_neg = all(cf < 0 for cf in den_uv.coeffs())
        first = 6 if name == "even" else 7
        q_first = q.subs(K, first)
        out[name] = {
            "dF/dK": str(sp.factor(dK)),
            "dF/dK < 0 for K >= 5, L >= 1": bool((num_neg and den_pos) or (num_pos and den_neg)),
            "dF/dL = log q": str(sp.simplify(q)),
            f"q < 1 from K = {first}": bool(q_first < 1) and bool(sp.solve(sp.Eq(q, 1), K)[0] < first),
        }
    return out


def small_L_certificate() -> dict:
    """Exact proof that the inequality fails for every K when L <= 3.

    L = 3: q⁴c > 1 ⇔ (K+2)K³ > (K−1)⁴ (even) and (K+3)K²(K+1) > (K−1)⁴ (odd); both differences are
    polynomials in u = K − 1 >= 1 with non-negative coefficients and a positive constant term.
    L < 3: if q <= 1, q^{L+1}c >= q⁴c > 1; if q > 1 (K <= 5), q^{L+1}c > c > 1 (c > 1 for K <= 5).
    """
    K, u = sp.symbols("K u", positive=True)
    out = {}
    for name, diff in (("even", (K + 2) * K ** 3 - (K - 1) ** 4), ("odd", (K + 3) * K ** 2 * (K + 1) - (K - 1) ** 4)):
        P = sp.Poly(sp.expand(diff.subs(K, u + 1)), u)
        out[name] = {"difference in u = K−1": str(P.as_expr()),
                     "positive for u >= 1": all(c >= 0 for c in P.all_coeffs()) and P.eval(0) >= 0 and P.eval(1) > 0}
    out["c > 1 for K <= 5"] = all(ratio_parameters(k)[1] > 1 for k in range(2, 6))
    return out


# ---- Assumption 1 -----------------------------------------------------------------------------------

def _mean_centred_ratio(P: np.ndarray):
    """‖μ1ᵀ‖_F / ‖P − μ1ᵀ‖_F with μ the mean column (inf if the centred part vanishes)."""
    N = P.shape[1]
    mu = P.sum(axis=1) / N
    mean_norm2 = N * (mu * mu).sum()
    C = P - mu[:, None]
    cent2 = (C * C).sum()
    sqrt = mpmath.sqrt if P.dtype == object else math.sqrt
    if cent2 == 0:
        return mpmath.inf if P.dtype == object else math.inf
    return sqrt(mean_norm2) / sqrt(cent2)


def assumption1(model: DeepUFM, params: Parameters) -> list:
    """Per ReLU layer l = 1 … L−1: {'layer', 'ratio_before', 'ratio_after', 'holds'} (module docstring)."""
    params.check(model)
    _, pres, _ = forward(model.with_(activation="linear") if model.activation != "relu" else model, params)
    rows = []
    for l, P in enumerate(pres, start=1):
        before = _mean_centred_ratio(P)
        A = np.where(P > 0, P, 0 * P) if P.dtype == object else np.maximum(P, 0.0)
        after = _mean_centred_ratio(A)
        rows.append({"layer": l, "ratio_before": before, "ratio_after": after, "holds": bool(after >= before)})
    return rows


# ---- ReLU DNC configurations and Step 1 --------------------------------------------------------------

def best_linear_dnc(model: DeepUFM, dps: int = DEFAULT_DPS):
    """The optimum of the linear DNC family (zero solution included): Step 1's lower bound."""
    return optimal_scale(dnc(model.K), model.with_(activation="linear"), dps)


def random_relu_dnc(model: DeepUFM, rng=None, clip_noise: bool = True) -> Parameters:
    """A random ReLU DNC configuration (module docstring), float64, width d = K required."""
    rng = np.random.default_rng(rng)
    K, L = model.K, model.L
    if model.d != K:
        raise V.ParameterError(f"random_relu_dnc builds width d = K = {K} configurations; got d = {model.d}")
    I, J = np.eye(K), np.ones((K, K))
    alphas = rng.uniform(0.2, 3.0, size=L)
    betas = [rng.uniform(-0.5, 0.5) / K] + [0.0 if rng.random() < 0.5 else rng.uniform(0, 1) for _ in range(L - 1)]
    Hs = [a * I + b * J for a, b in zip(alphas, betas)]
    Ws = []
    for l in range(L - 1):
        Q = Hs[l + 1].copy()
        if clip_noise and betas[l + 1] == 0 and rng.random() < 0.7:
            Q = Q - rng.uniform(0, 1.5) * rng.uniform(0, 1, size=(K, K)) * (J - I)
        Ws.append(Q @ np.linalg.inv(Hs[l]))
    Ws.append(rng.uniform(0.1, 3.0) * (I - J / K) + rng.uniform(-1, 1) * J)
    s = rng.uniform(0.05, 3.0)
    H = np.repeat(Hs[0] * s, model.class_sizes, axis=1)
    return Parameters(H, tuple(w * s for w in Ws))


def relu_dnc_family_minimum(model: DeepUFM, starts: int = 10, rng=None, scale=None) -> dict:
    """Best loss over aligned ReLU DNC configurations H̄_1 = aI + bJ, W_l = x_l I + y_l J (d = K),
    by multi-start L-BFGS on the 2L+2 coefficients (gradient by the chain rule from the full one).
    Half the starts are random; half start near ``scale`` per factor (default: the per-factor scale
    t^{1/(L+1)} of the linear DNC optimum), with random global-mean coefficients."""
    rng = np.random.default_rng(rng)
    K, L = model.K, model.L
    if model.activation != "relu" or model.d != K:
        raise V.ParameterError("relu_dnc_family_minimum needs activation='relu' and d = K")
    I, J = np.eye(K), np.ones((K, K))

    def params(v):
        H = np.repeat(v[0] * I + v[1] * J, model.class_sizes, axis=1)
        return Parameters(H, tuple(v[2 + 2 * l] * I + v[3 + 2 * l] * J for l in range(L)))

    def f(v):
        tot, g = loss_and_gradient(model, params(v))
        gv = np.empty_like(v)
        idx = np.repeat(np.arange(K), model.class_sizes)
        gH = np.zeros((K, K))
        np.add.at(gH.T, idx, g.H.T)
        gv[0], gv[1] = np.trace(gH), gH.sum()
        for l in range(L):
            gv[2 + 2 * l], gv[3 + 2 * l] = np.trace(g.W[l]), g.W[l].sum()
        return tot, gv

    if scale is None:
        opt = best_linear_dnc(model, 20)
        scale = float(opt.scale) ** (1.0 / (L + 1)) if opt.kind != "zero" else 1.0
    best = None
    losses = []
    with single_threaded_blas():
        for k in range(starts):
            r = _family_start(f, k, L, K, scale, rng)
            losses.append(float(r.fun))
            if best is None or r.fun < best.fun:
                best = r
    return {"loss": float(best.fun), "coefficients": best.x, "losses": losses, "parameters": params(best.x)}


def _family_start(f, k, L, K, scale, rng):
    """One L-BFGS-B run of ``relu_dnc_family_minimum``: random start (even k) or near ``scale`` (odd k)."""
    if k % 2 == 0:
        v0 = rng.normal(size=2 * L + 2) * rng.uniform(0.3, 3.0)
    else:
        v0 = np.empty(2 * L + 2)
        v0[0::2] = scale * rng.uniform(0.7, 1.4, size=L + 1)
        v0[1::2] = scale * rng.uniform(-0.3, 0.6, size=L + 1) / K
    return scipy.optimize.minimize(f, v0, jac=True, method="L-BFGS-B", options={"maxiter": 3000, "gtol": 1e-12})
