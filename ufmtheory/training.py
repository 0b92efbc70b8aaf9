"""Training the full DUFM by full-batch gradient descent (or L-BFGS), several seeds at once.

The paper's experiments (SPEC §5; Garrod & Keating, arXiv:2410.23169, Sec. 5 / Fig. 2 and 5):
linear DUFM, L = 2, d = 70, λ = 2⁻¹⁰, K = 10, n = 5, full-batch gradient descent with learning
rate 0.5 from a random initialisation (``paper_model``, ``PAPER_CONFIG``). The paper does not state
the initialisation, so its scheme and scale are explicit parameters here (``init_parameters``):

- ``"fan_in"`` (default): H_1 entries N(0, σ²), W_l entries N(0, σ²/fan_in(W_l)) = N(0, σ²/d)
  (the convention of ``DeepUFM.random_parameters``; σ = 1 keeps ‖W_l x‖ ≈ ‖x‖);
- ``"normal"``: every entry N(0, σ²) (iid, no fan-in scaling).

Gradient descent: θ ← θ − η ∇ℒ(θ) with ∇ℒ from ``batched.BatchedObjective`` (S runs per numpy
call). Every ``check_every`` steps a run stops when ‖∇ℒ‖_F <= ``grad_tol`` ("grad_tol"), or
when its loss changed by at most ``loss_tol``·max(1, |ℒ|) over the last ``window`` steps
("loss_tol"), or after ``max_steps`` ("max_steps"); stopped runs leave the batch.
``method="lbfgs"`` runs scipy's L-BFGS-B on each seed instead; ``polish=True`` follows gradient
descent with L-BFGS-B from the GD endpoint (a local refinement inside the basin GD reached: the
endpoint's structure is GD's, its last digits L-BFGS's).
Runs whose loss becomes non-finite stop with reason "diverged"; L-BFGS ends with "lbfgs" (scipy
reports convergence), "lbfgs_maxiter" or "lbfgs_stalled" (see ``lbfgs``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction

import numpy as np

from . import _validate as V
from .batched import Batch, BatchedObjective, grad_norms
from .model import DeepUFM, Parameters

INIT_SCHEMES = ("fan_in", "normal")
METHODS = ("gd", "lbfgs")
PAPER_LAMBDA = Fraction(1, 1024)


def paper_model(d: int = 70, lam=PAPER_LAMBDA, K: int = 10, n: int = 5, L: int = 2,
                activation: str = "linear", loss: str = "ce") -> DeepUFM:
    """The paper's experimental DUFM (SPEC §5): K = 10, n = 5, L = 2, d = 70, λ = 2⁻¹⁰, linear, CE."""
    return DeepUFM(K, L, n=n, lam=lam, d=d, activation=activation, loss=loss)


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser settings. ``lr`` learning rate η; stopping rules as in the module docstring."""

    lr: float = 0.5
    max_steps: int = 50_000
    grad_tol: float = 1e-8
    loss_tol: float = 0.0
    window: int = 100
    check_every: int = 10
    method: str = "gd"
    polish: bool = False
    lbfgs_maxiter: int = 20_000
    record_every: int = 0  # 0: no loss history

    def __post_init__(self):
        V.positive("lr", self.lr)
        V.integer("max_steps", self.max_steps, 0)
        V.positive("grad_tol", self.grad_tol, allow_zero=True)
        V.positive("loss_tol", self.loss_tol, allow_zero=True)
        V.integer("window", self.window, 1)
        V.integer("check_every", self.check_every, 1)
        V.choice("method", self.method, METHODS)
        V.integer("lbfgs_maxiter", self.lbfgs_maxiter, 1)
        V.integer("record_every", self.record_every, 0)

    def with_(self, **changes) -> "TrainConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)


PAPER_CONFIG = TrainConfig(lr=0.5)


@dataclass
class TrainResult:
    """One run's endpoint: parameters, loss parts, ‖∇ℒ‖_F, steps taken and why it stopped."""

    params: Parameters
    loss: float
    fit: float
    penalty: float
    grad_norm: float
    steps: int
    reason: str
    lbfgs_iterations: int = 0
    history: list = field(default_factory=list)  # (step, loss) pairs when record_every > 0

    @property
    def converged(self) -> bool:
        return self.reason in ("grad_tol", "loss_tol", "lbfgs")


