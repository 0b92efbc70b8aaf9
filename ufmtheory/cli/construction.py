"""``ufmtheory construction``: a named explicit construction's exact optimum against DNC.

relu-paired: Theorem 7's non-negative ReLU construction (CE) against the best linear DNC loss (the
Step 1 lower bound of every ReLU DNC configuration). triangular: the T(r) ReLU MSE construction
(K = r(r−1)/2) against the orthogonal frame (MSE DNC). Both optima come from proven brackets
(``Construction.optimum``); the penalty-constant comparison decides the result for every λ, n.
"""
from __future__ import annotations

import argparse
import math

from .. import limits
from .._validate import ParameterError
from ..patterns import get as get_pattern
from ..patterns import names as pattern_list
from ..precision import check_dps
from ..report import json_text, text_table
from .common import add_model_arguments, lam_description, model_from_args, pattern_names

NAMES = pattern_list("construction")  # the registry's constructions (``patterns``)


def add_parser(sub):
    p = sub.add_parser(
        "construction", help="a named explicit construction's optimum vs DNC (Theorem 7, Súkeník et al.)",
        description="Exact optimum (proven brackets) of an explicit ReLU construction with the cheapest per-factor "
                    "scalings, against DNC: relu-paired (Theorem 7, cross-entropy) vs the best linear DNC loss; "
                    "triangular (T(r), K = r(r−1)/2, MSE) vs the orthogonal frame.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--name", choices=NAMES, required=True, type=pattern_names("construction", "--name"),
                   help="which construction ('--name help' lists them)")
    add_model_arguments(p, K_help="number of classes (triangular: K = r(r−1)/2)", K_max=limits.CONSTRUCTION_MAX_K,
                        L_help="number of weight matrices", L_min=2, L_max=limits.CONSTRUCTION_MAX_L)
    p.add_argument("--dps", type=int, default=30,
                   help=f"significant digits of the results (5 to {limits.CONSTRUCTION_MAX_DPS})")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)
    return p


def _triangular_r(K: int) -> int:
    r = (1 + math.isqrt(1 + 8 * K)) // 2
    if not get_pattern("triangular").accepts_K(K):
        raise ParameterError(f"K must be a triangular number r(r−1)/2 with r >= 3 for --name triangular, got {K}")
    return r


def run(args) -> int:
    dps = check_dps(args.dps, limits.CONSTRUCTION_MAX_DPS)
    model = model_from_args(args, activation="relu", **({"loss": "mse"} if args.name == "triangular" else {}))
    limits.require_seconds(f"construction {args.name} at K = {model.K}, L = {model.L} with {dps} digits "
                           f"(lower --K, --L or --dps)", limits.construction_seconds(model.K, model.L, dps),
                           limits.CONSTRUCTION_MAX_SECONDS)
    r = _triangular_r(model.K) if args.name == "triangular" else None
    from ..constructions import orthogonal_frame, relu_paired, triangular  # the inputs are valid: now the heavy modules
    from ..mse import triangular_beats_dnc
    from ..relu import best_linear_dnc, stated_region, theorem7_inequality
    from ..scale import optimal_scale
    if args.name == "relu-paired":
        c = relu_paired(model.K, model.L)
        opt, ref = c.optimum(model, dps), best_linear_dnc(model, dps)
        ref_name, penalty_wins = "best linear DNC", theorem7_inequality(model.K, model.L)
        extra = {"stated_region": stated_region(model.K, model.L)}
    else:
        c = triangular(r, model.L)
        opt = c.optimum(model, dps)
        ref = optimal_scale(orthogonal_frame(model.K), model.with_(activation="linear"), dps)
        ref_name, penalty_wins = "orthogonal frame (DNC)", triangular_beats_dnc(r, model.L)
        extra = {"r": r}
    beats = opt.kind != "zero" and opt.loss < ref.loss
    out = {"model": {"K": model.K, "L": model.L, "n": model.n, "loss": model.loss, "activation": model.activation,
                     "lam": lam_description(args)},
           "dps": dps, "construction": opt.to_dict(), "reference": dict(ref.to_dict(), name=ref_name),
           "construction_beats_reference": bool(beats),
           "penalty_constant_below_dnc": bool(penalty_wins), **extra}
    if args.json:
        print(json_text(out))
        return 0
    print(f"{model!r}  ({dps} significant digits)")
    cols = ["name", "kind", "scale", "loss", "fit", "penalty"]
    print(text_table([out["construction"], out["reference"]], cols))
    print(f"construction beats {ref_name}: {beats}; penalty constant below DNC's (every λ, n): {penalty_wins}"
          + (f"; in Theorem 7's stated region: {extra['stated_region']}" if "stated_region" in extra else ""))
    return 0
