"""``ufmtheory landscape``: the critical points of one structure's scale as critical points of the full
linear DUFM — gradient (float64 and mpmath), exact Hessian eigenvalue counts, extreme eigenvalues,
and the dimension D_Z of the set of parameters with the same output by two routes (paper Theorems 4–6)."""
from __future__ import annotations

import argparse
import sys
import time

import mpmath
import numpy as np

from .. import _validate as V
from ..hessian import inertia, lanczos_extremes, zero_tolerance
from ..limits import (LANDSCAPE_AUTO_SECONDS, LANDSCAPE_FLOPS_PER_SECOND, LANDSCAPE_MAX_SECONDS, LANDSCAPE_MAX_SEED,
                      LANDSCAPE_MIN_LAMBDA_PRODUCT, LANDSCAPE_MP_OPS_PER_SECOND, require_memory,
                      require_seconds)
from ..model import DeepUFM  # noqa: F401  (type of _model)
from ..names import STRUCTURE_NAMES
from ..patterns import require as require_pattern
from ..precision import DEFAULT_DPS, check_dps, to_mpf
from ..report import csv_text, json_text
from .common import OutputFile, add_model_arguments, lam_description, model_from_args, pattern_names, write_text

DENSE_LIMIT = 2000      # parameters: dense float64 Hessian and Jacobian at a random frame ("auto")
MP_GRAD_LIMIT = 3000    # parameters: mpmath gradient at a random frame (else the canonical frame)
MP_BLOCK_LIMIT = 400    # parameters: mpmath block spectrum ("auto")


def add_parser(sub):
    p = sub.add_parser(
        "landscape", help="critical points of the full model: gradient, Hessian inertia, D_Z",
        description="For the linear DUFM at (K, L, n, d, λ) and a structure: every positive critical scale "
                    "(proven brackets), the Lemma 1 parameters there (any frame U_l), the full gradient in "
                    "float64 and mpmath, the exact Hessian's negative/zero/positive eigenvalue counts "
                    "(symmetry-adapted blocks; dense and 50-digit cross-checks for small sizes), min/max "
                    "eigenvalues, and D_Z by Hessian nullity and by the rank of the Jacobian of the "
                    "orbit parametrisation, next to the paper's counts.",
        epilog=f"Runs estimated to take more than {LANDSCAPE_MAX_SECONDS} s, or more memory than the limit, are "
               f"refused with the estimate; the auto cross-checks run when estimated below {LANDSCAPE_AUTO_SECONDS} s.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_model_arguments(p, lam_example="0.01")
    p.add_argument("--d", type=int, help="width (>= K; default K)")
    p.add_argument("--structure", default="dnc", type=pattern_names("landscape", "--structure"),
                   help=f"one of {', '.join(STRUCTURE_NAMES)} ('--structure help' lists them)")
    p.add_argument("--root", default="all",
                   help="which positive critical scale: all, small, large, or an index 1, 2, … (increasing t)")
    p.add_argument("--dps", type=int, default=DEFAULT_DPS, help="digits of the mpmath checks")
    p.add_argument("--dense", choices=["auto", "yes", "no"], default="auto",
                   help=f"dense Hessian/Jacobian at a random frame (auto: <= {DENSE_LIMIT} parameters)")
    p.add_argument("--mp", choices=["auto", "yes", "no"], default="auto",
                   help=f"Hessian blocks at --dps digits (auto: <= {MP_BLOCK_LIMIT} parameters, or when the "
                        "float64 zero/non-zero decision has no margin)")
    p.add_argument("--lanczos", choices=["auto", "yes", "no"], default="auto",
                   help=f"extreme eigenvalues by Lanczos on Hessian-vector products at a random frame "
                        f"(auto: > {DENSE_LIMIT} parameters)")
    p.add_argument("--seed", type=int, default=0, help=f"seed of the random orthogonal U_l (0..{LANDSCAPE_MAX_SEED})")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", type=OutputFile(suffixes=(".csv", ".txt")),
                   help="also write one row per critical point as CSV to FILE")
    p.set_defaults(func=run)
    return p


