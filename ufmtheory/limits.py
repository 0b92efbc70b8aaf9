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


# ---- compare (``ufmtheory compare``) and construction (``ufmtheory construction``) -------------
# Measured with dnc,paired,polygon, n = 5, L = 2, λ = 2^-10, on a 2-core machine shared with other
# jobs (times include that load).

#: Most classes for compare: the cost grows like K² (K² exact gaps, K/2 distinct polygon gaps per
#: column in the interval boxes); at 50 digits K = 100 took 18 s, K = 150 43 s, K = 200 76 s.
COMPARE_MAX_K = 150
#: Most weight matrices for compare: L enters only through p = 2/(L+1) and the L+1 λ's
#: (K = 10 at 50 digits: L = 1000 0.3 s, L = 10^4 0.6 s).
COMPARE_MAX_L = 10_000
#: Most significant digits for compare: at K = 10, 1000 digits took 8 s, 2000 19 s, 3000 64 s.
COMPARE_MAX_DPS = 3000
#: Longest compare run accepted, by ``compare_seconds`` (which over-estimates the runs above).
COMPARE_MAX_SECONDS = 120
#: Most starts of ``compare --search`` (one float64 L-BFGS run each; the time limit binds first for K > 10).
COMPARE_MAX_SEARCH_STARTS = 1000


def compare_seconds(K: int, dps: int, structures: int = 3) -> float:
    """Rough time of ``compare`` (fitted to the measurements above: ≈ K² at fixed digits, ≈ dps^1.9
    at fixed K).

    The measured runs are accepted, the largest K with the most digits is not:

    >>> max(compare_seconds(*a) for a in ((150, 50), (100, 50), (10, 3000))) < COMPARE_MAX_SECONDS
    True
    >>> compare_seconds(COMPARE_MAX_K, COMPARE_MAX_DPS) > COMPARE_MAX_SECONDS
    True
    """
    return (0.2 + 2e-3 * K * K) * (1 + (dps / 200) ** 1.9) * structures / 3


#: Most significant digits for the coupled family in compare/phase (its optimum at 100 digits took 4 s;
#: the time grows like dps² through the Newton steps at dps + 2·GUARD digits).
COUPLED_MAX_DPS = 400


def coupled_seconds(dps: int) -> float:
    """Rough time of one ``coupled.optimum`` (every critical point at two precisions): 2.5 s at 20–50
    digits, 4 s at 100 (K = 5 and 15, 2 loaded shared cores), ≈ dps² beyond.

    >>> coupled_seconds(50) < 5 < coupled_seconds(COUPLED_MAX_DPS) < COMPARE_MAX_SECONDS
    True
    """
    return 2.5 * (1 + (dps / 100) ** 2)


#: Coupled-family cells of ``phase`` per run accepted by default (``--coupled auto``): each costs
#: ``coupled_phase_seconds`` (≈ 30–60 s), so a default grid of 56 odd cells would take most of an hour.
PHASE_COUPLED_AUTO_CELLS = 2


def coupled_phase_seconds(dps: int, points: int = 30) -> float:
    """Rough time of the coupled overlay of one phase cell: ``points`` enumerations at 20 digits
    (≈ 1 s each), a check per interval piece, and each tie refined at dps + GUARD and dps + 2·GUARD digits
    (≈ 10 s at dps = 50; measured at K = 5, L = 2).

    >>> 20 < coupled_phase_seconds(50) < 120
    True
    """
    return 1.2 * points + 8 + 3 * coupled_seconds(dps)


def compare_search_seconds(K: int, L: int, starts: int) -> float:
    """Rough time of ``compare --search``: one L-BFGS run costs ≈ (L+1)K³ (measured per start, L = 2:
    K = 10 0.3 s, 40 1.9 s, 80 22 s; K = 10, L = 30 0.9 s; K = 150 did not finish in 280 s).

    >>> compare_search_seconds(5, 2, 24) < 20 and compare_search_seconds(150, 2, 1) > COMPARE_MAX_SECONDS
    True
    """
    return starts * (0.5 + 1.5e-5 * (L + 1) * K ** 3)


def compare_search_bytes(K: int, L: int) -> float:
    """Memory of one ``compare --search`` run: L-BFGS keeps ≈ 2·30 + 20 vectors of (L+1)K² float64."""
    return 80 * 8 * (L + 1) * K * K

