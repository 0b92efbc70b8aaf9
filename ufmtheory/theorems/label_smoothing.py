"""Label-smoothed cross-entropy (``losses.LabelSmoothedCrossEntropy``): the DNC optimum of the engine
against an independent closed form, and gradient descent on the full model reaching it.

Closed form of the LS-CE DNC loss. S = I − 11ᵀ/K has logit gaps g_j = 1 (j ≠ c), 0 (j = c), singular
values 1 (K−1 times); with targets y^ε = (1−ε) e_c + (ε/K) 1 the fit of a column at scale t is
log Σ_j e^{−t g_j} + t (ε/K) Σ_j g_j (``losses`` module docstring), so, with μ = Λ n^{1/(L+1)}, p = 2/(L+1),
    f(t) = log(1 + (K−1) e^{−t}) + ε (K−1) t / K + ((L+1)/2) μ (K−1) t^p,
    f'(t) = (K−1) [−1/(e^t + K − 1) + ε/K + μ t^{p−1}] = −(K−1) t^{p−1} (G(t) − μ)      ((L+1)p/2 = 1),
with G(t) := t^{1−p} (1/(e^t + K − 1) − ε/K): every positive critical point solves G(t) = μ. G < 0 once
e^t + K − 1 > K/ε, i.e. t > log(K/ε − K + 1), and G(t) < t^{1−p}/K, so the roots lie in
[(Kμ)^{1/(1−p)}, log(K/ε − K + 1)] (ε > 0, p < 1). ``hand_optimum`` scans G − μ on a log grid of that
interval (a root pair closer than the grid step would be missed: the engine's count must match),
refines each sign change with mpmath's bracketing root finder and compares every local minimum with
f(0) = log K. It shares no code with ``scale`` (no interval isolation, no gap moments).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath

from ..losses import LabelSmoothedCrossEntropy
from ..losses import get as get_loss
from ..model import DeepUFM
from ..precision import agreed_digits
from ..scale import optimal_scale
from ..structures import named
from .registry import CheckOptions, CheckRow, TheoremEntry, register, verdict

#: The checked case (K, L, n, λ, ε).
CASE = (5, 2, 1, Fraction(1, 100), Fraction(1, 10))


def dnc_loss(t, K: int, L: int, n: int, lam, eps):
    """f(t) = log(1 + (K−1)e^{−t}) + ε(K−1)t/K + ((L+1)/2) μ (K−1) t^p, μ = λ n^{1/(L+1)} (module docstring).

    >>> float(dnc_loss(0, 5, 2, 1, Fraction(1, 100), Fraction(1, 10)))  # log 5
    1.6094379124341003
    """
    t, K, eps, lam = mpmath.mpf(t), mpmath.mpf(K), _mpf(eps), _mpf(lam)
    mu = lam * mpmath.root(n, L + 1)
    p = mpmath.mpf(2) / (L + 1)
    pen = (L + 1) * mu * (K - 1) * t ** p / 2 if t > 0 else mpmath.mpf(0)
    return mpmath.log1p((K - 1) * mpmath.exp(-t)) + eps * (K - 1) * t / K + pen


def _mpf(q):
    return mpmath.mpf(q.numerator) / q.denominator if isinstance(q, Fraction) else mpmath.mpf(q)


def hand_optimum(K: int, L: int, n: int, lam, eps, digits: int = 30, grid: int = 4000) -> dict:
    """Global minimum of ``dnc_loss`` over t >= 0 by the module docstring's route (L >= 2, 0 < ε < 1):
    {'t', 'loss', 'critical_points'} at ``digits`` + 20 working digits ('t' = 0 for the zero solution).

    >>> r = hand_optimum(5, 2, 1, Fraction(1, 100), Fraction(1, 10), digits=15)
    >>> mpmath.nstr(r["loss"], 12), len(r["critical_points"])
    ('0.532335558075', 2)
    """
    with mpmath.workdps(digits + 20):
        e, mu = _mpf(eps), _mpf(lam) * mpmath.root(n, L + 1)
        p = mpmath.mpf(2) / (L + 1)
        F = lambda t: t ** (1 - p) * (1 / (mpmath.exp(t) + K - 1) - e / K) - mu  # G(t) − μ  # noqa: E731
        lo, hi = (K * mu) ** (1 / (1 - p)), mpmath.log(K / e - K + 1)
        ts = [lo * (hi / lo) ** (mpmath.mpf(i) / grid) for i in range(grid + 1)]
        vals = [F(t) for t in ts]
        crit = []
        for a, b, ga, gb in zip(ts, ts[1:], vals, vals[1:]):
            if ga == 0 or ga * gb < 0:
                r = mpmath.findroot(F, (a, b), solver="anderson") if ga != 0 else a
                crit.append((r, "local min" if ga > 0 else "local max"))  # f' = −(K−1) t^{p−1} F(t)
        best_t, best = mpmath.mpf(0), mpmath.log(K)
        for r, kind in crit:
            v = dnc_loss(r, K, L, n, lam, eps)
            if kind == "local min" and v < best:
                best_t, best = r, v
        return {"t": best_t, "loss": best, "critical_points": crit}


def check(opts: CheckOptions) -> list:
    K, L, n, lam, eps = CASE
    digits = opts.digits(30)
    loss = LabelSmoothedCrossEntropy(eps)
    model = DeepUFM(K, L, n=n, lam=lam, loss=loss)
    opt = optimal_scale(named("dnc", K, loss=model.loss), model, digits)
    ref = hand_optimum(K, L, n, lam, eps, digits)
    with mpmath.workdps(digits + 20):
        d_t, d_l = agreed_digits(opt.scale, ref["t"]), agreed_digits(opt.loss, ref["loss"])
    kinds = [cp.kind for cp in opt.critical_points] == [k for _, k in ref["critical_points"]]
    ok = kinds and opt.kind != "zero" and min(d_t, d_l) >= digits
    params = f"K = {K}, L = {L}, n = {n}, λ = {lam}, ε = {eps} ({model.loss}); {digits} digits"
    rows = [CheckRow(
        "Label-smoothed CE", "the DNC optimum of the engine (proven brackets) = the hand-written closed form "
        "f(t) = log(1 + (K−1)e^{−t}) + ε(K−1)t/K + ((L+1)/2)μ(K−1)t^p minimised independently",
        params, verdict(ok),
        f"t* = {mpmath.nstr(opt.scale, digits)}, loss = {mpmath.nstr(opt.loss, digits)}; agree to "
        f"{_digits(d_t)} (t) and {_digits(d_l)} (loss) digits; critical points "
        f"{', '.join(cp.kind for cp in opt.critical_points)} (engine) and "
        f"{', '.join(k for _, k in ref['critical_points'])} (hand)")]
    if not opts.quick:
        rows.append(_gradient_descent_row(model, opt.loss, params))
    return rows


def _digits(d) -> str:
    return "all" if d == mpmath.inf else f"{float(d):.1f}"


def _gradient_descent_row(model: DeepUFM, exact, params: str) -> CheckRow:
    """Full-batch GD (``training.train``, lr 0.5, d = 2K) from random fan-in inits: every run ends at
    ‖∇ℒ‖ <= 1e-9 with loss equal to the exact DNC optimum within 1e-9·max(1, loss) (float64)."""
    from ..training import TrainConfig, train
    seeds = [0, 1, 2]
    runs = train(model.with_(d=2 * model.K), seeds=seeds,
                 config=TrainConfig(lr=0.5, max_steps=50_000, grad_tol=1e-9))
    tol = 1e-9 * max(1.0, float(exact))
    gaps = [abs(r.loss - float(exact)) for r in runs]
    ok = all(r.reason == "grad_tol" for r in runs) and max(gaps) <= tol
    return CheckRow(
        "Label-smoothed CE", "full-parameter gradient descent from a random init reaches the DNC optimum",
        params + f"; d = {2 * model.K}, lr 0.5, seeds {seeds}", verdict(ok),
        f"|loss − exact| = {', '.join(f'{g:.1e}' for g in gaps)} (tolerance {tol:.0e}); steps "
        f"{', '.join(str(r.steps) for r in runs)}; stopped by {', '.join(sorted({r.reason for r in runs}))}")


register(TheoremEntry(
    key="label_smoothing",
    title="Label-smoothed CE: DNC optimum and gradient descent",
    statement=("Linear DUFM with label-smoothed cross-entropy (targets (1−ε)e_c + (ε/K)1): the DNC scale "
               "problem has the closed form f(t) = log(1 + (K−1)e^{−t}) + ε(K−1)t/K + ((L+1)/2)μ(K−1)t^p, and "
               "gradient descent on the full model reaches its minimum."),
    source="label smoothing (Szegedy et al. 2016); closed form derived in ufmtheory.losses",
    hypotheses=lambda loss="ls-ce:0.1", activation="linear", **_: (
        isinstance(get_loss(loss), LabelSmoothedCrossEntropy) and activation == "linear"),
    check=check,
    order=86,
))
