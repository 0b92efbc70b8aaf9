"""`compare --loss mse`: "dnc" is the neural-collapse pattern of MSE without bias — the orthogonal
frame γI (Dang et al. 2023) — not CE's simplex ETF (which the command used to return and call dnc)."""
import json
from fractions import Fraction

import mpmath

from ufmtheory.cli import main
from ufmtheory.structures import dnc, named, orthogonal_frame


def dang_optimum(K, L, n, lam, dps=60):
    """Independent route: γ solves γ^{L−1}(1−γ)^{L+1} = K^{L+1} n λ^{L+1} (Dang et al., one λ for every
    factor), the larger root is the local minimum; loss (γ−1)²/2 + ((L+1)λ/2) K n^{1/(L+1)} γ^{2/(L+1)}."""
    with mpmath.workdps(dps):
        lam = mpmath.mpf(lam.numerator) / lam.denominator  # exact λ, rounded at this precision
        c = K ** (L + 1) * n * lam ** (L + 1)
        g = lambda x: x ** (L - 1) * (1 - x) ** (L + 1) - c  # noqa: E731
        top = (mpmath.mpf(L) - 1) / (2 * L)  # g is increasing below its maximum at (L−1)/(2L)
        gamma = mpmath.findroot(g, (top, 1 - mpmath.mpf(10) ** -30), solver="bisect")
        loss = (gamma - 1) ** 2 / 2 + (L + 1) * lam / 2 * K * mpmath.mpf(n) ** (mpmath.mpf(1) / (L + 1)) \
            * gamma ** (mpmath.mpf(2) / (L + 1))
        return gamma, loss


def test_compare_mse_dnc_is_the_orthogonal_frame_with_dangs_optimum(capsys):
    assert main(["compare", "--K", "3", "--L", "5", "--n", "40", "--lam", "0.01", "--loss", "mse",
                 "--structures", "dnc", "--dps", "30", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["structures"][0]
    gamma, loss = dang_optimum(3, 5, 40, Fraction(1, 100))
    with mpmath.workdps(40):
        assert row["name"] == "dnc" and row["kind"] == "positive critical point"
        assert abs(mpmath.mpf(row["scale"]) - gamma) <= mpmath.mpf(10) ** -29 * gamma
        assert abs(mpmath.mpf(row["loss"]) - loss) <= mpmath.mpf(10) ** -29 * loss
        # the simplex ETF at its own optimum is worse for MSE: what "dnc" used to report
        assert mpmath.mpf(row["loss"]) < mpmath.mpf("0.2765")


def test_named_dnc_depends_on_the_loss():
    assert named("dnc", 4, loss="mse").matrix == orthogonal_frame(4).matrix
    assert named("dnc", 4).matrix == dnc(4).matrix and named("dnc", 4, loss="ce").matrix == dnc(4).matrix
