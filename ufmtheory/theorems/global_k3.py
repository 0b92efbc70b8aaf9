"""K = 3 against the global minimum (``ufmtheory.global_min``): where the prover certifies the global
minimum of the reduced loss, and what the exact one-scale optima say about DNC at K = 3, L = 2 — a case
outside Theorem 1's region (K >= 6 at L = 2) where DNC is nevertheless not globally optimal for some λ."""
from __future__ import annotations

from fractions import Fraction

import mpmath

from .registry import CheckRow, TheoremEntry, register


def _certified(L: int, lam: str, expected, expected_name: str, opts, max_seconds: float = 20.0) -> CheckRow:
    """A certified global minimum at (3, L, 1, λ); ``expected``: the value computed independently
    (DNC's exact one-scale optimum, or log 3), which the enclosure must contain."""
    from ..global_min import certified_minimum
    r = certified_minimum(3, L, 1, lam, starts=4, max_seconds=max_seconds)
    lo, hi = Fraction(r.lower), Fraction(r.upper)
    inside = lo <= Fraction(mpmath.nstr(expected, 40, strip_zeros=False)) <= hi
    ok = r.certified and r.structure == expected_name and inside
    return CheckRow(
        "K = 3 global", f"the global minimum of the reduced loss at λ = {lam} is {expected_name}, certified",
        f"K=3, L={L}, n=1, λ={lam}",
        "certified" if ok else "fails",
        f"min f ∈ [{r.lower}, {r.upper}] (arb, {r.prec} bits; {r.boxes} boxes, {r.seconds:.1f} s); contains "
        f"{expected_name}'s value {mpmath.nstr(expected, 20)} computed by the one-scale engine",
        expected_to_hold=True)


def check(opts) -> list:
    from ..families import named_family
    from ..global_search import named_optima
    from ..model import DeepUFM
    from ..scale import optimal_scale
    from ..structures import dnc, from_matrix
    with mpmath.workdps(40):
        dnc_L1 = optimal_scale(dnc(3), DeepUFM(3, 1, n=1, lam=Fraction(1, 20)), dps=30).loss
        dnc_L2 = optimal_scale(dnc(3), DeepUFM(3, 2, n=1, lam=Fraction(1, 20)), dps=30).loss
        rows = [_certified(1, "1/20", dnc_L1, "dnc", opts),
                _certified(2, "1/2", mpmath.log(3), "zero", opts),
                # the DNC regime at L = 2 (flat valley): 11–22 s of branch and bound on 2 cores
                _certified(2, "1/20", dnc_L2, "dnc", opts, max_seconds=600.0)]
        # L = 2, λ = 0.18: the exact optima of DNC and of paired2c (one pair at scale a, the third class at
        # its own scale; at this λ the singleton's scale is 0, i.e. the rank-1 pattern [[1,−1,0],[−1,1,0],0])
        lam = Fraction(18, 100)
        opt = {d["name"]: d for d in named_optima(3, 2, mpmath.mpf(lam.numerator) / lam.denominator,
                                                  [named_family("dnc", 3), named_family("paired2c", 3)], dps=30)}
        v_dnc, v_pair = opt["dnc"]["loss"], opt["paired2c"]["loss"]
        rank = sum(1 for s in opt["paired2c"]["singular_values"] if s > 1e-12)
    rows.append(CheckRow(
        "K = 3 global", "at K = 3, L = 2 (outside Theorem 1's region) DNC is not a global minimum at λ = 0.18: a "
        "rank-1 pair pattern has a lower loss",
        "K=3, L=2, n=1, λ=0.18; 30 digits",
        "finding" if v_pair < v_dnc - 1e-6 and rank == 1 else "fails",
        f"exact one-scale optima (critical points isolated with interval arithmetic): paired2c {v_pair:.15g} "
        f"(rank {rank}) < DNC {v_dnc:.15g}; verify does not run the 6-variable prover here (~10 min: "
        f"`ufmtheory global --K 3 --L 2 --lam 0.18 --max-seconds 1200` certifies the pair as the global minimum)",
        expected_to_hold=False))
    with mpmath.workdps(40):
        pair = from_matrix([[1, -1, 0], [-1, 1, 0], [0, 0, 0]], name="pair")
        v_pair30 = optimal_scale(pair, DeepUFM(3, 2, n=1, lam=lam), dps=30).loss
    rows.append(_rank1(v_pair30))
    rows.append(_l1_switch())
    return rows