#: construction (relu-paired, triangular), default 30 digits: exact K×K products through L layers.
#: relu-paired at L = 2: K = 80 took 10 s, K = 160 93 s, K = 300 > 200 s; K = 40, L = 100: 37 s;
#: K = 4, L = 1000: 3.4 s. triangular at L = 2: K = 105 (r = 15) 15 s.
CONSTRUCTION_MAX_K = 160
CONSTRUCTION_MAX_L = 1000
#: Most digits for construction: K = 4, L = 2: 1000 digits took 2.6 s, 3000 digits 8.7 s.
CONSTRUCTION_MAX_DPS = 3000
#: Longest construction run accepted, by ``construction_seconds``.
CONSTRUCTION_MAX_SECONDS = 120


def construction_seconds(K: int, L: int, dps: int = 30) -> float:
    """Rough time of ``construction`` (fitted to the measurements above: ≈ K³ + K²·L at 30 digits,
    ≈ dps beyond).

    The measured runs are accepted, the largest K with the most digits is not:

    >>> max(construction_seconds(*a) for a in ((160, 2), (40, 100), (4, 1000), (4, 2, 3000))) < CONSTRUCTION_MAX_SECONDS
    True
    >>> construction_seconds(CONSTRUCTION_MAX_K, 2, CONSTRUCTION_MAX_DPS) > CONSTRUCTION_MAX_SECONDS
    True
    """
    return (0.3 + 1.6e-5 * K ** 3 + 2.3e-4 * K * K * L) * (1 + dps / 120) / (1 + 30 / 120)

# ---- sweep (ufmtheory sweep, ufmtheory.sweep) ----------------------------------------------------

#: Most gradient steps one run may be budgeted (--step-factor/(--lr·λ)): 10^8 steps take about
#: 2.5 h for the smallest model (K=3, d=3, 5 seeds: 90 µs a step) and a day for the paper's
#: (K=10, d=70: 1 ms a step); the paper's Figure 2 needs at most 4·10^5.
SWEEP_MAX_STEPS = 10**8
#: Largest K, n, d or L: a float64 array with an axis this long (times an axis >= 2) is 16 GB, over
#: the memory limit, so larger values are refused as sizes before any estimate is computed.
SWEEP_MAX_SIZE = 10**9
#: Most runs (grid points × seeds) in one sweep: each is a ~2 KB line of results.jsonl and a key held
#: in memory while scheduling; 10^6 runs is 2 GB of results.
SWEEP_MAX_RUNS = 10**6
#: Most local worker processes (each is a Python interpreter of ~100 MB).
SWEEP_MAX_WORKERS = 256
#: Largest initialisation scale σ is 10^(SWEEP_INIT_SCALE_DECADES/L): gradients grow like σ^L and
#: their squared norm like σ^(2L), which then stays below 10^200, far from float64 overflow (10^308).
SWEEP_INIT_SCALE_DECADES = 100


# --- verify ---------------------------------------------------------------------------------------
#: Largest working precision of ``verify --dps`` (CheckOptions.dps). Measured on 2 busy shared cores:
#: the full run takes 2.6 min at 30 digits and 3.8 min at 200 (all verdicts unchanged); the quick run
#: 43 s at 100, 61 s at 200 and 2.5 min at 500 (the certified and theorem1 interval proofs grow
#: fastest), so 10000 would not finish.
VERIFY_MAX_DPS = 200
#: Smallest ``verify --dps`` (fewer digits cannot resolve the checks' comparisons).
VERIFY_MIN_DPS = 5

# ---- phase (ufmtheory phase; measured on 2 shared cores, one cell = one (K, L) at n = 1) ----
#: Largest K: the cell (128, 1) takes ~41 s of CPU (95 s wall at load 7; 2 December 2026), the cost of the
#: proven branch and bound grows like K³ (≈ 4× more at L = 1).
PHASE_MAX_K = 128
#: Largest L: the cost hardly depends on L (K = 16: 1.0 s at L = 8, 2.4 s at L = 10000).
PHASE_MAX_L = 10_000
#: Largest n: n enters only as n^(1/(L+1)); n = 10^4000 costs 0.3 s, the bound matches the numbers.
PHASE_MAX_N = 10**1000
#: Largest --dps: the default grid K 2..16 × L 1..8 took 242 s at 1000 digits on 2 workers (load ≈ 4,
#: 156 s of CPU); the slowest 1000-digit cells measured, (65, 2) and (32, 4), take 33–38 s of CPU.
PHASE_MAX_DPS = 1000
#: Longest estimated grid (``phase.grid_seconds``, wall clock on the given workers): one hour.
PHASE_MAX_SECONDS = 3600


