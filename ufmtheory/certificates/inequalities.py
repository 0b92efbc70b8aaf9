"""Exact certificates for the inequalities behind Theorem 1 and Theorem 7 (SPEC §4).

Both reduce, by raising positive sides to the power L+1, to ρ^{L+1} > σ with rationals ρ, σ > 0
depending on K only; decided in exact rational arithmetic for every L >= 1 at once:
if ρ <= 1 <= σ it never holds; if ρ > 1, ρ^{L+1} increases with L, so it holds exactly for
L >= L_min(K) (the smallest L >= 1 with ρ^{L+1} > σ).

Theorem 1 (proof step, paired vs DNC penalties), m = ⌊K/2⌋:
    m·2^{2/(L+1)} < 2m − 1  ⇔  4·m^{L+1} < (2m−1)^{L+1}  ⇔  ρ^{L+1} > 4,  ρ = (2m−1)/m = 2 − 1/m.
  ρ increases with m and ρ < 2, so the set is closed upwards in K and L: m = 1 never (ρ = 1);
  L = 1 never (ρ² < 4); (m, L) = (2, 2) fails, (2, 3) and (3, 2) hold. Hence it is exactly
  {K >= 4, L >= 3} ∪ {K >= 6, L = 2}, for all K and L — Theorem 1's stated region.
Theorem 7 (ReLU construction beats the linear DNC bound):
  even K: 2(K+2) < (K−1)·4^{(L−1)/(L+1)}·((K+2)/K)^{3/(L+1)}
          ⇔ ρ^{L+1} > σ,  ρ = 2(K−1)/(K+2),  σ = 16 (K/(K+2))³;
  odd K:  2(K+3) < (K−1)·4^{(L−1)/(L+1)}·[(K+3)^{3/2}/(K (K+1)^{1/2})]^{2/(L+1)}
          ⇔ ρ^{L+1} > σ,  ρ = 2(K−1)/(K+3),  σ = 16 K²(K+1)/(K+3)³.
  (Divide the (L+1)-th powers of both sides by (2(K+2))^{L+1} resp. (2(K+3))^{L+1}, use
  4^{L−1} = 4^{L+1}/16.) The certificate gives L_min(K) for every K in a range, valid for all L.
"""
from __future__ import annotations

from fractions import Fraction

from .. import _validate as V
from . import format as fmt
from .numbers import qstr
from .scale import CertificateInvalid

MAX_K = 100000


def _l_min(rho: Fraction, sigma: Fraction):
    """Smallest L >= 1 with rho^(L+1) > sigma, or None when it never holds (rho <= 1 <= sigma)."""
    if rho <= 1:
        if sigma >= 1:
            return None
        raise ValueError("rho <= 1 with sigma < 1 does not occur here")  # pragma: no cover
    L, power = 1, rho * rho
    while not power > sigma:
        L += 1
        power *= rho
    return L


# ---- Theorem 1 -------------------------------------------------------------------------------------

def t1_rho_sigma(K: int) -> tuple:
    m = K // 2
    return Fraction(2 * m - 1, m), Fraction(4)


def t1_holds(K: int, L: int) -> bool:
    """m·2^{2/(L+1)} < 2m−1 decided in integers: 4·m^{L+1} < (2m−1)^{L+1}."""
    m = K // 2
    return 2 * m - 1 > 0 and 4 * m ** (L + 1) < (2 * m - 1) ** (L + 1)


def t1_stated(K: int, L: int) -> bool:
    return (K >= 4 and L >= 3) or (K >= 6 and L == 2)


def _t1_general_facts() -> dict:
    """The finitely many facts that, with monotonicity in m and L, decide every (K, L)."""
    return {"m=1 never (rho = 1)": Fraction(1, 1) ** 2 <= 4,
            "L=1 never (rho < 2, rho^2 < 4)": all(Fraction(2 * m - 1, m) < 2 for m in (1, 2, 3)),
            "(m, L) = (2, 2) fails": not t1_holds(4, 2),
            "(m, L) = (2, 3) holds": t1_holds(4, 3),
            "(m, L) = (3, 2) holds": t1_holds(6, 2)}


