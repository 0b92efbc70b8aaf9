"""Symbolic layer (sympy): f_S(t), its derivative, the stationarity equation, λ → 0 asymptotics, and the
proof steps of Theorems 1–3, each with LaTeX.

Symbols (all positive): t (scale), K, L, λ, n; p = 2/(L+1); μ = λ n^{1/(L+1)} (SPEC §2);
ℓ = log(1/μ). For a structure with column fit ḡ(t) and penalty weight P = Σ s_i^p (SPEC §2–§3):
    f(t) = ḡ(t) + ((L+1)/2) μ P t^p,    f'(t) = −h(t) + μ P t^{p−1}   (((L+1)/2)·p = 1),
    stationarity:  μ = t^{1−p} h(t) / P   (paper Eq. 19 for DNC; SPEC §4 Theorem 6 for paired).
Asymptotics (λ → 0, large root): with h(t) ~ γ a e^{−γt} (γ the smallest gap, a = Σ_columns w·#{gap = γ}),
    γ t* = ℓ + (1−p) log(ℓ/γ) + log(γ a / P) + o(1),    f* ~ ((L+1)/2) μ P (ℓ/γ)^p,
so f*_A/f*_B → (P_A/γ_A^p)/(P_B/γ_B^p). Both are checked with sympy limits (``check_asymptotics``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

t, K, L, lam, n = sp.symbols("t K L lambda n", positive=True)
ell = sp.Symbol("ell", positive=True)  # log(1/μ)
m = sp.Symbol("m", positive=True, integer=True)
t1, t2 = sp.symbols("t_1 t_2", positive=True)
p = 2 / (L + 1)
mu = lam * n ** (1 / (L + 1))


@dataclass
class SymbolicStructure:
    """f_S(t) = fit + ((L+1)/2) μ P t^p and everything derived from it (module docstring)."""

    name: str
    fit: sp.Expr
    P: sp.Expr
    gamma: sp.Expr
    a: sp.Expr
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def penalty(self) -> sp.Expr:
        return (L + 1) / 2 * lam * n ** (1 / (L + 1)) * self.P * t ** p

    @property
    def f(self) -> sp.Expr:
        return self.fit + self.penalty

    @property
    def df(self) -> sp.Expr:
        return sp.diff(self.f, t)

    @property
    def h(self) -> sp.Expr:
        expr = -sp.diff(self.fit, t)
        return expr if expr.has(sp.Sum) else sp.simplify(expr)

    @property
    def phi(self) -> sp.Expr:
        """t^{1−p} h(t)/P: the right side of the stationarity equation λ n^{1/(L+1)} = φ(t)/P."""
        return t ** (1 - p) * self.h / self.P

    @property
    def stationarity(self) -> sp.Equality:
        return sp.Eq(lam * n ** (1 / (L + 1)), self.phi)

    def t_asymptotic(self) -> sp.Expr:
        """γ t* ≈ ℓ + (1−p) log(ℓ/γ) + log(γa/P), ℓ = log(1/(λ n^{1/(L+1)}))."""
        g = self.gamma
        return (ell + (1 - p) * sp.log(ell / g) + sp.log(g * self.a / self.P)) / g

    def loss_asymptotic(self) -> sp.Expr:
        """f* ~ ((L+1)/2) μ P (ℓ/γ)^p with μ = e^{−ℓ}."""
        return (L + 1) / 2 * sp.exp(-ell) * self.P * (ell / self.gamma) ** p

    def latex(self) -> dict:
        return {"f": sp.latex(self.f), "df": sp.latex(self.df), "stationarity": sp.latex(self.stationarity),
                "t_asymptotic": r"t^* \simeq " + sp.latex(self.t_asymptotic()),
                "loss_asymptotic": r"f^* \sim " + sp.latex(self.loss_asymptotic())}


def structure(name: str, Kv=None) -> SymbolicStructure:
    """'dnc', 'paired_even', 'paired_odd' (paper Eq. 5, one scale) or 'polygon'; K symbolic unless Kv."""
    k = K if Kv is None else sp.Integer(Kv)
    e = sp.exp(-t)
    if name == "dnc":
        return SymbolicStructure("dnc", sp.log(1 + (k - 1) * e), k - 1, sp.Integer(1), k - 1,
                                 "simplex ETF, singular values 1 (K−1 times)")
    if name == "paired_even":
        return SymbolicStructure("paired_even", sp.log(1 + e ** 2 + (k - 2) * e), k / 2 * 2 ** p,
                                 sp.Integer(1), k - 2, "K = 2m: singular values 2 (m times)")
    if name == "paired_odd":
        fit = ((k - 1) * sp.log(1 + e ** 2 + (k - 2) * e) + sp.log(1 + (k - 1) * e)) / k
        return SymbolicStructure("paired_odd", fit, (k - 1) / 2 * 2 ** p + 1, sp.Integer(1),
                                 ((k - 1) * (k - 2) + (k - 1)) / k, "K = 2m+1: singular values 2 (m times), 1")
    if name == "polygon":
        j = sp.Symbol("j", integer=True, nonnegative=True)
        if Kv is None:
            fit = sp.log(sp.Sum(sp.exp(-t * (1 - sp.cos(2 * sp.pi * j / k))), (j, 0, k - 1)))
        else:
            fit = sp.log(sum(sp.exp(-t * (1 - sp.cos(2 * sp.pi * jj / k))) for jj in range(int(Kv))))
        gam = 1 - sp.cos(2 * sp.pi / k)
        return SymbolicStructure("polygon", fit, 2 * (k / 2) ** p, gam, sp.Integer(2),
                                 "S_jc = cos(2π(j−c)/K): rank 2, singular values K/2, K/2")
    raise ValueError(f"structure must be dnc, paired_even, paired_odd or polygon, got {name!r}")


def paired_two_scale(Kv=None) -> dict:
    """Odd K: f(t₁, t₂) = f_pairs(t₁) + f_single(t₂) (``families.paired_two_scale``); separable."""
    k = K if Kv is None else sp.Integer(Kv)
    c = (L + 1) / 2 * lam * n ** (1 / (L + 1))
    pairs = (k - 1) / k * sp.log(1 + sp.exp(-2 * t1) + (k - 2) * sp.exp(-t1)) + c * (k - 1) / 2 * (2 * t1) ** p
    single = sp.log(1 + (k - 1) * sp.exp(-t2)) / k + c * t2 ** p
    f = pairs + single
    return {"f": f, "grad": [sp.diff(f, t1), sp.diff(f, t2)], "separable": sp.simplify(sp.diff(f, t1, t2)) == 0,
            "latex": sp.latex(f)}


# ---- checks of the stationarity equations against the paper's forms ---------------------------------

def paper_eq19() -> sp.Equality:
    """Paper Eq. 19 (DNC): λ n^{1/(L+1)} = t^{(L−1)/(L+1)} / (e^t + K − 1)."""
    return sp.Eq(lam * n ** (1 / (L + 1)), t ** ((L - 1) / (L + 1)) / (sp.exp(t) + K - 1))


def paper_paired_stationarity() -> sp.Equality:
    """SPEC §4 Theorem 6 (paired, even K): λ(K/2)(2√n)^{2/(L+1)} = t^{(L−1)/(L+1)}(2e^{−2t} + (K−2)e^{−t})
    /(1 + e^{−2t} + (K−2)e^{−t})."""
    e = sp.exp(-t)
    return sp.Eq(lam * K / 2 * (2 * sp.sqrt(n)) ** (2 / (L + 1)),
                 t ** ((L - 1) / (L + 1)) * (2 * e ** 2 + (K - 2) * e) / (1 + e ** 2 + (K - 2) * e))


def _zero(expr) -> bool:
    if sp.simplify(expr) == 0:
        return True
    expr = sp.powsimp(sp.expand_power_base(sp.expand(expr), force=True), force=True)
    return sp.simplify(expr) == 0


def check_stationarity() -> dict:
    """Derived stationarity (from f') equals the paper's Eq. 19 (DNC) and Theorem 6's paired form, and
    f'(t) = t^{p−1}(μP − φ(t)P)·… i.e. f' = 0 ⇔ the equation."""
    d = structure("dnc")
    pe = structure("paired_even")
    dnc_ok = _zero(d.stationarity.rhs - paper_eq19().rhs)
    paper = paper_paired_stationarity()
    # ours: μ = t^{1−p} h / P  ⇔  μ P = t^{1−p} h; the paper multiplies by P with (2√n)^p = 2^p n^{1/(L+1)}
    paired_ok = _zero(pe.stationarity.lhs * pe.P - paper.lhs) and _zero(pe.stationarity.rhs * pe.P - paper.rhs)
    # f'(t) = −h + μ P t^{p−1} exactly
    fprime_ok = all(_zero(s.df - (-s.h + mu * s.P * t ** (p - 1))) for s in (d, pe))
    return {"dnc_eq19": dnc_ok, "paired_theorem6": paired_ok, "derivative_form": fprime_ok}


def check_asymptotics(name: str, Lv: int, Kv: int) -> dict:
    """At given L and K (sympy's limits are unreliable with a symbolic exponent): lim_{ℓ→∞} φ(t*(ℓ))/μ = 1
    at the asymptotic t* (the stationarity equation holds to leading order), lim f(t*)/f*_asymptotic = 1,
    and t*/ℓ → 1/γ (the scale grows like −log λ)."""
    s = structure(name, Kv)
    subs = {L: sp.Integer(Lv)}
    tt = s.t_asymptotic().subs(subs)
    ratio = (s.phi.subs(subs).subs(t, tt)) / sp.exp(-ell)
    r1 = sp.limit(ratio, ell, sp.oo)
    f_at = (s.fit + (L + 1) / 2 * sp.exp(-ell) * s.P * t ** p).subs(subs).subs(t, tt)
    r2 = sp.limit(f_at / s.loss_asymptotic().subs(subs), ell, sp.oo)
    r3 = sp.limit(tt / ell, ell, sp.oo)
    return {"stationarity_ratio_limit": r1, "loss_ratio_limit": r2, "scale_over_log": r3,
            "gamma": s.gamma}


def loss_ratio_limit(a: str, b: str, Kv=None) -> sp.Expr:
    """lim_{λ→0} f*_a/f*_b = (P_a/γ_a^p)/(P_b/γ_b^p)."""
    A, Bs = structure(a, Kv), structure(b, Kv)
    return sp.simplify((A.P / A.gamma ** p) / (Bs.P / Bs.gamma ** p))


# ---- Theorem 1 --------------------------------------------------------------------------------------

def theorem1_fit_step() -> dict:
    """Equal-scale fit dominance. With u = e^{−t} ∈ (0, 1) for t > 0 the DNC and paired arguments of the
    log differ by (1 + (K−1)u) − (1 + u² + (K−2)u) = u(1 − u) > 0; for odd K the paired fit is
    ((K−1)/K)·log(paired arg) + (1/K)·log(DNC arg), so fit_DNC − fit_paired = ((K−1)/K)(log A_D − log A_P) > 0."""
    u = sp.Symbol("u", positive=True)
    AD = 1 + (K - 1) * u
    AP = 1 + u ** 2 + (K - 2) * u
    diff = sp.factor(sp.expand(AD - AP))
    q = sp.Q
    positive = sp.ask(q.positive(u * (1 - u)), q.positive(u) & q.positive(1 - u))
    odd = sp.simplify(structure("dnc").fit - structure("paired_odd").fit
                      - (K - 1) / K * (sp.log(AD) - sp.log(AP)).subs(u, sp.exp(-t)))
    return {"difference": diff, "is_u_times_1_minus_u": sp.simplify(diff - u * (1 - u)) == 0,
            "positive_for_0<u<1": bool(positive), "odd_K_identity": odd == 0,
            "latex": r"(1+(K-1)u)-(1+u^2+(K-2)u) = " + sp.latex(diff) + r" > 0,\quad u=e^{-t}\in(0,1)"}


def theorem1_penalty_step(L_values=range(1, 9)) -> dict:
    """m·2^{2/(L+1)} < 2m − 1 ⇔ m (2 − 2^p) > 1 ⇔ m > 1/(2 − 2^{2/(L+1)}) (L >= 2; never for L = 1).
    Odd K: P_DNC − P_paired = 2m − (m 2^p + 1) = (2m − 1) − m 2^p, the same inequality. Hence
        K_min(L) = 2 (⌊1/(2 − 2^{2/(L+1)})⌋ + 1),   L_min(m) = 2/log₂(2 − 1/m) − 1 (continuous L),
    and for every L >= 3: 1 < 1/(2 − 2^p) <= 1/(2 − √2) < 2, so K_min = 4; K_min(2) = 6."""
    pen_even = (2 * m - 1) - m * 2 ** p
    pen_odd = 2 * m - (m * 2 ** p + 1)
    same = sp.simplify(pen_even - pen_odd) == 0
    m_threshold = 1 / (2 - 2 ** p)
    kmin = {}
    for Lv in L_values:
        Lv = int(Lv)
        if Lv == 1:
            kmin[Lv] = None  # 2 − 2^1 = 0: the inequality never holds
            continue
        thr = m_threshold.subs(L, Lv)
        kmin[Lv] = int(2 * (sp.floor(thr) + 1))
    bound = 1 / (2 - sp.sqrt(2))
    all_L3 = bool(sp.simplify(bound - 1 - 1 / sp.sqrt(2)) == 0) and bool(bound < 2)
    L_of_m = 2 / sp.log(2 - 1 / m, 2) - 1
    return {"odd_equals_even_condition": same, "m_threshold": m_threshold, "K_min": kmin,
            "L_ge_3_bound": bound, "L_ge_3_gives_K_min_4": all_L3, "L_min_of_m": L_of_m,
            "latex": {"condition": r"m\,2^{2/(L+1)} < 2m-1 \iff m > " + sp.latex(m_threshold),
                      "K_min": r"K_{\min}(L) = 2\left(\left\lfloor " + sp.latex(m_threshold) + r"\right\rfloor + 1\right)",
                      "L_min": r"L > " + sp.latex(L_of_m)}}


def theorem1_region(K_values, L_values) -> set:
    """{(K, L): K >= K_min(L)} from ``theorem1_penalty_step`` (the region the proof covers)."""
    km = theorem1_penalty_step(L_values)["K_min"]
    return {(k, l) for l in L_values for k in K_values if km[l] is not None and k >= km[l]}


# ---- Theorems 2 and 3 ------------------------------------------------------------------------------------

def theorem2_G(svals_X, svals_M, gamma) -> sp.Expr:
    """G(p) = Σ s_i(X)^p − γ^p Σ s_i(M)^p (p symbolic as P_): the penalty gap after matching margins;
    G(0+) = rank X − rank M."""
    P_ = sp.Symbol("p", positive=True)
    return sum(sp.sympify(s) ** P_ for s in svals_X if s != 0) - sp.sympify(gamma) ** P_ * sum(
        sp.sympify(s) ** P_ for s in svals_M if s != 0), P_


def theorem3_bounds() -> dict:
    """(i) From ℒ(Z*) <= ℒ(0) = log K and g >= 0: ((L+1)λ/2) Σ s̃_i^{2/(L+1)} <= log K, so
    s̃_i <= (2 log K/((L+1)λ_L))^{(L+1)/2}; for λ_L = c L^{−a} (0 < a < 1, so 1/λ_L = o(L)) its log plus βL
    tends to −∞ for every β > 0: faster than any exponential.
    (ii) If q+1 normalised singular values σ_i of Z* exceed θ^{(L+1)/2}, Σ σ_i^p > (q+1)θ, while a
    diagonally superior rank-q M scaled to match every margin (β γ_M = √2 c_max(Z*) + log(K−1)) has at most
    the fit of Z* and penalty ratio κ^p q^{1−p/2} with κ = ‖βM‖_F/‖Z*‖_F; it is strictly better when
    κ^p q^{1−p/2} < (q+1)θ, i.e. for L + 1 > L₁ = 2(log κ − ½ log q)/log((q+1)θ/q). As L → ∞ this needs
    only θ > q/(q+1): the SPEC's θ = (q+1)/(q+2) qualifies ((q+1)θ/q = (q+1)²/(q(q+2)) > 1)."""
    Lam, c, a, beta = sp.symbols("lambda_L c a beta", positive=True)
    s_bound = (2 * sp.log(K) / ((L + 1) * lam)) ** ((L + 1) / 2)
    lamL = c * L ** (-a)
    expo = (L + 1) / 2 * sp.log(2 * sp.log(K) / ((L + 1) * lamL)) + beta * L
    lim_i = sp.limit(expo.subs({a: sp.Rational(1, 2), c: 1, K: 10, beta: 5}), L, sp.oo)
    q, theta, kappa = sp.symbols("q theta kappa", positive=True)
    cond = kappa ** p * q ** (1 - p / 2) - (q + 1) * theta
    L1 = 2 * (sp.log(kappa) - sp.log(q) / 2) / sp.log((q + 1) * theta / q)
    lim_cond = sp.limit(kappa ** p * q ** (1 - p / 2), L, sp.oo)
    spec_theta = (q + 1) / (q + 2)
    ratio_spec = sp.simplify((q + 1) * spec_theta / q)
    return {"s_bound": s_bound, "regime_i_exponent_limit": lim_i, "condition": cond, "L1_plus_1": L1,
            "condition_limit_lhs": lim_cond, "theta_needed": q / (q + 1), "spec_theta": spec_theta,
            "spec_ratio": ratio_spec, "spec_ratio_minus_1": sp.factor(ratio_spec - 1),
            "latex": {"i": r"\tilde s_i \le " + sp.latex(s_bound),
                      "ii": r"\kappa^{p} q^{1-p/2} < (q+1)\theta \iff L+1 > " + sp.latex(L1),
                      "theta": r"\theta > \frac{q}{q+1},\quad \theta_{\rm SPEC}=\frac{q+1}{q+2}"}}


def summary() -> dict:
    """LaTeX of every structure's f, f', stationarity and asymptotics (for notebooks and reports)."""
    return {nm: structure(nm).latex() for nm in ("dnc", "paired_even", "paired_odd", "polygon")}