def _model(args) -> DeepUFM:
    return model_from_args(args, d=args.d)


def _select(points, root: str):
    if root == "all":
        return points
    if root in ("small", "large"):
        sel = [p for p in points if p.branch == root]
        if not sel:
            raise V.ParameterError(f"--root {root}: this structure has {len(points)} positive critical point(s), "
                                   "not a small/large pair")
        return sel
    try:
        k = int(root)
    except ValueError:
        raise V.ParameterError(f"--root must be all, small, large or an index 1..{len(points)}, got {root!r}") from None
    if not 1 <= k <= len(points):
        raise V.ParameterError(f"--root must be between 1 and {len(points)}, got {k}")
    return [points[k - 1]]


def _s(x, digits=6):
    if x is None:
        return None
    return mpmath.nstr(mpmath.mpf(x), digits)


def analyse(point, args, n_params: int) -> dict:
    """Everything the command reports for one critical point."""
    from ..landscape import (block_spectrum, dense_spectrum, dimension_computed_formula, dimension_dnc_paper,
                             dimension_paper, jacobian_rank, orbit_jacobian)
    model, dps = point.model, args.dps
    t0 = time.perf_counter()
    out = {"branch": point.branch, "scale_kind": point.kind, "t": mpmath.nstr(point.t, 20),
           "loss": mpmath.nstr(point.loss, 20), "rank": point.rank}
    g, sz = point.gradient(mp=False, orthogonals="random", rng=args.seed)
    out["gradient_float64"] = {"max_abs": _s(g, 3), "term_size": _s(sz, 3), "frame": "random"}
    frame = "random" if n_params <= MP_GRAD_LIMIT else "identity"
    with mpmath.workdps(dps):
        gm, szm = point.gradient(mp=True, orthogonals=frame, rng=args.seed)
        critical = bool(gm <= mpmath.mpf(10) ** (-(dps - 10)) * szm)
        out["gradient_mp"] = {"max_abs": _s(gm, 3), "term_size": _s(szm, 3), "frame": frame, "dps": dps}
    out["critical"] = critical

    spec = block_spectrum(point)
    I = spec.inertia()
    out["hessian"] = {"method": "symmetry-adapted blocks, canonical frame, float64", **I.to_dict(),
                      "max_block_residual": _s(spec.max_residual(), 3), "largest_block": spec.largest_block,
                      "transverse_min": _s(spec.transverse_min(), 8)}
    nullity, nullity_route = I.zero, "float64 blocks"
    use_mp = args.mp == "yes" or (args.mp == "auto" and args._plan["mp_blocks"]
                                  and (n_params <= MP_BLOCK_LIMIT or not I.clear))
    if use_mp:
        with mpmath.workdps(dps):
            Im = block_spectrum(point, mp=True).inertia()
        out["hessian_mp"] = {"dps": dps, **Im.to_dict()}
        if Im.clear:
            nullity, nullity_route = Im.zero, f"{dps}-digit blocks"
    dense = args._plan["dense"]
    if dense:
        ev, asym = dense_spectrum(point, "random", rng=args.seed)
        Id = inertia(ev, zero_tolerance(len(ev), float(np.max(np.abs(ev))), False))
        out["hessian_dense"] = {"frame": "random", "asymmetry": _s(asym, 3), **Id.to_dict()}
    lz = args.lanczos == "yes" or (args.lanczos == "auto" and n_params > DENSE_LIMIT)
    if lz:
        lo, hi = lanczos_extremes(model, point.parameters("random", rng=args.seed), k=1)
        out["lanczos"] = {"frame": "random", "min_eig": _s(lo[0], 8), "max_eig": _s(hi[-1], 8)}

    jb, jb_small, _ = spec.orbit_dimension()
    dims = {"hessian_nullity": nullity, "nullity_route": nullity_route, "jacobian_rank_blocks": jb}
    if dense:
        J = orbit_jacobian(model, point.parameters("random", rng=args.seed + 1))
        rk, tol, z, nz = jacobian_rank(J)
        dims["jacobian_rank_dense"] = rk
        dims["jacobian_dense_gap"] = {"tol": _s(tol, 3), "largest_zero_sv": _s(z, 3), "smallest_nonzero_sv": _s(nz, 3)}
    r, d, L = point.rank, model.d, model.L
    sv = point.structure.exact_singular_values
    equal = sv is not None and len(set(x for x in sv if x != 0)) == 1
    dims["formula_stiefel"] = dimension_computed_formula(L, r, d)
    dims["paper"] = dimension_paper(L, r, d, equal)
    dims["paper_rule"] = "Grassmannian C(r) = r²" if equal else "Stiefel C(r) = r(r+1)/2"
    if point.structure.name == "dnc":
        dims["paper_D_DNC"] = dimension_dnc_paper(model.K, L, d)
    out["D_Z"] = dims
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def _seconds(est) -> float:
    return est[1] / LANDSCAPE_FLOPS_PER_SECOND + est[2] / LANDSCAPE_MP_OPS_PER_SECOND


