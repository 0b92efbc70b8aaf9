"""``ufmtheory certify``: build an interval-arithmetic certificate (JSON) that
``ufmtheory check-certificate`` re-proves from the file alone.

Claims: ``optimum`` (a structure's optimal loss/scale), ``order`` (strict order of two optima),
``tie`` (exactly one tie λ* of two optima in an interval of width <= 1e-20), ``theorem1`` and
``theorem7`` (the theorems' inequalities decided exactly for a K range and every L)."""
from __future__ import annotations

import argparse
import os
import sys
from fractions import Fraction

from .._validate import ParameterError
from ..report import json_text
from ..structures import NAMED
from .common import exact_number, number_list

CLAIMS = ("optimum", "order", "tie", "theorem1", "theorem7")


def add_parser(sub):
    p = sub.add_parser(
        "certify", help="write a re-checkable interval-arithmetic certificate (JSON)",
        description="Prove a claim with rigorous interval arithmetic (python-flint arb; mpmath.iv fallback) "
                    "and write it as a JSON certificate that `ufmtheory check-certificate FILE` re-proves. "
                    "Claims: optimum (one structure's optimal loss and scale, zero solution and every "
                    "critical point compared), order (strict order of two structures' optima), tie "
                    "(exactly one λ* with equal optima in an interval of width <= 1e-20; located "
                    "numerically first), theorem1 / theorem7 (their inequalities, exact arithmetic).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("claim", choices=CLAIMS, help="what to certify")
    p.add_argument("--K", type=int, help="number of classes (>= 2)")
    p.add_argument("--L", type=int, help="number of weight matrices (>= 1)")
    p.add_argument("--n", type=int, default=1, help="samples per class (>= 1)")
    p.add_argument("--lam", type=exact_number, help="λ > 0 (exact: 0.03, 1/1024, 2^-10) for optimum/order")
    p.add_argument("--structure", default="dnc", help=f"optimum: one of {', '.join(NAMED)}")
    p.add_argument("--structures", default="dnc,paired", help="order/tie: two structure names")
    p.add_argument("--lam-bracket", type=number_list, metavar="A,B",
                   help="tie: λ values on both sides of the tie (default: scan λ = 2^(-k/4), k = 0..80)")
    p.add_argument("--lam-interval", type=number_list, metavar="LO,HI",
                   help="tie: certify this exact λ interval (width <= 1e-20) instead of locating the tie")
    p.add_argument("--K-max", type=int, default=200, help="theorem1/theorem7: largest K of the table")
    p.add_argument("--digits", type=int, default=50, help="digits carried by the enclosures")
    p.add_argument("--backend", choices=["arb", "mpmath.iv"], help="interval engine (default: arb if installed)")
    p.add_argument("--out", metavar="FILE", help="output file ('-' for stdout; default: an automatic name in --dir)")
    p.add_argument("--dir", default=os.path.join("proofs", "certificates"), help="directory for automatic names")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=run)
    return p


def _need(args, *names):
    for nm in names:
        if getattr(args, nm) is None:
            args._parser.error(f"certify {args.claim} needs --{nm.replace('_', '-')}")


def _tag(q: Fraction) -> str:
    from ..certificates.numbers import qstr
    return qstr(q).replace("/", "_")


def _pair(args) -> tuple:
    names = tuple(s.strip() for s in args.structures.split(",") if s.strip())
    if len(names) != 2:
        raise ParameterError("structures must name exactly two structures, e.g. dnc,paired")
    return names


def scan_brackets(K, L, n, structures, dps: int = 20) -> list:
    """λ = 2^(-k/4), k = 0..80: consecutive values where optimum(A) − optimum(B) changes sign (both
    not the zero solution at once). Numerical (``scale.optimal_scale``), used only to start ``tie``."""
    import mpmath
    from ..model import DeepUFM
    from ..scale import optimal_scale
    from ..structures import named
    A, B = (named(s, K) for s in structures)
    prev, out = None, []
    with mpmath.workdps(dps + 30):
        for k in range(81):
            lam = Fraction(mpmath.nstr(mpmath.power(2, -mpmath.mpf(k) / 4), 20))
            model = DeepUFM(K, L, n=n, lam=lam)
            oa, ob = optimal_scale(A, model, dps), optimal_scale(B, model, dps)
            s = 0 if oa.kind == ob.kind == "zero" else int(mpmath.sign(oa.loss - ob.loss))
            if prev is not None and s != 0 and prev[1] != 0 and s != prev[1]:
                out.append((prev[0], lam))
            prev = (lam, s)
    return out


