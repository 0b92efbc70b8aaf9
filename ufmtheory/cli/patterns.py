"""``ufmtheory patterns``: the registry of named patterns (``ufmtheory.patterns``) — every one-scale
structure, multi-scale family, coupled family and explicit construction, with its kind, number of free
scales m, valid K, the commands that accept it, a one-line description with its source and its builder."""
from __future__ import annotations

import argparse

from ..patterns import KINDS, PATTERNS, table
from ..report import json_text


def add_parser(sub):
    p = sub.add_parser(
        "patterns", help="list the registered structures, families and constructions",
        description="The registry of named patterns: name, kind (structure: one scale; family: independent "
                    "scales; coupled family; construction), m (free scales), valid K, the commands whose "
                    "pattern option accepts the name (--structures, --structure, --name), and a description "
                    "with its source. 'COMMAND --structures help' lists the names one command accepts.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--kind", choices=KINDS, help="only the entries of this kind")
    p.add_argument("--json", action="store_true", help="print JSON (with each entry's builder)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    rows = [e.row() for e in PATTERNS if args.kind is None or e.kind == args.kind]
    if args.json:
        print(json_text({"patterns": rows}))
        return 0
    print(table(kind=args.kind))
    print("\nbuilders (imported on use):")
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"  {r['name']:<{width}}  {r['builder']}")
    return 0
