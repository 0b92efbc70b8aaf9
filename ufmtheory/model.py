"""The deep unconstrained feature model (DUFM) and its parameters.

Paper (Garrod & Keating, arXiv:2410.23169), Eq. 1 and SPEC §1:
    Z = W_L σ(W_{L-1} ⋯ σ(W_1 H_1)),      ℒ = g(Z) + ½(λ_H‖H_1‖² + Σ_l λ_{W_l}‖W_l‖²),
with K classes, n samples per class (or class sizes n_1…n_K), H_1 ∈ R^{d×N}, W_1…W_{L-1} ∈ R^{d×d},
W_L ∈ R^{K×d}, σ = identity ("linear") or ReLU, g the averaged cross-entropy (or MSE). L counts
weight matrices: L = 1 is the ordinary UFM. With one λ per factor every reduced formula uses
Λ = (λ_H Π_l λ_{W_l})^{1/(L+1)}.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
import mpmath
import numpy as np

from . import _validate as V
from . import losses as _losses
from .precision import exact_number, to_mpf

ACTIVATIONS = ("linear", "relu")
LOSSES = tuple(_losses.LOSSES)  # registry keys (``losses.LOSSES``; parameterised names like 'ls-ce:0.1')
#: Largest K and L a model accepts: it stores K class sizes and L+1 λ's (commands bound them
#: further, ``limits``).
MAX_K = 10**6
MAX_L = 10**6


def _exact_lambda(name: str, value):
    """Keep λ exact: strings ('0.03', '1/1024', '2^-10', '1e-3', as on the command line) become
    Fractions (``precision.exact_number``); floats, ints, Fractions, mpf are kept."""
    if isinstance(value, str):
        try:
            value = exact_number(value)
        except V.ParameterError as exc:
            raise V.ParameterError(f"{name} must be a finite real number > 0: {exc}") from None
    return V.positive(name, value)


class DeepUFM:
    """A deep unconstrained feature model (paper Eq. 1).

    Parameters
    ----------
    K : number of classes, integer in [2, MAX_K].
    L : number of weight matrices, integer in [1, MAX_L] (L = 1 is the ordinary UFM).
    n : samples per class, integer >= 1 (ignored when ``class_sizes`` is given).
    lam : λ > 0 for every factor, or a sequence (λ_H, λ_{W_1}, …, λ_{W_L}) of L+1 values.
        Strings ("0.03", "1/1024", "2^-10", "1e-3") are kept exact.
    d : width, integer >= K (default K).
    activation : "linear" or "relu" (ReLU after W_1 … W_{L-1}).
    loss : a loss name or ``losses.Loss``: "ce" (cross-entropy averaged over the N samples), "mse"
        ((1/2N)‖Z − Y‖²), "ls-ce:ε" (label-smoothed CE) — ``losses.LOSSES``. ``model.loss`` is the
        canonical name, ``model.loss_fn`` the object that supplies every loss-dependent formula.
    class_sizes : optional sequence of K integers >= 1 (imbalanced data, paper App. A).

    >>> DeepUFM(K=10, L=2, n=5, lam="2^-10").lam
    Fraction(1, 1024)
    >>> DeepUFM(K=3, L=1, lam=["1e-3", "1/2"])
    DeepUFM(K=3, L=1, n=1, lam=[1/1000, 1/2], d=3, activation='linear', loss='ce')
    """

    def __init__(self, K, L, n=1, lam=None, d=None, activation="linear", loss="ce", class_sizes=None):
        self.K = V.integer("K", K, 2, MAX_K)
        self.L = V.integer("L", L, 1, MAX_L)
        if lam is None:
            raise V.ParameterError("lam is required: λ > 0, or a sequence of L+1 values (λ_H, λ_W1, …, λ_WL)")
        if isinstance(lam, (list, tuple, np.ndarray)):
            if len(lam) != self.L + 1:
                raise V.ParameterError(
                    f"lam must be one value or L+1 = {self.L + 1} values (λ_H, λ_W1, …, λ_WL), got {len(lam)}")
            names = ["lam_H"] + [f"lam_W{l}" for l in range(1, self.L + 1)]
            self.lams = tuple(_exact_lambda(nm, v) for nm, v in zip(names, lam))
        else:
            lam = _exact_lambda("lam", lam)
            self.lams = (lam,) * (self.L + 1)
        if class_sizes is not None:
            sizes = list(class_sizes)
            if len(sizes) != self.K:
                raise V.ParameterError(f"class_sizes must have K = {self.K} entries, got {len(sizes)}")
            self.class_sizes = tuple(V.integer(f"class_sizes[{i}]", s, 1) for i, s in enumerate(sizes))
        else:
            n = V.integer("n", n, 1)
            self.class_sizes = (n,) * self.K
        self.d = self.K if d is None else V.integer("d", d, self.K)
        if d is not None and self.d < self.K:  # pragma: no cover - integer() already enforces it
            raise V.ParameterError(f"d must be >= K = {self.K}")
        self.activation = V.choice("activation", activation, ACTIVATIONS)
        self.loss_fn = _losses.get(loss)
        self.loss = self.loss_fn.name

    # ---- derived quantities ------------------------------------------------------------------
    @property
    def N(self) -> int:
        return sum(self.class_sizes)

    @property
    def balanced(self) -> bool:
        return len(set(self.class_sizes)) == 1

    @property
    def n(self) -> int:
        """Samples per class (balanced models only)."""
        if not self.balanced:
            raise V.ParameterError("n is not defined for imbalanced class_sizes")
        return self.class_sizes[0]

    @property
    def lam(self):
        """The common λ when all factors share it; otherwise an error (use ``Lambda``)."""
        if len(set(self.lams)) != 1:
            raise V.ParameterError("factors have different λ; use lams or Lambda()")
        return self.lams[0]

    def Lambda(self):
        """Λ = (λ_H Π λ_{W_l})^{1/(L+1)} (SPEC §1) as an mpf at the current mpmath precision
        (remembered per precision, λ's and L: every structure of a comparison asks for it twice).

        >>> import mpmath
        >>> with mpmath.workdps(30):
        ...     DeepUFM(K=3, L=2, lam=["1/2", "1/4", "1/8"]).Lambda()
        mpf('0.25')
        """
        key = (int(mpmath.mp.prec), tuple((type(v), v) for v in self.lams), self.L)  # exact values
        memo = self.__dict__.setdefault("_Lambda", {})
        if key not in memo:
            prod = mpmath.mpf(1)
            for v in self.lams:
                prod *= to_mpf(v)
            if len(memo) >= 16:
                memo.clear()
            memo[key] = mpmath.root(prod, self.L + 1)
        return memo[key]

    def p(self):
        """Schatten exponent p = 2/(L+1) (SPEC §2) as an mpf."""
        return mpmath.mpf(2) / (self.L + 1)

    def labels(self) -> np.ndarray:
        """Class index of each of the N columns, class by class."""
        return np.repeat(np.arange(self.K), self.class_sizes)

    def shapes(self) -> dict:
        """Shapes of H_1 and W_1 … W_L."""
        out = {"H": (self.d, self.N)}
        for l in range(1, self.L):
            out[f"W{l}"] = (self.d, self.d)
        out[f"W{self.L}"] = (self.K, self.d)
        return out

    def with_(self, **changes) -> "DeepUFM":
        """A copy with some constructor arguments changed."""
        kw = dict(K=self.K, L=self.L, lam=list(self.lams), d=self.d, activation=self.activation,
                  loss=self.loss, class_sizes=self.class_sizes)
        if "n" in changes:
            kw.pop("class_sizes")
        if "L" in changes and "lam" not in changes:
            if len(set(self.lams)) != 1:
                raise V.ParameterError("changing L needs new lam when factors have different λ")
            kw["lam"] = self.lams[0]
        if "K" in changes and "class_sizes" not in changes and "n" not in changes:
            kw.pop("class_sizes")
            kw["n"] = self.n
        if "K" in changes and "d" not in changes:
            kw["d"] = max(self.d, changes["K"])
        kw.update(changes)
        return DeepUFM(**kw)

    # ---- the objective -----------------------------------------------------------------------
    def loss_parts(self, params: "Parameters"):
        """(total, fit, penalty) of the full objective at ``params`` (float64 or mpf arrays)."""
        from .objective import loss_parts
        return loss_parts(self, params)

    def loss_value(self, params: "Parameters"):
        return self.loss_parts(params)[0]

    def gradient(self, params: "Parameters") -> "Parameters":
        """∂ℒ/∂(H_1, W_1, …, W_L), same dtype as ``params``."""
        from .objective import loss_and_gradient
        return loss_and_gradient(self, params)[1]

    def random_parameters(self, rng=None, scale: float = 1.0) -> "Parameters":
        """Gaussian parameters, entries N(0, scale²/fan_in) (float64)."""
        rng = np.random.default_rng(rng)
        scale = float(V.positive("scale", scale))
        shapes = self.shapes()
        H = rng.standard_normal(shapes["H"]) * scale
        W = tuple(rng.standard_normal(shapes[f"W{l}"]) * scale / np.sqrt(self.d) for l in range(1, self.L + 1))
        return Parameters(H, W)

    def __repr__(self) -> str:
        show = lambda v: str(v) if isinstance(v, Fraction) else repr(v)  # noqa: E731
        lam = show(self.lams[0]) if len(set(self.lams)) == 1 else "[" + ", ".join(map(show, self.lams)) + "]"
        sizes = f"n={self.class_sizes[0]}" if self.balanced else f"class_sizes={list(self.class_sizes)}"
        return (f"DeepUFM(K={self.K}, L={self.L}, {sizes}, lam={lam}, d={self.d}, "
                f"activation={self.activation!r}, loss={self.loss!r})")


@dataclass(frozen=True)
class Parameters:
    """H_1 (d×N) and W = (W_1, …, W_L); numpy arrays of float64 or of mpmath mpf (dtype=object)."""

    H: np.ndarray
    W: tuple

    def __post_init__(self):
        object.__setattr__(self, "W", tuple(self.W))

    @property
    def factors(self) -> tuple:
        """(H_1, W_1, …, W_L): the L+1 regularised factors, in order."""
        return (self.H,) + self.W

    def flat(self) -> np.ndarray:
        return np.concatenate([f.ravel() for f in self.factors])

    @classmethod
    def from_flat(cls, model: DeepUFM, vec: np.ndarray) -> "Parameters":
        shapes = list(model.shapes().values())
        sizes = [a * b for a, b in shapes]
        vec = np.asarray(vec)
        if vec.shape != (sum(sizes),):
            raise V.ParameterError(f"vec must have shape ({sum(sizes)},) for {model!r}, got {vec.shape}")
        parts, i = [], 0
        for (a, b), s in zip(shapes, sizes):
            parts.append(vec[i:i + s].reshape(a, b))
            i += s
        return cls(parts[0], tuple(parts[1:]))

    def to_mp(self) -> "Parameters":
        """Exact conversion of float64 entries to mpf (at the current precision, floats are exact)."""
        conv = np.vectorize(mpmath.mpf, otypes=[object])
        return Parameters(conv(self.H), tuple(conv(w) for w in self.W))

    def to_float(self) -> "Parameters":
        conv = lambda a: np.array(a, dtype=float)  # noqa: E731
        return Parameters(conv(self.H), tuple(conv(w) for w in self.W))

    def check(self, model: DeepUFM) -> "Parameters":
        """Validate shapes and finiteness against ``model``; returns self."""
        shapes = model.shapes()
        V.finite_array("H", self.H, shape=shapes["H"])
        if len(self.W) != model.L:
            raise V.ParameterError(f"W must hold L = {model.L} matrices, got {len(self.W)}")
        for l, w in enumerate(self.W, start=1):
            V.finite_array(f"W{l}", w, shape=shapes[f"W{l}"])
        return self

    def __add__(self, other: "Parameters") -> "Parameters":
        return Parameters(self.H + other.H, tuple(a + b for a, b in zip(self.W, other.W)))

    def scaled(self, s) -> "Parameters":
        return Parameters(self.H * s, tuple(w * s for w in self.W))
