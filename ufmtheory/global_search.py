"""Global search: multi-start optimisation of the full DUFM objective over a collapsed K×K class-mean
output in factorised form, with no structure assumed.

With features collapsed to class means (H_1 = H̄ ⊗ 1_nᵀ, H̄ ∈ R^{d×K}) the objective of SPEC §1 is
    ℒ = g(W_L ⋯ W_1 H̄) + ½(n λ_H ‖H̄‖² + Σ_l λ_{W_l} ‖W_l‖²),   g averaged over the K classes,
which is exactly ``DeepUFM(K, L, n=1, lam=[n λ_H, λ_W1, …])`` — so ``objective.loss_and_gradient``
(float64, exact gradients) serves. Each start: Gaussian factors at a random scale, then
scipy's L-BFGS-B to a tight tolerance. Reported: the best loss, the singular values of Z̄* (and of the
full Z = Z̄ ⊗ 1ᵀ, which are √n times larger), how many starts reached the best loss, and the nearest
named family (``families``, optimal scales from ``optimal_value``, compared by loss and singular values;
for odd K also the coupled family ``coupled.optimum``, entry ``coupled_entry``, not counted as proven).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np
import scipy.optimize

from . import _validate as V
from . import coupled
from .families import default_families
from .losses import CE
from .model import DeepUFM, Parameters
from .objective import loss_and_gradient, output
from .optimal_value import FamilyCurves
from .precision import WINNER_RTOL, to_mpf

#: Digits of the coupled family's optimum in ``coupled_entry`` (its loss is compared in float64).
COUPLED_DPS = 20


@dataclass
class SearchResult:
    K: int
    L: int
    n: int
    lam: object
    mu: float
    best_loss: float
    singular_values: np.ndarray  # of the class-mean output Z̄* (descending)
    Z: np.ndarray
    losses: np.ndarray  # every start's final loss
    hits: int  # starts within ``tol`` of the best
    tol: float
    named: list  # [{name, loss, singular_values, scales}] incl. zero
    nearest: str
    nearest_loss_gap: float
    nearest_sv_distance: float
    matches_nearest: bool
    better_than_named: bool  # below every family with proven optimum (``named`` entries with proven=True)
    margin_below_named: float
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"K": self.K, "L": self.L, "n": self.n, "lam": str(self.lam), "mu": self.mu,
                "best_loss": self.best_loss, "singular_values": [float(x) for x in self.singular_values],
                "full_singular_values": [float(x) * np.sqrt(self.n) for x in self.singular_values],
                "starts": int(len(self.losses)), "hits": int(self.hits), "tol": self.tol,
                "nearest": self.nearest, "nearest_loss_gap": self.nearest_loss_gap,
                "nearest_sv_distance": self.nearest_sv_distance, "matches_nearest": self.matches_nearest,
                "better_than_named": self.better_than_named, "margin_below_named": self.margin_below_named,
                "named": [{k: (v if not isinstance(v, np.ndarray) else [float(x) for x in v]) for k, v in d.items()}
                          for d in self.named]}


def _collapsed_model(K, L, n, lam) -> DeepUFM:
    lams = list(lam) if isinstance(lam, (list, tuple)) else [lam] * (L + 1)
    if len(lams) != L + 1:
        raise V.ParameterError(f"lam must be one value or L+1 = {L + 1} values, got {len(lams)}")
    lams = [float(to_mpf(x)) for x in lams]
    lams[0] *= n
    return DeepUFM(K, L, n=1, lam=lams, d=K)


def coupled_entry(K: int, L: int, lam, n: int = 1, dps: int = COUPLED_DPS) -> dict:
    """The coupled odd-K family's minimum (``coupled.optimum``: every critical point per stratum, refined at
    two precisions; not a proof of completeness, hence ``proven`` False) at the exact (K, L, n, λ), as an
    entry of ``SearchResult.named``: name ``coupled.NAME``, float loss, the K class-mean singular values,
    scales (a, β, γ) and the minimiser's stratum.

    >>> d = coupled_entry(5, 2, "3/100")
    >>> d["name"], round(d["loss"], 10), d["stratum"], d["proven"]
    ('coupled', 0.5111538568, 'interior', False)
    """
    o = coupled.optimum(coupled.CoupledFamily.from_model(DeepUFM(K, L, n=n, lam=lam)), dps)
    sv = sorted((float(x) for x in o.singular_values()), reverse=True)
    return {"name": coupled.NAME, "loss": float(o.loss), "singular_values": np.array(sv + [0.0] * (K - len(sv))),
            "scales": [float(t) for t in o.theta], "stratum": o.best.stratum, "proven": False}


def named_optima(K: int, L: int, mu, families=None, dps: int = 30) -> list:
    """Each family's optimum at μ = Λ n^{1/(L+1)}: loss, scales and class-mean singular values."""
    fams = families if families is not None else default_families(K)
    out = [{"name": "zero", "loss": float(mpmath.log(K)), "singular_values": np.zeros(K), "scales": [],
            "proven": True}]
    for f in fams:
        fc = FamilyCurves(f, L, dps)
        v, _, scales = fc.point(mpmath.mpf(mu))
        sv = []
        for comp, s in zip(f.components, scales):
            sv += [float(s) * float(x) for x in comp.numbers(20)[1]]
        sv = np.array(sorted(sv, reverse=True) + [0.0] * (K - len(sv)))
        out.append({"name": f.name, "loss": float(v), "singular_values": sv, "scales": [float(s) for s in scales],
                    "proven": True})
    return out


