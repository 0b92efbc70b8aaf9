"""At the computed DNC and paired critical scales (the paper's Figure 1 setting), Lemma 1 parameters
with random orthogonal factors and d > K have full gradient < 1e-40 at 50 digits, and the full loss
equals the reduced loss."""
import mpmath
import pytest

import ufmtheory as ut
from ufmtheory.objective import gradient_norm, loss_and_gradient
from ufmtheory.theorems.lemma1 import critical_parameters, unbalance


@pytest.mark.parametrize("name", ["dnc", "paired"])
def test_full_gradient_vanishes_at_figure1_critical_points(name):
    model = ut.DeepUFM(10, 2, n=5, lam="0.0009765625", d=12)
    S = ut.named(name, 10)
    opt = ut.optimal_scale(S, model, dps=50)
    assert [cp.kind for cp in opt.critical_points] == ["local max", "local min"]
    with mpmath.workdps(50):
        for k, cp in enumerate(opt.critical_points):
            Z, P = critical_parameters(model, S, cp.t, rng=k)
            total, grad = loss_and_gradient(model, P)
            assert gradient_norm(grad) < mpmath.mpf(10) ** -40
            red = ut.reduced_loss(model, Z, rank=S.rank)[0]
            assert abs(total - red) < mpmath.mpf(10) ** -45
            assert abs(total - cp.loss) < mpmath.mpf(10) ** -45


def test_off_critical_scale_has_nonzero_gradient():
    """The gradient test can fail: 1% away from the critical scale the gradient is large."""
    model = ut.DeepUFM(4, 2, n=2, lam="0.01", d=5)
    opt = ut.optimal_scale(ut.dnc(4), model, dps=50)
    with mpmath.workdps(50):
        _, P = critical_parameters(model, ut.dnc(4), opt.scale * mpmath.mpf("1.01"), rng=0)
        assert gradient_norm(loss_and_gradient(model, P)[1]) > mpmath.mpf(10) ** -4
        _, P = critical_parameters(model, ut.dnc(4), opt.scale, rng=0)
        U = unbalance(P)
        assert gradient_norm(loss_and_gradient(model, U)[1]) > mpmath.mpf(10) ** -4


def test_odd_paired_scale_critical_point_is_not_a_dufm_critical_point():
    """Finding: with one scale for pairs and singleton, odd-K paired is not critical in the full model."""
    model = ut.DeepUFM(5, 2, n=1, lam="0.002", d=6)
    opt = ut.optimal_scale(ut.paired(5), model, dps=40)
    with mpmath.workdps(40):
        _, P = critical_parameters(model, ut.paired(5), opt.scale, rng=0)
        assert gradient_norm(loss_and_gradient(model, P)[1]) > mpmath.mpf(10) ** -6
