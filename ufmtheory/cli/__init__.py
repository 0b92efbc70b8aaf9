"""The ``ufmtheory`` command line. One module per command; each defines ``add_parser(subparsers)``.

Bad input (argparse errors, or a ``ParameterError`` raised by the library) prints the command's
usage and the message, and exits with status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .._validate import ParameterError

COMMANDS = ["verify", "compare"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ufmtheory",
        description="Check theorems about deep unconstrained feature models (Garrod & Keating, "
                    "arXiv:2410.23169) at high precision.")
    from .. import __version__
    parser.add_argument("--version", action="version", version=f"ufmtheory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        mod = importlib.import_module(f".{name.replace('-', '_')}", __name__)
        p = mod.add_parser(sub)
        p.set_defaults(_parser=p)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except ParameterError as exc:
        args._parser.error(str(exc))  # prints usage, exits 2
        return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
