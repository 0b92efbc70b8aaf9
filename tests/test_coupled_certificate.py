"""The certified bracket of the (K, L, n) = (5, 2, 1) DNC/coupled tie (ufmtheory.coupled_certificate).

Independent expectations: λ* to 30 digits from the issue (found by coupled.ties_with at 40 digits), DNC's
loss by a hand-written mpmath function f(t) = log(1 + 4e^{−t}) + (3/2)μ·4·t^{2/3} (K = 5 simplex: gap t to
4 classes, 4 singular values t, SPEC §2) minimised by findroot, and the coupled minimum by coupled.optimum
(the 1-D reduction + Newton, a different route from the box prover)."""
from fractions import Fraction

import mpmath
import pytest

from ufmtheory import coupled as C
from ufmtheory.coupled_certificate import certify_tie_dnc_coupled

LAM_STAR_30 = Fraction("0.000123574554421091064467009987625")


@pytest.fixture(scope="module")
def cert():
    return certify_tie_dnc_coupled()


def _frac(s):
    return Fraction(s)


def _inside(x, iv):
    return mpmath.mpf(_frac(iv[0]).numerator) / _frac(iv[0]).denominator <= x <= \
        mpmath.mpf(_frac(iv[1]).numerator) / _frac(iv[1]).denominator


def dnc_loss_mp(lam):
    """min_t log(1 + 4e^{−t}) + 6 μ t^{2/3} (K = 5, L = 2, n = 1: μ = λ), at the current precision."""
    mu = mpmath.mpf(lam.numerator) / lam.denominator
    f = lambda t: mpmath.log(1 + 4 * mpmath.exp(-t)) + 6 * mu * t ** (mpmath.mpf(2) / 3)  # noqa: E731
    df = lambda t: -4 * mpmath.exp(-t) / (1 + 4 * mpmath.exp(-t)) + 4 * mu * t ** (-mpmath.mpf(1) / 3)  # noqa: E731
    return f(mpmath.findroot(df, 9.75))


def test_bracket_certified_and_contains_lambda_star(cert):
    assert cert["certified"] is True
    lo, hi = _frac(cert["lam_lo"]), _frac(cert["lam_hi"])
    assert lo < LAM_STAR_30 < hi
    assert (hi - lo) / lo <= Fraction(1, 10 ** 25)
    i = cert["at_lam_lo"]
    assert i["certified"] and i["leaves"]["open"] == 0 and i["boxes"] > 0 and i["recomputed_bits"] == 384
    # (i): coupled minimum above DNC's upper end; (ii): the coupled point below DNC's lower end
    assert _frac(i["coupled_min"][0]) > _frac(i["dnc_loss"][1])
    ii = cert["at_lam_hi"]
    assert ii["certified"] and _frac(ii["coupled_value"][1]) < _frac(ii["dnc_loss"][0])


def test_enclosures_agree_with_independent_values(cert):
    with mpmath.workdps(40):
        for key, lam in (("at_lam_lo", _frac(cert["lam_lo"])), ("at_lam_hi", _frac(cert["lam_hi"]))):
            with mpmath.workdps(80):  # the enclosure carries 60 digits
                assert _inside(dnc_loss_mp(lam), cert[key]["dnc_loss"])
            c = C.optimum(C.CoupledFamily.at(5, 2, lam), dps=30).loss
            enc = cert[key]["coupled_min" if key == "at_lam_lo" else "coupled_value"]
            mid = (mpmath.mpf(_frac(enc[0]).numerator) / _frac(enc[0]).denominator)
            assert abs(c - mid) <= mpmath.mpf(10) ** -30 * abs(c)  # optimum(dps=30) carries 30 digits


def test_wrong_bracket_is_not_certified():
    # centred 1e-20 (relative) above λ*: at its λ_lo the coupled family already wins, so (i) must fail
    r = certify_tie_dnc_coupled(lam_star=LAM_STAR_30 * (1 + Fraction(1, 10 ** 20)), replay=False)
    assert r["certified"] is False and r["at_lam_lo"]["certified"] is False and r["at_lam_hi"]["certified"]
