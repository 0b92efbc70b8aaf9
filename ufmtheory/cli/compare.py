"""``ufmtheory compare``: every structure's exact optimum (scale, loss, fit, penalty), the zero
solution and the winner among them, for one (K, L, n, λ), labelled with how much is proven: "family-relative"
(best of the listed structures), or with ``--search N`` / ``--atlas N`` "best-known" (nothing lower found) /
"beaten-by-search" / "beaten-by-atlas". At K = 3, ``--global`` also encloses the global minimum
(``global_min.certified_minimum``, exact λ, budget ``--global-seconds``) and labels the winner
"certified-global" (its loss lies in a certified enclosure and its structure is the minimiser's) or
"beaten-by-global" (the proven upper bound of the global minimum is below the winner's loss, also when the
enclosure is too wide to certify); otherwise the statement gives the enclosure (``global_scope``). The JSON
output then has a "global" object (lower, upper, certified, structure, boxes, seconds, max_seconds)."""
from __future__ import annotations

import argparse
import sys

from .. import _validate as V
from .. import limits
from ..losses import CE
from ..names import COMPARE_NAMES, COUPLED_NAME
from ..precision import DEFAULT_DPS, GUARD_DIGITS, WINNER_RTOL, PrecisionError, check_dps, nstr, short, workdps
from ..report import csv_text, json_text, text_table
from .common import (CommandFailed, OutputFile, add_loss_argument, add_model_arguments, lam_description, model_from_args, pattern_names,
                     write_text)

#: Default time budget (seconds) of ``--global`` (``global_min.certified_minimum``'s max_seconds).
GLOBAL_SECONDS = 60.0


