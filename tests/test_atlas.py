"""The symmetry atlas (ufmtheory.atlas, ``ufmtheory atlas``): subgroup classes, fixed subspaces, the
known optima recovered on their subspaces, and the full problem's criticality at every refined point
checked by an independent route (central differences of a hand-written mpmath loss)."""
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from ufmtheory.atlas import (atlas, fixed_basis, group_name, subgroup_classes,
                             symmetric_group)
from ufmtheory.cli import main
from ufmtheory.model import DeepUFM
from ufmtheory.precision import agreed_digits
from ufmtheory.scale import optimal_scale
from ufmtheory.structures import dnc, paired


def test_subgroup_class_counts_oeis_a000638():
    assert [len(subgroup_classes(K)) for K in range(1, 7)] == [1, 2, 4, 11, 19, 56]
    # the conjugates add up to the number of subgroups of S_K (OEIS A005432: 1, 2, 6, 30, 156, 1455)
    assert [sum(c.conjugates for c in subgroup_classes(K)) for K in range(1, 7)] == [1, 2, 6, 30, 156, 1455]


def test_fixed_subspace_dimensions():
    for K in range(2, 7):
        assert len(fixed_basis(symmetric_group(K), K)) == 1  # span of C = I − 11ᵀ/K
        assert len(fixed_basis([tuple(range(K))], K)) == K * (K - 1)  # all centred matrices
        for c in subgroup_classes(K):  # dim = #pair orbits − #point orbits
            pairs = len({frozenset((g[i], g[j]) for g in c.elements) for i in range(K) for j in range(K)})
            assert len(fixed_basis(c.elements, K)) == pairs - len(c.orbits)
    assert group_name(subgroup_classes(6)[-2].elements, 6) == "A_6"


@pytest.fixture(scope="module")
def atlas4():
    return atlas(4, 2, Fraction(1, 1024), starts=4, seed=1, search_starts=0, dps=30)


@pytest.fixture(scope="module")
def atlas5():
    return atlas(5, 2, Fraction(3, 100), starts=6, seed=0, search_starts=4, dps=30)


def _row(res, pattern):
    return next(pt for pt in res["points"] if pt.pattern == pattern)


def test_dnc_on_fix_SK_matches_one_scale_optimum(atlas4):
    pt = _row(atlas4, "dnc")
    assert pt.isotropy == "S_4" and pt.dim_fix == 1 and pt.rank == 3 and pt.refined
    ref = optimal_scale(dnc(4), DeepUFM(4, 2, lam=Fraction(1, 1024)), dps=40)
    with mpmath.workdps(60):
        assert agreed_digits(pt.loss, ref.loss) >= 25
        assert agreed_digits(pt.singular_values[0], ref.scale) >= 25  # s_i(t·C) = t


def test_paired_subgroup_gives_paired_optimum(atlas4):
    pt = _row(atlas4, "paired")
    assert pt.isotropy == "S_2≀S_2" and pt.isotropy_order == 8 and pt.rank == 2 and pt.refined
    ref = optimal_scale(paired(4), DeepUFM(4, 2, lam=Fraction(1, 1024)), dps=40)
    with mpmath.workdps(60):
        assert agreed_digits(pt.loss, ref.loss) >= 25
        assert agreed_digits(pt.singular_values[0], 2 * ref.scale) >= 25  # s(t·paired) = 2t


def test_odd_K_best_is_the_coupled_structure(atlas5):
    best = atlas5["points"][0]
    assert float(best.loss) <= 0.5111539  # the coupled structure's loss (coupled.optimum)
    assert best.pattern == "coupled" and best.rank == 3
    from ufmtheory.coupled import CoupledFamily, optimum
    o = optimum(CoupledFamily.at(5, 2, Fraction(3, 100)), dps=30)
    fams = {d["name"]: d["loss"] for d in atlas5["families"]}
    assert atlas5["families_best"]["name"] == "coupled" and abs(fams["coupled"] - float(o.loss)) < 1e-15
    with mpmath.workdps(60):
        assert agreed_digits(best.loss, o.loss) >= 25  # the atlas's refined point is the family's optimum
    assert abs(float(_row(atlas5, "dnc").loss) - 0.5238227438) < 1e-10  # DNC at this point (compare)
    assert float(best.loss) < float(_row(atlas5, "dnc").loss) - 0.01
    assert atlas5["search"]["starts"] == 4 and not atlas5["search"]["lower_than_atlas"]


