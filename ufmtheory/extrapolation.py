"""Extrapolation of a sequence to a limit, with an error estimate (Richardson / Neville).

Given samples y_i = f(x_i) of a function with an asymptotic expansion f(x) = f(0) + c_1 x + c_2 x² + …
as x → 0 (e.g. x = 1/t for the scale t of a critical point), the polynomial through the m+1 samples
with the smallest x, evaluated at 0, is the order-m Richardson extrapolant (Neville's scheme). The
error estimate is |E_m − E_{m−1}|, the change from the previous order — the standard a-posteriori
estimate (e.g. Press et al., Numerical Recipes §3.2 / §4.3). Hand-written because
``mpmath.richardson`` needs equally spaced integer indices and scipy's interpolators are float-only;
this works for float and mpf samples alike.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import _validate as V


def neville_at_zero(xs, ys):
    """Value at x = 0 of the interpolating polynomial through (xs, ys) (Neville's recursion)."""
    xs, ys = list(xs), list(ys)
    if len(xs) != len(ys) or not xs:
        raise V.ParameterError("xs and ys must be non-empty and of equal length")
    P = list(ys)
    n = len(xs)
    for k in range(1, n):
        for i in range(n - k):
            P[i] = (xs[i + k] * P[i] - xs[i] * P[i + 1]) / (xs[i + k] - xs[i])
    return P[0]


def lebesgue_at_zero(xs):
    """Λ = Σ_i |ℓ_i(0)| for the Lagrange basis on xs: sample errors δ become at most Λ·δ at x = 0."""
    xs = list(xs)
    total = 0
    for i, xi in enumerate(xs):
        li = 1
        for j, xj in enumerate(xs):
            if j != i:
                li = li * (0 - xj) / (xi - xj)
        total += abs(li)
    return total


@dataclass
class Extrapolation:
    value: object
    error: object
    order: int
    extrapolants: list  # E_0, E_1, … (orders using the 1, 2, … samples nearest to 0)
    errors: list        # error estimate of each order >= 1


def extrapolate_to_zero(xs, ys, noise=0, max_order: int | None = None) -> Extrapolation:
    """Richardson extrapolants E_m from the m+1 samples nearest to x = 0. The error estimate of order m
    is |E_m − E_{m−1}| + Λ_m·noise (truncation + amplified sample noise, ``lebesgue_at_zero``); the
    order with the smallest estimate is returned."""
    pts = sorted(zip(xs, ys), key=lambda p: abs(p[0]))
    if len(pts) < 2:
        raise V.ParameterError("need at least 2 samples to extrapolate")
    top = len(pts) - 1 if max_order is None else min(max_order, len(pts) - 1)
    ext, errs = [], []
    for m in range(top + 1):
        sub = pts[:m + 1]
        ext.append(neville_at_zero([p[0] for p in sub], [p[1] for p in sub]))
        if m >= 1:
            errs.append(abs(ext[m] - ext[m - 1]) + lebesgue_at_zero([p[0] for p in sub]) * noise)
    best = min(range(len(errs)), key=lambda i: errs[i]) + 1
    return Extrapolation(ext[best], errs[best - 1], best, ext, errs)