def add_parser(sub):
    p = sub.add_parser(
        "compare", help="optimal scale and loss of each structure vs the zero solution",
        description="For the linear DUFM at (K, L, n, λ): every positive critical point of each "
                    "structure's scale (proven brackets), the best one, and the zero solution.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_model_arguments(p, K_max=limits.COMPARE_MAX_K, L_max=limits.COMPARE_MAX_L)
    p.add_argument("--structures", default=None, type=pattern_names("compare"),
                   help=f"comma-separated distinct names from {', '.join(COMPARE_NAMES)} (default: dnc,paired,polygon, "
                        f"and {COUPLED_NAME} for odd K with the CE loss; {COUPLED_NAME} = pairs at a scale a + a centred "
                        f"singleton with coupled scales β, γ, odd K only, up to {limits.COUPLED_MAX_DPS} digits); "
                        f"'--structures help' lists them")
    add_loss_argument(p)
    p.add_argument("--dps", type=int, default=DEFAULT_DPS,
                   help=f"significant digits of the results (5 to {limits.COMPARE_MAX_DPS})")
    p.add_argument("--search", type=int, default=0, metavar="N",
                   help=f"also run the multi-start global search (CE only; 0 to {limits.COMPARE_MAX_SEARCH_STARTS} "
                        f"starts): the winner is 'best-known' if it finds no loss lower by more than "
                        f"{WINNER_RTOL:g}·max(1, |loss|), else 'beaten-by-search'")
    p.add_argument("--search-seed", type=int, default=0, help="random seed of --search")
    p.add_argument("--atlas", type=int, default=0, metavar="N",
                   help=f"also run the symmetry atlas (CE, K <= {limits.ATLAS_MAX_K}, one λ; N starts per subgroup "
                        f"class, 0 to {limits.ATLAS_MAX_STARTS}): 'best-known' if no symmetric critical point is "
                        f"lower, else 'beaten-by-atlas'")
    p.add_argument("--global", dest="global_min", action="store_true",
                   help=f"K = 3 only (CE, one λ, L <= {limits.GLOBAL_MAX_L}): also enclose the global minimum of the "
                        f"reduced loss by interval branch and bound; the winner is 'certified-global' if its loss lies "
                        f"in a certified enclosure and its structure is the minimiser's, 'beaten-by-global' if the "
                        f"proven upper bound is below the winner's loss; else the enclosure is stated")
    p.add_argument("--global-seconds", type=float, default=argparse.SUPPRESS, metavar="S",
                   help=f"time budget of --global (default {GLOBAL_SECONDS:g} s; past it the enclosure stays proven "
                        f"but may be too wide to certify)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="FILE", type=OutputFile(),
                   help="also write the table as CSV to FILE")
    p.set_defaults(func=run)
    return p


def _structure_names(text, K: int | None = None, loss=CE, dps: int = DEFAULT_DPS) -> list:
    """'dnc, paired' → ['dnc', 'paired']: at least one, known, none repeated (ParameterError). ``None`` →
    the default: dnc, paired, polygon, and coupled for odd K with the CE loss (at most COUPLED_MAX_DPS
    digits). 'coupled' asked for with even K, the MSE loss or too many digits is refused."""
    from .._validate import ParameterError
    from ..patterns import get, require
    if text is None:
        names = [s for s in COMPARE_NAMES if s != COUPLED_NAME]
        if K is not None and get(COUPLED_NAME).accepts_K(K) and loss == CE and dps <= limits.COUPLED_MAX_DPS:
            names.append(COUPLED_NAME)
        return names
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise ParameterError(f"--structures: give at least one of {', '.join(COMPARE_NAMES)} ('--structures help' "
                             f"lists them)")
    entries = {s: require(s, "compare", "--structures: structure") for s in names}
    repeated = sorted({s for s in names if names.count(s) > 1})
    if repeated:
        raise ParameterError(f"--structures names {', '.join(repeated)} more than once (give each structure once)")
    for s, entry in entries.items():
        if K is not None and not entry.accepts_K(K):
            raise ParameterError(f"--K: {s} ({entry.kind}) needs {entry.K_text}, got K = {K}")
    if COUPLED_NAME in names and K is not None:
        if loss != CE:
            raise ParameterError(f"--loss: the {COUPLED_NAME} family is defined for the CE loss only, got {loss.key}")
        if dps > limits.COUPLED_MAX_DPS:
            raise ParameterError(f"--dps: the {COUPLED_NAME} family is computed to at most "
                                 f"{limits.COUPLED_MAX_DPS} digits, got {dps}")
    return names


def _global_budget(args, model):
    """The --global time budget (None without --global), after checking that --global applies: K = 3, the CE
    loss, L <= GLOBAL_MAX_L, n <= GLOBAL_MAX_N, one exact λ for every factor (ParameterError otherwise)."""
    given = getattr(args, "global_seconds", None)  # absent unless given (default SUPPRESS)
    if not args.global_min:
        if given is not None:
            raise V.ParameterError("--global-seconds: only with --global")
        return None
    if model.K != 3:
        raise V.ParameterError(f"--global: the certified global minimum is implemented for K = 3 only, "
                               f"got K = {model.K}")
    if model.loss_fn != CE:
        raise V.ParameterError(f"--global: the certified global minimum is for the CE loss only, got {model.loss}")
    V.integer("--global: L", model.L, 1, limits.GLOBAL_MAX_L)
    V.integer("--global: n", model.n, 1, limits.GLOBAL_MAX_N)
    if len(set(model.lams)) != 1:
        raise V.ParameterError("--global: one λ for every factor only (--lam, or --lams with equal values)")
    seconds = GLOBAL_SECONDS if given is None else given
    V.positive("--global-seconds", seconds)
    if seconds > limits.COMPARE_MAX_SECONDS:
        raise V.ParameterError(f"--global-seconds must be <= {limits.COMPARE_MAX_SECONDS}, got {seconds:g}")
    return float(seconds)


def run(args) -> int:
    dps = check_dps(args.dps, limits.COMPARE_MAX_DPS)
    model = model_from_args(args)
    names = _structure_names(args.structures, model.K, model.loss_fn, dps)
    starts = V.integer("--search", args.search, 0, limits.COMPARE_MAX_SEARCH_STARTS)
    if starts and model.loss_fn != CE:
        raise V.ParameterError("--search: the global search minimises the CE loss only (use --loss ce)")
    V.integer("--search-seed", args.search_seed, 0)
    atlas_starts = V.integer("--atlas", args.atlas, 0, limits.ATLAS_MAX_STARTS)
    if atlas_starts:
        if model.loss_fn != CE:
            raise V.ParameterError("--atlas: the symmetry atlas minimises the CE loss only (use --loss ce)")
        V.integer("--atlas: K", model.K, 2, limits.ATLAS_MAX_K)
        if len(set(model.lams)) != 1:
            raise V.ParameterError("--atlas: one λ for every factor only")
    global_seconds = _global_budget(args, model)
    if starts:
        limits.require_memory(f"--search at K = {model.K}, L = {model.L}",
                              limits.compare_search_bytes(model.K, model.L))
    limits.require_seconds(f"compare at K = {model.K} with {dps} digits ({len(names)} structures"
                           + (f", {starts} search starts; lower --K, --dps or --search)" if starts else
                              "; lower --K or --dps)"),
                           limits.compare_seconds(model.K, dps, len(names))
                           + (limits.coupled_seconds(dps) if COUPLED_NAME in names else 0)
                           + (limits.compare_search_seconds(model.K, model.L, starts) if starts else 0)
                           + (global_seconds or 0),
                           limits.COMPARE_MAX_SECONDS)
    from ..global_search import search_scope  # the inputs are valid: now the heavy modules
    from ..scale import compare
    from ..structures import named
    structures = [named(s, model.K, loss=model.loss) for s in names if s != COUPLED_NAME]
    extra = []
    try:
        if COUPLED_NAME in names:
            from ..coupled import CoupledFamily, optimum
            extra.append(optimum(CoupledFamily.from_model(model), dps))
        res = compare(model, structures, dps, extra=extra)
    except PrecisionError as exc:  # an answer that does not reproduce to --dps digits is not given
        raise CommandFailed(f"not verified: {exc} (try another --dps)", status=2) from None
    scope = {"scope": "family-relative",
             "statement": f"family-relative: best among the listed structures ({', '.join(res['compared'])}), "
                          f"not a proven global optimum (--search N looks for a lower loss)"}
    evidence = []
    if starts:
        evidence.append(search_scope(res, starts, seed=args.search_seed,
                                     progress=sys.stderr.isatty() and not args.json))
    if atlas_starts:
        from ..atlas import atlas_scope
        evidence.append(atlas_scope(res, atlas_starts, seed=args.search_seed,
                                    progress=sys.stderr.isatty() and not args.json))
    if evidence:  # beaten by any → that scope; else best-known on all the evidence
        beaten = [e for e in evidence if e["scope"] != "best-known"]
        scope = dict(beaten[0] if beaten else evidence[0])
        scope["statement"] = "; ".join(e["statement"] for e in (beaten or evidence))
    glob = None
    if global_seconds is not None:
        from ..global_min import certified_minimum
        from ..global_scope import global_scope
        enclosure = certified_minimum(model.K, model.L, model.n, model.lams[0], max_seconds=global_seconds,
                                      progress=sys.stderr.isatty() and not args.json)
        glob = global_scope(res, enclosure, scope, max_seconds=global_seconds)
        scope = {"scope": glob["scope"], "statement": glob["statement"]}
    rows = [r.to_dict() for r in res["results"]]
    with workdps(dps + GUARD_DIGITS):  # Λ from the exact λ's, correct to the dps digits shown
        Lambda = nstr(model.Lambda(), dps)
    out = {
        "model": {"K": model.K, "L": model.L, "n": model.n, "lam": lam_description(args), "loss": model.loss,
                  "Lambda": Lambda},
        "dps": dps,
        "structures": rows,
        "zero": {"loss": nstr(res["zero_loss"], dps)},
        "winner": res["winner"],
        "ties": res["ties"],
        "scope": scope["scope"],
        "compared": res["compared"],
        "scope_statement": scope["statement"],
    }
    for e in evidence:
        out.update({k: e[k] for k in ("search", "atlas") if k in e})
    if glob is not None:
        out["global"] = glob["global"]
    cols = ["name", "kind", "scale", "loss", "fit", "penalty"]
    zero_row = {"name": "zero", "kind": "zero solution", "scale": "0", "loss": out["zero"]["loss"],
                "fit": out["zero"]["loss"], "penalty": "0"}
    if args.csv:
        write_text(args.csv, csv_text(rows + [dict(zero_row, kind="zero")], cols))
    if args.json:
        print(json_text(out))
        return 0
    print(f"{model!r}  ({dps} significant digits; critical points isolated with interval arithmetic)")
    print(text_table(rows + [zero_row], cols))
    for r in res["results"]:
        if r.name == COUPLED_NAME:
            cps = ", ".join(f"(a, β, γ)≈({', '.join(short(x) for x in c.theta)}) ({c.stratum}, {c.kind})"
                            for c in r.points if c.stratum != "zero") or "none"
            print(f"  {r.name}: critical points {cps}")
            continue
        cps = ", ".join(f"t≈{short(c.t)} ({c.kind})" for c in r.critical_points) or "none"
        print(f"  {r.name}: positive critical points {cps}")
    tie = f" (ties with {', '.join(res['ties'])} to {dps} significant digits)" if res["ties"] else ""
    print(f"winner: {res['winner']}{tie}")
    if glob is not None:
        g = glob["global"]
        state = "certified" if g["certified"] else "NOT certified"
        print(f"global minimum (K = 3): [{g['lower']}, {g['upper']}], {state}, structure {g['structure']}, "
              f"{g['boxes']} boxes, {g['seconds']:.1f} s")
    print(f"scope: {scope['statement']}")
    return 0