def _loss_mp(Z, K, L, mu, r):
    """Hand-written reduced loss (SPEC §2) at the current precision: rank-r penalty."""
    fit = mpmath.fsum(mpmath.log(mpmath.fsum(mpmath.exp(Z[a, c] - Z[c, c]) for a in range(K)))
                      for c in range(K)) / K
    s = sorted(mpmath.svd_r(mpmath.matrix(Z.tolist()), compute_uv=False), reverse=True)[:r]
    p = mpmath.mpf(2) / (L + 1)
    return fit + mpmath.mpf(L + 1) / 2 * mu * mpmath.fsum(x ** p for x in s)


@pytest.mark.parametrize("which", ["atlas4", "atlas5"])
def test_full_problem_is_critical_at_every_refined_point(which, request):
    """Independent of the code's gradient: directional derivatives of ``_loss_mp`` along curves in the
    rank-r stratum, (U + tX) diag(s + t d) (V + tY)ᵀ with X ⊥ 1 (centred), random X, Y, d, by central
    differences (h = 10^-20 at 60 digits: error ~10^-40); no group is used."""
    res = request.getfixturevalue(which)
    K, L = res["model"]["K"], res["model"]["L"]
    rng = np.random.default_rng(7)
    checked = 0
    with mpmath.workdps(60):
        mu = _mu_exact(res)  # n = 1: μ = Λ
        for pt in res["points"]:
            if not pt.refined or pt.rank == 0:
                continue
            U, S, Vt = mpmath.svd_r(mpmath.matrix(pt.Z_mp.tolist()))
            r = pt.rank
            U = np.array(U.tolist(), dtype=object)[:, :r]
            V_ = np.array(Vt.tolist(), dtype=object)[:r].T
            s = [S[i] for i in range(r)]
            C = np.eye(K) - 1.0 / K
            for _ in range(3):
                X = C @ rng.standard_normal((K, r))
                Y = rng.standard_normal((K, r))
                d = rng.standard_normal(r)

                def f(t):
                    Zt = (U + t * X) @ np.diag([s[i] + t * d[i] for i in range(r)]).astype(object) @ (V_ + t * Y).T
                    return _loss_mp(Zt, K, L, mu, r)

                h = mpmath.mpf(10) ** -20
                deriv = (f(h) - f(-h)) / (2 * h)
                assert abs(deriv) < mpmath.mpf(10) ** -30, (pt.pattern, pt.isotropy, deriv)
            checked += 1
    assert checked >= 2


def _mu_exact(res):
    K, L, lam = res["model"]["K"], res["model"]["L"], Fraction(res["model"]["lam"])
    return DeepUFM(K, L, lam=lam).Lambda()


def test_cli_json(capsys):
    assert main(["atlas", "--K", "3", "--L", "2", "--lam", "0.03", "--starts", "2", "--search", "2",
                 "--dps", "20", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classes"] == 4 and out["best"]["pattern"] == "dnc" and out["search"]["starts"] == 2
    dnc_row = out["rows"][0]
    ref = optimal_scale(dnc(3), DeepUFM(3, 2, lam=Fraction(3, 100)), dps=20)
    assert agreed_digits(mpmath.mpf(dnc_row["loss"]), ref.loss) >= 19
    assert out["rows"][-1]["pattern"] == "zero" and out["rows"][-1]["loss"].startswith(str(math.log(3))[:12])


@pytest.mark.parametrize("argv, text", [
    (["--K", "7", "--L", "2", "--lam", "0.03"], "--K must be an integer >= 2 and <= 6"),
    (["--K", "1", "--L", "2", "--lam", "0.03"], "--K must be an integer >= 2 and <= 6"),
    (["--K", "4", "--L", "2", "--lam", "0.03", "--starts", "0"], "--starts"),
    (["--K", "4", "--L", "2", "--lam", "0.03", "--dps", "1"], "--dps"),
    (["--K", "4", "--L", "2", "--lam", "-1"], "lam"),
])
def test_cli_bad_input(argv, text, capsys):
    with pytest.raises(SystemExit) as e:
        main(["atlas", *argv])
    assert e.value.code == 2 and text in capsys.readouterr().err