def phase_cell_seconds(K: int, L: int, dps: int) -> float:
    """Estimated seconds of one phase cell, as part of a grid: 0.3 + 10⁻⁵K³ (3·10⁻⁵K³ at L = 1, the proven
    branch and bound; independent of dps) + 0.6·K·(dps/1000)³ (the switches refined and checked at dps and
    2·dps digits, mpmath's Python backend).

    Fitted on 2 December 2026 to single cells timed in a fresh process (``phase.cell`` with every family,
    as ``ufmtheory phase`` calls it; CPU seconds, wall clock ≈ CPU at load <= 2, 1.5–3× that at load 4–7)
    and to whole grids (load 1.6–7 from other jobs on the 2 shared cores):

    ==============  ======  =====  ===============================================================
    cell (K, L)     digits  est.   measured CPU s
    ==============  ======  =====  ===============================================================
    (16, 4)         50      0.34   0.2–0.4 (every K <= 32, L >= 2: 0.03–0.8)
    (64, 1)         50      8.2    4.7
    (128, 1)        50      63     41
    (128, 2)        50      21     11 (127, 2): 13, (128, 8): 14
    (32, 4)         300     1.2    ≈ 0.7; 500 digits 1.0, 700 digits 1.5
    (65, 2)         500     7.9    4.1; 300 digits 2.5
    (16, 4)         1000    9.9    2.1 (was 74 s before the phase-diagram performance work)
    (14, 3)         1000    8.7    20 (the slowest cell of the default grid; mean of K = 14: ≈ 6)
    (32, 4)         1000    20     33 (K = 32, L = 1, 2, 3, 8, 12: 1.6–10; mean ≈ 8.6)
    (65, 2)         1000    42     38 ((64, 1): 5.8, (64, 2): 13)
    (128, 1)        1000    140    41 ((128, 2): 40)
    ==============  ======  =====  ===============================================================

    It bounds the mean cell of a grid, not every cell: single 1000-digit cells take up to 3× it (the
    slowest measured: 38 s, so no single cell within PHASE_MAX_K and PHASE_MAX_DPS approaches the hour
    limit). Whole grids (estimate by ``phase.grid_seconds`` against measured wall clock, 2 workers): K 2..16 ×
    L 1..8 at 50 digits 19 s vs 5–7 s at load 1.6 and 14–16 s at load 3.5; K 2..32 × L 1..12 76 s vs 25–27 s
    at load 1.8, 46 s at load 3.5; K 2..16 × L 1..8 at 1000 digits 343 s vs 242 s at load 4 (the old
    constants estimated 3262 s, and 6524 s on one worker, which was refused).

    >>> round(phase_cell_seconds(16, 4, 1000), 1), round(phase_cell_seconds(128, 1, 50))
    (9.9, 63)
    """
    return 0.3 + 1e-5 * K ** 3 * (3 if L == 1 else 1) + 0.6 * K * (dps / 1000) ** 3


# ---- landscape (ufmtheory landscape; rates measured on 2 shared cores) ----
#: float64 work rate of the Hessian routes: dense P = 2700 (eigvalsh + 2700 HVPs, ~8e10 flops) took 10.7 s,
#: the orbit-Jacobian SVD (2700 × 870, ~1e10 flops) 8.7 s; 1e9 flop/s is the slower of the two.
LANDSCAPE_FLOPS_PER_SECOND = 1e9
#: mpmath work rate: 50-digit Hessian blocks at P = 108 (5e5 operations) took 9.1 s, at P = 208 (6.7e6) 63 s.
LANDSCAPE_MP_OPS_PER_SECOND = 5e4
#: Longest estimated run (all selected critical points); the Figure-1 size (9,100 parameters) is ~20 s.
LANDSCAPE_MAX_SECONDS = 600
#: --mp auto and --dense auto run the optional cross-checks only when they are estimated below this.
LANDSCAPE_AUTO_SECONDS = 60
#: Largest --seed (numpy seeds are non-negative).
LANDSCAPE_MAX_SEED = 2**32 - 1
#: Smallest product λ_H·λ_W1⋯λ_WL: below the smallest normal float64 the float64 checks silently get 0.
LANDSCAPE_MIN_LAMBDA_PRODUCT = 2.2250738585072014e-308

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


def certify_model(K, L, n) -> tuple:
    """(K, L, n) of a certificate checked against ``CERTIFY_MAX_K`` …, before any work (and before the
    certificate machinery is imported, so a refusal is immediate).

    >>> certify_model(4, 2, 1)
    (4, 2, 1)
    """
    from . import _validate as V
    return (V.integer("K", K, 2, CERTIFY_MAX_K), V.integer("L", L, 1, CERTIFY_MAX_L),
            V.integer("n", n, 1, CERTIFY_MAX_N))


def certify_digits(digits) -> int:
    """The digits a certificate's enclosures carry, checked against [10, ``CERTIFY_MAX_DIGITS``].

    >>> certify_digits(30)
    30
    """
    from . import _validate as V
    return V.integer("digits", digits, 10, CERTIFY_MAX_DIGITS)