def init_parameters(model: DeepUFM, seeds, scheme: str = "fan_in", scale: float = 1.0) -> Batch:
    """One parameter set per seed (``seeds``: ints or numpy SeedSequences), stacked as a ``Batch``.

    Each run draws from its own ``numpy.random.default_rng(seed)``: H_1 first, then W_1 … W_L, so a
    run does not depend on the other seeds of its batch.
    """
    V.choice("init", scheme, INIT_SCHEMES)
    scale = float(V.positive("init_scale", scale))
    seeds = list(seeds)
    if not seeds:
        raise V.ParameterError("seeds must hold at least one seed")
    shapes = model.shapes()
    Hs, Ws = [], [[] for _ in range(model.L)]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        Hs.append(rng.standard_normal(shapes["H"]) * scale)
        for l in range(1, model.L + 1):
            a, b = shapes[f"W{l}"]
            std = scale / np.sqrt(b) if scheme == "fan_in" else scale
            Ws[l - 1].append(rng.standard_normal((a, b)) * std)
    return Batch(np.stack(Hs), [np.stack(w) for w in Ws])


def gradient_descent(model: DeepUFM, batch: Batch, config: TrainConfig = PAPER_CONFIG, progress=None):
    """Full-batch GD on every run of ``batch`` at once; returns (final Batch, info dict of arrays).

    Update θ_f ← (1 − ηλ_f) θ_f − η ∂g/∂θ_f (the same as θ − η∇ℒ, fused in place). Loss and
    ‖∇ℒ‖_F are evaluated, and the stopping rules applied, every ``check_every`` steps and at
    ``max_steps``; the loss-change window is rounded up to a multiple of ``check_every``.
    ``progress``: optional callable(step, n_active), called at every check.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected and reported below
        return _gradient_descent(model, batch, config, progress)


def _gradient_descent(model, batch, config, progress):
    obj = BatchedObjective(model)
    obj.check(batch)
    S = batch.size
    theta = batch.copy()
    lr = float(config.lr)
    decay = [1.0 - lr * lam for lam in obj.lams]
    every = config.check_every
    lag = -(-config.window // every)  # window in checks
    steps = np.zeros(S, dtype=int)
    reason = np.array(["max_steps"] * S, dtype=object)
    loss = np.full(S, np.nan)
    gnorm = np.full(S, np.nan)
    ring = np.full((lag + 1, S), np.nan)
    history = [[] for _ in range(S)]
    active = np.arange(S)
    cur = theta.take(active)
    n_check = 0
    for step in range(config.max_steps + 1):
        Z, bp = obj.backprop(cur)
        if step % every == 0 or step == config.max_steps:
            f = obj.fit_value(Z) + obj.penalty(cur)
            gn = np.sqrt(sum(((g + lam * F) ** 2).sum(axis=(1, 2)) for g, lam, F in zip(bp, obj.lams, cur.factors)))
            loss[active], gnorm[active], steps[active] = f, gn, step
            ring[n_check % (lag + 1), active] = f
            if config.record_every and step % config.record_every == 0:
                for i, s in enumerate(active):
                    history[s].append((step, float(f[i])))
            bad = ~np.isfinite(f) | ~np.isfinite(gn)
            reason[active[bad]] = "diverged"
            stop = bad.copy()
            done = gn <= config.grad_tol
            reason[active[done & ~stop]] = "grad_tol"
            stop |= done
            if config.loss_tol > 0 and n_check >= lag:
                old = ring[(n_check + 1) % (lag + 1), active]
                flat = np.abs(old - f) <= config.loss_tol * np.maximum(1.0, np.abs(f))
                reason[active[flat & ~stop]] = "loss_tol"
                stop |= flat
            n_check += 1
            if step == config.max_steps:
                stop[:] = True
            if progress is not None:
                progress(step, int(np.sum(~stop)))
            if stop.any():
                theta.put(active[stop], cur.take(np.flatnonzero(stop)))
                keep = np.flatnonzero(~stop)
                active = active[keep]
                if not len(active):
                    break
                cur = cur.take(keep)
                bp = [g[keep] for g in bp]
        for F, g, c in zip(cur.factors, bp, decay):
            F *= c
            g *= lr
            F -= g
    return theta, {"loss": loss, "grad_norm": gnorm, "steps": steps, "reason": reason, "history": history}


def lbfgs(model: DeepUFM, params: Parameters, config: TrainConfig = PAPER_CONFIG):
    """scipy L-BFGS-B on one run (flat parameter vector); returns (Parameters, iterations, reason).

    reason: "lbfgs" (scipy status 0: projected-gradient max-norm <= grad_tol), "lbfgs_maxiter"
    (status 1: ``lbfgs_maxiter`` ran out), "lbfgs_stalled" (status 2, e.g. the line search can make
    no progress in float64 — usually at a tolerance below rounding; check ``grad_norm``)."""
    from scipy.optimize import minimize

    obj = BatchedObjective(model)

    def fun(x):
        b = Batch.from_flat(model, x[None, :])
        f, g = obj.loss_and_gradient(b)
        return float(f[0]), g.flat()[0]

    res = minimize(fun, np.asarray(params.flat(), dtype=float), jac=True, method="L-BFGS-B",
                   options={"maxiter": config.lbfgs_maxiter, "maxfun": 2 * config.lbfgs_maxiter,
                            "gtol": config.grad_tol, "ftol": 0.0, "maxcor": 30})
    reason = {0: "lbfgs", 1: "lbfgs_maxiter"}.get(int(res.status), "lbfgs_stalled")
    return Parameters.from_flat(model, res.x), int(res.nit), reason


def train(model: DeepUFM, seeds=None, config: TrainConfig = PAPER_CONFIG, init: str = "fan_in",
          init_scale: float = 1.0, params: Batch | None = None, progress=None) -> list:
    """Train one run per seed (or from ``params``, a ``Batch``); returns a list of ``TrainResult``.

    Gradient descent batches all runs in one vectorised computation; L-BFGS runs them one by one.
    """
    if params is None:
        if seeds is None:
            raise V.ParameterError("give seeds (a list of ints or SeedSequences) or params (a Batch)")
        params = init_parameters(model, seeds, init, init_scale)
    obj = BatchedObjective(model)
    obj.check(params)
    S = params.size
    if config.method == "gd":
        theta, info = gradient_descent(model, params, config, progress)
    else:
        theta = params.copy()
        info = {"steps": np.zeros(S, dtype=int), "reason": np.array(["lbfgs"] * S, dtype=object),
                "history": [[] for _ in range(S)]}
    results = []
    for s in range(S):
        p = theta.run(s)
        its, reason = 0, info["reason"][s]
        if reason == "diverged":
            results.append(TrainResult(p, float("nan"), float("nan"), float("nan"), float("nan"),
                                       int(info["steps"][s]), "diverged", 0, info["history"][s]))
            continue
        if config.method == "lbfgs" or config.polish:
            p, its, reason = lbfgs(model, p, config)
        one = Batch.stack([p])
        f, g = obj.loss_and_gradient(one)
        tot, fit, pen = obj.loss_parts(one)
        results.append(TrainResult(p, float(tot[0]), float(fit[0]), float(pen[0]), float(grad_norms(g)[0]),
                                   int(info["steps"][s]), str(reason), its, info["history"][s]))
    return results
