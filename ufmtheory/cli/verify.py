"""``ufmtheory verify``: run every registered theorem check and print, theorem by theorem, each claim
with its parameters, verdict and evidence. Exit status 1 if a claim that should hold fails.

Checks from plugins (``ufmtheory.theorems.plugins``: installed entry points, ``--plugin MODULE``) run
like built-in ones. A plugin that did not load is a one-line warning on standard error and a "fails"
row titled "plugin NAME" (exit status 1) — for an installed plugin only when no ``--only`` is given."""
from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ET

from .._validate import ParameterError
from ..names import PLUGIN_GROUP
from ..report import csv_text, hanging, json_text, terminal_width, text_table
from .common import OutputFile, write_text

COLUMNS = ["theorem", "claim", "parameters", "verdict", "evidence"]
#: Column widths of the ``--wide`` table.
WIDE_WIDTHS = {"claim": 46, "parameters": 34, "evidence": 60}
#: Plural of each verdict in the summary line.
_COUNTED = {"certified": ("certified", "certified"), "holds": ("holds", "holds"), "finding": ("finding", "findings"),
            "not applicable": ("not applicable", "not applicable")}


def theorem_keys(text: str) -> list:
    """argparse type of --only: 'theorem1, lemma1' → ['theorem1', 'lemma1'] (at least one; that they are
    registered is checked by ``run``, once the --plugin modules have registered theirs)."""
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise argparse.ArgumentTypeError(f"no theorem key in {text!r} (see --list)")
    return keys


def working_digits(text: str) -> int:
    """argparse type of --dps: an integer in VERIFY_MIN_DPS..VERIFY_MAX_DPS, checked while parsing (a
    refusal does not wait for the theorem checks to be imported)."""
    from .. import _validate as V
    from ..limits import VERIFY_MAX_DPS, VERIFY_MIN_DPS
    try:
        return V.integer("dps", int(text), VERIFY_MIN_DPS, VERIFY_MAX_DPS)
    except (ValueError, ParameterError) as exc:
        if isinstance(exc, ParameterError):
            raise argparse.ArgumentTypeError(str(exc)) from None
        raise argparse.ArgumentTypeError(f"dps must be an integer in {VERIFY_MIN_DPS}..{VERIFY_MAX_DPS}, "
                                         f"got {text!r}") from None