# ---- atlas (ufmtheory atlas; measured on 2 shared, loaded cores, L = 2, 8 starts per class) ----
#: Largest K: S_6 has 56 conjugacy classes of subgroups (K = 6, λ = 2^-10: ~50 s with 24 search starts);
#: S_7 has 96 classes and 5040 elements, and relabelling checks run over all K! permutations.
ATLAS_MAX_K = 6
#: Most L-BFGS starts per subgroup class (K = 6: ~0.1 s per start and class).
ATLAS_MAX_STARTS = 200
#: Most starts of the atlas's plain global search (as compare --search).
ATLAS_MAX_SEARCH_STARTS = 1000
#: Most digits of the refined critical points (one mpf SVD per Newton step: 6×6 at 45 digits ~40 ms).
ATLAS_MAX_DPS = 200


# ---- global (ufmtheory.global_min: certified global minimum of the reduced loss) -----------------
#: Classes: the branch and bound runs on the K(K−1) = 6 per-column gap coordinates of a centred 3×3
#: output (closed-form singular values); only K = 3 is implemented. Measured (2 loaded cores): the zero
#: regime certifies (L = 2, λ = 0.5: 337 boxes; L = 3, λ = 0.3: 4 589), L = 1 certifies by the convex
#: relaxation in < 1 s; the DNC regime at λ = 0.05 certifies with 30 107 boxes in 11–22 s at L = 2 and
#: 77 889 boxes in 29–50 s at L = 3 (star region, per-column convex bound, structured Taylor bound); the
#: pair regime (L = 2, λ = 0.18) with 905 123 boxes in ~10 min; past --max-seconds the enclosure is proven
#: but wide and the answer says certified: false.
GLOBAL_MIN_K = 3
GLOBAL_MAX_K = 3
#: Weight matrices: as L grows the tube radius r₀ = (A/g)^{(L+1)/(L−1)} and the bounded box change
#: little, but the box counts were measured only for L <= 6.
GLOBAL_MAX_L = 6
#: Samples per class (enters only through μ = λ n^{1/(L+1)}).
GLOBAL_MAX_N = 10**9


def parameter_count(K: int, L: int, d: int, N: int) -> int:  # here, below model: the cost estimates use it
    """Number of real parameters of the DUFM: H_1 (d×N), W_1 … W_{L−1} (d×d), W_L (K×d) — computable
    without building a model (cost estimates of sizes a model would refuse).

    >>> parameter_count(K=10, L=2, d=70, N=50)
    9100
    """
    return d * N + (L - 1) * d * d + K * d


def landscape_work(model, r: int, part: str) -> tuple:
    """(bytes, float64 flops, mpmath operations) of one part of the analysis of a rank-r critical point:
    "blocks" (float64 block spectrum and orbit tangent), "mp_blocks" (the same at mpmath precision),
    "mp_gradient" (mpmath gradient, identity frame), "dense" (dense Hessian, eigenvalues and orbit
    Jacobian at P parameters: 8P² bytes, ~P³ flops). Dominant terms only; the core block (size
    m = 2rK + (L−1)r², T = L·r(r−1)/2 tangent vectors) dominates the block routes. Here, not in ``landscape``, so that
    ``ufmtheory landscape`` refuses too large a run before importing the analysis.

    >>> from ufmtheory.model import DeepUFM
    >>> landscape_work(DeepUFM(4, 2, n=2, lam="0.01", d=6), 3, "dense")[0] > 0
    True
    """
    K, L, d, N = model.K, model.L, model.d, sum(model.class_sizes)
    P = parameter_count(K, L, d, N)
    hvp = 6 * (L * d * d * N + K * d * N)  # one Hessian-vector product
    m, T = 2 * r * K + (L - 1) * r * r, L * r * (r - 1) // 2
    block_ops = 4 * m * m * P + 2 * m * P * T + m * hvp + 4 * m * T * T + 2 * m ** 3
    if part == "blocks":
        return 8 * (2 * m * P + T * P + m * m + m * T) + 8 * (L + 2) * d * d, block_ops + L * d ** 3, 0
    if part == "mp_blocks":
        return 200 * (2 * m * P + T * P + m * m), 0, block_ops // 2 + 5 * m ** 3
    if part == "mp_gradient":
        return 200 * (4 * P + d * d), 0, hvp // 2
    if part == "dense":
        J = L * d * (d - 1) // 2
        return 8 * (3 * P * P + 2 * P * J), P * hvp + 4 * P ** 3 + 4 * P * J * min(P, J) + 3 * L * d ** 3, 0
    raise ParameterError(f"part must be blocks, mp_blocks, mp_gradient or dense, got {part!r}")
