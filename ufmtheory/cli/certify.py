"""``ufmtheory certify``: build an interval-arithmetic certificate (JSON) that
``ufmtheory check-certificate`` re-proves from the file alone.

Claims: ``optimum`` (a structure's optimal loss/scale), ``order`` (strict order of two optima),
``tie`` (exactly one tie λ* of two optima in an interval of width <= 1e-20), ``theorem1`` and
``theorem7`` (the theorems' inequalities decided exactly for a K range and every L), ``coupled-tie``
(``coupled_certificate``), ``global-minimum`` (the K = 3 global minimum where the convex relaxation
certifies it, ``global_certificate``; also ``ufmtheory global --certificate FILE``).

A claim that cannot be proven (enclosures that overlap, no sign change …) is a result, not an error:
one line "not certified: …", exit status 1, and no file. The file goes to --out, or to an automatic
name in --dir (default: the current folder); an existing file is never replaced without --force, a
missing folder is never created, and both are checked before any work starts."""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from fractions import Fraction

from .. import _validate as V
from .._validate import ParameterError
from ..limits import (CERTIFY_MAX_DIGITS, CERTIFY_MAX_K, CERTIFY_MAX_L, CERTIFY_MAX_N, GLOBAL_MAX_K, GLOBAL_MAX_L,
                      GLOBAL_MAX_N, GLOBAL_MIN_K, certify_digits, certify_model)
from ..names import STRUCTURE_NAMES
from ..patterns import require as require_pattern
from ..report import json_text
from .common import CommandFailed, OutputFile, exact_number, number_list, pattern_names, write_text

CLAIMS = ("optimum", "order", "tie", "theorem1", "theorem7", "coupled-tie", "global-minimum")


def add_parser(sub):
    p = sub.add_parser(
        "certify", help="write a re-checkable interval-arithmetic certificate (JSON)",
        description="Prove a claim with rigorous interval arithmetic (python-flint arb; mpmath.iv fallback) "
                    "and write it as a JSON certificate that `ufmtheory check-certificate FILE` re-proves. "
                    "Claims: optimum (one structure's optimal loss and scale, zero solution and every "
                    "critical point compared), order (strict order of two structures' optima), tie "
                    "(exactly one λ* with equal optima in an interval of width <= 1e-20; located "
                    "numerically first), theorem1 / theorem7 (their inequalities, exact arithmetic), "
                    "coupled-tie (a bracket of the DNC / coupled odd-K family tie, default K=5 L=2 n=1: "
                    "branch and bound tree + Krawczyk region, re-proved by the checker), global-minimum (an "
                    "enclosure of the K = 3 global minimum of the reduced loss where the convex relaxation over "
                    "singular-value cells certifies it, L = 1 and the zero regime: cell tree replayed by the "
                    "checker; needs --L and --lam).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("claim", choices=CLAIMS, help="what to certify")
    p.add_argument("--K", type=int, help=f"number of classes (2..{CERTIFY_MAX_K})")
    p.add_argument("--L", type=int, help=f"number of weight matrices (1..{CERTIFY_MAX_L})")
    p.add_argument("--n", type=int, default=1, help=f"samples per class (1..{CERTIFY_MAX_N:.0e})")
    p.add_argument("--lam", type=exact_number, help="λ > 0 (exact: 0.03, 1/1024, 2^-10) for optimum/order")
    p.add_argument("--structure", default="dnc", type=pattern_names("certify", "--structure"),
                   help=f"optimum: one of {', '.join(STRUCTURE_NAMES)} ('--structure help' lists them)")
    p.add_argument("--structures", default="dnc,paired", type=pattern_names("certify"),
                   help="order/tie: two structure names ('--structures help' lists them)")
    p.add_argument("--lam-bracket", type=number_list, metavar="A,B",
                   help="tie: λ values on both sides of the tie (default: scan λ = 2^(-k/4), k = 0..80)")
    p.add_argument("--lam-interval", type=number_list, metavar="LO,HI",
                   help="tie: certify this exact λ interval (width <= 1e-20) instead of locating the tie")
    p.add_argument("--K-max", type=int, default=200, help="theorem1/theorem7: largest K of the table")
    p.add_argument("--digits", type=int, default=50,
                   help=f"digits carried by the enclosures, relative to the values (10..{CERTIFY_MAX_DIGITS})")
    p.add_argument("--backend", choices=["arb", "mpmath.iv"], help="interval engine (default: arb if installed)")
    p.add_argument("--out", metavar="FILE", type=OutputFile(allow_stdout=True),
                   help="output file ('-' for stdout; default: an automatic name in --dir)")
    p.add_argument("--dir", default=".", type=_folder, help="existing folder for automatic names")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=run)
    return p