def run(args) -> int:
    from .. import certificates as C
    claim = args.claim
    jobs = []  # (certificate, default file name)
    if claim in ("theorem1", "theorem7"):
        mk = C.certify_theorem1 if claim == "theorem1" else C.certify_theorem7
        name = "theorem1_inequality" if claim == "theorem1" else "theorem7_inequalities"
        jobs.append((mk(args.K_max), f"{name}_K2-{args.K_max}.json"))
    elif claim == "optimum":
        _need(args, "K", "L", "lam")
        c = C.certify_optimum(args.structure, args.K, args.L, args.n, args.lam, args.digits, args.backend)
        jobs.append((c, f"optimum_{args.structure}_K{args.K}_L{args.L}_n{args.n}_lam{_tag(args.lam)}.json"))
    elif claim == "order":
        _need(args, "K", "L", "lam")
        a, b = _pair(args)
        c = C.certify_order(args.K, args.L, args.n, args.lam, (a, b), args.digits, args.backend)
        jobs.append((c, f"order_{a}_{b}_K{args.K}_L{args.L}_n{args.n}_lam{_tag(args.lam)}.json"))
    else:
        _need(args, "K", "L")
        a, b = _pair(args)
        base = f"tie_{a}_{b}_K{args.K}_L{args.L}_n{args.n}"
        if args.lam_interval is not None:
            if len(args.lam_interval) != 2:
                raise ParameterError("lam-interval must be two values LO,HI")
            lo, hi = sorted(args.lam_interval)
            jobs.append((C.certify_tie(args.K, args.L, args.n, lo, hi, (a, b), args.digits, args.backend),
                         base + ".json"))
        else:
            if args.lam_bracket is not None:
                if len(args.lam_bracket) != 2:
                    raise ParameterError("lam-bracket must be two values A,B")
                brackets = [tuple(args.lam_bracket)]
            else:
                brackets = scan_brackets(args.K, args.L, args.n, (a, b))
                if not brackets:
                    print(f"no tie of {a} and {b} found for λ = 2^(-k/4), k = 0..80", file=sys.stderr)
                    return 1
            for i, (la, lb) in enumerate(brackets):
                lam_star = C.locate_tie(args.K, args.L, args.n, la, lb, (a, b))
                lo, hi = C.tie_interval(lam_star)
                suffix = f"_{i + 1}" if len(brackets) > 1 else ""
                jobs.append((C.certify_tie(args.K, args.L, args.n, lo, hi, (a, b), args.digits, args.backend),
                             base + suffix + ".json"))
    summary = []
    for cert, default in jobs:
        path = args.out if args.out else os.path.join(args.dir, default)
        if len(jobs) > 1 and args.out and args.out != "-":
            root, ext = os.path.splitext(args.out)
            path = f"{root}_{len(summary) + 1}{ext}"
        if path == "-":
            sys.stdout.write(C.fmt.dumps(cert))
        else:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            C.save(cert, path)
        rep = C.check_certificate(cert, args.backend)
        summary.append({"file": path, "claim": cert["claim"]["statement"], "type": cert["claim"]["type"],
                        "valid": rep.valid, "bytes": len(C.fmt.dumps(cert))})
    if path == "-":
        return 0 if all(s["valid"] for s in summary) else 1
    if args.json:
        print(json_text(summary if len(summary) > 1 else summary[0]))
    else:
        for s in summary:
            print(f"{'certified' if s['valid'] else 'NOT VALID'}: {s['claim']}")
            print(f"  written to {s['file']} ({s['bytes']} bytes); re-check: ufmtheory check-certificate {s['file']}")
    return 0 if all(s["valid"] for s in summary) else 1