def plan(model, r: int, n_points: int, args, n_params: int) -> dict:
    """Which optional parts run ({"mp_blocks", "dense"}), after refusing (``ParameterError``) a run
    whose estimated memory (``limits.landscape_work``) exceeds the limit or whose time exceeds
    LANDSCAPE_MAX_SECONDS; "auto" parts are dropped when estimated above LANDSCAPE_AUTO_SECONDS."""
    from ..limits import landscape_work
    parts = {k: landscape_work(model, r, k) for k in ("blocks", "mp_gradient", "mp_blocks", "dense")}
    secs = {k: n_points * _seconds(e) for k, e in parts.items()}
    use = {"mp_blocks": args.mp == "yes" or (args.mp == "auto" and secs["mp_blocks"] <= LANDSCAPE_AUTO_SECONDS),
           "dense": args.dense == "yes" or (args.dense == "auto" and n_params <= DENSE_LIMIT
                                            and secs["dense"] <= LANDSCAPE_AUTO_SECONDS)}
    run_parts = ["blocks", "mp_gradient"] + [k for k in ("mp_blocks", "dense") if use[k]]
    if args.mp == "yes" and args.dense == "yes":
        what = "the Hessian (blocks, mpmath blocks, dense)"
    else:
        what = "the Hessian" + (" with --dense yes" if args.dense == "yes" else "") + (
            " with --mp yes" if args.mp == "yes" else "")
    what = (f"{what} at {n_params} parameters (d = {model.d}) for {n_points} critical point(s)")
    require_memory(what, max(parts[k][0] for k in run_parts))
    require_seconds(what, sum(secs[k] for k in run_parts), LANDSCAPE_MAX_SECONDS)
    return use


def _check_lambda(model) -> None:
    """The float64 checks need λ_H·λ_W1⋯λ_WL to be a normal float64 (else √(Λ/λ_k) divides 0 by 0)."""
    with mpmath.workdps(30):
        prod = mpmath.fprod(to_mpf(v) for v in model.lams)
    if prod < LANDSCAPE_MIN_LAMBDA_PRODUCT:
        raise V.ParameterError(
            f"--lam/--lams: landscape needs the product of the L+1 = {model.L + 1} values of λ to be >= "
            f"{LANDSCAPE_MIN_LAMBDA_PRODUCT:.3g} (the float64 range of its float64 checks), got {mpmath.nstr(prod, 3)}")


