"""Tables for people and files: aligned text, JSON and CSV (stdlib ``csv``/``json``)."""
from __future__ import annotations

import csv
import io
import json
import textwrap


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


def write_csv(path: str, rows: list, columns: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(csv_text(rows, columns))


def json_text(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)