def add_parser(sub):
    from ..limits import VERIFY_MAX_DPS, VERIFY_MIN_DPS
    p = sub.add_parser(
        "verify", help="run every registered theorem check (the main job)",
        description="Run the registered theorem checks and print, theorem by theorem, each claim with its "
                    "parameters, verdict and evidence. Verdicts: certified (interval/exact proof), holds "
                    "(computed), fails, finding (a computed fact the paper does not state), not applicable. "
                    f"Checks from plugins (installed in the entry-point group '{PLUGIN_GROUP}', or given with "
                    "--plugin) run like the built-in ones; a plugin that does not load is a warning and a 'fails' "
                    "row. Exit status 1 if a claim that should hold fails.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--only", type=theorem_keys, metavar="KEYS",
                   help="comma-separated theorem keys (default: all); see --list")
    p.add_argument("--list", action="store_true",
                   help="list the registered theorems, each with where it comes from (built-in or plugin), and exit")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="import MODULE (a module on sys.path or in the current directory, or a .py file) before "
                        "running: its theorem checks are registered and run like the built-in ones; repeatable. "
                        f"Installed plugins (entry-point group '{PLUGIN_GROUP}') are loaded without it")
    p.add_argument("--quick", action="store_true", help="smaller grids")
    p.add_argument("--dps", type=working_digits, default=30,
                   help=f"working precision in significant digits, {VERIFY_MIN_DPS}..{VERIFY_MAX_DPS}; a check that needs more "
                        "digits to mean anything raises it to its own minimum and states the digits it used")
    p.add_argument("--wide", action="store_true",
                   help="one aligned table with a column each for theorem, claim, parameters, verdict, evidence")
    p.add_argument("--timings", action="store_true", help="also print the seconds each check took")
    p.add_argument("--json", action="store_true", help="print JSON (rows, failures, seconds per check)")
    p.add_argument("--csv", metavar="FILE", type=OutputFile(suffixes=(".csv",)),
                   help="also write the table as CSV to FILE")
    p.add_argument("--junit-xml", metavar="FILE", type=OutputFile(suffixes=(".xml",)),
                   help="also write a JUnit XML report to FILE (one test case per claim)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def load_plugins(modules: list) -> list:
    """Import the --plugin modules; warn (one line each on stderr) about every plugin that did not load.
    Returns the PluginFailures of the --plugin modules."""
    from ..theorems import plugins
    failures = []
    for name in modules:
        try:
            failure = plugins.load_module(name)
        except ModuleNotFoundError as exc:
            raise ParameterError(f"--plugin {name}: {exc}") from None
        if failure:
            failures.append(failure)
    for failure in plugins.FAILURES:
        print(f"ufmtheory verify: warning: {failure}", file=sys.stderr)
    return failures


def run(args) -> int:
    from ..theorems import CheckOptions, entries, plugins
    own_failures = load_plugins(args.plugin)
    if args.list:
        width = terminal_width()
        for e in entries():
            print("\n".join(hanging(f"{e.title} — {e.source} [{e.origin}]", width, f"{e.key:12s} ", " " * 13)))
        return 0
    opts = CheckOptions(dps=args.dps, quick=args.quick, progress=not args.no_progress and sys.stderr.isatty())
    selected = entries(args.only)
    broken = plugins.FAILURES if args.only is None else own_failures
    start = time.perf_counter()
    results, timings = [], {}
    for e in selected + [plugins.failure_entry(f) for f in broken]:
        t0 = time.perf_counter()
        results.extend((e, r) for r in plugins.run_check(e, opts))
        timings[e.key] = round(time.perf_counter() - t0, 2)
    seconds = time.perf_counter() - start
    results = grouped(results)
    rows = [r for _, r in results]
    data = [dict(r.as_dict(), key=e.key) for e, r in results]
    failures = sum(r.is_failure for r in rows)
    if args.csv:
        write_text(args.csv, csv_text(data, ["key"] + COLUMNS))
    if args.junit_xml:
        write_text(args.junit_xml, junit_xml(results, timings))
    if args.json:
        print(json_text({"rows": data, "failures": failures, "seconds": timings}))
    else:
        width = terminal_width()
        print(text_table(data, COLUMNS, widths=WIDE_WIDTHS) if args.wide else blocks(rows, width))
        print()
        print("\n".join(hanging(summary(rows, seconds), width, "", "  ")))
        if args.timings:
            print("\n".join(hanging("seconds per check: " + ", ".join(f"{k} {v:g}" for k, v in timings.items()),
                                    width, "", "  ")))
    return 1 if failures else 0


def grouped(results: list) -> list:
    """(entry, row) pairs with all rows of a theorem together: theorems in registry order (a row named
    after an entry's ``label`` sits with that entry, any other with the first entry that made one);
    within a theorem, rows by the registry order of the entry that made them, then as made."""
    from ..theorems import REGISTRY
    rank = {e.label: (e.order, e.key) for e in REGISTRY.values() if e.label}
    group = {}
    for e, r in sorted(results, key=lambda er: (er[0].order, er[0].key)):
        group.setdefault(r.theorem, rank.get(r.theorem, (e.order, e.key)))
    return sorted(results, key=lambda er: (group[er[1].theorem], er[0].order, er[0].key))  # stable


def blocks(rows: list, width: int) -> str:
    """Rows (grouped by ``grouped``) for a terminal of ``width`` columns: a heading per theorem, then per
    claim its verdict and text, the parameters on one line ('at: …') and the evidence ('→ …'); a claim
    repeated on consecutive rows is printed once."""
    pad = max(len(r.verdict) for r in rows) + 4 if rows else 0  # "  " + verdict + "  "
    indent = " " * pad
    lines, theorem, claim = [], None, None
    for r in rows:
        if r.theorem != theorem:
            theorem, claim = r.theorem, None
            same = [x for x in rows if x.theorem == theorem]
            lines += ["", f"{theorem} — {counts(same, failures_if_none=False)}"]
        if r.claim != claim:
            claim = r.claim
            lines += hanging(r.claim, width, f"  {r.verdict:{pad - 4}s}  ", indent)
            lead = indent
        else:
            lead = f"  {r.verdict:{pad - 4}s}  "
        lines += hanging(r.parameters, width, lead + "at: ", indent + "    ", max_lines=2)
        lines += hanging(r.evidence, width, indent + "→ ", indent + "  ")
    return "\n".join(lines[1:])


def counts(rows: list, failures_if_none: bool = True) -> str:
    """'18 certified, 6 holds, 17 findings, 0 failures' (the verdicts that occur; failures also if none
    unless ``failures_if_none`` is false)."""
    parts = []
    for v, (one, many) in _COUNTED.items():
        n = sum(r.verdict == v for r in rows)
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    failures = sum(r.is_failure for r in rows)
    other = sum(r.verdict == "fails" and not r.is_failure for r in rows)
    if failures or failures_if_none:
        parts.append(f"{failures} failure{'' if failures == 1 else 's'}")
    if other:
        parts.append(f"{other} fail{'s' if other == 1 else ''} (not expected to hold)")
    return ", ".join(parts)


def summary(rows: list, seconds: float) -> str:
    """'41 claims: 18 certified, 6 holds, 17 findings, 0 failures — 41 s'."""
    m, s = divmod(round(seconds), 60)
    took = f"{m} min {s} s" if m else f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
    return f"{len(rows)} claim{'' if len(rows) == 1 else 's'}: {counts(rows)} — {took}"


def junit_xml(results: list, timings: dict) -> str:
    """JUnit XML: a test suite per check (its key), a test case per claim (classname = key, name = claim
    [parameters]); 'fails' rows that should hold are failures, 'not applicable' rows are skipped; the
    verdict is a property, the evidence the system-out."""
    root = ET.Element("testsuites", name="ufmtheory verify", tests=str(len(results)),
                      failures=str(sum(r.is_failure for _, r in results)), time=f"{sum(timings.values()):.2f}")
    suites = {}
    for e, r in results:
        suite = suites.get(e.key)
        if suite is None:
            suite = suites[e.key] = ET.SubElement(root, "testsuite", name=e.key, time=f"{timings.get(e.key, 0):.2f}")
        case = ET.SubElement(suite, "testcase", classname=e.key, name=f"{r.claim} [{r.parameters}]")
        props = ET.SubElement(case, "properties")
        for name, value in (("theorem", r.theorem), ("verdict", r.verdict),
                            ("expected_to_hold", str(r.expected_to_hold).lower())):
            ET.SubElement(props, "property", name=name, value=value)
        if r.is_failure:
            ET.SubElement(case, "failure", message=r.evidence, type="fails").text = r.evidence
        elif r.verdict == "not applicable":
            ET.SubElement(case, "skipped", message=r.evidence)
        ET.SubElement(case, "system-out").text = f"{r.verdict}: {r.evidence}"
    for suite in suites.values():
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(c.find("failure") is not None for c in cases)))
        suite.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
