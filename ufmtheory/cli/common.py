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