def _folder(text: str) -> str:
    """argparse type: an existing folder (certify never creates one)."""
    if not os.path.isdir(text):
        why = "is not a folder" if os.path.exists(text) else "does not exist (certify does not create folders)"
        raise argparse.ArgumentTypeError(f"{text!r} {why}")
    return text


def _need(args, *names):
    for nm in names:
        if getattr(args, nm) is None:
            args._parser.error(f"certify {args.claim} needs --{nm.replace('_', '-')}")


def _tag(q: Fraction) -> str:
    """λ for a file name: exact when short, else 10 digits and a hash of the exact value."""
    from ..certificates.numbers import dec_down, qstr
    exact = qstr(q)
    if len(exact) <= 40:
        return exact.replace("/", "_")
    return f"{dec_down(q, 10)}_{hashlib.sha256(exact.encode()).hexdigest()[:8]}"


def _pair(args) -> tuple:
    names = tuple(s.strip() for s in args.structures.split(",") if s.strip())
    if len(names) != 2 or names[0] == names[1]:
        raise ParameterError("structures must name exactly two different structures, e.g. dnc,paired")
    return tuple(require_pattern(s, "certify", "--structures: structure").name for s in names)


def scan_brackets(K, L, n, structures, dps: int = 20) -> list:
    """λ = 2^(-k/4), k = 0..80: consecutive values where optimum(A) − optimum(B) changes sign (both
    not the zero solution at once). Numerical (``scale.optimal_scale``), used only to start ``tie``."""
    import mpmath
    from ..model import DeepUFM
    from ..scale import optimal_scale
    from ..structures import named
    A, B = (named(s, K) for s in structures)
    prev, out = None, []
    from ..precision import working_precisions
    with mpmath.workdps(working_precisions(dps)[1]):
        for k in range(81):
            lam = Fraction(mpmath.nstr(mpmath.power(2, -mpmath.mpf(k) / 4), 20))
            model = DeepUFM(K, L, n=n, lam=lam)
            oa, ob = optimal_scale(A, model, dps), optimal_scale(B, model, dps)
            s = 0 if oa.kind == ob.kind == "zero" else int(mpmath.sign(oa.loss - ob.loss))
            if prev is not None and s != 0 and prev[1] != 0 and s != prev[1]:
                out.append((prev[0], lam))
            prev = (lam, s)
    return out


def _paths(args, names: list, overwrite: bool | None = None) -> list:
    """The output path of each file (``-`` for stdout), checked before any work: the folder exists
    and is writable, and an existing file is replaced only with --force (or ``overwrite``)."""
    if args.out == "-":
        return ["-"] * len(names)
    if args.out:
        root, ext = os.path.splitext(args.out)
        paths = [args.out] if len(names) == 1 else [f"{root}_{i + 1}{ext}" for i in range(len(names))]
    else:
        paths = [os.path.join(args.dir, nm) for nm in names]
    check = OutputFile(overwrite=args.force if overwrite is None else overwrite)
    for path in paths:
        try:
            check(path)
        except argparse.ArgumentTypeError as exc:
            raise CommandFailed(str(exc), status=2) from None
    return paths


def certificates():
    """``ufmtheory.certificates``, imported when a certificate is built (it imports sympy): the checks of
    ``_jobs`` and ``_paths`` refuse bad input before that."""
    from .. import certificates as C
    return C


