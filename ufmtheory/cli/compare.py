"""``ufmtheory compare``: every structure's exact optimum (scale, loss, fit, penalty), the zero
solution and the winner, for one (K, L, n, λ)."""
from __future__ import annotations

import argparse

from ..precision import DEFAULT_DPS, check_dps, nstr
from ..report import csv_text, json_text, text_table
from ..scale import compare
from ..structures import NAMED, named
from .common import add_model_arguments, lam_description, model_from_args


def add_parser(sub):
    p = sub.add_parser(
        "compare", help="optimal scale and loss of each structure vs the zero solution",
        description="For the linear DUFM at (K, L, n, λ): every positive critical point of each "
                    "structure's scale (proven brackets), the best one, and the zero solution.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--structures", default="dnc,paired,polygon",
                   help=f"comma-separated names from {', '.join(NAMED)}")
    p.add_argument("--loss", choices=["ce", "mse"], default="ce", help="fit term")
    p.add_argument("--dps", type=int, default=DEFAULT_DPS, help="significant digits of the results")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", help="also write the table as CSV to FILE")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    dps = check_dps(args.dps)
    model = model_from_args(args)
    names = [s.strip() for s in args.structures.split(",") if s.strip()]
    if not names:
        args._parser.error("--structures: give at least one structure")
    structures = [named(s, model.K) for s in names]
    res = compare(model, structures, dps)
    rows = [r.to_dict() for r in res["results"]]
    lam_desc = lam_description(args)
    out = {
        "model": {"K": model.K, "L": model.L, "n": model.n, "lam": lam_desc, "loss": model.loss,
                  "Lambda": nstr(model.Lambda(), dps)},
        "dps": dps,
        "structures": rows,
        "zero": {"loss": nstr(res["zero_loss"], dps)},
        "winner": res["winner"],
        "ties": res["ties"],
    }
    cols = ["name", "kind", "scale", "loss", "fit", "penalty"]
    if args.csv:
        with open(args.csv, "w", encoding="utf-8") as fh:
            fh.write(csv_text(rows + [{"name": "zero", "kind": "zero", "scale": "0", "loss": out["zero"]["loss"],
                                       "fit": out["zero"]["loss"], "penalty": "0"}], cols))
    if args.json:
        print(json_text(out))
        return 0
    print(f"{model!r}  ({dps} significant digits; critical points isolated with interval arithmetic)")
    table = [dict(r, scale=r["scale"], kind=r["kind"]) for r in rows]
    table.append({"name": "zero", "kind": "zero solution", "scale": "0", "loss": out["zero"]["loss"],
                  "fit": out["zero"]["loss"], "penalty": "0"})
    print(text_table(table, cols))
    for r in rows:
        cps = ", ".join(f"t={c['t'][:12]}… ({c['kind']})" for c in r["critical_points"]) or "none"
        print(f"  {r['name']}: positive critical points {cps}")
    tie = f" (ties with {', '.join(res['ties'])})" if res["ties"] else ""
    print(f"winner: {res['winner']}{tie}")
    return 0
