"""Bounds near μ = 0: the asymptotic constant α, a proven tail μ₀ below which one family wins, and a
lower bound v₀ of V(0+) (see the ``thresholds`` package docstring)."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from ..families import Family
from ..intervals import backend as interval_backend, enclose_exact
from ..structures import evaluate_exact


# ---- the small-μ tail ------------------------------------------------------------------------------

def alpha(family: Family, L: int, dps: int = 40):
    """α = Σ_components ((L+1)/2) P_i / γ_i^p: V(μ) ~ α μ (log 1/μ)^p as μ → 0 (strictly superior)."""
    with mpmath.workdps(dps):
        p = mpmath.mpf(2) / (L + 1)
        tot = mpmath.mpf(0)
        for c in family.components:
            _, sv = c.numbers(dps)
            P = mpmath.fsum(mpmath.power(s, p) for s in sv)
            g = c.min_positive_gap()
            tot += (L + 1) * P / 2 / mpmath.power(evaluate_exact(sp.sympify(g), dps + 5), p)
        return tot


def tail_bound(winner: Family, loser: Family, L: int, backend: str | None = None):
    """μ₀ > 0 with V_winner(μ) < V_loser(μ) for all 0 < μ <= μ₀, or None if α_winner >= α_loser.

    Proof (both families strictly diagonally superior; per component, with s = γt):
    a e^{−s} <= ḡ <= M e^{−s}, a = Σ_{types with gap γ} w m_γ/(1 + m_γ) (log(1+x) >= x/(1+x)),
    M = Σ w Σ_{j≠own} m_j (log(1+x) <= x). Lower: for any s₀, V_loser >= Σ_i min(α_i μ s₀^p, a_i e^{−s₀})
    = α_B μ s₀^p when a_min e^{−s₀} = α_max μ s₀^p. Upper: V_winner <= M_A e^{−s₁} + α_A μ s₁^p at
    s₁ = s₀ + δ. With δ = log(2 M_A α_max/(a_min(α_B − α_A))) and s₀ >= δ/(((α_A+α_B)/(2α_A))^{1/p} − 1)
    the upper bound is below the lower one; s₀(μ) increases as μ decreases, so this holds for μ <= μ₀ =
    a_min e^{−s₀}/(α_max s₀^p). Evaluated with interval arithmetic; the lower end of μ₀'s enclosure is
    returned.
    """
    if not (winner.strictly_superior and loser.strictly_superior):
        return None
    B = interval_backend(backend)
    with B.precision(200):
        p = B.point(Fraction(2, L + 1))
        A = B.point(Fraction(L + 1, 2))

        def parts(fam):
            out = []
            for c in fam.components:
                gam = c.min_positive_gap()
                g = enclose_exact(B, gam)
                P = B.point(0)
                for s in c.svals:
                    P = P + B.pow_pos(enclose_exact(B, s), p)
                a = B.point(0)
                M = B.point(0)
                for w, gs, ms in c.types:
                    wI = enclose_exact(B, w)
                    mg = sum(m for gg, m in zip(gs, ms) if sp.sympify(gg) == gam)  # structural: undercounting is safe
                    if mg:
                        a = a + wI * B.point(Fraction(mg, 1 + mg))
                    M = M + wI * B.point(sum(m for gg, m in zip(gs, ms) if gg != 0))
                out.append((A * P / B.pow_pos(g, p), a, M))
            return out

        pa, pb = parts(winner), parts(loser)
        aA = sum((x[0] for x in pa), B.point(0))
        aB = sum((x[0] for x in pb), B.point(0))
        if not B.sign(aB - aA) > 0:
            return None
        MA = sum((x[2] for x in pa), B.point(0))
        amin = B.point(min(B.lower(x[1]) for x in pb))
        amax = B.point(max(B.upper(x[0]) for x in pb))
        delta = B.log(2 * MA * amax / (amin * (aB - aA)))
        ratio = (aA + aB) / (2 * aA)
        s0 = delta / (B.exp(B.log(ratio) / p) - 1)
        s0 = B.point(max(B.upper(s0), mpmath.mpf(1)))
        mu0 = amin * B.exp(B.point(0) - s0) / (amax * B.pow_pos(s0, p))
        return B.lower(mu0)


def search_start(tail_mu, mu_floor, hi, search_dps: int) -> tuple:
    """(μ₀, floor): where a search over μ starts. μ₀ is the proven tail bound ``tail_mu`` (below it the
    winner is known), or, when there is none, ``mu_floor`` (default 1e-30) — then ``floor`` is that value
    and nothing below it is searched; in both cases at most hi/2.

    >>> search_start(None, None, mpmath.mpf(1), 20)[1] == mpmath.mpf(10) ** -30
    True
    >>> search_start(mpmath.mpf(4), None, mpmath.mpf(1), 20)
    (mpf('0.5'), None)
    """
    floor = None
    if tail_mu is None:
        tail_mu = floor = mpmath.mpf(mu_floor) if mu_floor is not None else mpmath.mpf(10) ** -30
    with mpmath.workdps(search_dps):
        return min(+mpmath.mpf(tail_mu), hi / 2), floor


def v0_lower(fam: Family):
    """Exact lower bound of V(0+) as a Fraction-free sympy number: Σ w log m₀ over columns when every gap
    is >= 0 (the fit's infimum), else 0."""
    if all(c.weakly_superior() for c in fam.components):
        tot = sp.Integer(0)
        for c in fam.components:
            for w, gs, ms in c.types:
                m0 = sum(m for g, m in zip(gs, ms) if g == 0)
                tot += sp.sympify(w) * sp.log(m0)
        return tot
    return sp.Integer(0)
