"""Resource limits: work whose memory or time can be estimated from its inputs is refused *before*
it starts, with the estimate and the limit, instead of running out of memory or hanging.

Every command states its own bounds here (one place, so the README and ``--help`` can cite them);
the checks raise ``ParameterError`` (a usage error, exit status 2 on the command line).

>>> require_memory("a 10^6 x 10^6 float64 matrix", 8 * 10**12)
Traceback (most recent call last):
ufmtheory._validate.ParameterError: a 10^6 x 10^6 float64 matrix needs about 7.28 TiB of memory, more than the limit of 8 GiB
"""
from __future__ import annotations

import os

from ._validate import ParameterError

#: Memory one computation may plan to use: 8 GiB, or half the machine if that is less
#: (``UFMTHEORY_MAX_MEMORY_GB`` overrides).
MEMORY_LIMIT_BYTES = int(float(os.environ.get("UFMTHEORY_MAX_MEMORY_GB", "8")) * 2**30)
try:
    MEMORY_LIMIT_BYTES = min(MEMORY_LIMIT_BYTES,
                             os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
    pass


def human_bytes(n: float) -> str:
    """1536 → '1.5 KiB'.

    >>> human_bytes(3 * 2**30)
    '3 GiB'
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(n) < 1024 or unit == "EiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def require_memory(what: str, nbytes: float, limit: float | None = None) -> None:
    """Refuse work that needs more than ``limit`` bytes (default MEMORY_LIMIT_BYTES)."""
    limit = MEMORY_LIMIT_BYTES if limit is None else limit
    if nbytes > limit:
        raise ParameterError(f"{what} needs about {human_bytes(nbytes)} of memory, "
                             f"more than the limit of {human_bytes(limit)}")


def require_seconds(what: str, seconds: float, limit: float) -> None:
    """Refuse work estimated to take more than ``limit`` seconds.

    >>> require_seconds("10^14 gradient steps", 1e9, 3600)
    Traceback (most recent call last):
    ufmtheory._validate.ParameterError: 10^14 gradient steps would take about 1e+09 s, more than the limit of 3.6e+03 s
    """
    if seconds > limit:
        raise ParameterError(f"{what} would take about {seconds:.2g} s, more than the limit of {limit:.2g} s")


# ---- certify / check-certificate (ufmtheory.certificates) -----------------------------------------
# Measured on a shared 2-core machine (user time; the certificate is built, then re-checked):

#: Classes: dnc/paired at K = 100 take < 1 s, polygon (K/2 gaps of cosines) 10–30 s, K = 150 ~20–50 s;
#: K = 10^9 would build a 10^9 × 10^9 structure. The checker refuses larger K in a file too.
CERTIFY_MAX_K = 100
#: Weight matrices: the tie scan (81 λ values) takes 3 s at L = 2, 4 s at L = 1000, 16 s at L = 10^4.
CERTIFY_MAX_L = 1000
#: Samples per class: enters only through n^(1/(L+1)); 10^9 runs as fast as 1 (this bound only keeps
#: the exact numbers short).
CERTIFY_MAX_N = 10**9
#: Digits of a certificate's enclosures, relative to the values: 1000 digits take ~3 s (dnc, K = 4,
#: λ = 1/100), 16 s at λ = 1e-400 (working precision raised to cover the cancellation); 50 digits at
#: λ = 1e-1000 need 3728 bits and take 30 s.
CERTIFY_MAX_DIGITS = 1000
#: Working precision of a certificate (bits), when built and when checked (~6000 digits).
CERTIFY_MAX_PREC_BITS = 20000