def global_search(K: int, L: int, lam, n: int = 1, starts: int = 24, seed: int = 0, tol: float = 1e-8,
                  init_scales=(0.3, 1.0, 2.0), families=None, maxiter: int = 20000,
                  progress: bool = False) -> SearchResult:
    """Best loss over ``starts`` L-BFGS runs of the collapsed factorised objective (module docstring).
    ``progress``: a tqdm bar over the starts (on stderr)."""
    K = V.integer("K", K, 2)
    L = V.integer("L", L, 1)
    n = V.integer("n", n, 1)
    starts = V.integer("starts", starts, 1)
    model = _collapsed_model(K, L, n, lam)
    with mpmath.workdps(30):
        mu = model.Lambda()
    rng = np.random.default_rng(seed)

    def fun(x):
        P = Parameters.from_flat(model, x)
        val, grad = loss_and_gradient(model, P)
        return float(val), grad.flat()

    from tqdm import tqdm
    finals, Zs = [], []
    for s in tqdm(range(starts), desc="search", disable=not progress, leave=False):
        scale = init_scales[s % len(init_scales)] * float(np.exp(rng.normal(0, 0.3)))
        x0 = model.random_parameters(rng, scale=scale).flat()
        res = scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B",
                                      options={"maxiter": maxiter, "maxfun": 4 * maxiter, "ftol": 1e-16,
                                               "gtol": 1e-11, "maxcor": 30})
        finals.append(float(res.fun))
        Zs.append(output(model, Parameters.from_flat(model, res.x)))
    finals = np.array(finals)
    ib = int(np.argmin(finals))
    best = float(finals[ib])
    Z = Zs[ib]
    sv = np.linalg.svd(Z, compute_uv=False)
    hits = int(np.sum(finals <= best + tol * max(1.0, abs(best))))
    named = named_optima(K, L, mu, families)
    numerical = []
    if K % 2 == 1 and K >= 3:
        numerical.append(coupled_entry(K, L, lam, n))
    dist = []
    for d in named + numerical:
        dl = abs(best - d["loss"])
        ds = float(np.linalg.norm(sv - d["singular_values"]))
        dist.append((dl, ds, d["name"]))
    near = min(dist, key=lambda x: (x[0] > tol * max(1.0, abs(best)), x[1], x[0]))
    min_named = min(d["loss"] for d in named)
    better = best < min_named - tol * max(1.0, abs(min_named))
    matches = near[0] <= tol * max(1.0, abs(best)) and near[1] <= 1e-4 * max(1.0, float(np.max(sv)))
    return SearchResult(K, L, n, lam, float(mu), best, sv, Z, finals, hits, tol, named + numerical, near[2], near[0],
                        near[1], bool(matches), bool(better), float(min_named - best))


def search_scope(result: dict, starts: int, seed: int = 0, rtol: float = WINNER_RTOL,
                 progress: bool = False) -> dict:
    """Test the winner of ``scale.compare`` (``result``) against ``global_search`` with ``starts`` starts.

    By the reduction lemma (proofs/reduction_lemma.py) a global minimiser may be taken collapsed, which
    is what the search optimises. Returns ``{"scope", "search", "statement"}``: scope "best-known" when
    the search's best loss is not below the winner's by more than rtol·max(1, |loss|), else
    "beaten-by-search" (the listed winner is then NOT the optimum). ``search`` holds starts, seed,
    best_loss, the singular values of the full output Z = Z̄ ⊗ 1ᵀ and of Z̄, rtol, the margin
    (winner's loss − search's loss) and reached_winner (the margin is >= −tolerance; if not, the
    statement says the evidence is weak). CE only (ParameterError for another loss)."""
    model = result["model"]
    if model.loss_fn != CE:
        raise V.ParameterError(f"search: the global search minimises the CE loss only, got loss {model.loss!r}")
    starts = V.integer("starts", starts, 1)
    r = global_search(model.K, model.L, list(model.lams), n=model.n, starts=starts, seed=seed,
                      families=(), progress=progress)
    winner = result["winner"]
    best = float(result["winner_loss"])
    margin = best - r.best_loss
    beaten = margin > rtol * max(1.0, abs(best))
    reached = margin >= -rtol * max(1.0, abs(best))  # some start got down to the winner's loss
    sv_full = [float(x) * float(np.sqrt(model.n)) for x in r.singular_values]
    search = {"starts": starts, "seed": seed, "best_loss": r.best_loss, "singular_values": sv_full,
              "class_mean_singular_values": [float(x) for x in r.singular_values], "rtol": rtol,
              "margin": margin, "winner_loss": best, "reached_winner": bool(reached)}
    listed = ", ".join(result["compared"])
    if beaten:
        shown = ", ".join(f"{x:.6g}" for x in sv_full if x > 1e-8 * max(1.0, sv_full[0]))
        statement = (f"the search found a lower loss {r.best_loss:.12g} (singular values {shown or '0'}) than the "
                     f"best listed structure ({winner}, loss {best:.12g}): the listed winner is NOT the optimum")
        scope = "beaten-by-search"
    else:
        statement = (f"best-known ({starts} start{'s' if starts > 1 else ''} found nothing lower: search loss "
                     f"{r.best_loss:.16g}, {winner} {best:.16g}, search − {winner} = {r.best_loss - best:+.2g}, "
                     f"tolerance {rtol:g}·max(1, |loss|)); compared: {listed}")
        if not reached:
            statement += (f" — but no start reached {winner}'s loss either, so this is weak evidence "
                          f"(try more --search starts)")
        scope = "best-known"
    return {"scope": scope, "search": search, "statement": statement}
