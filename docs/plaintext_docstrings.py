"""Griffe extension: read ufmtheory's plain-text docstrings as Markdown without losing their layout.

The docstrings are plain text with Unicode math, not Markdown. Three layouts need help:
- a list ("- item") right after a paragraph line gets the blank line Markdown needs before it;
- a block indented by 4+ spaces after a less-indented line (a displayed formula) becomes a code
  block, so its line breaks and alignment are kept;
- a doctest (">>> ...") becomes a fenced Python console block (Markdown would read ">" as a quote);
- a lone "*" that does not delimit an *emphasis* (the optimum marks in λ*, f*_A, t*) is escaped,
  so two of them do not turn the text between them into italics.
Everything else (paragraphs, ``code``, **bold**) is already valid Markdown.
"""
from __future__ import annotations

import re

import griffe

_ITEM = re.compile(r"^\s*- ")
_EMPHASIS = re.compile(r"(?<![^\s(])\*(?=\w)[^*]*?(?<=\w)\*(?!\w)")  # *word* or *a few words*
_LONE_STAR = re.compile(r"(?<!\*)\*(?!\*)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _escape_stars(line: str) -> str:
    """``line`` with every lone "*" outside ``code`` and outside an emphasis escaped."""
    parts = line.split("``")
    for k in range(0, len(parts), 2):  # even parts are outside code spans
        seg, kept = parts[k], set()
        for m in _EMPHASIS.finditer(seg):
            kept |= {m.start(), m.end() - 1}
        parts[k] = "".join("\\*" if c == "*" and j not in kept and _LONE_STAR.match(seg, j) else c
                           for j, c in enumerate(seg))
    return "``".join(parts)


def plaintext_to_markdown(text: str) -> str:
    """The docstring ``text`` with blank lines and fences added as described in the module doc."""
    lines = text.splitlines()
    out: list[str] = []
    item_indent = None  # indentation of the current list's items, None outside a list
    i = 0
    while i < len(lines):
        line = lines[i]
        prev = out[-1] if out else ""
        if not line.strip():
            item_indent = None
        elif line.lstrip().startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i].strip() if lines[i].lstrip().startswith((">>>", "...")) else lines[i])
                i += 1
            out += ([""] if prev.strip() else []) + ["```pycon", *block, "```", ""]
            item_indent = None
            continue
        elif item_indent is None and _indent(line) >= 4 and prev.strip() and _indent(prev) < 4:
            block = []
            while i < len(lines) and lines[i].strip() and _indent(lines[i]) >= 4:
                block.append(lines[i])
                i += 1
            out += ["", *block, ""]
            continue
        elif _ITEM.match(line):
            if item_indent is None and prev.strip():
                out.append("")
            item_indent = _indent(line)
        elif item_indent is not None and _indent(line) <= item_indent:
            out.append("")  # a paragraph after a list, not a lazy continuation of its last item
            item_indent = None
        out.append(_escape_stars(line))
        i += 1
    return "\n".join(out)


class PlainTextDocstrings(griffe.Extension):
    """Rewrite every docstring with ``plaintext_to_markdown`` when griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plaintext_to_markdown(obj.docstring.value)
