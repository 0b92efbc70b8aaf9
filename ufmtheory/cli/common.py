"""What every command shares: argument types (exact numbers, ranges, lists, output files), the
failure a command reports as a result, and file writing that fails with a message, not a traceback.

The policy (issue "no traceback, no hang"): every input is checked *before* work starts; a bad one
is a usage error (exit 2) naming the option and its valid range; a claim that could not be proven or
a task that could not run is a one-line result (exit 1) raised as ``CommandFailed``.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from fractions import Fraction

from .._validate import ParameterError
from ..precision import MAX_NUMBER_CHARS
from ..precision import exact_number as _parse_exact


class CommandFailed(Exception):
    """A command ran but could not deliver what was asked (a claim not certified, a server that did
    not answer, …). ``main`` prints the one-line message and exits with ``status`` (default 1)."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def exact_number(text: str) -> Fraction:
    """argparse type: '0.03', '1/1024', '2^-10', '2**-10', '1e-3' → an exact Fraction (> 0 checked by
    the model); ``precision.exact_number`` parses (magnitudes beyond 10^±MAX_DECIMAL_EXPONENT refused).

    >>> exact_number("2^-10"), exact_number("1e-3")
    (Fraction(1, 1024), Fraction(1, 1000))
    """
    try:
        return _parse_exact(text)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def number_list(text: str) -> list:
    """'0.1,2^-10' → [Fraction(1, 10), Fraction(1, 1024)]; at least one number.

    >>> number_list("0.5, 1/4")
    [Fraction(1, 2), Fraction(1, 4)]
    """
    values = [exact_number(x) for x in text.split(",") if x.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"no number in {text!r} (give a comma-separated list, e.g. 0.1,2^-10)")
    return values


#: Most values an integer range on the command line may expand to (each is a separate computation).
MAX_RANGE_VALUES = 10_000


def int_range(text: str) -> list:
    """'2..12' → [2, …, 12]; '4' → [4]; '2,4,6' → [2, 4, 6]. The values must be distinct and at most
    MAX_RANGE_VALUES of them (the commands bound each value further).

    >>> int_range("2..4,7")
    [2, 3, 4, 7]
    """
    bad = argparse.ArgumentTypeError(f"not an integer range: {text!r} (use e.g. 2..12 or 2,4,6)")
    if len(text) > MAX_NUMBER_CHARS:
        raise bad
    try:
        out = []
        for part in text.split(","):
            if ".." in part:
                a, b = part.split("..", 1)
                a, b = int(a), int(b)
                if b < a:
                    raise ValueError
                if len(out) + (b - a + 1) > MAX_RANGE_VALUES:
                    raise argparse.ArgumentTypeError(
                        f"{text!r} has {b - a + 1} values; at most {MAX_RANGE_VALUES} are accepted")
                out.extend(range(a, b + 1))
            else:
                out.append(int(part))
    except ValueError:
        raise bad from None
    if len(set(out)) != len(out):
        raise argparse.ArgumentTypeError(f"{text!r} repeats a value")
    return out


#: File formats matplotlib writes (``--png`` and other plot options accept any of them).
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".jpg", ".jpeg", ".tif", ".tiff",
                 ".webp", ".pgf", ".raw", ".rgba")


class OutputFile:
    """argparse type: a file the command may write, checked before any work starts.

    Refused (usage error, exit 2), each with the path and the reason: an existing folder; a missing
    or non-folder parent; a folder where a file cannot be created (read-only, immutable, /proc — tried
    for real, since root ignores permission bits); an existing file that cannot be opened for writing
    or, with ``overwrite=False``, any existing file; a suffix outside ``suffixes``. ``'-'`` (standard
    output) only with ``allow_stdout``.

    >>> OutputFile(suffixes=(".csv",))("/nonexistent-folder/x.csv")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: cannot write '/nonexistent-folder/x.csv': the folder '/nonexistent-folder' does not exist
    """

    def __init__(self, suffixes: tuple | None = None, overwrite: bool = True, allow_stdout: bool = False):
        self.suffixes, self.overwrite, self.allow_stdout = suffixes, overwrite, allow_stdout

    def __call__(self, text: str) -> str:
        if text == "-" and self.allow_stdout:
            return text
        path = os.path.expanduser(text)
        fail = lambda why: argparse.ArgumentTypeError(f"cannot write {text!r}: {why}")  # noqa: E731
        if not text.strip():
            raise fail("empty path")
        if self.suffixes and not path.lower().endswith(tuple(self.suffixes)):
            raise fail(f"the file name must end in one of {', '.join(self.suffixes)}")
        if os.path.isdir(path):
            raise fail("it is a folder (give a file name)")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.exists(folder):
            raise fail(f"the folder {os.path.dirname(path) or folder!r} does not exist")
        if not os.path.isdir(folder):
            raise fail(f"{os.path.dirname(path)!r} is not a folder")
        if os.path.exists(path):
            if not self.overwrite:
                raise fail("the file exists (use --force to overwrite it)")
            if not os.path.isfile(path):
                raise fail("it is not a regular file")
            try:
                with open(path, "ab"):
                    pass
            except OSError as exc:
                raise fail(exc.strerror or str(exc)) from None
        else:
            _require_creatable(folder, fail)
        return path