def t1_statement(K_max: int) -> str:
    return ("for all K >= 2, L >= 1: m·2^(2/(L+1)) < 2m−1 (m = ⌊K/2⌋) holds exactly when K >= 4 and L >= 3, "
            f"or K >= 6 and L = 2 (Theorem 1's region); table of the smallest L for K = 2..{K_max}")


def certify_theorem1(K_max: int = 200) -> dict:
    K_max = V.integer("K_max", K_max, 6, MAX_K)
    table = {str(K): _l_min(*t1_rho_sigma(K)) for K in range(2, K_max + 1)}
    facts = _t1_general_facts()
    if not all(facts.values()):  # pragma: no cover - would disprove the lemma
        raise CertificateInvalid("Theorem 1 corner facts fail")
    claim = {"type": "theorem1-inequality", "K_max": K_max, "statement": t1_statement(K_max)}
    proof = {"form": "4·m^(L+1) < (2m−1)^(L+1), i.e. rho^(L+1) > 4 with rho = (2m−1)/m",
             "L_min": table, "general_facts": sorted(facts)}
    return fmt.new(claim, {"K_range": [2, K_max]}, proof, {"backend": "exact integers", "prec_bits": 0})


def check_theorem1(cert: dict) -> dict:
    K_max = _k_max(cert)
    table = cert["proof"].get("L_min")
    _check_table(table, K_max, t1_rho_sigma)
    facts = _t1_general_facts()
    if sorted(cert["proof"].get("general_facts", [])) != sorted(facts) or not all(facts.values()):
        raise CertificateInvalid("the general facts (monotonicity corners) do not hold or are not the stated ones")
    for K in range(2, K_max + 1):
        lm = table[str(K)]
        stated_min = None if K < 4 else (3 if K < 6 else 2)
        if lm != stated_min:
            raise CertificateInvalid(f"K={K}: inequality holds from L={lm}, stated region from L={stated_min}")
    if cert["claim"].get("statement") != t1_statement(K_max):
        raise CertificateInvalid(f"the claim's statement does not follow from the proven fields; they prove: "
                                 f"{t1_statement(K_max)}")
    return {"K_range": [2, K_max], "matches_stated_region": True}


# ---- Theorem 7 -------------------------------------------------------------------------------------

def t7_rho_sigma(K: int) -> tuple:
    if K % 2 == 0:
        return Fraction(2 * (K - 1), K + 2), 16 * Fraction(K, K + 2) ** 3
    return Fraction(2 * (K - 1), K + 3), Fraction(16 * K * K * (K + 1), (K + 3) ** 3)


def t7_holds(K: int, L: int) -> bool:
    rho, sigma = t7_rho_sigma(K)
    return rho ** (L + 1) > sigma


def t7_stated_min(K: int):
    """Smallest L of the stated region (K >= 10 and L >= 5, or K >= 16 and L = 4) at this K."""
    return 4 if K >= 16 else (5 if K >= 10 else None)


def t7_region(K_max: int) -> dict:
    """L_min(K) for K = 2..K_max and the comparison with the stated region."""
    table = {K: _l_min(*t7_rho_sigma(K)) for K in range(2, K_max + 1)}
    missing = [K for K in table if t7_stated_min(K) is not None
               and (table[K] is None or table[K] > t7_stated_min(K))]
    extra = [[K, table[K], t7_stated_min(K)] for K in table if table[K] is not None
             and (t7_stated_min(K) is None or table[K] < t7_stated_min(K))]
    return {"table": table, "sufficient": not missing, "exact": not missing and not extra,
            "missing": missing, "extra": extra}


def t7_statement(K_max: int, reg: dict) -> str:
    extra_txt = "; ".join(f"K={K}: from L={lm}" + (f" (stated: L>={sm})" if sm else " (stated: never)")
                          for K, lm, sm in reg["extra"])
    missing_txt = ", ".join(map(str, reg["missing"]))
    return (f"for K = 2..{K_max} and every L >= 1, Theorem 7's inequality holds exactly for L >= L_min(K) "
            "(table); on the stated region (K >= 10 and L >= 5, or K >= 16 and L = 4) it "
            + ("holds" if reg["sufficient"] else f"does NOT always hold (fails at K = {missing_txt})") + "; "
            + ("the region is exact" if reg["exact"] else f"it also holds outside it: {extra_txt}"))


