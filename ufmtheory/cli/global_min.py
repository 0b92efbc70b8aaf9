"""``ufmtheory global``: a certified enclosure of the global minimum of the reduced DUFM loss (K = 3),
by interval branch and bound (``ufmtheory.global_min``). The module is named ``global_min`` because
``global`` is a Python keyword; ``COMMAND`` gives the command its name.

``--certificate FILE`` also writes a re-checkable certificate (claim type 'global-minimum',
``ufmtheory.global_certificate``; the convex-relaxation route only: L = 1 and the zero regime). The file
is checked before any work (existing: refused without ``--force``); a regime the relaxation does not
certify is a one-line refusal (exit 1) before the branch and bound runs."""
from __future__ import annotations

import argparse
import os

from .. import _validate as V
from ..limits import GLOBAL_MAX_K, GLOBAL_MAX_L, GLOBAL_MIN_K
from ..report import json_text
from .common import CommandFailed, OutputFile, exact_number, write_text

COMMAND = "global"


def add_parser(sub):
    p = sub.add_parser(
        COMMAND, help="certified global minimum of the reduced loss (K = 3, interval branch and bound)",
        description="Enclose the minimum of the collapsed, centred DUFM loss (SPEC §2; reduction lemma) with "
                    "python-flint arb: a convex relaxation over cells of singular values (closes L = 1), then "
                    "branch and bound in per-column gap coordinates (bounded region, zero ball, rank-1 tube, "
                    "Krawczyk boxes around the float search's minima). Prints lower, upper, certified "
                    "(width <= --width), the minimiser's structure, boxes and seconds. Past --max-seconds "
                    "the enclosure stays proven but wide (certified false).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--K", type=int, default=3, help=f"classes (supported: {GLOBAL_MIN_K}..{GLOBAL_MAX_K})")
    p.add_argument("--L", type=int, default=2, help=f"weight matrices (1..{GLOBAL_MAX_L})")
    p.add_argument("--n", type=int, default=1, help="samples per class")
    p.add_argument("--lam", type=exact_number, default="0.18", help="λ (exact: 0.18, 1/1024, 2^-10)")
    p.add_argument("--width", type=float, default=1e-10, help="target width of the enclosure")
    p.add_argument("--prec", type=int, default=128, help="working precision (bits)")
    p.add_argument("--starts", type=int, default=12, help="float multi-start runs for the candidates")
    p.add_argument("--max-seconds", type=float, default=300.0,
                   help="time budget of the branch and bound (the DNC regime at L = 2 needs 11–22 s, L = 3 30–50 s)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--out", type=OutputFile(suffixes=(".json",)), help="write the result (JSON) here")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--certificate", metavar="FILE", type=OutputFile(suffixes=(".json",)),
                   help="also write a certificate (claim type global-minimum) that `ufmtheory check-certificate "
                        "FILE` re-proves; convex-relaxation route only (L = 1, the zero regime)")
    p.add_argument("--force", action="store_true", help="replace an existing --certificate file")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..global_min import certified_minimum
    V.integer("K", args.K, GLOBAL_MIN_K, GLOBAL_MAX_K)
    V.integer("L", args.L, 1, GLOBAL_MAX_L)
    V.integer("prec", args.prec, 64, 4096)
    V.integer("starts", args.starts, 1, 1000)
    V.positive("width", args.width)
    V.positive("max-seconds", args.max_seconds)
    if args.force and not args.certificate:
        raise V.ParameterError("--force: only with --certificate")
    if args.certificate and args.out and os.path.abspath(args.out) == os.path.abspath(args.certificate):
        raise V.ParameterError("--out and --certificate name the same file")
    cert = _certificate(args) if args.certificate else None
    r = certified_minimum(args.K, args.L, args.n, args.lam, width=args.width, prec=args.prec, starts=args.starts,
                          progress=not args.no_progress, max_seconds=args.max_seconds)
    d = r.to_dict()
    if args.out:
        write_text(args.out, json_text(d) + "\n")
    if cert is not None:
        from ..certificates import fmt
        write_text(args.certificate, fmt.dumps(cert))
    if args.json:
        print(json_text(d))
    else:
        print(f"K={r.K} L={r.L} n={r.n} λ={r.lam}: min f ∈ [{r.lower}, {r.upper}] "
              f"(width {d['width']:.3g}; {'certified' if r.certified else 'NOT certified: too wide'})")
        what = "structure" if r.certified else "best point found (the upper bound; not proven to be the minimiser)"
        print(f"{what}: {r.structure}; boxes {r.boxes}; {r.seconds:.1f} s; {r.prec} bits")
        if cert is not None:
            print(f"certificate written to {args.certificate}; re-check: ufmtheory check-certificate "
                  f"{args.certificate}")
    return 0


def _certificate(args) -> dict:
    """The 'global-minimum' certificate, checked by the checker before it is written; the path is
    checked first (an existing file only with --force), a regime not certified by the relaxation is a
    ``CommandFailed`` (exit 1) before the branch and bound runs."""
    try:
        OutputFile(suffixes=(".json",), overwrite=args.force)(args.certificate)
    except argparse.ArgumentTypeError as exc:
        raise CommandFailed(str(exc), status=2) from None
    from ..certificates import check_certificate
    from ..certificates.scale import CertificationError
    from ..global_certificate import write
    try:
        cert = write(args.K, args.L, args.n, args.lam, width=args.width, prec=args.prec,
                     max_seconds=min(5.0, args.max_seconds))
    except CertificationError as exc:
        raise CommandFailed(f"no certificate: {exc}") from None
    rep = check_certificate(cert)
    if not rep.valid:  # pragma: no cover - the checker re-proves what write computed
        raise CommandFailed("no certificate: it does not re-check: " + "; ".join(rep.errors))
    return cert