def _require_creatable(folder: str, fail) -> None:
    """Create (and drop) a temporary file in ``folder``: the only test root cannot pass by privilege."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise fail(f"cannot create a file in {folder!r} ({exc.strerror or exc})") from None


def output_folder(text: str) -> str:
    """argparse type of a folder option (``sweep --out``): a folder that exists and is writable, or
    can be created in a writable folder that exists. Refused with the path and the reason: an
    existing file, a missing parent, a place where no file can be created (read-only, /proc).

    >>> output_folder("/etc/hostname")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: cannot write to '/etc/hostname': it is a file; the option names a folder
    """
    path = os.path.expanduser(text)
    fail = lambda why: argparse.ArgumentTypeError(f"cannot write to {text!r}: {why}")  # noqa: E731
    if not text.strip():
        raise fail("empty path")
    if os.path.exists(path) and not os.path.isdir(path):
        raise fail("it is a file; the option names a folder")
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(path):
        if not os.path.exists(folder):
            raise fail(f"its parent folder {folder!r} does not exist")
        if not os.path.isdir(folder):
            raise fail(f"{folder!r} is not a folder")
    _require_creatable(folder, fail)
    return path


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8); an OS error becomes a one-line ``CommandFailed`` (exit 2)."""
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise CommandFailed(f"cannot write {path!r}: {exc.strerror or exc}", status=2) from None


def save_figure(fig, path: str, **kwargs) -> None:
    """``fig.savefig(path)``; an OS or format error becomes a one-line ``CommandFailed`` (exit 2)."""
    try:
        fig.savefig(path, **kwargs)
    except (OSError, ValueError) as exc:
        raise CommandFailed(f"cannot write {path!r}: {getattr(exc, 'strerror', None) or exc}", status=2) from None


def fraction_str(q) -> str:
    if isinstance(q, Fraction):
        return str(q) if q.denominator != 1 else str(q.numerator)
    return str(q)


def _range_text(lo: int, hi: int | None) -> str:
    return f">= {lo}" + (f" and <= {hi}" if hi is not None else "")


def add_model_arguments(p, K_help: str = "number of classes", L_help: str = "number of weight matrices",
                        lam_example: str = "0.03", K_max: int | None = None, L_min: int = 1,
                        L_max: int | None = None) -> None:
    """--K, --L, --n, --lam, --lams: the model options shared by compare, landscape and construction.

    K ∈ [2, K_max] and L ∈ [L_min, L_max] (the command's true ranges, shown in --help) are checked
    once, by ``model_from_args``, so every out-of-range value gets the same message."""
    p.add_argument("--K", type=int, required=True, help=f"{K_help} ({_range_text(2, K_max)})")
    p.add_argument("--L", type=int, required=True, help=f"{L_help} ({_range_text(L_min, L_max)})")
    p.add_argument("--n", type=int, default=1, help="samples per class (>= 1)")
    p.add_argument("--lam", type=exact_number, help=f"λ > 0 for every factor (exact: {lam_example}, 1/1024, 2^-10)")
    p.add_argument("--lams", type=number_list,
                   help="one λ per factor: λ_H,λ_W1,…,λ_WL (L+1 values) instead of --lam")
    p.set_defaults(_model_ranges={"K": (2, K_max), "L": (L_min, L_max), "n": (1, None)})


def lam_from_args(args):
    """The λ of --lam or the list of --lams (exactly one must be given; otherwise a usage error)."""
    if (args.lam is None) == (args.lams is None):
        args._parser.error("give exactly one of --lam or --lams")
    return args.lam if args.lam is not None else args.lams


def lam_description(args):
    """--lam / --lams as exact strings, for JSON output."""
    return fraction_str(args.lam) if args.lam is not None else [fraction_str(x) for x in args.lams]


def pattern_names(command: str, option: str = "--structures"):
    """argparse type of a pattern option of ``command`` (``--structures``, ``--structure``, ``--name``): the
    text as given (the command checks the names against the registry, ``patterns.require``); 'help'
    prints the table of the registered patterns ``command`` accepts and exits 0 (like '--loss help').

    >>> pattern_names("compare")("dnc,paired")
    'dnc,paired'
    """
    def parse(text: str) -> str:
        if text.strip().lower() == "help":
            from ..patterns import table
            print(f"{option} of 'ufmtheory {command}' accepts (m: free scales; 'ufmtheory patterns' lists every "
                  f"registered pattern):\n")
            print(table(command, with_commands=False))
            raise SystemExit(0)
        return text
    return parse


def loss_name(text: str) -> str:
    """argparse type of ``--loss``: a registered loss name, parameterised as 'ls-ce:0.1'
    (``losses.get``), returned canonical; '--loss help' prints the registry and exits."""
    from ..losses import cli_type
    return cli_type(text)


def add_loss_argument(p, help_prefix: str = "", default: str | None = "ce") -> None:
    """``--loss`` (default 'ce'; ``default=None`` when the caller fills it in, as sweep's custom grid
    does) with the registered losses in its help (``losses.LOSSES``)."""
    from ..losses import LOSSES, PARAMETERS
    names = ", ".join(k + (":" + PARAMETERS[k][0] if k in PARAMETERS else "") for k in LOSSES)
    shown = "" if default is not None else " (default: ce)"
    p.add_argument("--loss", type=loss_name, default=default, metavar="LOSS",
                   help=f"{help_prefix}fit term: {names} (e.g. ls-ce:0.1); '--loss help' lists them{shown}")


def model_from_args(args, **model_options):
    """DeepUFM(K, L, n, λ) from the shared options (``add_model_arguments``); ``model_options`` are
    passed on (loss, activation, d …)."""
    from .. import _validate as V
    from ..model import DeepUFM
    for name, (lo, hi) in getattr(args, "_model_ranges", {}).items():
        V.integer(f"--{name}", getattr(args, name), lo, hi)
    model_options.setdefault("loss", getattr(args, "loss", "ce"))
    return DeepUFM(args.K, args.L, n=args.n, lam=lam_from_args(args), **model_options)