def run(args) -> int:
    dps = check_dps(args.dps)
    args.dps = dps
    args.seed = V.integer("seed", args.seed, 0, LANDSCAPE_MAX_SEED)
    model = _model(args)
    require_pattern(args.structure.strip(), "landscape", "--structure: structure")
    _check_lambda(model)
    if model.activation != "linear":  # pragma: no cover - the CLI builds linear models only
        raise V.ParameterError("landscape needs the linear model")
    n_params = sum(a * b for a, b in model.shapes().values())
    plan(model, 1, 1, args, n_params)  # refuse what is too large even for one rank-1 point, before any import
    from ..landscape import critical_points  # the inputs are valid: now the heavy modules
    from ..structures import named
    structure = named(args.structure.strip(), model.K, loss=model.loss)
    points = critical_points(model, structure, dps)
    if not points:
        raise V.ParameterError(f"{structure.name} has no positive critical scale at this λ "
                               "(λ too large: only the zero solution)")
    points = _select(points, args.root)
    args._plan = plan(model, structure.rank, len(points), args, n_params)
    from tqdm import tqdm
    results = [analyse(p, args, n_params)
               for p in tqdm(points, desc="landscape", leave=False, disable=len(points) < 2 or not sys.stderr.isatty())]
    lam_desc = lam_description(args)
    out = {"model": {"K": model.K, "L": model.L, "n": model.n, "d": model.d, "lam": lam_desc,
                     "parameters": n_params}, "structure": structure.name, "points": results}
    if args.csv:
        flat = [{"branch": r["branch"], "t": r["t"], "critical": r["critical"],
                 "negative": r["hessian"]["negative"], "zero": r["hessian"]["zero"], "positive": r["hessian"]["positive"],
                 "min_eig": r["hessian"]["min_eig"], "max_eig": r["hessian"]["max_eig"],
                 "nullity": r["D_Z"]["hessian_nullity"], "jacobian_rank": r["D_Z"]["jacobian_rank_blocks"],
                 "formula": r["D_Z"]["formula_stiefel"], "paper": r["D_Z"]["paper"]} for r in results]
        write_text(args.csv, csv_text(flat, list(flat[0])))
    if args.json:
        print(json_text(out))
        return 0
    print(f"{model!r}, structure {structure.name} (rank {structure.rank}), {n_params} parameters")
    for r in results:
        h = r["hessian"]
        print(f"\n[{r['branch']}] t = {r['t']}  ({r['scale_kind']} of f_S)  loss = {r['loss']}")
        gf, gm = r["gradient_float64"], r["gradient_mp"]
        print(f"  gradient      max|∇ℒ| = {gf['max_abs']} (float64, random U_l); {gm['max_abs']} at {gm['dps']} digits "
              f"({gm['frame']} frame); terms of size {gm['term_size']} → "
              + ("critical point" if r["critical"] else "NOT a critical point of the DUFM"))
        print(f"  Hessian       negative {h['negative']}, zero {h['zero']}, positive {h['positive']}   "
              f"[blocks, float64; tol {h['tol']}, largest |μ| counted zero {h['largest_zero']}, "
              f"smallest non-zero {h['smallest_nonzero']}{'' if h['clear'] else ' — NO MARGIN'}]")
        print(f"                min eigenvalue {h['min_eig']}, max {h['max_eig']}; smallest transverse to the "
              f"symmetry orbit {h['transverse_min']}")
        if "hessian_mp" in r:
            m = r["hessian_mp"]
            print(f"                {m['dps']} digits: negative {m['negative']}, zero {m['zero']}, positive {m['positive']} "
                  f"(largest zero {m['largest_zero']}, smallest non-zero {m['smallest_nonzero']}, tol {m['tol']})")
        if "hessian_dense" in r:
            m = r["hessian_dense"]
            print(f"                dense (random U_l): negative {m['negative']}, zero {m['zero']}, positive "
                  f"{m['positive']} (largest zero {m['largest_zero']}, smallest non-zero {m['smallest_nonzero']})")
        if "lanczos" in r:
            print(f"                Lanczos on HVPs (random U_l): min {r['lanczos']['min_eig']}, max {r['lanczos']['max_eig']}")
        D = r["D_Z"]
        jd = f", dense {D['jacobian_rank_dense']}" if "jacobian_rank_dense" in D else ""
        extra = f"; paper's D_DNC = L(K−1)(d−K+1) = {D['paper_D_DNC']}" if "paper_D_DNC" in D else ""
        print(f"  D_Z           Hessian nullity {D['hessian_nullity']} ({D['nullity_route']}); Jacobian rank "
              f"{D['jacobian_rank_blocks']} (blocks{jd}); L(rd − r(r+1)/2) = {D['formula_stiefel']}; "
              f"paper ({D['paper_rule']}) {D['paper']}{extra}")
        print(f"  ({r['seconds']} s)")
    sys.stdout.flush()
    return 0
