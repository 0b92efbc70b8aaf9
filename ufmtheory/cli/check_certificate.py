"""``ufmtheory check-certificate FILE ...``: re-prove certificates written by ``ufmtheory certify``
from their own data alone. Exit status 0 if every file holds, 1 if any does not (one line per file
with the reason: tampered, malformed, not JSON, a folder …), 2 if a path does not exist."""
from __future__ import annotations

import argparse
import os

from ..report import json_text
from .common import CommandFailed


def add_parser(sub):
    p = sub.add_parser(
        "check-certificate", help="re-prove certificate files (exit 1 if one does not hold)",
        description="Re-check interval-arithmetic certificates (JSON, from `ufmtheory certify`) using only "
                    "the parameters and proof data in each file: every box, bound and enclosure is "
                    "recomputed with rigorous interval arithmetic and the claim re-derived. A file whose "
                    "numbers were altered is rejected unless the altered numbers still prove the claim; "
                    "any edit is also reported through the file's sha256 digest.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="certificate files (JSON)")
    p.add_argument("--backend", choices=["arb", "mpmath.iv"], help="interval engine (default: arb if installed)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Every file gets one line (VALID/INVALID with the reason); a missing path is refused first."""
    missing = [f for f in args.files if not os.path.exists(f)]
    if missing:
        raise CommandFailed(", ".join(repr(f) for f in missing)
                            + (" does" if len(missing) == 1 else " do") + " not exist", status=2)
    from ..certificates import check_file
    results = []
    for f in args.files:
        rep = check_file(f, args.backend)
        results.append(dict(rep.as_dict(), file=f))
    if args.json:
        print(json_text(results if len(results) > 1 else results[0]))
    else:
        for r in results:
            if r["valid"]:
                print(f"VALID   {r['file']}: {r['statement']}")
                if r["facts"].get("checked_with"):
                    print(f"        (re-proved with {r['facts']['checked_with']})")
            else:
                print(f"INVALID {r['file']}: " + "; ".join(r["errors"]))
    return 0 if all(r["valid"] for r in results) else 1
