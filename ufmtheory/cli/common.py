"""Argument types shared by the CLI commands: exact numbers, ranges, lists."""
from __future__ import annotations

import argparse
import re
from fractions import Fraction

_POW = re.compile(r"^\s*([0-9.]+)\s*(?:\^|\*\*)\s*([+-]?\d+)\s*$")


def exact_number(text: str) -> Fraction:
    """'0.03', '1/1024', '2^-10', '2**-10', '1e-3' → an exact Fraction (> 0 checked by the model)."""
    m = _POW.match(text)
    try:
        if m:
            return Fraction(m.group(1)) ** int(m.group(2))
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(
            f"not an exact number: {text!r} (use e.g. 0.03, 1/1024, 2^-10, 1e-3)") from None


def number_list(text: str) -> list:
    return [exact_number(x) for x in text.split(",") if x.strip()]


def int_range(text: str) -> list:
    """'2..12' → [2, …, 12]; '4' → [4]; '2,4,6' → [2, 4, 6]."""
    try:
        out = []
        for part in text.split(","):
            if ".." in part:
                a, b = part.split("..", 1)
                a, b = int(a), int(b)
                if b < a:
                    raise ValueError
                out.extend(range(a, b + 1))
            else:
                out.append(int(part))
        return out
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer range: {text!r} (use e.g. 2..12 or 2,4,6)") from None


def fraction_str(q) -> str:
    if isinstance(q, Fraction):
        return str(q) if q.denominator != 1 else str(q.numerator)
    return str(q)


def add_model_arguments(p, K_help: str = "number of classes (>= 2)",
                        L_help: str = "number of weight matrices (>= 1)", lam_example: str = "0.03") -> None:
    """--K, --L, --n, --lam, --lams: the model options shared by compare, landscape and construction."""
    p.add_argument("--K", type=int, required=True, help=K_help)
    p.add_argument("--L", type=int, required=True, help=L_help)
    p.add_argument("--n", type=int, default=1, help="samples per class (>= 1)")
    p.add_argument("--lam", type=exact_number, help=f"λ > 0 for every factor (exact: {lam_example}, 1/1024, 2^-10)")
    p.add_argument("--lams", type=number_list,
                   help="one λ per factor: λ_H,λ_W1,…,λ_WL (L+1 values) instead of --lam")


def lam_from_args(args):
    """The λ of --lam or the list of --lams (exactly one must be given; otherwise a usage error)."""
    if (args.lam is None) == (args.lams is None):
        args._parser.error("give exactly one of --lam or --lams")
    return args.lam if args.lam is not None else args.lams


def lam_description(args):
    """--lam / --lams as exact strings, for JSON output."""
    return fraction_str(args.lam) if args.lam is not None else [fraction_str(x) for x in args.lams]


def model_from_args(args, **model_options):
    """DeepUFM(K, L, n, λ) from the shared options (``add_model_arguments``); ``model_options`` are
    passed on (loss, activation, d …)."""
    from ..model import DeepUFM
    model_options.setdefault("loss", getattr(args, "loss", "ce"))
    return DeepUFM(args.K, args.L, n=args.n, lam=lam_from_args(args), **model_options)
