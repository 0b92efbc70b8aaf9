"""MkDocs hook: the CLI reference is generated from ``ufmtheory.cli.build_parser()`` at build time.

``cli.md`` holds the marker below; it is replaced by the top-level ``--help`` and one section per
command (``ufmtheory COMMAND --help``, nested sub-commands included), so the page never goes stale.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

MARKER = "<!-- cli-reference -->"
WIDTH = "100"  # argparse wraps help text to $COLUMNS
ROOT = str(Path(__file__).resolve().parent.parent)


def _subcommands(parser: argparse.ArgumentParser) -> dict:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help(parser: argparse.ArgumentParser) -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        return parser.format_help()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def _sections(parser: argparse.ArgumentParser, level: int) -> list[str]:
    out = []
    for sub in _subcommands(parser).values():
        out += [f"{'#' * level} `{sub.prog}`", "", "```text", _help(sub).rstrip(), "```", ""]
        out += _sections(sub, level + 1)
    return out


def cli_reference() -> str:
    """Markdown: ``ufmtheory --help``, then a section per command from ``cli.COMMANDS``."""
    from ufmtheory.cli import build_parser

    parser = build_parser()
    lines = ["## `ufmtheory`", "", "```text", _help(parser).rstrip(), "```", ""]
    return "\n".join(lines + _sections(parser, 2))


def on_config(config, **kwargs):
    # document this tree's ufmtheory, as mkdocstrings does (paths: [.]); mkdocs restores sys.path
    # after importing a hook, so this is done here rather than at import time
    if sys.path[:1] != [ROOT]:
        sys.path.insert(0, ROOT)
    return config


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference())
    return markdown