def certify_theorem7(K_max: int = 200) -> dict:
    K_max = V.integer("K_max", K_max, 16, MAX_K)
    reg = t7_region(K_max)
    claim = {"type": "theorem7-inequalities", "K_max": K_max,
             "stated_region_sufficient": reg["sufficient"], "stated_region_exact": reg["exact"],
             "statement": t7_statement(K_max, reg)}
    proof = {"form": "rho^(L+1) > sigma; even K: rho = 2(K−1)/(K+2), sigma = 16(K/(K+2))^3; "
                     "odd K: rho = 2(K−1)/(K+3), sigma = 16K^2(K+1)/(K+3)^3",
             "L_min": {str(K): v for K, v in reg["table"].items()},
             "outside_stated_region": reg["extra"], "stated_region_fails_at_K": reg["missing"]}
    return fmt.new(claim, {"K_range": [2, K_max]}, proof, {"backend": "exact rationals", "prec_bits": 0})


def check_theorem7(cert: dict) -> dict:
    K_max = _k_max(cert)
    _check_table(cert["proof"].get("L_min"), K_max, t7_rho_sigma)
    reg = t7_region(K_max)
    claim = cert["claim"]
    if claim.get("stated_region_sufficient") != reg["sufficient"] or claim.get("stated_region_exact") != reg["exact"]:
        raise CertificateInvalid("the claim about the stated region does not match the exact table")
    if cert["proof"].get("outside_stated_region") != reg["extra"] or \
            cert["proof"].get("stated_region_fails_at_K") != reg["missing"]:
        raise CertificateInvalid("the listed differences from the stated region are not the exact ones")
    if claim.get("statement") != t7_statement(K_max, reg):
        raise CertificateInvalid(f"the claim's statement does not follow from the proven fields; they prove: "
                                 f"{t7_statement(K_max, reg)}")
    return {"K_range": [2, K_max], "stated_region_sufficient": reg["sufficient"],
            "stated_region_exact": reg["exact"], "outside_stated_region": reg["extra"]}


# ---- shared --------------------------------------------------------------------------------------

def _k_max(cert: dict) -> int:
    K_max = cert["claim"].get("K_max")
    if cert.get("parameters") != {"K_range": [2, K_max]}:
        raise CertificateInvalid("parameters.K_range must be [2, claim.K_max]")
    if not isinstance(K_max, int) or isinstance(K_max, bool) or not 2 <= K_max <= MAX_K:
        raise CertificateInvalid(f"K_max must be an integer in [2, {MAX_K}]")
    return K_max


def _check_table(table, K_max: int, rho_sigma) -> None:
    """Each L_min(K) re-proved: rho^(L_min+1) > sigma >= rho^(L_min) (or never: rho <= 1 <= sigma)."""
    if not isinstance(table, dict) or set(table) != {str(K) for K in range(2, K_max + 1)}:
        raise CertificateInvalid(f"L_min table must have one entry for each K = 2..{K_max}")
    for K in range(2, K_max + 1):
        rho, sigma = rho_sigma(K)
        lm = table[str(K)]
        if lm is None:
            if not (rho <= 1 <= sigma):
                raise CertificateInvalid(f"K={K}: 'never' is wrong (rho = {qstr(rho)}, sigma = {qstr(sigma)})")
            continue
        if not isinstance(lm, int) or isinstance(lm, bool) or lm < 1 or lm > 10 ** 6:
            raise CertificateInvalid(f"K={K}: L_min must be a positive integer or null")
        if not (rho > 1 and rho ** (lm + 1) > sigma and (lm == 1 or not rho ** lm > sigma)):
            raise CertificateInvalid(f"K={K}: L_min = {lm} is not the smallest L with rho^(L+1) > sigma")