def _jobs(args) -> list:
    """[(file name, build)]: what to certify, parameters validated, before the certificates are built
    (and before the certificate machinery is imported: a refusal takes no time)."""
    claim = args.claim
    if claim == "coupled-tie":
        K, L = (5 if args.K is None else args.K), (2 if args.L is None else args.L)
        certify_model(K, L, args.n)
        if K % 2 == 0 or K < 3:
            raise ParameterError(f"K must be odd and >= 3 for coupled-tie (the coupled odd-K family), got {K}")
        if args.digits != 50 or args.backend not in (None, "arb"):  # not silently ignored
            raise ParameterError("coupled-tie is proven with arb at its own precision (320 bits): --digits and "
                                 "--backend do not apply to it")

        def build():
            from ..coupled_certificate import tie_certificate
            return tie_certificate(K, L, args.n)
        return [(f"coupled_tie_dnc_K{K}_L{L}_n{args.n}.json", build)]
    if claim == "global-minimum":
        K = 3 if args.K is None else args.K
        _need(args, "L", "lam")
        V.integer("K", K, GLOBAL_MIN_K, GLOBAL_MAX_K)
        V.integer("L", args.L, 1, GLOBAL_MAX_L)
        V.integer("n", args.n, 1, GLOBAL_MAX_N)
        V.positive("lam", args.lam)
        if args.digits != 50 or args.backend not in (None, "arb"):  # not silently ignored
            raise ParameterError("global-minimum is proven with arb at 128 bits: --digits and --backend do not "
                                 "apply to it")

        def build():
            from ..global_certificate import write
            return write(K, args.L, args.n, args.lam)
        return [(f"global_minimum_K{K}_L{args.L}_n{args.n}_lam{_tag(args.lam)}.json", build)]
    if claim in ("theorem1", "theorem7"):
        name = "theorem1_inequality" if claim == "theorem1" else "theorem7_inequalities"
        return [(f"{name}_K2-{args.K_max}.json",
                 lambda: getattr(certificates(), f"certify_{claim}")(args.K_max))]
    _need(args, "K", "L", *(("lam",) if claim in ("optimum", "order") else ()))
    certify_model(args.K, args.L, args.n)
    certify_digits(args.digits)
    mid = f"K{args.K}_L{args.L}_n{args.n}"
    if claim == "optimum":
        require_pattern(args.structure, "certify", "--structure: structure")
        return [(f"optimum_{args.structure}_{mid}_lam{_tag(args.lam)}.json",
                 lambda: certificates().certify_optimum(args.structure, args.K, args.L, args.n, args.lam,
                                                        args.digits, args.backend))]
    a, b = _pair(args)
    if claim == "order":
        return [(f"order_{a}_{b}_{mid}_lam{_tag(args.lam)}.json",
                 lambda: certificates().certify_order(args.K, args.L, args.n, args.lam, (a, b), args.digits,
                                                      args.backend))]
    base = f"tie_{a}_{b}_{mid}"

    def tie(lo, hi):
        return lambda: certificates().certify_tie(args.K, args.L, args.n, lo, hi, (a, b), args.digits, args.backend)

    def located(la, lb):
        def build():
            C = certificates()
            lo, hi = C.tie_interval(C.locate_tie(args.K, args.L, args.n, la, lb, (a, b)))
            return tie(lo, hi)()
        return build

    if args.lam_interval is not None:
        if len(args.lam_interval) != 2:
            raise ParameterError("lam-interval must be two values LO,HI")
        return [(base + ".json", tie(*sorted(args.lam_interval)))]
    if args.lam_bracket is not None:
        if len(args.lam_bracket) != 2:
            raise ParameterError("lam-bracket must be two values A,B")
        return [(base + ".json", located(*args.lam_bracket))]
    _paths(args, [base + ".json"], overwrite=True)  # the folder, before the scan
    brackets = scan_brackets(args.K, args.L, args.n, (a, b))
    if not brackets:
        raise CommandFailed(f"not certified: no sign change of optimum({a}) − optimum({b}) found for "
                            f"λ = 2^(-k/4), k = 0..80 (give --lam-bracket A,B)")
    if len(brackets) == 1:
        return [(base + ".json", located(*brackets[0]))]
    return [(f"{base}_{i + 1}.json", located(*br)) for i, br in enumerate(brackets)]


def run(args) -> int:
    jobs = _jobs(args)
    paths = _paths(args, [name for name, _ in jobs])
    C = certificates()
    certs = []
    try:
        for _, build in jobs:
            cert = build()
            rep = C.check_certificate(cert, args.backend)
            if not rep.valid:  # pragma: no cover - the builders check what they write
                raise CommandFailed("not certified: the certificate does not re-check: " + "; ".join(rep.errors))
            certs.append(cert)
    except C.CertificationError as exc:
        raise CommandFailed(f"not certified: {exc}") from None
    if paths[0] == "-":
        sys.stdout.write("".join(C.fmt.dumps(c) for c in certs))
        return 0
    summary = []
    for cert, path in zip(certs, paths):
        text = C.fmt.dumps(cert)
        write_text(path, text)
        summary.append({"file": path, "claim": cert["claim"]["statement"], "type": cert["claim"]["type"],
                        "valid": True, "bytes": len(text), "prec_bits": cert["engine"].get("prec_bits")})
    if args.json:
        print(json_text(summary if len(summary) > 1 else summary[0]))
    else:
        for s in summary:
            print(f"certified: {s['claim']}")
            print(f"  written to {s['file']} ({s['bytes']} bytes); re-check: ufmtheory check-certificate {s['file']}")
    return 0
