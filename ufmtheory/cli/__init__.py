"""The ``ufmtheory`` command line. One module per command; each defines ``add_parser(subparsers)``.

Commands are discovered: every module of this package that defines ``add_parser`` is a command
(``verify`` first, then alphabetical); a new command is a new module, nothing else to edit. The
command's name is the module's (``_`` → ``-``) unless the module sets ``COMMAND`` (``global_min``
→ ``global``, a Python keyword).

Bad input (argparse errors, or a ``ParameterError`` raised by the library) prints the command's
usage and the message, and exits with status 2. A command that ran but could not deliver (a claim
not certified, a file that could not be written) raises ``common.CommandFailed``: one line on
standard error, exit status 1 (2 for file errors). Ctrl-C prints one line and exits with 130.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from .._validate import ParameterError
from .common import CommandFailed

def _discover() -> dict:
    """{command name: module name}, ``verify`` first, then alphabetical."""
    names = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "common":
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "add_parser"):
            names[getattr(mod, "COMMAND", info.name.replace("_", "-"))] = info.name
    return dict(sorted(names.items(), key=lambda kv: (kv[0] != "verify", kv[0])))


MODULES = _discover()
COMMANDS = list(MODULES)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ufmtheory",
        description="Check theorems about deep unconstrained feature models (Garrod & Keating, "
                    "arXiv:2410.23169) at high precision.")
    from .. import __version__
    parser.add_argument("--version", action="version", version=f"ufmtheory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        mod = importlib.import_module(f".{MODULES[name]}", __name__)
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
    except CommandFailed as exc:
        print(f"ufmtheory {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"ufmtheory {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
