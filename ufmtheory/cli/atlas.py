"""``ufmtheory atlas``: the symmetry atlas of the reduced problem for K <= 6 (``ufmtheory.atlas``): the
critical points found on the fixed subspace of every conjugacy class of subgroups of S_K, refined in
mpmath, the best of them, the listed families' optima and a plain multi-start search for comparison."""
from __future__ import annotations

import argparse
import sys

from .. import _validate as V
from .. import limits
from ..report import csv_text, json_text, text_table
from .common import OutputFile, add_model_arguments, lam_description, model_from_args, write_text


def add_parser(sub):
    p = sub.add_parser(
        "atlas", help="symmetric critical points on the fixed subspaces of all subgroups of S_K (K <= 6)",
        description="For the reduced linear-DUFM problem at (K, L, n, λ): one subgroup per conjugacy class "
                    "of S_K, a multi-start search on its fixed subspace, the distinct critical points "
                    "(isotropy, rank, singular values, loss; refined in mpmath) and the best one, compared "
                    "with the listed families and a plain multi-start search.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_model_arguments(p, K_max=limits.ATLAS_MAX_K, lam_example="2^-10")
    p.add_argument("--starts", type=int, default=8,
                   help=f"L-BFGS starts per subgroup class (1 to {limits.ATLAS_MAX_STARTS})")
    p.add_argument("--seed", type=int, default=0, help="random seed (>= 0)")
    p.add_argument("--search", type=int, default=24, metavar="N",
                   help=f"starts of the plain global search over the full space (0 to "
                        f"{limits.ATLAS_MAX_SEARCH_STARTS}; 0 skips it)")
    p.add_argument("--dps", type=int, default=30,
                   help=f"significant digits of the refined points (5 to {limits.ATLAS_MAX_DPS})")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", type=OutputFile(suffixes=(".csv",)),
                   help="also write the table of critical points as CSV to FILE")
    p.set_defaults(func=run)
    return p


COLUMNS = ["pattern", "isotropy", "isotropy_order", "dim_fix", "rank", "loss", "singular_values",
           "full_gradient", "found_on_classes", "note"]


def run(args) -> int:
    if args.K is not None and not 2 <= args.K <= limits.ATLAS_MAX_K:
        raise V.ParameterError(f"--K must be an integer >= 2 and <= {limits.ATLAS_MAX_K} "
                               f"(the atlas enumerates the subgroups of S_K), got {args.K}")
    model = model_from_args(args)
    starts = V.integer("--starts", args.starts, 1, limits.ATLAS_MAX_STARTS)
    search = V.integer("--search", args.search, 0, limits.ATLAS_MAX_SEARCH_STARTS)
    seed = V.integer("--seed", args.seed, 0)
    dps = V.integer("--dps", args.dps, 5, limits.ATLAS_MAX_DPS)
    from ..atlas import atlas  # inputs valid: now the heavy modules
    lam = list(model.lams) if args.lams is not None else args.lam
    res = atlas(model.K, model.L, lam, n=model.n, starts=starts, seed=seed, dps=dps, search_starts=search,
                progress=sys.stderr.isatty() and not args.json)
    res.pop("points")
    res["model"]["lam"] = lam_description(args)
    rows = [dict(r, singular_values=" ".join(x[:10] for x in r["singular_values"]) or "-") for r in res["rows"]]
    if args.csv:
        write_text(args.csv, csv_text(rows, COLUMNS + ["refined", "digits_verified", "normal_norm"]))
    if args.json:
        print(json_text(res))
        return 0
    m = res["model"]
    print(f"atlas K={m['K']} L={m['L']} n={m['n']} λ={m['lam']} (μ = {m['mu']}): {res['classes']} subgroup classes, "
          f"{res['starts_per_class']} starts each, seed {res['seed']}; losses to {dps} digits where refined")
    print(text_table([dict(r, loss=r["loss"][:dps + 2]) for r in rows], COLUMNS, widths={"singular_values": 40,
                                                                                         "note": 30}))
    b, f = res["best"], res["families_best"]
    print(f"best: {b['pattern'] or '-'} (isotropy {b['isotropy']}, rank {b['rank']}), loss {b['loss']}")
    print(f"best listed family: {f['name']} {f['loss']:.16g}; atlas − family = {res['atlas_minus_families']:+.3g}")
    if "search" in res:
        s = res["search"]
        print(f"plain search ({s['starts']} starts, seed {s['seed']}): {s['best_loss']:.16g}, search − atlas = "
              f"{s['search_minus_atlas']:+.3g}" + (" — LOWER than the atlas" if s["lower_than_atlas"] else
                                                   " (nothing lower)"))
    return 0
