"""The registry of named patterns: every one-scale structure, multi-scale family, coupled family and explicit
construction the toolkit builds by name, in one place (issue 10). Per entry: its name, kind, the number of
free scales m, the K it is defined for, the commands that accept it, a one-line description with its
source, and its builder.

The other lists of names are views of this one: ``names.STRUCTURE_NAMES`` / ``COMPARE_NAMES`` /
``FAMILY_NAMES`` / ``COUPLED_NAME``, ``structures.NAMED`` and ``structures.named``,
``families.named_family``, the ``--structures`` / ``--structure`` / ``--name`` options of the command
line, and what a loss calls 'dnc' (``losses.Loss.dnc_structure`` names an entry). Adding a pattern is one
``Pattern`` in ``PATTERNS`` (and its builder).

Kept free of heavy imports (no sympy, no scipy, nothing of the toolkit above the foundation layer) so
that ``ufmtheory --help`` stays fast: builders are referenced by ``"module:function"`` strings and
imported only when ``Pattern.builder_function()`` is called.

>>> [p.name for p in PATTERNS if "compare" in p.commands]
['dnc', 'paired', 'polygon', 'coupled']
>>> get("paired2").scales, get("paired2").K_text, get("paired2").accepts_K(4)
(2, 'odd K >= 3', False)
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass

from . import _validate as V

#: Kinds of entries.
STRUCTURE = "structure"        # one K×K pattern S, one free scale t (Z̄ = t·S): ``structures``
FAMILY = "family"              # independent scales, one per component (``families.Family``)
COUPLED = "coupled-family"     # scales sharing a singular value, not separable (``coupled.CoupledFamily``)
CONSTRUCTION = "construction"  # explicit ReLU/linear factors, one output scale (``constructions.Construction``)
KINDS = (STRUCTURE, FAMILY, COUPLED, CONSTRUCTION)


@dataclass(frozen=True)
class Pattern:
    """One registered pattern.

    ``scales``: the number m of free scales (None: it depends on the parameter, see ``scales_text``).
    ``K_min``, ``odd``, ``triangular``: the K it is defined for (``accepts_K``). ``commands``: the commands
    whose pattern option accepts the name (an entry such as ``"phase --coupled"`` names another option).
    ``builder``: ``"module:function"`` (``builder_function()`` imports it) called as ``call``. ``parameter``: the
    text after ':' of a parameterised name (``blocks:3+2``), '' for a plain name.
    """

    name: str
    kind: str
    scales: int | None
    description: str
    source: str
    builder: str
    call: str
    commands: tuple = ()
    K_min: int = 2
    odd: bool = False
    triangular: bool = False
    parameter: str = ""
    scales_text: str = ""

    @property
    def shown_name(self) -> str:
        """The name as written on the command line ('blocks:a+b+…' for a parameterised one)."""
        return f"{self.name}:{self.parameter}" if self.parameter else self.name

    @property
    def K_text(self) -> str:
        """The valid K in words.

        >>> get("triangular").K_text
        'K = r(r−1)/2, r >= 3'
        """
        if self.triangular:
            return "K = r(r−1)/2, r >= 3"
        if self.parameter:
            return f"K = {self.parameter}"
        return ("odd K" if self.odd else "K") + f" >= {self.K_min}"

    @property
    def m_text(self) -> str:
        return str(self.scales) if self.scales is not None else self.scales_text

    def accepts_K(self, K: int) -> bool:
        """Whether the pattern is defined for K classes (for a parameterised name: for some parameter).

        >>> [K for K in range(2, 12) if get("triangular").accepts_K(K)], get("coupled").accepts_K(5)
        ([3, 6, 10], True)
        """
        if K < self.K_min or (self.odd and K % 2 == 0):
            return False
        if self.triangular:
            r = (1 + math.isqrt(1 + 8 * K)) // 2
            return r >= 3 and r * (r - 1) // 2 == K
        return True

    def builder_function(self):
        """The function ``builder`` names, imported now (the heavy modules load here, not before).

        >>> get("dnc").builder_function().__name__
        'dnc'
        """
        module, _, qualname = self.builder.partition(":")
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj

    def row(self) -> dict:
        """The entry as a JSON-ready dict (``ufmtheory patterns --json``).

        >>> get("blocks:3+2").row()["m"], get("coupled").row()["builder"]
        ('1 per size', 'ufmtheory.coupled:CoupledFamily.at(K, L, mu)')
        """
        return {"name": self.shown_name, "kind": self.kind, "m": self.m_text if self.scales is None else self.scales,
                "valid_K": self.K_text, "commands": list(self.commands), "description": self.description,
                "source": self.source, "builder": f"{self.builder}{self.call}"}


PATTERNS = (
    Pattern("dnc", STRUCTURE, 1,
            "simplex ETF I − 11ᵀ/K (neural collapse); with --loss mse the orthogonal frame I_K",
            "paper Def. 2", "ufmtheory.structures:dnc", "(K)",
            commands=("compare", "phase", "certify", "landscape")),
    Pattern("paired", STRUCTURE, 1,
            "paired blocks I_m ⊗ [[1,−1],[−1,1]], odd K: plus a singleton class e_K e_Kᵀ",
            "paper Eq. 5", "ufmtheory.structures:paired", "(K)",
            commands=("compare", "phase", "certify", "landscape")),
    Pattern("paired2", FAMILY, 2,
            "odd K: the pairs of paired at scale t₁, the singleton class e_K e_Kᵀ at its own scale t₂",
            "this toolkit", "ufmtheory.families:paired_two_scale", "(K)",
            commands=("phase",), K_min=3, odd=True),
    Pattern("paired2c", FAMILY, 2,
            "odd K: pairs at scale t₁, centred singleton column (e_K − 1/K) e_Kᵀ at scale t₂",
            "this toolkit", "ufmtheory.families:paired_centred", "(K)",
            commands=("phase",), K_min=3, odd=True),
    Pattern("polygon", STRUCTURE, 1,
            "regular polygon S_jc = cos(2π(j−c)/K), rank 2: the q_K witness",
            "SPEC §3: the paper's q_K", "ufmtheory.structures:polygon", "(K)",
            commands=("compare", "phase", "certify", "landscape")),
    Pattern("coupled", COUPLED, 3,
            "odd K: pairs at scale a + centred singleton (e_K − 1/K)(β e_K + γ 1_pairs)ᵀ, β, γ coupled; CE only",
            "this toolkit, found by the global search (issue 11)", "ufmtheory.coupled:CoupledFamily.at", "(K, L, mu)",
            commands=("compare", "phase --coupled"), K_min=3, odd=True),
    Pattern("blocks", FAMILY, None,
            "block-diagonal simplices of sizes a, b, … (a partition of K), e.g. blocks:3+2",
            "this toolkit; the paper's 'smaller simplex with pairs' GD endpoints", "ufmtheory.families:blocks",
            "(K, sizes)", commands=("phase",), parameter="a+b+…", scales_text="1 per size"),
    Pattern("orthogonal-frame", STRUCTURE, 1,
            "orthogonal frame I_K: what 'dnc' builds under --loss mse (no bias)",
            "Dang et al. 2023", "ufmtheory.structures:orthogonal_frame", "(K)"),
    Pattern("relu-paired", CONSTRUCTION, 1,
            "non-negative ReLU construction (L >= 2) with paired-block output, CE; against the best linear DNC",
            "paper Theorem 7", "ufmtheory.constructions:relu_paired", "(K, L)",
            commands=("construction",)),
    Pattern("triangular", CONSTRUCTION, 1,
            "T(r) line-graph ReLU construction (L >= 2), MSE, output the orthogonal frame from features of rank r",
            "Súkeník et al. arXiv:2405.14468, reconstructed here", "ufmtheory.constructions:triangular", "(r, L)",
            commands=("construction",), K_min=3, triangular=True),
)

_BY_NAME = {p.name: p for p in PATTERNS}


def get(name: str) -> Pattern:
    """The entry of ``name`` ('blocks:3+2' → the 'blocks' entry); a ParameterError naming the registered
    patterns if there is none.

    >>> get("blocks:3+2").kind
    'family'
    >>> get("hexagon")
    Traceback (most recent call last):
    ufmtheory._validate.ParameterError: pattern must be one of 'dnc', 'paired', 'paired2', 'paired2c', 'polygon', 'coupled', 'blocks:a+b+…', 'orthogonal-frame', 'relu-paired', 'triangular', got 'hexagon'
    """
    key = name.split(":", 1)[0] if isinstance(name, str) and ":" in name else name
    p = _BY_NAME.get(key) if isinstance(key, str) else None
    if p is None or bool(p.parameter) != (isinstance(name, str) and ":" in name):
        raise V.ParameterError(f"pattern must be one of {', '.join(repr(q.shown_name) for q in PATTERNS)}, "
                               f"got {name!r}")
    return p


def names(command: str | None = None, kind: str | None = None, parameterised: bool = False) -> tuple:
    """Registered plain names in registry order, those accepted by ``command`` and of ``kind`` if given
    (parameterised names such as 'blocks' only with ``parameterised``).

    >>> names("phase"), names(kind=COUPLED)
    (('dnc', 'paired', 'paired2', 'paired2c', 'polygon'), ('coupled',))
    """
    return tuple(p.name for p in PATTERNS
                 if (command is None or command in p.commands) and (kind is None or p.kind == kind)
                 and (parameterised or not p.parameter))


def entries(command: str | None = None, kind: str | None = None) -> tuple:
    """The entries accepted by ``command`` and of ``kind`` (every entry if both are None), parameterised
    ones included.

    >>> [p.shown_name for p in entries("phase", FAMILY)]
    ['paired2', 'paired2c', 'blocks:a+b+…']
    """
    return tuple(p for p in PATTERNS
                 if (command is None or command in p.commands) and (kind is None or p.kind == kind))


def require(name, command: str, what: str = "structure") -> Pattern:
    """The entry of ``name`` if ``command`` accepts it, else a ParameterError naming ``what`` (the option)
    and the names ``command`` accepts.

    >>> require("blocks:3+2", "phase").name
    'blocks'
    >>> require("coupled", "phase", "--structures: structure")
    Traceback (most recent call last):
    ufmtheory._validate.ParameterError: --structures: structure must be one of 'dnc', 'paired', 'paired2', 'paired2c', 'polygon', 'blocks:a+b+…', got 'coupled'
    """
    try:
        p = get(name)
    except V.ParameterError:
        p = None
    if p is None or command not in p.commands:
        shown = ", ".join(repr(q.shown_name) for q in entries(command))
        raise V.ParameterError(f"{what} must be one of {shown}, got {name!r}")
    return p


COLUMNS = ("name", "kind", "m", "valid K", "commands", "description")


def table(command: str | None = None, with_commands: bool = True, kind: str | None = None) -> str:
    """The entries (accepted by ``command`` and of ``kind``, or all) as an aligned text table: name, kind,
    m (free scales), valid K, [commands,] description [source].

    >>> print(table("phase", with_commands=False).splitlines()[0])
    name          kind       m           valid K     description [source]
    """
    cols = [c for c in COLUMNS if with_commands or c != "commands"]
    rows = []
    for p in entries(command, kind):
        cells = {"name": p.shown_name, "kind": p.kind, "m": p.m_text, "valid K": p.K_text,
                 "commands": ", ".join(p.commands) or "—", "description": f"{p.description} [{p.source}]"}
        rows.append([cells[c] for c in cols])
    head = [c if c != "description" else "description [source]" for c in cols]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(cols) - 1)]
    lines = []
    for r in [head] + rows:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(len(cols) - 1)) + "  " + r[-1])
    return "\n".join(line.rstrip() for line in lines)