def _l1_switch() -> CheckRow:
    """L = 1 is convex: by proofs/l1_global.py DNC is a global minimum for λ√n < 1/K and zero above, so the
    global switch at K = 3, n = 1 is exactly λ* = 1/3 = ‖∇g(0)‖₂ (computed here exactly in sympy). Checked
    against the family phase engine's switch (30 digits) and the certified minima on both sides."""
    import sympy as sp
    from ..global_min import certified_minimum
    from ..names import FAMILY_NAMES
    from ..phase import cell
    K = 3
    Z = sp.Matrix(K, K, lambda i, j: sp.Symbol(f"z{i}_{j}"))
    g = sum(sp.log(sum(sp.exp(Z[k, c]) for k in range(K))) - Z[c, c] for c in range(K)) / K
    G = sp.Matrix(K, K, lambda i, j: sp.diff(g, Z[i, j]).subs({z: 0 for z in Z}))
    spec = sp.sqrt(max((G.T * G).eigenvals(), key=lambda e: float(e)))
    lam_star = Fraction(str(sp.nsimplify(spec)))
    ivs = cell(K, 1, names=FAMILY_NAMES, dps=30)["intervals"]
    engine = Fraction(ivs[0]["lam_hi"])
    below, above = certified_minimum(K, 1, 1, "0.3", starts=4), certified_minimum(K, 1, 1, "0.34", starts=4)
    ok = (lam_star == Fraction(1, 3) and ivs[0]["winner"].startswith("dnc") and ivs[1]["winner"] == "zero"
          and abs(engine - lam_star) < Fraction(1, 10 ** 29) and (below.certified, below.structure) == (True, "dnc")
          and (above.certified, above.structure) == (True, "zero"))
    return CheckRow(
        "K = 3 global", "at L = 1 the phase diagram is the global one: DNC is a global minimum for λ < 1/(K√n), "
        "zero above — the K = 3 switch λ* = 1/3 is proven (convex problem + S_K symmetry: proofs/l1_global.py)",
        "K=3, L=1, n=1", "certified" if ok else "fails",
        f"λ* = ‖∇g(0)‖₂ = {lam_star} (sympy, exact); the family phase engine's switch {ivs[0]['lam_hi']} (30 digits); "
        f"certified global minima: λ = 0.3 → {below.structure} [{below.lower}, {below.upper}], "
        f"λ = 0.34 → {above.structure} [{above.lower}, {above.upper}]",
        expected_to_hold=True)


def _rank1(v_pair) -> CheckRow:
    """At (3, 2, 1, 0.18) the minimum over matrices of rank <= 1, certified (lemma 3 of ``global_min``), must
    be the pair pattern, its enclosure holding the pattern's one-scale optimum ``v_pair`` (the scale engine's
    30-digit value of t ↦ f(t·[[1,−1,0],[−1,1,0],0]), an independent route)."""
    from ..global_min import certified_rank1_minimum
    r = certified_rank1_minimum(3, 2, 1, "0.18", max_seconds=300.0)
    lo, hi = Fraction(r.lower), Fraction(r.upper)
    inside = lo <= Fraction(mpmath.nstr(v_pair, 40, strip_zeros=False)) <= hi
    ok = r.certified and r.structure == "pair" and inside
    return CheckRow(
        "K = 3 global", "at λ = 0.18 the best matrix of rank <= 1 is the pair pattern, certified (so the rank-1 "
        "pair beating DNC is the best rank-1 point, not just a listed family)",
        "K=3, L=2, n=1, λ=0.18", "certified" if ok else "fails",
        f"min over rank <= 1 ∈ [{r.lower}, {r.upper}] (arb; {r.boxes} boxes on θ ∈ [π/3, π/2] × v ∈ R³, "
        f"{r.seconds:.1f} s); contains the pair pattern's exact one-scale optimum {mpmath.nstr(v_pair, 25)} "
        f"(scale engine, 30 digits)",
        expected_to_hold=True)


ENTRY = register(TheoremEntry(
    key="global_k3",
    title="K = 3: certified global minima (finding)",
    statement=("The global minimum of the reduced loss at K = 3, certified by interval branch and bound where the "
               "prover closes (L = 1; the zero regime; the DNC regime at L = 2, λ = 1/20), DNC's failure at "
               "L = 2 between the phase switches, and the certified best rank <= 1 matrix there."),
    source="computed by this toolkit (ufmtheory.global_min); Theorem 1's region of arXiv:2410.23169 for context",
    hypotheses=lambda K, L, **_: K == 3,
    check=check,
    order=16.0,
    label="K = 3 global",
))
