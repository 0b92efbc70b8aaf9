"""Tables for people and files: aligned text, indented blocks wrapped to the terminal, JSON and CSV
(stdlib ``csv``/``json``)."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import textwrap

#: Width used when the output is not a terminal and COLUMNS is not set.
DEFAULT_WIDTH = 100


def terminal_width(default: int = DEFAULT_WIDTH) -> int:
    """Columns to print in: the COLUMNS variable, else the terminal's width when standard output is one,
    else ``default``; at least 40."""
    if not os.environ.get("COLUMNS") and not sys.stdout.isatty():
        return default
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def hanging(text: str, width: int, first: str, rest: str, max_lines: int | None = None) -> list:
    """``text`` wrapped to ``width`` columns: the first line starts with ``first``, the others with
    ``rest``; at most ``max_lines`` lines (the last one ends in '…' when text was cut).

    >>> hanging("one two three four", 12, "- ", "  ")
    ['- one two', '  three four']
    >>> hanging("one two three four", 12, "- ", "  ", max_lines=1)
    ['- one two …']
    """
    lines = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest,
                          break_on_hyphens=False) or [first.rstrip()]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last, indent = lines[-1], len(first if max_lines == 1 else rest)
        if len(last) + 2 > width:
            cut = last.rfind(" ", 0, width - 1)
            last = last[:cut] if cut > indent else last[:width - 2]
        lines[-1] = last + " …"
    return lines


def text_table(rows: list, columns: list, widths: dict | None = None) -> str:
    """Rows (dicts) as an aligned text table; long cells wrap within ``widths[col]`` characters."""
    widths = dict(widths or {})
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    w = []
    for j, c in enumerate(columns):
        natural = max([len(c)] + [len(row[j]) for row in cells])
        w.append(min(natural, widths.get(c, natural)))
    lines = ["  ".join(c.ljust(w[j]) for j, c in enumerate(columns)).rstrip(),
             "  ".join("-" * w[j] for j in range(len(columns)))]
    for row in cells:
        wrapped = [textwrap.wrap(cell, w[j]) or [""] for j, cell in enumerate(row)]
        for k in range(max(len(x) for x in wrapped)):
            lines.append("  ".join((wrapped[j][k] if k < len(wrapped[j]) else "").ljust(w[j])
                                   for j in range(len(columns))).rstrip())
    return "\n".join(lines)


def csv_text(rows: list, columns: list) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in columns})
    return buf.getvalue()


def json_text(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)
